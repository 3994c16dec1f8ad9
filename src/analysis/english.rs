//! Analysis of runs of letters and digits outside Han: English words.
//!
//! Case is folded, diacritics are dropped (`Qīngdǎo` matches `qingdao`), and words are reduced
//! with the Snowball English stemmer, so `Cities` matches `city`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHasher;
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Longest term kept, in bytes: longer runs are junk (base64, hashes) and tantivy caps terms.
pub const MAX_TERM_BYTES: usize = 100;

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

/// Stems cached per thread: a corpus repeats its vocabulary, and stemming dominated English
/// analysis. Emptied when it grows past this many words.
const STEM_CACHE_WORDS: usize = 200_000;

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

thread_local! {
    static STEMS: RefCell<FastMap<String, String>> = RefCell::default();
}

/// The index term for one word, or `None` for a word too long to be a term.
pub fn word_term(word: &str) -> Option<String> {
    with_word_term(word, str::to_owned)
}

/// `f` applied to the index term for one word, without copying it out of the cache; `None`
/// for a word too long to be a term.
pub fn with_word_term<R>(word: &str, f: impl FnOnce(&str) -> R) -> Option<R> {
    if word.len() > MAX_TERM_BYTES {
        return None;
    }
    STEMS.with(|stems| {
        let mut stems = stems.borrow_mut();
        if let Some(stem) = stems.get(word) {
            return (!stem.is_empty()).then(|| f(stem));
        }
        if stems.len() >= STEM_CACHE_WORDS {
            stems.clear();
        }
        let stem = stem_of(word);
        let result = (!stem.is_empty()).then(|| f(&stem));
        stems.insert(word.to_owned(), stem);
        result
    })
}

fn stem_of(word: &str) -> String {
    let folded: String = if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect()
    };
    stemmer().stem(&folded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_diacritics_and_stems_fold() {
        assert_eq!(word_term("Cities").as_deref(), Some("citi"));
        assert_eq!(word_term("city"), word_term("Cities"));
        assert_eq!(word_term("Friendship"), word_term("friendship"));
        assert_eq!(word_term("Qīngdǎo"), word_term("qingdao"));
        assert_eq!(word_term(&"x".repeat(MAX_TERM_BYTES + 1)), None);
        assert_eq!(
            word_term("\u{11d3c}"),
            None,
            "only a combining mark: nothing left"
        );
    }
}
