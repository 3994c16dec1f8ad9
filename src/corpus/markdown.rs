//! `.md`: Markdown reduced to its text.
//!
//! Markup is stripped line by line (headings, emphasis, links and images, code fences and
//! spans, quotes, list markers, table pipes, HTML tags). Paragraphs are separated by blank
//! lines; a heading always starts a new passage and is kept with the paragraph under it.

use crate::corpus::passage::{Lang, Passage};

pub fn passages(text: &str) -> Vec<Passage> {
    let mut passages = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut first_line = 0;
    let mut heading_only = false;
    let mut in_fence = false;
    let flush = |current: &mut Vec<String>, first_line: usize, passages: &mut Vec<Passage>| {
        if !current.is_empty() {
            let text = current.join("\n");
            passages.push(Passage {
                number: passages.len() as u32 + 1,
                line: first_line as u32,
                lang: Lang::detect(&text),
                text,
                page: None,
            });
            current.clear();
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        let next_is_setext = !in_fence
            && !trimmed.is_empty()
            && lines
                .get(i + 1)
                .is_some_and(|n| is_setext_underline(n.trim()));
        let (line, heading) = if in_fence {
            (raw.to_string(), false)
        } else if is_setext_underline(trimmed) || is_rule(trimmed) {
            (String::new(), false)
        } else if let Some(title) = atx_heading(trimmed) {
            (strip_inline(title), true)
        } else {
            match strip_block_markers(trimmed) {
                Some(text) => (strip_inline(&text), next_is_setext),
                None => continue,
            }
        };
        if heading {
            flush(&mut current, first_line, &mut passages);
        }
        if line.trim().is_empty() {
            if !heading_only {
                flush(&mut current, first_line, &mut passages);
            }
            continue;
        }
        if current.is_empty() {
            first_line = i + 1;
        }
        current.push(line);
        heading_only = heading;
    }
    flush(&mut current, first_line, &mut passages);
    passages
}

fn atx_heading(line: &str) -> Option<&str> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with([' ', '\t']) {
        Some(line[hashes..].trim().trim_end_matches('#').trim())
    } else if (1..=6).contains(&hashes) && line.len() == hashes {
        Some("")
    } else {
        None
    }
}

fn is_setext_underline(line: &str) -> bool {
    !line.is_empty()
        && (line.bytes().all(|b| b == b'=') || (line.len() >= 2 && line.bytes().all(|b| b == b'-')))
}

fn is_rule(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 3
        && ["*", "-", "_"]
            .iter()
            .any(|m| compact.chars().all(|c| c.to_string() == *m))
}

/// The line without quote, list and table markup; `None` for a line that is markup only
/// (a table's separator row, a link reference definition) and is dropped without ending the
/// paragraph.
fn strip_block_markers(line: &str) -> Option<String> {
    let mut rest = line;
    loop {
        let before = rest;
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('>') {
            rest = r;
        }
        for marker in ["- ", "* ", "+ "] {
            if let Some(r) = rest.strip_prefix(marker) {
                rest = r;
            }
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && (rest[digits..].starts_with(". ") || rest[digits..].starts_with(") ")) {
            rest = &rest[digits + 2..];
        }
        if rest == before {
            break;
        }
    }
    if rest.starts_with('|') || rest.ends_with('|') {
        if rest.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) {
            return None;
        }
        let cells: Vec<&str> = rest.trim_matches('|').split('|').map(str::trim).collect();
        return Some(cells.join(" "));
    }
    if rest.starts_with('[') && rest.contains("]:") {
        return None;
    }
    Some(rest.to_owned())
}

/// Inline markup: images and links keep their text, code spans their code, emphasis and HTML
/// tags go, backslash escapes resolve. Linear in the line: each closing bracket is searched
/// for once ([`Closing`]), and an angle bracket further than [`MAX_TAG_CHARS`] from its `>`
/// is text, not a tag.
fn strip_inline(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let (mut bracket, mut paren, mut angle) =
        (Closing::new(']'), Closing::new(')'), Closing::new('>'));
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() && chars[i + 1].is_ascii_punctuation() => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                i += 1;
                continue;
            }
            '[' => {
                if let Some(close) = bracket.after(&chars, i + 1) {
                    out.extend(&chars[i + 1..close]);
                    i = close + 1;
                    if chars.get(i) == Some(&'(') {
                        i = paren.after(&chars, i + 1).map_or(i, |p| p + 1);
                    } else if chars.get(i) == Some(&'[') {
                        i = bracket.after(&chars, i + 1).map_or(i, |p| p + 1);
                    }
                    continue;
                }
            }
            '<' => {
                if let Some(close) = angle
                    .after(&chars, i + 1)
                    .filter(|&c| c - i <= MAX_TAG_CHARS)
                {
                    let inner = &chars[i + 1..close];
                    if inner.windows(3).any(|w| w == [':', '/', '/']) || inner.contains(&'@') {
                        out.extend(inner);
                    }
                    i = close + 1;
                    continue;
                }
            }
            '`' | '*' => {
                i += 1;
                continue;
            }
            '~' if chars.get(i + 1) == Some(&'~') => {
                i += 2;
                continue;
            }
            '_' => {
                let word_before = i > 0 && chars[i - 1].is_alphanumeric();
                let word_after = chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
                if !(word_before && word_after) {
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Longest `<…>` taken as an HTML tag or autolink, in characters.
const MAX_TAG_CHARS: usize = 2048;

/// The next position of one closing character, remembered: a line of many unmatched `[`
/// searches the rest of the line once, not once per bracket.
struct Closing {
    target: char,
    /// The last search: where it started and what it found.
    last: Option<(usize, Option<usize>)>,
}

impl Closing {
    fn new(target: char) -> Closing {
        Closing { target, last: None }
    }

    /// The first `target` at or after `from`.
    fn after(&mut self, chars: &[char], from: usize) -> Option<usize> {
        if let Some((searched_from, found)) = self.last {
            // No target lies in [searched_from, found): the answer stands for any `from` there.
            if from >= searched_from && found.is_none_or(|f| from <= f) {
                return found;
            }
        }
        let found = chars
            .get(from..)
            .and_then(|rest| rest.iter().position(|&c| c == self.target))
            .map(|p| from + p);
        self.last = Some((from, found));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(text: &str) -> Vec<(u32, String)> {
        passages(text)
            .into_iter()
            .map(|p| (p.line, p.text))
            .collect()
    }

    #[test]
    fn headings_start_passages_and_markup_goes() {
        let md = "# 青島倡議\n\n論壇**贊同**,見[全文](http://x.org/a)。\n\n## Article 2\nSee `code` and ![map](m.png) _here_.\n- item one\n- item_two\n\n---\n> quoted\n";
        assert_eq!(
            summary(md),
            [
                (1, "青島倡議\n論壇贊同,見全文。".into()),
                (
                    5,
                    "Article 2\nSee code and map here.\nitem one\nitem_two".into()
                ),
                (11, "quoted".into()),
            ]
        );
    }

    #[test]
    fn setext_headings_tables_and_fences() {
        let md = "Title\n=====\nbody\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nlet x = 1;\n```\n";
        assert_eq!(
            summary(md),
            [
                (1, "Title\nbody".into()),
                (5, "a b\n1 2".into()),
                (10, "let x = 1;".into()),
            ]
        );
    }
}
