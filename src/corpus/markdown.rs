//! `.md`: Markdown reduced to its text, read with pulldown-cmark (CommonMark, with tables,
//! footnotes, strikethrough, task lists and front matter).
//!
//! Each top-level block (paragraph, list, quote, code block, table, HTML block) is a passage;
//! a heading starts a passage and is kept with the block under it. Inside a passage, list
//! items, table rows and a quote's paragraphs go on lines of their own, and table cells are
//! separated by a space. Markup goes (emphasis, link targets, HTML tags, task markers); link
//! text, image descriptions and code stay. Front matter is left out. A passage's line is the
//! line of its first character in the file.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::corpus::passage::{push_block, Passage};

pub fn passages(text: &str) -> Vec<Passage> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: usize| line_starts.partition_point(|&start| start <= byte);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let mut out = Blocks::default();
    // Depth of the open blocks; whether inside front matter; whether a row has a cell yet.
    let mut depth = 0usize;
    let mut metadata = false;
    let mut cell_in_row = false;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if is_block(&tag) {
                    match depth {
                        0 => out.block(matches!(tag, Tag::Heading { .. })),
                        _ => out.line_break(),
                    }
                    depth += 1;
                }
                match tag {
                    Tag::MetadataBlock(_) => metadata = true,
                    Tag::TableRow | Tag::TableHead => cell_in_row = false,
                    Tag::TableCell => {
                        if cell_in_row {
                            out.space();
                        }
                        cell_in_row = true;
                    }
                    _ => {}
                }
            }
            Event::End(tag) => {
                if is_block_end(&tag) {
                    depth = depth.saturating_sub(1);
                    out.line_break();
                }
                match tag {
                    TagEnd::MetadataBlock(_) => metadata = false,
                    TagEnd::Heading(_) if depth == 0 => out.after_heading = true,
                    TagEnd::TableRow | TagEnd::TableHead => out.line_break(),
                    _ => {}
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t)
                if !metadata =>
            {
                out.push(&t, line_of(range.start));
            }
            Event::Html(html) => {
                // An HTML block: its text, as the HTML reader reads it.
                for passage in super::html::passages(&html) {
                    out.push(
                        &passage.text,
                        line_of(range.start) + passage.line as usize - 1,
                    );
                    out.line_break();
                }
            }
            Event::SoftBreak | Event::HardBreak => out.line_break(),
            _ => {}
        }
    }
    out.flush();
    out.passages
}

fn is_block(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::HtmlBlock
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Table(_)
            | Tag::MetadataBlock(_)
    )
}

fn is_block_end(tag: &TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Table
            | TagEnd::MetadataBlock(_)
    )
}

/// Passages from blocks of text.
#[derive(Default)]
struct Blocks {
    passages: Vec<Passage>,
    text: String,
    line: usize,
    /// A heading ended and no block followed yet: it stays with the block under it.
    after_heading: bool,
}

impl Blocks {
    /// A top-level block starts: a new passage, unless it is the block under a heading.
    fn block(&mut self, heading: bool) {
        if heading || !self.after_heading {
            self.flush();
        }
        self.after_heading = false;
    }

    fn push(&mut self, text: &str, line: usize) {
        if self.text.trim().is_empty() {
            let leading_breaks = text.len() - text.trim_start_matches(['\n', '\r']).len();
            self.line = line + text[..leading_breaks].matches('\n').count();
        }
        self.text.push_str(text);
    }

    fn line_break(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.text.push(' ');
        }
    }

    fn flush(&mut self) {
        push_block(&mut self.passages, self.line as u32, &self.text, None);
        self.text.clear();
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
                (5, "Article 2\nSee code and map here.".into()),
                (7, "item one\nitem_two".into()),
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

    #[test]
    fn front_matter_html_blocks_footnotes_and_nested_lists() {
        let md = "---\ntitle: 不是正文\n---\n\n<div class=\"note\">\n<p>上合&amp;友城</p>\n</div>\n\n> 1. 第一\n>    - 甲[^1]\n> 2. [ ] 第二\n\n[^1]: 注释。\r\n";
        assert_eq!(
            summary(md),
            [
                (6, "上合&友城".into()),
                (9, "第一\n甲\n第二".into()),
                (13, "注释。".into()),
            ]
        );
    }
}
