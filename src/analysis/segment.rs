//! Segmentation of Han runs with jieba.
//!
//! `Jieba::new()` decompresses and builds the default dictionary (about 95 ms and 33 MB), so a
//! process builds it once, on the first Han run it meets: an English-only query never pays.
//! HMM discovery of unknown words is off: it glues unknown characters to their neighbours
//! differently in different contexts, so a query and a document would disagree on the words,
//! while dictionary-only segmentation of an unknown name (`上合`) gives the same single
//! characters everywhere, which phrase matching then joins.

use std::sync::OnceLock;

use jieba_rs::Jieba;

/// A Han word found by the segmenter, in characters of the run it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub chars: std::ops::Range<usize>,
}

/// The process-wide jieba instance with its default dictionary.
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

/// Words of `run`; with `sub_words`, also the dictionary words of 2 and 3 characters inside
/// longer words (jieba's search mode), so `互利` is found inside `平等互利`.
pub fn segment(run: &str, sub_words: bool) -> Vec<Word<'_>> {
    let jieba = jieba();
    let tokens = if sub_words {
        jieba.cut_for_search(run, false)
    } else {
        jieba.cut(run, false)
    };
    tokens
        .into_iter()
        .map(|t| Word {
            text: t.word,
            chars: t.start..t.end,
        })
        .collect()
}
