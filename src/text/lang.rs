//! Languages: a passage is Chinese or English by its share of Han characters.

use serde::{Deserialize, Serialize};

use super::cleanup::{for_each_clean_char, is_han};

/// Language of a passage, decided by its share of Han characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// A passage whose letters are at least this share Han is Chinese.
    pub const HAN_SHARE_FOR_ZH: f64 = 0.3;

    pub fn detect(text: &str) -> Lang {
        if han_share(text) >= Self::HAN_SHARE_FOR_ZH {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zh" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown language {other:?}: use zh or en")),
        }
    }
}

/// Share of Han characters among the letters of `text` (after cleanup, so pinyin artifacts
/// do not count as Latin).
pub fn han_share(text: &str) -> f64 {
    let (mut han, mut letters) = (0usize, 0usize);
    for_each_clean_char(text, |c, _| {
        if is_han(c) {
            han += 1;
            letters += 1;
        } else if c.is_alphabetic() {
            letters += 1;
        }
    });
    if letters == 0 {
        0.0
    } else {
        han as f64 / letters as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_share_ignores_pinyin_artifacts() {
        assert!(han_share("倡導(dǎo)文明對話") > 0.99);
        assert!(han_share("Representatives from SCO member states") < 0.01);
    }
}
