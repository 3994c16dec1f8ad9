//! Segmentation of Han runs with jieba.
//!
//! `Jieba::new()` decompresses and builds the default dictionary (about 100 ms and 33 MB), so
//! a process builds it at most once per dictionary, and only once it has segmented enough text
//! to make that pay ([`COMPACT_BUDGET`]). Before that, each Han run is segmented with a
//! dictionary restricted to the words it contains ([`super::lexicon`]), which gives the same
//! words: a query and its highlights cost a fraction of a millisecond instead of 100 ms, and
//! an English-only query never touches jieba. HMM discovery of unknown words is off: it glues unknown
//! characters to their neighbours differently in different contexts, so a query and a document
//! would disagree on the words, while dictionary-only segmentation of an unknown name (`上合`)
//! gives the same single characters everywhere, which phrase matching then joins.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;

use super::dict::UserDict;

/// A Han word found by the segmenter, in characters of the run it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a str,
    pub chars: std::ops::Range<usize>,
}

/// jieba with the default dictionary, plus a user dictionary if any; built on first use.
#[derive(Debug, Clone, Default)]
pub struct Segmenter {
    user_dict: Option<Arc<UserDict>>,
    jieba: Arc<OnceLock<Jieba>>,
}

/// Bytes of Han text a process segments with restricted dictionaries before it loads the
/// full one. Measured (`cargo bench --bench engine -- segmentation`): restricted segmentation
/// costs about 1 ms per KB of Han text, the full dictionary 0.008 ms per KB after a load of
/// 70-180 ms. Switching before the restricted spending passes the load keeps any process
/// within twice the best cost; a query with its highlights needs a few KB.
pub const COMPACT_BUDGET: usize = 48 * 1024;

static DEFAULT_JIEBA: OnceLock<Jieba> = OnceLock::new();
static COMPACT_BYTES: AtomicUsize = AtomicUsize::new(0);

fn default_jieba() -> &'static Jieba {
    DEFAULT_JIEBA.get_or_init(Jieba::new)
}

/// Whether `run` should be segmented with a restricted dictionary rather than the full one.
fn segment_compactly(run: &str) -> bool {
    DEFAULT_JIEBA.get().is_none()
        && COMPACT_BYTES.fetch_add(run.len(), Ordering::Relaxed) + run.len() <= COMPACT_BUDGET
}

impl Segmenter {
    pub fn with_user_dict(user_dict: Option<UserDict>) -> Segmenter {
        Segmenter {
            user_dict: user_dict.map(Arc::new),
            jieba: Arc::default(),
        }
    }

    pub fn user_dict(&self) -> Option<&UserDict> {
        self.user_dict.as_deref()
    }

    fn jieba(&self) -> &Jieba {
        match &self.user_dict {
            None => default_jieba(),
            Some(dict) => self.jieba.get_or_init(|| {
                let mut jieba = Jieba::new();
                for w in &dict.words {
                    jieba.add_word(&w.word, w.freq, w.tag.as_deref());
                }
                jieba
            }),
        }
    }

    /// Build jieba's full dictionary now (a process that will segment a corpus can do it
    /// while it reads the files) rather than at the first run past [`COMPACT_BUDGET`].
    pub fn load_dictionary(&self) {
        self.jieba();
    }

    /// Words of `run`; with `sub_words`, also the dictionary words of 2 and 3 characters
    /// inside longer words (jieba's search mode), so `互利` is found inside `平等互利`.
    pub fn segment<'a>(&self, run: &'a str, sub_words: bool) -> Vec<Word<'a>> {
        let restricted;
        let jieba = if self.user_dict.is_none() && segment_compactly(run) {
            restricted = super::lexicon::lexicon().jieba_for([run]);
            &restricted
        } else {
            self.jieba()
        };
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
}
