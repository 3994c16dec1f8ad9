//! Passages: the unit of search.
//!
//! A passage is a paragraph: a block of lines separated from the next by a blank line. A file
//! without blank lines between its text (like the seed declaration, one paragraph a line) has
//! one passage a line. Each passage keeps its text exactly as in the file, its 1-based number
//! and first line, and its language.

pub use crate::text::Lang;

/// One passage of a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// 1-based number within its file.
    pub number: u32,
    /// 1-based line of its first character.
    pub line: u32,
    /// The text exactly as in the file, without the final line break. In a PDF, the text of
    /// the paragraph's lines, joined (Chinese lines with nothing between, others with a space).
    pub text: String,
    pub lang: Lang,
    /// 1-based page of a paged format (PDF); `None` for the others. There, [`Passage::line`]
    /// counts the lines of the page.
    pub page: Option<u32>,
}

/// Add a block's text, trimmed, as the next passage of `passages` (numbered from 1, in its
/// detected language), unless it is blank: how every structured reader ends a block.
pub(crate) fn push_block(passages: &mut Vec<Passage>, line: u32, text: &str, page: Option<u32>) {
    let text = text.trim();
    if !text.is_empty() {
        passages.push(Passage {
            number: passages.len() as u32 + 1,
            line,
            lang: Lang::detect(text),
            text: text.to_owned(),
            page,
        });
    }
}

/// Split a file's text into passages (see the module docs).
#[doc(hidden)]
pub fn split_passages(text: &str) -> Vec<Passage> {
    split_passages_in(text, None)
}

