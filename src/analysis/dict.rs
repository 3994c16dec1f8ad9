//! User dictionaries: domain words jieba does not know (`上合组织`, `命运共同体`, `友城`).
//!
//! The format is jieba's: one `word [freq [tag]]` per line. Words are cleaned and folded like
//! text (so a traditional `上合組織` serves simplified queries too) and must be Han: only Han
//! runs reach jieba. A dictionary changes segmentation, so it is part of the analysis
//! fingerprint and stored in the index's manifest, and searches use it without being told.

use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use super::fold::to_simplified;
use crate::error::{Error, Result};
use crate::text::cleanup::{clean, is_han};

/// The largest frequency a user word may have: jieba's own most frequent word (的) has under
/// 320,000. jieba adds frequencies to a total (an overflow past `usize`) and takes their
/// logarithm (0 would be minus infinity), so both ends are refused.
pub const MAX_FREQUENCY: usize = 100_000_000;

/// One word of a user dictionary, folded to simplified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserWord {
    pub word: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freq: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// A parsed user dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserDict {
    pub words: Vec<UserWord>,
}

impl UserDict {
    /// Read and check a dictionary file; errors name the file and line.
    pub fn read(path: &Path) -> Result<UserDict> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        let text = crate::text::decode(bytes, &Default::default())
            .map_err(Error::undecodable(path))?
            .text;
        Self::parse(&text).map_err(|(line, reason)| Error::Dictionary {
            path: path.to_path_buf(),
            line,
            reason,
        })
    }

    /// Parse dictionary text; an error is the 1-based line and what is wrong with it.
    pub fn parse(text: &str) -> std::result::Result<UserDict, (usize, String)> {
        let mut words = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let mut parts = line.split_whitespace();
            let Some(raw) = parts.next() else { continue };
            let fail = |reason: String| (i + 1, reason);
            let cleaned = clean(raw).text;
            if !cleaned.chars().all(is_han) {
                return Err(fail(format!(
                    "{raw:?} is not all Han characters; only Han text is segmented by jieba"
                )));
            }
            let freq = match parts.next() {
                None => None,
                Some(f) => Some(
                    f.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_FREQUENCY).contains(n))
                        .ok_or_else(|| {
                            fail(format!(
                                "frequency {f:?} is not a whole number from 1 to {MAX_FREQUENCY}"
                            ))
                        })?,
                ),
            };
            let tag = parts.next().map(str::to_owned);
            if let Some(extra) = parts.next() {
                return Err(fail(format!(
                    "unexpected {extra:?} after word, frequency and tag"
                )));
            }
            words.push(UserWord {
                word: to_simplified(&cleaned),
                freq,
                tag,
            });
        }
        Ok(UserDict { words })
    }

    /// Stable digest of the dictionary's content, for the analysis fingerprint.
    pub fn digest(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("a dictionary serialises");
        format!("{:032x}", xxh3_128(&canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_and_bad_lines_are_named() {
        let dict = UserDict::parse("上合組織 50 nt\n\n友城\n").unwrap();
        assert_eq!(dict.words[0].word, "上合组织");
        assert_eq!(dict.words[0].freq, Some(50));
        assert_eq!(dict.words[1].freq, None);
        assert_eq!(UserDict::parse("友城\n友城 many").unwrap_err().0, 2);
        assert_eq!(UserDict::parse("SCO 10").unwrap_err().0, 1);
        for bad in ["0", "-1", "100000001", "18446744073709551615", "1e5"] {
            let (line, reason) = UserDict::parse(&format!("友城 3\n减贫 {bad}")).unwrap_err();
            assert_eq!(line, 2, "{bad}");
            assert!(reason.contains("from 1 to 100000000"), "{reason}");
        }
        assert!(UserDict::parse("友城 100000000").is_ok());
        assert_ne!(dict.digest(), UserDict::parse("友城").unwrap().digest());
    }
}
