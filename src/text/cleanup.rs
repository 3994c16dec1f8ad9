//! Cleanup with an offset map: the first analysis stage.
//!
//! Source texts carry defects that must not reach the segmenter, yet results must show and
//! highlight the text exactly as the source has it. So cleanup never edits the original: it
//! produces a cleaned character sequence in which every character remembers the byte range of
//! the original text it came from.
//!
//! Two repairs are made:
//! - **Pinyin artifacts** from a bad conversion, a Han character followed by a parenthesised
//!   pinyin syllable with a tone mark (`導(dǎo)`, `發(fā)`), lose the parenthesis. The character's
//!   original range grows to cover the artifact, so a highlight of `發展` covers `發(fā)展`.
//! - **NFKC folding** (full-width Latin and digits, compatibility ideographs, ligatures). A
//!   character that expands maps every output character to the same original range.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// Text after cleanup, with the original byte range of each of its characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanText {
    /// The cleaned text.
    pub text: String,
    /// For the `i`-th character of `text`, the byte range it came from in the original.
    pub origins: Vec<Range<usize>>,
}

impl CleanText {
    /// Number of characters in the cleaned text.
    pub fn char_len(&self) -> usize {
        self.origins.len()
    }

    /// Original byte range covering cleaned characters `chars` (a non-empty char range).
    pub fn origin_of(&self, chars: Range<usize>) -> Range<usize> {
        self.origins[chars.start].start..self.origins[chars.end - 1].end
    }
}

/// Clean `original` for analysis; see the module docs.
pub fn clean(original: &str) -> CleanText {
    let mut out = CleanText {
        text: String::with_capacity(original.len()),
        origins: Vec::with_capacity(original.len()),
    };
    for_each_clean_char(original, |folded, origin| {
        out.text.push(folded);
        out.origins.push(origin);
    });
    out
}

/// Calls `f` with each character of the cleaned text and the original byte range it came
/// from, in order: [`clean`] without building anything, for callers that only count.
pub fn for_each_clean_char(original: &str, mut f: impl FnMut(char, Range<usize>)) {
    let mut chars = original.char_indices().peekable();
    while let Some((start, ch)) = chars.next() {
        let mut end = start + ch.len_utf8();
        if is_han(ch) {
            if let Some(artifact_len) = pinyin_artifact_len(&original[end..]) {
                end += artifact_len;
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
            }
        }
        if is_nfkc_stable(ch) {
            f(ch, start..end);
        } else {
            for folded in std::iter::once(ch).nfkc() {
                f(folded, start..end);
            }
        }
    }
}

/// Whether NFKC leaves `ch` alone for certain: ASCII and the unified ideographs (the bulk of
/// any text here), which skips the normaliser's per-character set-up.
fn is_nfkc_stable(ch: char) -> bool {
    ch.is_ascii() || matches!(ch as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Byte length of a pinyin artifact at the start of `rest`: `(` or `（`, one syllable of 1 to 7
/// pinyin letters with at least one tone-marked vowel, then `)` or `）`.
pub fn pinyin_artifact_len(rest: &str) -> Option<usize> {
    let mut iter = rest.char_indices();
    let (_, open) = iter.next()?;
    if open != '(' && open != '（' {
        return None;
    }
    let mut letters = 0;
    let mut toned = false;
    for (i, ch) in iter {
        match ch {
            ')' | '）' => {
                return (letters > 0 && toned).then_some(i + ch.len_utf8());
            }
            c if is_toned_vowel(c) => toned = true,
            'a'..='z' | 'ü' | 'A'..='Z' => {}
            _ => return None,
        }
        letters += 1;
        if letters > 7 {
            return None;
        }
    }
    None
}

fn is_toned_vowel(c: char) -> bool {
    matches!(
        c,
        'ā' | 'á'
            | 'ǎ'
            | 'à'
            | 'ē'
            | 'é'
            | 'ě'
            | 'è'
            | 'ī'
            | 'í'
            | 'ǐ'
            | 'ì'
            | 'ō'
            | 'ó'
            | 'ǒ'
            | 'ò'
            | 'ū'
            | 'ú'
            | 'ǔ'
            | 'ù'
            | 'ǖ'
            | 'ǘ'
            | 'ǚ'
            | 'ǜ'
            | 'ń'
            | 'ň'
            | 'ǹ'
            | 'ḿ'
    )
}

/// Is `c` a Han ideograph (CJK unified ideographs with all extensions, compatibility
/// ideographs, and the ideographic zero)?
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3007
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EE5F
        | 0x2F800..=0x2FA1F
        | 0x30000..=0x323AF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_is_removed_and_its_range_joins_the_character() {
        let original = "倡導(dǎo)文明";
        let cleaned = clean(original);
        assert_eq!(cleaned.text, "倡導文明");
        assert_eq!(&original[cleaned.origins[1].clone()], "導(dǎo)");
        assert_eq!(&original[cleaned.origin_of(0..2)], "倡導(dǎo)");
    }

    #[test]
    fn parentheses_that_are_not_pinyin_stay() {
        for text in [
            "上合組織(SCO)",
            "條(a)",
            "中(zhong)",
            "中(dǎo",
            "中(dǎodǎodǎo)",
        ] {
            assert_eq!(clean(text).text, text, "{text}");
        }
        assert_eq!(clean("發（fā）展").text, "發展");
    }

    #[test]
    fn characters_taken_as_nfkc_stable_are() {
        for ch in (0..0x30000)
            .filter_map(char::from_u32)
            .filter(|&c| is_nfkc_stable(c))
        {
            assert!(
                std::iter::once(ch).nfkc().eq(std::iter::once(ch)),
                "U+{:04X}",
                ch as u32
            );
        }
    }

    #[test]
    fn nfkc_folds_width_and_keeps_origins() {
        let original = "ＳＣＯ，ﬁ";
        let cleaned = clean(original);
        assert_eq!(cleaned.text, "SCO,fi");
        assert_eq!(&original[cleaned.origins[5].clone()], "ﬁ");
        assert_eq!(cleaned.origins[4], cleaned.origins[5]);
    }
}
