//! Snippets: the parts of a passage around its matches, short enough to read in a list of hits.
//!
//! A passage can be 16 KiB (about three and a half screens); a hit should take a few lines.
//! A snippet is a window of about `width` display columns (a Han or other wide character
//! takes two) made of up to [`MAX_FRAGMENTS`] *fragments*, each opening a little before a
//! match and holding every match that falls inside it, joined by `…`, with `…` where the
//! passage goes on: matches far apart share the window. A passage that fits in the window is
//! its own snippet. Line breaks and tabs become spaces, so a snippet is one
//! run of text; its highlights are byte ranges of the snippet's own text.

use serde::{Deserialize, Serialize};

/// The default window: about two lines of a terminal.
pub const DEFAULT_WIDTH: usize = 160;
/// At most this many fragments a snippet: the matches further on are in the whole text.
pub const MAX_FRAGMENTS: usize = 3;
const ELLIPSIS: &str = "…";
/// Where a fragment may start cleanly: after the end of a sentence or clause.
const BREAKS: &[char] = &[
    '。', '！', '？', '；', '，', '、', ',', '.', ';', '!', '?', '\n',
];

/// The parts of a passage around its matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The fragments joined by `…`.
    pub text: String,
    /// Matches as `[start, end)` byte ranges of [`Snippet::text`]: sorted, non-overlapping, on
    /// char boundaries.
    pub highlights: Vec<(usize, usize)>,
}

/// Display columns of a character in a terminal: two for wide (East Asian) characters.
pub fn columns(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x20000..=0x3FFFD);
    1 + usize::from(wide)
}

/// The snippet of `text` around `highlights` (sorted byte ranges of `text`) in windows of
/// about `width` columns (at least 20).
pub fn snippet(text: &str, highlights: &[(usize, usize)], width: usize) -> Snippet {
    let width = width.max(20);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let total: usize = chars.iter().map(|&(_, c)| columns(c)).sum();
    let windows = match total <= width {
        true => vec![(0, text.len())],
        false => {
            // As many fragments as matches far apart need, sharing the width.
            let needed = windows(text, &chars, highlights, width, MAX_FRAGMENTS).len();
            windows(text, &chars, highlights, width / needed.max(1), needed)
        }
    };
    let mut out = Snippet {
        text: String::new(),
        highlights: Vec::new(),
    };
    for (i, &(start, end)) in windows.iter().enumerate() {
        if i > 0 || start > 0 {
            out.text.push_str(ELLIPSIS);
        }
        let base = out.text.len();
        out.text.extend(text[start..end].chars().map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c => c,
        }));
        for &(s, e) in highlights {
            let (s, e) = (s.max(start), e.min(end));
            if s < e {
                out.highlights.push((base + s - start, base + e - start));
            }
        }
    }
    if windows.last().is_some_and(|&(_, end)| end < text.len()) {
        out.text.push_str(ELLIPSIS);
    }
    out
}

/// At most `most` byte windows of `text`, each about `width` columns, covering the first
/// highlights.
fn windows(
    text: &str,
    chars: &[(usize, char)],
    highlights: &[(usize, usize)],
    width: usize,
    most: usize,
) -> Vec<(usize, usize)> {
    // The char index of a byte offset (offsets are on char boundaries).
    let index_of = |byte: usize| chars.partition_point(|&(b, _)| b < byte);
    // From char `from`, the char index where `columns` columns are used up.
    let advance = |from: usize, columns_left: usize| {
        let mut used = 0;
        let mut i = from;
        while i < chars.len() && used + columns(chars[i].1) <= columns_left {
            used += columns(chars[i].1);
            i += 1;
        }
        i
    };
    let byte_at = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let lead = width / 4;
    let mut found: Vec<(usize, usize)> = Vec::new();
    for &(start, _) in highlights {
        if found.len() == most {
            break;
        }
        if found.last().is_some_and(|&(_, end)| start < end) {
            continue;
        }
        let at = index_of(start);
        // Open up to `lead` columns before the match, not before the previous window.
        let floor = found.last().map_or(0, |&(_, end)| index_of(end));
        let mut from = at;
        let mut used = 0;
        while from > floor && used + columns(chars[from - 1].1) <= lead {
            from -= 1;
            used += columns(chars[from].1);
        }
        // Start after a sentence or clause break in the lead when there is one, else after
        // a space: not inside a word.
        let after = |k: &usize| BREAKS.contains(&chars[*k].1);
        let space = |k: &usize| chars[*k].1.is_whitespace();
        if let Some(k) = (from..at).find(after).or_else(|| (from..at).find(space)) {
            from = k + 1;
        }
        let mut to = advance(from, width);
        // End before a word cut in two, when a space is near the end.
        if to < chars.len() && chars[to].1.is_alphanumeric() && chars[to - 1].1.is_alphanumeric() {
            let near = to.saturating_sub(15).max(at + 1);
            if let Some(k) = (near..to).rev().find(|&k| chars[k].1.is_whitespace()) {
                to = k;
            }
        }
        found.push((byte_at(from), byte_at(to)));
    }
    if found.is_empty() {
        found.push((0, byte_at(advance(0, width))));
    }
    // Windows that touch are one.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in found {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(s: &Snippet) -> Vec<&str> {
        s.highlights.iter().map(|&(a, b)| &s.text[a..b]).collect()
    }

    #[test]
    fn a_short_passage_is_its_own_snippet() {
        let text = "推動上合組織\n發展。";
        let s = snippet(text, &[(6, 18)], 160);
        assert_eq!(s.text, "推動上合組織 發展。");
        assert_eq!(marked(&s), ["上合組織"]);
    }

    #[test]
    fn matches_far_apart_give_fragments_joined_by_ellipses() {
        let filler = "各方同意加强交流合作。".repeat(30);
        let text = format!("{filler}上合组织{filler}减贫{filler}");
        let first = filler.len();
        let second = first + "上合组织".len() + filler.len();
        let s = snippet(&text, &[(first, first + 12), (second, second + 6)], 40);
        assert_eq!(marked(&s), ["上合组织", "减贫"]);
        assert!(
            s.text.starts_with('…') && s.text.ends_with('…'),
            "{}",
            s.text
        );
        assert_eq!(s.text.matches('…').count(), 3, "{}", s.text);
        let width: usize = s.text.chars().map(columns).sum();
        assert!(width <= 2 * 40 + 3 * 2, "{width} columns: {}", s.text);
    }

    #[test]
    fn without_matches_the_snippet_is_the_start() {
        let text = "word ".repeat(100);
        let s = snippet(&text, &[], 30);
        assert_eq!(s.text, format!("{}…", &text[..30]));
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn a_match_longer_than_the_window_is_cut_at_its_end() {
        let text = "x".repeat(50);
        let s = snippet(&text, &[(0, 50)], 20);
        assert_eq!(s.text, format!("{}…", "x".repeat(20)));
        assert_eq!(s.highlights, [(0, 20)]);
    }
}
