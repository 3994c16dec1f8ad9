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

use crate::cleanup::is_han;

fn converter() -> &'static OpenCC {
    static T2S: OnceLock<OpenCC> = OnceLock::new();
    T2S.get_or_init(|| {
        OpenCC::from_config(BuiltinConfig::T2s).expect("the embedded OpenCC t2s table loads")
    })
}

thread_local! {
    static FOLDED: RefCell<HashMap<char, char>> = RefCell::new(HashMap::new());
}

/// The simplified form of one character (itself if it has none, or several).
pub fn fold_char(c: char) -> char {
    if !is_han(c) {
        return c;
    }
    FOLDED.with(|cache| {
        *cache.borrow_mut().entry(c).or_insert_with(|| {
            let mut buf = [0u8; 4];
            let converted = converter().convert(c.encode_utf8(&mut buf));
            let mut chars = converted.chars();
            match (chars.next(), chars.next()) {
                (Some(folded), None) => folded,
                _ => c,
            }
        })
    })
}

/// Fold a run of text to simplified; the result has as many characters as `run`.
pub fn to_simplified(run: &str) -> String {
    run.chars().map(fold_char).collect()
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
