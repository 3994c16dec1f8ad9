//! Analysis of runs of letters and digits outside Han: English words.
//!
//! Case is folded, diacritics are dropped (`Qīngdǎo` matches `qingdao`), and words are reduced
//! with the Snowball English stemmer, so `Cities` matches `city`.

use std::cell::RefCell;
use std::hash::Hasher;
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

/// Longest word (and stem) a cache slot holds, in bytes; longer words are stemmed each time.
const SLOT_BYTES: usize = 31;
/// Slots of the per-thread stem cache (64 bytes each: 1 MiB).
const SLOTS: usize = 1 << 14;

/// One cached word and its stem, inline: a lookup touches one cache line. The cache is
/// direct-mapped by the word's hash, and a word that lands on a taken slot replaces it; a
/// corpus repeats a small vocabulary, so nearly every lookup hits.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    word_len: u8,
    stem_len: u8,
    word: [u8; SLOT_BYTES],
    stem: [u8; SLOT_BYTES],
}

impl Slot {
    const EMPTY: Slot = Slot {
        word_len: 0,
        stem_len: 0,
        word: [0; SLOT_BYTES],
        stem: [0; SLOT_BYTES],
    };

    fn holds(&self, word: &str) -> bool {
        usize::from(self.word_len) == word.len() && &self.word[..word.len()] == word.as_bytes()
    }

    fn stem(&self) -> &str {
        std::str::from_utf8(&self.stem[..usize::from(self.stem_len)])
            .expect("a slot holds a stem copied from a str")
    }
}

thread_local! {
    static STEMS: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
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
    let call = |stem: &str| (!stem.is_empty()).then(|| f(stem));
    if word.len() > SLOT_BYTES {
        return call(&stem_of(word));
    }
    STEMS.with(|slots| {
        let mut slots = slots.borrow_mut();
        if slots.is_empty() {
            slots.resize(SLOTS, Slot::EMPTY);
        }
        let mut hasher = FxHasher::default();
        hasher.write(word.as_bytes());
        let slot = &mut slots[hasher.finish() as usize & (SLOTS - 1)];
        if !slot.holds(word) {
            let stem = stem_of(word);
            if stem.len() > SLOT_BYTES {
                return call(&stem);
            }
            slot.word_len = word.len() as u8;
            slot.word[..word.len()].copy_from_slice(word.as_bytes());
            slot.stem_len = stem.len() as u8;
            slot.stem[..stem.len()].copy_from_slice(stem.as_bytes());
        }
        call(slot.stem())
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
    fn the_cache_gives_what_the_stemmer_gives() {
        let words: Vec<String> = (0..3 * SLOTS)
            .map(|i| format!("Nation{i}alities"))
            .chain(["x".repeat(SLOT_BYTES), "y".repeat(SLOT_BYTES + 1)])
            .collect();
        for _ in 0..2 {
            for word in &words {
                assert_eq!(word_term(word), Some(stem_of(word)), "{word}");
            }
        }
    }

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
