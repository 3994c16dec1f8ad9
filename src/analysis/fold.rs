//! Script folding: traditional Chinese to simplified, before segmentation.
//!
//! jieba's dictionary is simplified, and users type either script, so documents and queries
//! are both folded to simplified. OpenCC's `t2s` table (ferrous-opencc, Apache-2.0) converts
//! phrase by phrase but keeps the character count; offsets are mapped per character, so a
//! conversion that changed the count would break them and is replaced by per-character folding.

use std::sync::OnceLock;

use ferrous_opencc::{config::BuiltinConfig, OpenCC};

fn converter() -> &'static OpenCC {
    static T2S: OnceLock<OpenCC> = OnceLock::new();
    T2S.get_or_init(|| {
        OpenCC::from_config(BuiltinConfig::T2s).expect("the embedded OpenCC t2s table loads")
    })
}

/// Fold a run of Han characters to simplified; the result has as many characters as `run`.
pub fn to_simplified(run: &str) -> String {
    let converter = converter();
    let folded = converter.convert(run);
    if folded.chars().count() == run.chars().count() {
        return folded;
    }
    let mut buf = [0u8; 4];
    run.chars()
        .map(|c| {
            let single = converter.convert(c.encode_utf8(&mut buf));
            let mut chars = single.chars();
            match (chars.next(), chars.next()) {
                (Some(f), None) => f,
                _ => c,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_folds_to_simplified_and_simplified_stays() {
        assert_eq!(to_simplified("上合組織國家"), "上合组织国家");
        assert_eq!(to_simplified("上合组织国家"), "上合组织国家");
        assert_eq!(to_simplified("減貧"), "减贫");
    }
}
