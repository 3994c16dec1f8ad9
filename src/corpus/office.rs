//! Word processors' files: `.docx` (Office Open XML) and `.odt` (OpenDocument), both a zip of
//! XML parts, of which the body text is one (`word/document.xml`, `content.xml`).
//!
//! The body is read as a stream of XML events (quick-xml), in one pass. Its paragraphs are
//! passages, as in Markdown: a heading starts a passage and is kept with the paragraph under
//! it; the items of a list make one passage; a table row is one passage, its cells joined by
//! ` | `. A passage's `line` is the number of its first paragraph in the document (a word
//! processor has no lines of its own). Left out: deleted text of tracked changes, comments,
//! the fallback copy of drawings (Word writes a text box twice), headers and footers.
//!
//! Zip members are read through a size limit, so that a small file cannot unpack into
//! gigabytes (a zip bomb).

use std::io::Read;

use quick_xml::events::{BytesStart, Event};

use super::passage::{push_block, Passage};

/// Largest XML part read, unpacked: a body of 64 MB is some 20 million characters of text.
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// The passages of a `.docx` file, or why it cannot be read.
pub(super) fn docx(bytes: &[u8]) -> Result<Vec<Passage>, String> {
    let mut zip = open(bytes, "Word (.docx)")?;
    let headings = match part(&mut zip, "word/styles.xml")? {
        Some(styles) => heading_styles(&styles)?,
        None => Vec::new(),
    };
    let body = part(&mut zip, "word/document.xml")?
        .ok_or("a .docx without word/document.xml (not a Word document?)")?;
    read_body(&body, &Docx { headings })
}

/// The passages of a `.odt` file, or why it cannot be read.
pub(super) fn odt(bytes: &[u8]) -> Result<Vec<Passage>, String> {
    let mut zip = open(bytes, "OpenDocument (.odt)")?;
    let body = part(&mut zip, "content.xml")?
        .ok_or("an .odt without content.xml (not an OpenDocument text?)")?;
    read_body(&body, &Odt)
}

type Zip<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

fn open<'a>(bytes: &'a [u8], kind: &str) -> Result<Zip<'a>, String> {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| match e {
        zip::result::ZipError::InvalidArchive(_) | zip::result::ZipError::UnsupportedArchive(_) => {
            format!("not a {kind} file: not a zip archive ({e})")
        }
        e => format!("a damaged {kind} file: {e}"),
    })
}

/// A member of the zip, unpacked within [`MAX_PART_BYTES`]; `None` if there is none.
fn part(zip: &mut Zip, name: &str) -> Result<Option<Vec<u8>>, String> {
    let member = match zip.by_name(name) {
        Ok(member) => member,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("cannot open {name} in the archive: {e}")),
    };
    let mut bytes = Vec::new();
    member
        .take(MAX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot unpack {name}: {e}"))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(format!(
            "{name} unpacks to over {} MB (a zip bomb?)",
            MAX_PART_BYTES >> 20
        ));
    }
    Ok(Some(bytes))
}

/// What a block of the body is; a heading that is numbered is a heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Block {
    Body,
    ListItem,
    Heading,
}

/// What an element of a format's body means to the reader.
enum Element {
    /// A paragraph (or heading, or list item): text until its end.
    Paragraph,
    /// A table row: its paragraphs are its cells' text.
    Row,
    /// A table cell.
    Cell,
    /// A list: the paragraphs inside are list items.
    List,
    /// Text of its own: a tab, a line break, `n` spaces.
    Text(&'static str, usize),
    /// Not part of the text: everything inside is skipped.
    Skip,
    /// Markup around text (runs, spans, links): read through.
    Other,
}

trait Format {
    fn element(&self, e: &BytesStart) -> Element;
    /// What a paragraph's start element, or a property element inside it, makes of the
    /// paragraph: a heading, a list item; `None` if nothing.
    fn mark(&self, e: &BytesStart) -> Option<Block>;
    /// Whether this element holds text characters of the body.
    fn text_element(&self, name: &str) -> bool;
    /// Whether text stands directly in paragraphs (and the spans inside them), not only in
    /// text elements.
    fn text_anywhere(&self) -> bool {
        false
    }
}

struct Docx {
    /// Style ids of headings (ids are localised: a Chinese Word names Heading 1 `1`).
    headings: Vec<String>,
}

impl Format for Docx {
    fn element(&self, e: &BytesStart) -> Element {
        match e.local_name().as_ref() {
            "p" => Element::Paragraph,
            "tr" => Element::Row,
            "tc" => Element::Cell,
            "tab" | "ptab" => Element::Text("\t", 1),
            "br" | "cr" => Element::Text("\n", 1),
            "del" | "Fallback" | "instrText" | "delText" | "commentReference" => Element::Skip,
            _ => Element::Other,
        }
    }

