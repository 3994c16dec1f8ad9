//! Pinyin queries: toneless pinyin typed for Chinese words (`py:jianpin`, `--pinyin jian pin`).
//!
//! A pinyin word expands only to Han text **the index holds**, so a syllable's dozens of
//! homophones do not flood the query: the words of the word field and the characters of the
//! gram field that can be read as the typed pinyin, or a sequence of them in which every two
//! neighbouring characters form a character pair the index holds (so `shanghezuzhi` finds
//! `上合组织`, which jieba splits as `上 合 组织`). Candidates are kept only where they occur,
//! fewest pieces first, then the most frequent: at most [`MAX_EXPANSIONS`].
//!
//! Readings are per character, from CC-CEDICT (`readings.txt`, written by
//! `examples/make_pinyin.rs`; Creative Commons Attribution-ShareAlike 4.0): a character with
//! several readings (`行` hang/xing) matches each.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use crate::text::cleanup::is_han;

static READINGS_TEXT: &str = include_str!("readings.txt");

/// Most Chinese forms one pinyin word expands to.
pub const MAX_EXPANSIONS: usize = 5;
/// Most typed words of letters joined into one pinyin word (`zhong hua ren min` → 中华人民):
/// a run of such words is read in windows of at most this many, so that its look-ups grow
/// with its length, not with its square.
pub const MAX_JOINED_WORDS: usize = 6;
/// Most candidate forms of one pinyin word counted in the index (fewest pieces first).
pub const MAX_LOOKUPS: usize = 64;
/// Most spellings computed for one word (the product of its characters' readings).
pub const MAX_SPELLINGS: usize = 32;
/// Most candidate sequences looked at for one pinyin word.
const MAX_CANDIDATES: usize = 200;

fn readings() -> &'static HashMap<char, Vec<&'static str>> {
    static READINGS: OnceLock<HashMap<char, Vec<&'static str>>> = OnceLock::new();
    READINGS.get_or_init(|| {
        READINGS_TEXT
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (c, readings) = l.split_once('\t')?;
                Some((c.chars().next()?, readings.split(' ').collect()))
            })
            .collect()
    })
}

