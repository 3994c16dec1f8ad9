//! jieba's dictionary in a form that costs nothing to open, for cold searches.
//!
//! `Jieba::new()` decompresses and loads 349,046 words (about 100 ms), while a query needs a
//! handful of them. jieba's segmentation of a text depends only on the dictionary words that
//! occur inside it, their frequencies, and the dictionary's total frequency (a word scores
//! `ln(freq) - ln(total)`). So a `Jieba` holding just the words found in the text, plus one
//! filler entry that no Han text contains and that brings the total back to the full
//! dictionary's, segments that text exactly as the full dictionary does.
//!
//! The words come from `jieba-lexicon.txt` (written by `examples/make_lexicon.rs` from
//! jieba-rs's own `dict.txt`): sorted `word<TAB>freq` lines after a header with the total,
//! embedded in the binary and searched in place by bisection.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jieba_rs::Jieba;

static LEXICON_TEXT: &str = include_str!("jieba-lexicon.txt");

/// A string no Han run contains (a private-use character), holding the frequency that the
/// words left out of a restricted dictionary would have contributed to the total.
const FILLER: &str = "\u{E000}";

/// The embedded lexicon.
#[derive(Debug)]
pub struct Lexicon {
    /// Sum of the frequencies of every entry of jieba's dictionary, Han or not.
    total: usize,
    /// Longest word, in characters.
    max_chars: usize,
    /// The sorted `word<TAB>freq\n` lines.
    body: &'static str,
}

/// The lexicon embedded in this program.
pub fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| Lexicon::parse(LEXICON_TEXT))
}

impl Lexicon {
    fn parse(text: &'static str) -> Lexicon {
        let (header, body) = text
            .split_once('\n')
            .expect("the lexicon has a header line");
        let field = |name: &str| -> usize {
            header
                .split_ascii_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .and_then(|v| v.parse().ok())
                .expect("the lexicon header names total and max_chars")
        };
        Lexicon {
            total: field("#total"),
            max_chars: field("max_chars"),
            body,
        }
    }

    /// The dictionary's total frequency.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The line starting at byte `at`: its word and frequency.
    fn entry_at(&self, at: usize) -> Option<(&'static str, &'static str)> {
        let line = self.body.get(at..)?.split('\n').next()?;
        line.split_once('\t')
    }

    /// Byte offset of the first line whose word is not less than `key`.
    fn lower_bound(&self, key: &str) -> usize {
        let bytes = self.body.as_bytes();
        let (mut lo, mut hi) = (0, bytes.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = bytes[..mid]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |nl| nl + 1)
                .max(lo);
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |nl| start + nl);
            let word = self.body[start..end].split('\t').next().unwrap_or("");
            if word < key {
                lo = (end + 1).min(bytes.len());
            } else {
                hi = start;
            }
        }
        lo
    }

    /// The frequency of `word`, if the dictionary has it.
    pub fn freq(&self, word: &str) -> Option<usize> {
        let (found, freq) = self.entry_at(self.lower_bound(word))?;
        (found == word).then(|| freq.parse().ok()).flatten()
    }

    /// A `Jieba` that segments each of `texts` exactly as the full default dictionary does.
    pub fn jieba_for<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Jieba {
        let mut words: BTreeMap<&'static str, usize> = BTreeMap::new();
        for text in texts {
            let bounds: Vec<usize> = text
                .char_indices()
                .map(|(b, _)| b)
                .chain([text.len()])
                .collect();
            for start in 0..bounds.len() - 1 {
                for end in start + 1..bounds.len().min(start + self.max_chars + 1) {
                    let key = &text[bounds[start]..bounds[end]];
                    let Some((word, freq)) = self.entry_at(self.lower_bound(key)) else {
                        break;
                    };
                    if word == key {
                        if let Ok(freq) = freq.parse() {
                            words.insert(word, freq);
                        }
                    } else if !word.starts_with(key) {
                        break;
                    }
                }
            }
        }
        let mut jieba = Jieba::empty();
        let mut sum = 0;
        for (word, freq) in words {
            jieba.add_word(word, Some(freq), Some(""));
            sum += freq;
        }
        jieba.add_word(FILLER, Some(self.total - sum), Some(""));
        jieba
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_find_words_and_only_words() {
        let lexicon = lexicon();
        assert_eq!(lexicon.freq("一"), Some(217830));
        assert!(lexicon.freq("组织").is_some());
        assert!(lexicon.freq("上合").is_none());
        assert!(lexicon.freq("").is_none());
        assert!(lexicon.freq("\u{10FFFF}").is_none());
    }

    /// The lexicon is jieba-rs's dictionary: same total, and every word known to jieba.
    #[test]
    fn lexicon_matches_jieba() {
        let jieba = Jieba::new();
        let debug = format!("{jieba:?}");
        assert!(
            debug.contains(&format!("total_freq: {}", lexicon().total())),
            "{debug} vs total {}",
            lexicon().total()
        );
        let mut checked = 0;
        for line in lexicon().body.lines() {
            let (word, _) = line.split_once('\t').unwrap();
            assert!(jieba.has_word(word), "{word}");
            checked += 1;
        }
        assert!(checked > 340_000, "{checked}");
    }
}