    fn mark(&self, e: &BytesStart) -> Option<Block> {
        match e.local_name().as_ref() {
            "pStyle" => attribute(e, "val")
                .is_some_and(|id| self.headings.contains(&id))
                .then_some(Block::Heading),
            "outlineLvl" => Some(Block::Heading),
            "numPr" => Some(Block::ListItem),
            _ => None,
        }
    }

    fn text_element(&self, name: &str) -> bool {
        name == "t"
    }
}

struct Odt;

impl Format for Odt {
    fn element(&self, e: &BytesStart) -> Element {
        match e.local_name().as_ref() {
            "p" | "h" => Element::Paragraph,
            "table-row" => Element::Row,
            "table-cell" => Element::Cell,
            "list" => Element::List,
            "tab" => Element::Text("\t", 1),
            "line-break" => Element::Text("\n", 1),
            "s" => {
                let count = attribute(e, "c")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1usize);
                Element::Text(" ", count.clamp(1, 64))
            }
            "tracked-changes" | "annotation" | "note-citation" | "bookmark-ref" => Element::Skip,
            _ => Element::Other,
        }
    }

    fn mark(&self, e: &BytesStart) -> Option<Block> {
        (e.local_name().as_ref() == "h").then_some(Block::Heading)
    }

    fn text_element(&self, _: &str) -> bool {
        false
    }

    fn text_anywhere(&self) -> bool {
        true
    }
}

