//! Script folding: traditional Chinese to simplified, before segmentation.
//!
//! jieba's dictionary is simplified, and users type either script, so documents and queries
//! are both folded to simplified, character by character, with OpenCC's `t2s` table
//! (ferrous-opencc, Apache-2.0). Character by character keeps offsets trivial (one character
//! in, one out) and is fast: each distinct character is converted once per thread and cached,
//! where OpenCC's phrase-level pass ran at 20 MB/s. Folding is for matching, and documents and
//! queries fold the same way, so the phrase-level choices OpenCC would make (`乾隆` keeps `乾`)
//! do not matter here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use ferrous_opencc::{config::BuiltinConfig, OpenCC};

use crate::text::cleanup::is_han;

fn converter() -> &'static OpenCC {
    static T2S: OnceLock<OpenCC> = OnceLock::new();
    T2S.get_or_init(|| {
        OpenCC::from_config(BuiltinConfig::T2s).expect("the embedded OpenCC t2s table loads")
    })
}

/// The block of unified ideographs (extension A and the main block) whose folded forms are
/// kept in a table rather than a map: nearly every character of real text falls in it.
const TABLE_FIRST: u32 = 0x3400;
const TABLE_LAST: u32 = 0x9FFF;
const NOT_YET: char = '\0';

/// Folded forms seen by this thread: a table for the common block, a map for the rest.
struct Folds {
    table: Vec<char>,
    others: HashMap<char, char>,
}

impl Folds {
    fn get(&mut self, c: char) -> char {
        if !is_han(c) {
            return c;
        }
        let code = c as u32;
        if (TABLE_FIRST..=TABLE_LAST).contains(&code) {
            let slot = &mut self.table[(code - TABLE_FIRST) as usize];
            if *slot == NOT_YET {
                *slot = convert(c);
            }
            *slot
        } else {
            *self.others.entry(c).or_insert_with(|| convert(c))
        }
    }
}

thread_local! {
    static FOLDS: RefCell<Folds> = RefCell::new(Folds {
        table: vec![NOT_YET; (TABLE_LAST - TABLE_FIRST + 1) as usize],
        others: HashMap::new(),
    });
}

/// OpenCC's simplified form of `c` when it is one character, else `c`.
fn convert(c: char) -> char {
    let mut buf = [0u8; 4];
    let converted = converter().convert(c.encode_utf8(&mut buf));
    let mut chars = converted.chars();
    match (chars.next(), chars.next()) {
        (Some(folded), None) => folded,
        _ => c,
    }
}

/// Calls `f` with this thread's folding of single characters (what [`to_simplified`] does to
/// each), for callers that fold as they walk text of their own.
pub fn with_folder<R>(f: impl FnOnce(&mut dyn FnMut(char) -> char) -> R) -> R {
    FOLDS.with(|folds| {
        let mut folds = folds.borrow_mut();
        f(&mut |c| folds.get(c))
    })
}

/// Fold a run of text to simplified; the result has as many characters as `run`.
pub fn to_simplified(run: &str) -> String {
    FOLDS.with(|folds| {
        let mut folds = folds.borrow_mut();
        run.chars().map(|c| folds.get(c)).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_folds_to_simplified_and_simplified_stays() {
        assert_eq!(to_simplified("上合組織國家"), "上合组织国家");
        assert_eq!(to_simplified("上合组织国家"), "上合组织国家");
        assert_eq!(to_simplified("減貧 SCO 發(fā)"), "减贫 SCO 发(fā)");
    }
}
