//! `.html` and `.htm`: the text of block elements.
//!
//! A small scanner, not a full HTML parser: tags are recognised with their quoted attributes,
//! `script`, `style`, `template`, `noscript` and the `head` are dropped with their content,
//! comments and declarations are skipped, character references are decoded, and whitespace is
//! collapsed (kept inside `pre`). Each block element (`p`, `h1`-`h6`, `li`, `td`, `div`, ...)
//! starts a new passage; `br` breaks a line inside one. A heading (`h1`-`h6`) starts a passage
//! and stays with the block under it, as a Markdown heading does.

use crate::corpus::passage::{Lang, Passage};

const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];
const DROPPED: &[&str] = &["script", "style", "template", "noscript", "head"];

struct Builder {
    passages: Vec<Passage>,
    text: String,
    line: usize,
    pending_space: bool,
    /// A heading just ended and no text followed yet: it stays with the block under it.
    after_heading: bool,
}

impl Builder {
    fn push_text(&mut self, raw: &str, line: usize, pre: bool) {
        for c in decode_entities(raw).chars() {
            if !pre && c.is_whitespace() {
                self.pending_space = !self.text.is_empty();
                continue;
            }
            if self.text.is_empty() {
                self.line = line;
            } else if self.pending_space && !self.text.ends_with('\n') {
                self.text.push(' ');
            }
            self.pending_space = false;
            self.after_heading = false;
            self.text.push(c);
        }
    }

    fn line_break(&mut self) {
        if !self.text.is_empty() {
            self.text.push('\n');
            self.pending_space = false;
        }
    }

    fn flush(&mut self) {
        let text = self.text.trim().to_owned();
        if !text.is_empty() {
            self.passages.push(Passage {
                number: self.passages.len() as u32 + 1,
                line: self.line as u32,
                lang: Lang::detect(&text),
                text,
                page: None,
            });
        }
        self.text.clear();
        self.pending_space = false;
        self.after_heading = false;
    }
}

pub fn passages(html: &str) -> Vec<Passage> {
    let mut out = Builder {
        passages: Vec::new(),
        text: String::new(),
        line: 1,
        pending_space: false,
        after_heading: false,
    };
    let mut pre_depth = 0usize;
    let mut pos = 0;
    // Lines counted as the reader moves on (positions only grow), not from byte 0 each time.
    let (mut counted_to, mut line) = (0usize, 1usize);
    let mut line_at = |byte: usize| {
        line += html.as_bytes()[counted_to..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = byte;
        line
    };
    while pos < html.len() {
        let Some(lt) = html[pos..].find('<').map(|p| pos + p) else {
            out.push_text(&html[pos..], line_at(pos), pre_depth > 0);
            break;
        };
        if lt > pos {
            out.push_text(&html[pos..lt], line_at(pos), pre_depth > 0);
        }
        let rest = &html[lt..];
        if rest.starts_with("<!--") {
            pos = rest.find("-->").map_or(html.len(), |p| lt + p + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            pos = rest.find('>').map_or(html.len(), |p| lt + p + 1);
            continue;
        }
        let Some((name, closing, end)) = parse_tag(rest) else {
            out.push_text("<", line_at(lt), pre_depth > 0);
            pos = lt + 1;
            continue;
        };
        pos = lt + end;
        if !closing && DROPPED.contains(&name.as_str()) {
            let close = format!("</{name}");
            pos = find_ignore_case(&html[pos..], &close)
                .and_then(|p| html[pos + p..].find('>').map(|q| pos + p + q + 1))
                .unwrap_or(html.len());
            continue;
        }
        let heading = matches!(name.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
        if name == "br" {
            out.line_break();
        } else if heading && closing {
            // A heading stays with the paragraph under it, as in Markdown.
            out.line_break();
            out.after_heading = !out.text.is_empty();
        } else if BLOCKS.contains(&name.as_str()) && (heading || !out.after_heading) {
            out.flush();
        }
        if name == "pre" {
            pre_depth = if closing {
                pre_depth.saturating_sub(1)
            } else {
                pre_depth + 1
            };
        }
    }
    out.flush();
    out.passages
}

/// A tag at the start of `s` (which starts with `<`): its lowercase name, whether it closes,
/// and its length in bytes. `None` if `<` starts no tag.
fn parse_tag(s: &str) -> Option<(String, bool, usize)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
        i += 1;
    }
    if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut quote = None;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (None, b'>') => return Some((name, closing, i + 1)),
            (None, q @ (b'"' | b'\'')) => quote = Some(q),
            (Some(q), b) if b == q => quote = None,
            _ => {}
        }
        i += 1;
    }
    Some((name, closing, s.len()))
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Decode character references: numeric ones and the common named ones.
pub fn decode_entities(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map_or(rest.len(), |p| p + 1);
        let name = &rest[1..end];
        let decoded = if let Some(num) = name.strip_prefix('#') {
            let value = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            value.and_then(char::from_u32)
        } else {
            named_entity(name)
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "ldquo" => '“',
        "rdquo" => '”',
        "lsquo" => '‘',
        "rsquo" => '’',
        "middot" => '·',
        "copy" => '©',
        "reg" => '®',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(html: &str) -> Vec<(u32, String)> {
        passages(html)
            .into_iter()
            .map(|p| (p.line, p.text))
            .collect()
    }

    #[test]
    fn block_text_without_scripts_styles_or_head() {
        let html = "<!DOCTYPE html><html><head><title>T</title><style>p{x:1}</style></head>\n<body>\n<h1>青島倡議</h1>\n<p class=\"a>b\">論壇 <b>贊同</b>,\n   上合組織&amp;友城&#x3002;<script>var s='<p>';</script></p>\n<!-- <p>hidden</p> -->\n<ul><li>one<br>two</li><li>A&nbsp;&eacute;</li></ul></body></html>";
        assert_eq!(
            summary(html),
            [
                (3, "青島倡議\n論壇 贊同, 上合組織&友城。".into()),
                (7, "one\ntwo".into()),
                (7, "A &eacute;".into()),
            ]
        );
    }

    #[test]
    fn a_heading_stays_with_the_block_under_it_and_starts_a_passage() {
        let html = "<p>intro</p><h2>第一条</h2>\n<div><p>人人生而自由。</p></div><p>next</p><h3>A</h3><h3>B</h3><p>b</p>";
        assert_eq!(
            summary(html),
            [
                (1, "intro".into()),
                (1, "第一条\n人人生而自由。".into()),
                (2, "next".into()),
                (2, "A".into()),
                (2, "B\nb".into()),
            ]
        );
    }

    #[test]
    fn stray_angle_brackets_and_unclosed_tags_do_not_lose_text() {
        assert_eq!(
            summary("<p>a < b</p><p>c"),
            [(1, "a < b".into()), (1, "c".into())]
        );
        assert_eq!(summary("<script>never closed"), Vec::<(u32, String)>::new());
    }
}
