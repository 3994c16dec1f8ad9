//! Cross-lingual search (`--cross`): each English query word also stands for its Chinese
//! translations, and each Chinese word for its English ones, from a glossary derived from
//! CC-CEDICT (`glossary.txt`, written by `examples/make_glossary.rs`; Creative Commons
//! Attribution-ShareAlike 4.0).
//!
//! English glosses are looked up by their analysed words (lowercased and stemmed, as the index
//! holds them), so `poverty reduction`, `reduce poverty` and `Poverty Reductions` meet. A
//! translation is kept only where the index holds it, the more specific first (a Chinese word
//! with fewer senses), then the more frequent: probabilistic structured queries in the small,
//! where a word's translations share its clause instead of each counting as a word of its own.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::analysis::english::word_term;

static GLOSSARY_TEXT: &str = include_str!("glossary.txt");

/// Most translations one query word expands to.
pub const MAX_TRANSLATIONS: usize = 3;
/// At most this many of a clause's candidate translations are looked up in the index.
pub const MAX_LOOKUPS: usize = 64;
/// Longest English phrase looked up as one gloss, in words.
pub const MAX_PHRASE_WORDS: usize = 4;

/// The glossary, both ways.
#[derive(Debug, Default)]
pub struct Glossary {
    to_english: HashMap<&'static str, Vec<&'static str>>,
    /// Chinese words by the analysed form of each of their glosses.
    to_chinese: HashMap<String, Vec<&'static str>>,
}

/// The embedded glossary, parsed on first use (about 100 ms).
pub fn glossary() -> &'static Glossary {
    static GLOSSARY: OnceLock<Glossary> = OnceLock::new();
    GLOSSARY.get_or_init(|| {
        let mut glossary = Glossary::default();
        for line in GLOSSARY_TEXT.lines().filter(|l| !l.starts_with('#')) {
            let Some((word, glosses)) = line.split_once('\t') else {
                continue;
            };
            let glosses: Vec<&str> = glosses.split('|').collect();
            for gloss in &glosses {
                if let Some(key) = english_key(gloss) {
                    glossary.to_chinese.entry(key).or_default().push(word);
                }
            }
            glossary.to_english.insert(word, glosses);
        }
        glossary
    })
}

/// English text as the index analyses it: its words lowercased and stemmed, space-joined.
pub fn english_key(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter_map(word_term)
        .collect();
    (!words.is_empty() && words.len() <= MAX_PHRASE_WORDS).then(|| words.join(" "))
}

impl Glossary {
    /// English glosses of a simplified Chinese word.
    pub fn english(&self, chinese: &str) -> &[&'static str] {
        self.to_english.get(chinese).map_or(&[], Vec::as_slice)
    }

    /// Chinese words glossed by English `text`, the most specific (fewest glosses) first.
    pub fn chinese(&self, text: &str) -> Vec<&'static str> {
        let Some(key) = english_key(text) else {
            return Vec::new();
        };
        let mut words = self.to_chinese.get(&key).cloned().unwrap_or_default();
        words.sort_by_key(|w| self.english(w).len());
        words.dedup();
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glosses_meet_in_both_directions() {
        let glossary = glossary();
        assert!(glossary.english("减贫").contains(&"poverty reduction"));
        assert_eq!(glossary.chinese("Poverty Reductions")[0], "减贫");
        assert!(glossary.chinese("friend").contains(&"友"));
        assert!(glossary.chinese("city").contains(&"城"));
        assert!(glossary.chinese("qwertyuiop").is_empty());
    }
}