/// Typed pinyin as the letters it spells: lower case, tone marks and tone digits dropped,
/// `ü` as `v`, spaces and apostrophes (`xi'an`) ignored. `None` when it holds anything else.
pub fn normalize(typed: &str) -> Option<String> {
    let mut out = String::new();
    for c in typed.nfd() {
        match c {
            'a'..='z' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '\u{308}' => {
                if out.ends_with('u') {
                    out.pop();
                    out.push('v');
                }
            }
            '1'..='5' | ' ' | '\'' | '’' => {}
            c if is_combining_mark(c) => {}
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The ways `word` (Han characters) reads in toneless pinyin, at most [`MAX_SPELLINGS`].
pub fn spellings(word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in word.chars() {
        let Some(options) = readings().get(&c) else {
            return Vec::new();
        };
        out = out
            .iter()
            .flat_map(|s| options.iter().map(move |r| format!("{s}{r}")))
            .take(MAX_SPELLINGS)
            .collect();
    }
    out
}

/// The Han vocabulary of an index, by spelling.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Words and characters by each of their spellings.
    by_spelling: HashMap<String, Vec<String>>,
    /// Character pairs the index holds.
    pairs: HashSet<String>,
    /// Longest spelling, in letters.
    longest: usize,
}

impl Vocabulary {
    /// From the index's Han words and characters with the passages each occurs in, and its
    /// character pairs.
    pub fn new(
        pieces: impl IntoIterator<Item = (String, u64)>,
        pairs: HashSet<String>,
    ) -> Vocabulary {
        let mut vocabulary = Vocabulary {
            pairs,
            ..Vocabulary::default()
        };
        // A character may come as a word and as a character: counted once, at its most.
        let mut most: HashMap<String, u64> = HashMap::new();
        for (piece, passages) in pieces {
            let count = most.entry(piece).or_default();
            *count = (*count).max(passages);
        }
        let mut by_spelling: HashMap<String, Vec<(std::cmp::Reverse<u64>, String)>> =
            HashMap::new();
        for (piece, passages) in most {
            for spelling in spellings(&piece) {
                vocabulary.longest = vocabulary.longest.max(spelling.len());
                let entry = (std::cmp::Reverse(passages), piece.clone());
                by_spelling.entry(spelling).or_default().push(entry);
            }
        }
        // Candidates are composed, and cut at a bound, in this order: the most frequent
        // pieces first, and the same order in every process.
        for (spelling, mut pieces) in by_spelling {
            pieces.sort_unstable();
            let pieces = pieces.into_iter().map(|(_, piece)| piece).collect();
            vocabulary.by_spelling.insert(spelling, pieces);
        }
        vocabulary
    }

    /// Han strings the index may hold that read as `target` (normalised pinyin), with the
    /// number of pieces each is made of, fewest first.
    pub fn candidates(&self, target: &str) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        let mut budget = MAX_CANDIDATES * 20;
        self.compose(target, String::new(), 0, &mut out, &mut budget);
        out.sort_by_key(|(_, pieces)| *pieces);
        out.dedup_by(|a, b| a.0 == b.0);
        out
    }

    fn compose(
        &self,
        rest: &str,
        sofar: String,
        pieces: usize,
        out: &mut Vec<(String, usize)>,
        budget: &mut usize,
    ) {
        if rest.is_empty() {
            out.push((sofar, pieces));
            return;
        }
        for end in (1..=rest.len().min(self.longest)).rev() {
            let Some(words) = self.by_spelling.get(&rest[..end]) else {
                continue;
            };
            for word in words {
                if out.len() >= MAX_CANDIDATES || *budget == 0 {
                    return;
                }
                *budget -= 1;
                if let (Some(last), Some(first)) = (sofar.chars().last(), word.chars().next()) {
                    if !self.pairs.contains(&format!("{last}{first}")) {
                        continue;
                    }
                }
                self.compose(
                    &rest[end..],
                    format!("{sofar}{word}"),
                    pieces + 1,
                    out,
                    budget,
                );
            }
        }
    }
}

/// Whether a term of the index is Han text (pinyin can stand for it).
pub fn is_han_term(term: &str) -> bool {
    !term.is_empty() && term.chars().all(is_han)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_pinyin_normalises() {
        assert_eq!(normalize("jian pin").as_deref(), Some("jianpin"));
        assert_eq!(normalize("Jiǎnpín").as_deref(), Some("jianpin"));
        assert_eq!(normalize("lü3").as_deref(), Some("lv"));
        assert_eq!(normalize("xi'an").as_deref(), Some("xian"));
        assert_eq!(normalize("减贫"), None);
        assert_eq!(normalize("   "), None);
    }

    #[test]
    fn words_spell_with_every_reading() {
        assert_eq!(spellings("减贫"), ["jianpin"]);
        assert!(spellings("银行").contains(&"yinhang".to_owned()));
        assert!(spellings("绿").contains(&"lv".to_owned()));
        assert!(spellings("x").is_empty());
    }

    #[test]
    fn candidates_compose_pieces_joined_by_known_pairs() {
        let pieces =
            ["上", "合", "组织", "商", "和", "减贫", "检", "频"].map(|p| (p.to_owned(), 1));
        let pairs: HashSet<String> = ["上合", "合组", "检频"].map(String::from).into();
        let vocabulary = Vocabulary::new(pieces, pairs);
        let found = vocabulary.candidates("shanghezuzhi");
        assert_eq!(
            found,
            [("上合组织".to_owned(), 3)],
            "商和 is no pair of the index"
        );
        let found = vocabulary.candidates("jianpin");
        assert_eq!(found, [("减贫".to_owned(), 1), ("检频".to_owned(), 2)]);
        assert!(vocabulary.candidates("qingdao").is_empty());
    }

    #[test]
    fn candidates_come_most_frequent_first_and_once() {
        // 间 comes as a word and as a character; the order never depends on a hash.
        let pieces = [("检", 5), ("间", 9), ("件", 7), ("间", 2), ("减", 7)];
        let vocabulary = Vocabulary::new(pieces.map(|(p, n)| (p.to_owned(), n)), HashSet::new());
        let found: Vec<String> = vocabulary
            .candidates("jian")
            .into_iter()
            .map(|(text, _)| text)
            .collect();
        assert_eq!(found, ["间", "件", "减", "检"]);
    }
}
