//! `.html` and `.htm`: the text of block elements.
//!
//! Read with html5ever's tokenizer, the HTML standard's own: character references (all of
//! them), comments, raw text (`script`, `style`) and broken markup are read as a browser reads
//! them. Its tree builder is left out: the text and the block boundaries are all a passage
//! needs, and the tokenizer hands each token with its line, in one pass, where the tree builder
//! has costs that grow with nesting (the adoption agency) and keeps no lines.
//!
//! `script`, `style`, `template`, `noscript`, `title` and the rest of the `head` are dropped
//! with their content, and whitespace is collapsed (kept inside `pre`). Each block element
//! (`p`, `h1`-`h6`, `li`, `td`, `div`, ...) starts a new passage; `br` breaks a line inside one.
//! A heading (`h1`-`h6`) starts a passage and stays with the block under it, as a Markdown
//! heading does.

use std::cell::RefCell;

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use crate::corpus::passage::{push_block, Passage};

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
struct Builder {
    passages: Vec<Passage>,
    text: String,
    line: usize,
    pending_space: bool,
    /// A heading just ended and no text followed yet: it stays with the block under it.
    after_heading: bool,
}

impl Builder {
    /// Text the tokenizer read up to `line` (its line at the end of the text).
    fn push_text(&mut self, text: &str, line: usize, pre: bool) {
        let mut line = line.saturating_sub(text.bytes().filter(|&b| b == b'\n').count());
        for c in text.chars() {
            if c == '\n' {
                line += 1;
            }
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
        push_block(&mut self.passages, self.line as u32, &self.text, None);
        self.text.clear();
        self.pending_space = false;
        self.after_heading = false;
    }
}

/// Elements dropped with everything inside them.
const DROPPED: &[&str] = &["script", "style", "template", "noscript", "title", "head"];

/// Elements a `head` holds.
const IN_HEAD: &[&str] = &[
    "base", "link", "meta", "noscript", "script", "style", "template", "title",
];

pub fn passages(html: &str) -> Vec<Passage> {
    let reader = Reader {
        state: RefCell::new(State {
            out: Builder {
                passages: Vec::new(),
                text: String::new(),
                line: 1,
                pending_space: false,
                after_heading: false,
            },
            pre: 0,
            dropped: None,
        }),
    };
    let tokenizer = Tokenizer::new(reader, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(html.into());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut state = tokenizer.sink.state.into_inner();
    state.out.flush();
    state.out.passages
}

struct Reader {
    state: RefCell<State>,
}

struct State {
    out: Builder,
    /// Depth of `pre` elements around the text.
    pre: usize,
    /// The element being dropped, and how many of its kind are open inside it.
    dropped: Option<(html5ever::LocalName, usize)>,
}

impl TokenSink for Reader {
    type Handle = ();

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<()> {
        let mut state = self.state.borrow_mut();
        let line = line as usize;
        match token {
            Token::CharacterTokens(text) if state.dropped.is_none() => {
                let pre = state.pre > 0;
                state.out.push_text(&text, line, pre);
            }
            Token::TagToken(tag) => {
                let name = &*tag.name;
                let start = tag.kind == TagKind::StartTag;
                // The head ends at its end tag, or at the first start tag that cannot be in
                // it (a page without `<body>`), which then counts as the body's.
                let head_ends = start && !IN_HEAD.contains(&name);
                if let Some((dropped, open)) = &mut state.dropped {
                    if &**dropped == "head" && head_ends {
                        state.dropped = None;
                    } else {
                        if *dropped == tag.name {
                            match start {
                                true => *open += 1,
                                false if *open == 0 => state.dropped = None,
                                false => *open -= 1,
                            }
                        }
                        return raw_text(start, &tag.name);
                    }
                }
                if start && !tag.self_closing && DROPPED.contains(&name) {
                    state.dropped = Some((tag.name.clone(), 0));
                    return raw_text(start, &tag.name);
                }
                let heading = matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
                let out = &mut state.out;
                if name == "br" {
                    out.line_break();
                } else if heading && !start {
                    // A heading stays with the paragraph under it, as in Markdown.
                    out.line_break();
                    out.after_heading = !out.text.is_empty();
                } else if BLOCKS.contains(&name) && (heading || !out.after_heading) {
                    out.flush();
                }
                if name == "pre" && !tag.self_closing {
                    state.pre = match start {
                        true => state.pre + 1,
                        false => state.pre.saturating_sub(1),
                    };
                }
                return raw_text(start, &tag.name);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// What the tokenizer reads after a start tag: the content of `script`, `style` and their
/// kind is raw text, not markup (the tree builder would say so; here the sink does).
fn raw_text(start: bool, name: &html5ever::LocalName) -> TokenSinkResult<()> {
    if !start {
        return TokenSinkResult::Continue;
    }
    match &**name {
        "script" => TokenSinkResult::RawData(RawKind::ScriptData),
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
            TokenSinkResult::RawData(RawKind::Rawtext)
        }
        "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
        "plaintext" => TokenSinkResult::Plaintext,
        _ => TokenSinkResult::Continue,
    }
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
                (7, "A é".into()),
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
    fn a_page_without_body_tags_and_raw_text_are_read_as_browsers_read_them() {
        let html = "<title>a <p> in a title</title><meta charset=utf-8>\n<p>正文&hellip;&#x1F600;&notin;\n<script>document.write('<p>not text</p>')</script><style>p::after{content:'<p>'}</style>\n<pre>  two\n  lines</pre><textarea>kept</textarea>";
        assert_eq!(
            summary(html),
            [
                (2, "正文…😀∉".into()),
                (4, "two\n  lines".into()),
                (5, "kept".into()),
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