/// [`split_passages`] for a text whose language is known (a language column or file tag);
/// with `None`, each passage's language is detected.
pub fn split_passages_in(text: &str, lang: Option<Lang>) -> Vec<Passage> {
    let lines = lines_with_numbers(text);
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<usize> = None;
    for (i, (_, line)) in lines.iter().enumerate() {
        let blank = line.trim().is_empty();
        match (open, blank) {
            (None, false) => open = Some(i),
            (Some(start), true) => {
                blocks.push((start, i));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        blocks.push((start, lines.len()));
    }
    if blocks.len() == 1 {
        let (start, end) = blocks[0];
        blocks = (start..end).map(|i| (i, i + 1)).collect();
    }
    blocks
        .into_iter()
        .enumerate()
        .map(|(n, (start, end))| {
            let first = lines[start].1;
            let last = lines[end - 1].1;
            let from = first.as_ptr() as usize - text.as_ptr() as usize;
            let to = last.as_ptr() as usize - text.as_ptr() as usize + last.len();
            let passage = &text[from..to];
            Passage {
                number: n as u32 + 1,
                line: lines[start].0 as u32,
                text: passage.to_owned(),
                lang: lang.unwrap_or_else(|| Lang::detect(passage)),
                page: None,
            }
        })
        .collect()
}

/// Longest passage, in bytes. A longer paragraph (a file without line breaks, a scraped page)
/// is cut into passages of at most this size by [`bound_length`]: a hit shows a readable
/// passage, and the memory one passage's analysis takes stays bounded.
pub const MAX_PASSAGE_BYTES: usize = 16 * 1024;

/// Cut passages longer than [`MAX_PASSAGE_BYTES`] at sentence ends (else at a space, else
/// anywhere on a character boundary) and number all passages again from 1. Each piece's text
/// is a substring of its passage, in its language, and its line is the line of its first
/// character.
pub fn bound_length(passages: Vec<Passage>) -> Vec<Passage> {
    if passages.iter().all(|p| p.text.len() <= MAX_PASSAGE_BYTES) {
        return passages;
    }
    let mut out = Vec::with_capacity(passages.len());
    for passage in passages {
        if passage.text.len() <= MAX_PASSAGE_BYTES {
            out.push(passage);
            continue;
        }
        let text = passage.text.as_str();
        let (mut start, mut line) = (0, passage.line as usize);
        while start < text.len() {
            let end = piece_end(text, start, MAX_PASSAGE_BYTES);
            let piece = &text[start..end];
            out.push(Passage {
                number: 0,
                line: line as u32,
                text: piece.to_owned(),
                lang: passage.lang,
                page: passage.page,
            });
            let next = end + (text[end..].len() - text[end..].trim_start().len());
            line += line_breaks(&text[start..next]);
            start = next;
        }
    }
    for (n, passage) in out.iter_mut().enumerate() {
        passage.number = n as u32 + 1;
    }
    out
}

/// Longest document title, in bytes. A title is indexed beside every passage of its
/// document, so a longer one (a text column taken for a title) would multiply its cost by
/// the document's passages; it is cut like a long passage, and the rest dropped.
pub const MAX_TITLE_BYTES: usize = 1024;

/// A document's title as given: trimmed, `None` when empty, and at most [`MAX_TITLE_BYTES`]
/// (cut at a sentence end or a space in its second half, else on a character boundary).
pub fn title(given: &str) -> Option<String> {
    let given = given.trim();
    let end = piece_end(given, 0, MAX_TITLE_BYTES);
    let title = given[..end].trim_end();
    (!title.is_empty()).then(|| title.to_owned())
}

/// Where the piece of `text` starting at `start` ends, for pieces of at most `max` bytes.
fn piece_end(text: &str, start: usize, max: usize) -> usize {
    let mut limit = start + max;
    if limit >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    let window = &text[start..limit];
    let after_half = |at: usize| at > max / 2;
    let sentence_end = window
        .char_indices()
        .rev()
        .find(|&(i, c)| match c {
            '。' | '！' | '？' | '；' => true,
            '.' | '!' | '?' | ';' => window[i + 1..].starts_with(char::is_whitespace),
            _ => false,
        })
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&at| after_half(at));
    let space = || {
        window
            .rfind(char::is_whitespace)
            .filter(|&at| after_half(at) && at > 0)
    };
    start + sentence_end.or_else(space).unwrap_or(window.len())
}

/// Line breaks in `text`: `\n`, `\r\n` or a lone `\r`, as [`lines_with_numbers`] counts them.
fn line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Lines with their 1-based numbers, without terminators: `\n`, `\r\n`, or a lone `\r`.
fn lines_with_numbers(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' || bytes[i] == b'\r' {
            lines.push(&text[start..i]);
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(title("  战国无双3 \t"), Some("战国无双3".into()));
        assert_eq!(title(" \n "), None);
        let long = "条约 ".repeat(1000);
        let cut = title(&long).unwrap();
        assert!(cut.len() <= MAX_TITLE_BYTES && cut.len() > MAX_TITLE_BYTES / 2);
        assert!(long.starts_with(&cut) && cut.ends_with("条约"));
        let unbroken = "條".repeat(1000);
        let cut = title(&unbroken).unwrap();
        assert_eq!(cut.len(), MAX_TITLE_BYTES / 3 * 3);
    }

    #[test]
    fn long_passages_are_cut_at_sentence_ends_into_substrings() {
        let sentence = "上合組織成員國支持友城合作。";
        let long = format!("開頭\n{}\n\nshort", sentence.repeat(2000));
        let passages = bound_length(split_passages(&long));
        assert!(passages.len() > 3, "{}", passages.len());
        for (n, p) in passages.iter().enumerate() {
            assert_eq!(p.number as usize, n + 1);
            assert!(p.text.len() <= MAX_PASSAGE_BYTES && long.contains(&p.text));
        }
        let middle = &passages[1];
        assert!(
            middle.text.starts_with("上合") && middle.text.ends_with('。'),
            "{}",
            &middle.text[..30]
        );
        assert_eq!(middle.line, 2);
        assert_eq!(passages.last().unwrap().text, "short");
        let unbroken = "x".repeat(MAX_PASSAGE_BYTES * 2 + 5);
        let pieces = bound_length(split_passages(&unbroken));
        assert_eq!(
            pieces.iter().map(|p| p.text.len()).sum::<usize>(),
            unbroken.len()
        );
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        let text = "Para one\ncontinues.\n\n\n第二段。\r\n\n  \nthird\n";
        let passages = split_passages(text);
        let summary: Vec<_> = passages
            .iter()
            .map(|p| (p.number, p.line, p.text.as_str(), p.lang))
            .collect();
        assert_eq!(
            summary,
            [
                (1, 1, "Para one\ncontinues.", Lang::En),
                (2, 5, "第二段。", Lang::Zh),
                (3, 8, "third", Lang::En),
            ]
        );
    }

    #[test]
    fn a_file_without_blank_lines_has_a_passage_per_line() {
        let passages = split_passages("\n一是。\ntwo\n三是。");
        let lines: Vec<_> = passages.iter().map(|p| (p.number, p.line)).collect();
        assert_eq!(lines, [(1, 2), (2, 3), (3, 4)]);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let passages = split_passages("上合組織\r\n減貧\r友城\r");
        let lines: Vec<_> = passages.iter().map(|p| (p.line, p.text.as_str())).collect();
        assert_eq!(lines, [(1, "上合組織"), (2, "減貧"), (3, "友城")]);
    }

    #[test]
    fn empty_and_blank_files_have_no_passage() {
        assert!(split_passages("").is_empty());
        assert!(split_passages(" \n\t\n").is_empty());
    }
}