/// The value of the attribute whose local name is `name`, as written (not unescaped).
fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// Style ids of `word/styles.xml` that are headings: named `heading N` or `Title`, or with an
/// outline level.
fn heading_styles(styles: &[u8]) -> Result<Vec<String>, String> {
    let mut reader = quick_xml::Reader::from_reader(styles);
    let mut buf = Vec::new();
    let mut headings = Vec::new();
    let mut style: Option<String> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("word/styles.xml: {e}"))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "style" => style = attribute(e, "styleId"),
                "name" | "outlineLvl" => {
                    let name = attribute(e, "val").unwrap_or_default().to_ascii_lowercase();
                    let is_heading = e.local_name().as_ref() == "outlineLvl"
                        || name.starts_with("heading")
                        || name == "title";
                    if let Some(id) = style.take_if(|_| is_heading) {
                        headings.push(id);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(headings)
}

/// Passages from paragraphs, as the module docs say.
#[derive(Default)]
struct Passages {
    passages: Vec<Passage>,
    /// The passage being gathered, the paragraph it starts at, and what it is so far.
    text: String,
    first: u32,
    open: Option<Block>,
    /// Paragraphs seen.
    paragraphs: u32,
}

impl Passages {
    fn end(&mut self) {
        push_block(&mut self.passages, self.first, &self.text, None);
        self.text.clear();
        self.open = None;
    }

    /// A paragraph of `block`, numbered `number`.
    fn paragraph(&mut self, block: Block, number: u32, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let joins = matches!(
            (self.open, block),
            (Some(Block::Heading), _) | (Some(Block::ListItem), Block::ListItem)
        );
        if !joins {
            self.end();
            self.first = number;
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(text);
        self.open = Some(block);
    }
}

/// One open paragraph (paragraphs nest: a text box or a note inside a paragraph holds more).
struct Open {
    text: String,
    block: Block,
    number: u32,
}

fn read_body(xml: &[u8], format: &dyn Format) -> Result<Vec<Passage>, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Passages::default();
    let mut open: Vec<Open> = Vec::new();
    // Depth of the element being skipped and of the elements inside it; of lists; the row
    // being gathered (its cells), with the depth of the paragraphs inside it.
    let mut skipping = 0usize;
    let mut lists = 0usize;
    let mut row: Option<(String, u32, usize)> = None;
    let mut cell_started = false;
    let mut text_depth = 0usize;
    // The kinds of the open elements, to know what an end closes.
    let mut stack: Vec<u8> = Vec::new();
    const PARAGRAPH: u8 = 1;
    const ROW: u8 = 2;
    const CELL: u8 = 3;
    const LIST: u8 = 4;
    const SKIP: u8 = 5;
    const TEXT: u8 = 6;
    const OTHER: u8 = 0;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("damaged XML at byte {}: {e}", reader.buffer_position()))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            if skipping > 0 {
                if !empty {
                    skipping += 1;
                }
                buf.clear();
                continue;
            }
            if let (Some(paragraph), Some(mark)) = (open.last_mut(), format.mark(e)) {
                paragraph.block = paragraph.block.max(mark);
            }
            let kind = match format.element(e) {
                Element::Paragraph => {
                    out.paragraphs += 1;
                    let in_list = (lists > 0).then_some(Block::ListItem);
                    open.push(Open {
                        text: String::new(),
                        block: format.mark(e).max(in_list).unwrap_or(Block::Body),
                        number: out.paragraphs,
                    });
                    PARAGRAPH
                }
                Element::Row => {
                    row = Some((String::new(), out.paragraphs + 1, open.len()));
                    ROW
                }
                Element::Cell => {
                    cell_started = true;
                    CELL
                }
                Element::List => {
                    lists += 1;
                    LIST
                }
                Element::Text(text, count) => {
                    if let Some(paragraph) = open.last_mut() {
                        for _ in 0..count {
                            paragraph.text.push_str(text);
                        }
                    }
                    OTHER
                }
                Element::Skip => {
                    if !empty {
                        skipping = 1;
                    }
                    SKIP
                }
                Element::Other if format.text_element(e.local_name().as_ref()) => TEXT,
                Element::Other => OTHER,
            };
            if empty {
                // An empty paragraph, row, list: nothing inside.
                match kind {
                    PARAGRAPH => {
                        open.pop();
                    }
                    ROW => row = None,
                    LIST => lists -= 1,
                    _ => {}
                }
            } else {
                if kind == TEXT {
                    text_depth += 1;
                }
                stack.push(kind);
            }
            buf.clear();
            continue;
        }
        match event {
            Event::End(_) if skipping > 0 => {
                skipping -= 1;
                if skipping == 0 {
                    stack.pop();
                }
            }
            Event::End(_) => match stack.pop() {
                Some(PARAGRAPH) => {
                    let paragraph = open.pop().expect("a paragraph is open");
                    match &mut row {
                        Some((cells, _, depth)) if *depth == open.len() => {
                            let text = paragraph.text.trim();
                            if !text.is_empty() {
                                if !cells.is_empty() {
                                    cells.push_str(if cell_started { " | " } else { "\n" });
                                }
                                cells.push_str(text);
                                cell_started = false;
                            }
                        }
                        _ if !open.is_empty() => {
                            // A paragraph inside a paragraph (a note, a text box): its text
                            // follows the outer paragraph's.
                            let outer = open.last_mut().expect("not empty");
                            outer.text.push(' ');
                            outer.text.push_str(&paragraph.text);
                        }
                        _ => out.paragraph(paragraph.block, paragraph.number, &paragraph.text),
                    }
                }
                Some(ROW) => {
                    if let Some((cells, number, _)) = row.take() {
                        out.paragraph(Block::Body, number, &cells);
                    }
                }
                Some(LIST) => lists = lists.saturating_sub(1),
                Some(TEXT) => text_depth -= 1,
                _ => {}
            },
            Event::Text(t) if skipping == 0 => {
                let keep = text_depth > 0 || format.text_anywhere();
                if let Some(paragraph) = open.last_mut().filter(|_| keep) {
                    paragraph.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) if skipping == 0 && text_depth > 0 => {
                if let Some(paragraph) = open.last_mut() {
                    paragraph.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) if skipping == 0 => {
                let keep = text_depth > 0 || format.text_anywhere();
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match &*r {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let (Some(c), Some(paragraph)) = (c, open.last_mut().filter(|_| keep)) {
                    paragraph.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out.end();
    Ok(out.passages)
}
