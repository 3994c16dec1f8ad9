//! PDF: the text of each page, in the order the page draws it, cut into paragraphs.
//!
//! pdf-extract (on lopdf) decodes the fonts (simple, Type 3 and CID fonts with their ToUnicode
//! maps, which is how every common producer embeds CJK text) and hands over each character
//! with its position. The layout here makes lines and paragraphs of them:
//! - a character more than half its size above or below the last one starts a line;
//! - a line starts a paragraph when the gap above it is clearly wider than the paragraph's
//!   line pitch, when the text size changes, or when it is indented past the line before;
//! - lines join with nothing between them where either side is Chinese (a PDF breaks lines
//!   inside sentences, and in Chinese that must not become a word break), else with a space.
//!
//! Paragraphs end at a page's end: a passage's `page` is its page, and its `line` the line of
//! that page it starts on.
//!
//! The libraries are not written for hostile files: they panic on some damaged ones (caught
//! here: the file is skipped), and they follow page parents and forms recursively. [`guard`]
//! walks those first, within limits, so that a loop or an exponential nesting of forms is a
//! skipped file, never a stack overflow or an endless run.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object, ObjectId};
use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

use super::passage::{push_block, Passage};
use crate::text::is_han;

/// Whether a panic comes from the PDF reader's libraries, which panic on some damaged files:
/// the reading catches those and reports the file as skipped with its cause, so a panic hook
/// may leave their messages out (the command line does).
pub fn reader_panic(info: &std::panic::PanicHookInfo) -> bool {
    const READERS: [&str; 5] = [
        "/pdf-extract-",
        "/lopdf-",
        "/cff-parser-",
        "/adobe-cmap-parser-",
        "/type1-encoding-parser-",
    ];
    info.location().is_some_and(|at| {
        READERS
            .iter()
            .any(|crate_dir| at.file().contains(crate_dir))
    })
}

/// The passages of a PDF file, or why it cannot be read.
pub(super) fn passages(bytes: &[u8]) -> Result<Vec<Passage>, String> {
    std::panic::catch_unwind(|| read(bytes)).unwrap_or_else(|_| {
        Err("a damaged PDF: its text could not be followed (the PDF reader failed)".into())
    })
}

fn read(bytes: &[u8]) -> Result<Vec<Passage>, String> {
    let mut doc = Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    if doc.is_encrypted() {
        // Many PDFs are encrypted with an empty password only to set permissions.
        doc.decrypt("").map_err(|_| {
            "an encrypted PDF that needs a password; declsearch reads only PDFs that open \
             without one"
                .to_string()
        })?;
    }
    guard(&doc)?;
    let mut layout = Layout::default();
    pdf_extract::output_doc(&doc, &mut layout).map_err(|e| format!("a damaged PDF: {e}"))?;
    layout.end_paragraph();
    if layout.passages.is_empty() {
        return Err(match layout.pages {
            0 => "a PDF without pages".into(),
            n => format!(
                "no text in any of its {n} pages: only images (a scan?); declsearch does not \
                 recognise text in images"
            ),
        });
    }
    Ok(layout.passages)
}

/// Deepest page tree the guard follows up from a page (real ones are a few levels).
const MAX_PARENTS: usize = 64;
/// Deepest nesting of forms (a form drawing a form ...).
const MAX_FORM_DEPTH: usize = 32;
/// Most form drawings a page may make, counting each `Do` of a form as many times as the
/// forms around it are drawn: bounds the work of a page whose forms draw each other many
/// times over (10 deep of 10 each is 10^10).
const MAX_FORM_DRAWINGS: u64 = 1_000_000;

/// Checks what pdf-extract follows without limits: each page's chain of parents (for its
/// resources and media box) and the forms each page draws.
fn guard(doc: &Document) -> Result<(), String> {
    let mut forms = FormCosts::default();
    for page in doc.page_iter() {
        let mut dict = doc.get_dictionary(page).map_err(|e| e.to_string())?;
        let mut resources = None;
        for depth in 0.. {
            if resources.is_none() {
                resources =
                    resolve(doc, dict.get(b"Resources").ok()).and_then(|o| o.as_dict().ok());
            }
            let Some(parent) = dict.get(b"Parent").ok().and_then(|p| p.as_reference().ok()) else {
                break;
            };
            if depth == MAX_PARENTS {
                return Err(format!(
                    "a damaged PDF: page {} {} has over {MAX_PARENTS} parents (a loop?)",
                    page.0, page.1
                ));
            }
            match doc.get_dictionary(parent) {
                Ok(next) => dict = next,
                Err(_) => break,
            }
        }
        if let Some(resources) = resources {
            let content = || doc.get_page_content(page).unwrap_or_default();
            let drawings = forms.drawings(doc, resources, content, &mut Vec::new())?;
            if drawings > MAX_FORM_DRAWINGS {
                return Err(format!(
                    "a PDF whose page {} {} draws forms {drawings} times over (over \
                     {MAX_FORM_DRAWINGS})",
                    page.0, page.1
                ));
            }
        }
    }
    Ok(())
}

fn resolve<'a>(doc: &'a Document, object: Option<&'a Object>) -> Option<&'a Object> {
    match object? {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

/// How many form drawings a content stream makes, forms inside forms included; memoised per
/// form that has resources of its own (its cost then does not depend on who draws it).
#[derive(Default)]
struct FormCosts {
    known: HashMap<ObjectId, u64>,
}

impl FormCosts {
    /// Form drawings of a content stream drawn with `resources`, forms inside forms
    /// included. `path` holds the forms being drawn around it.
    fn drawings(
        &mut self,
        doc: &Document,
        resources: &Dictionary,
        content: impl FnOnce() -> Vec<u8>,
        path: &mut Vec<ObjectId>,
    ) -> Result<u64, String> {
        let Some(xobjects) =
            resolve(doc, resources.get(b"XObject").ok()).and_then(|o| o.as_dict().ok())
        else {
            return Ok(0);
        };
        let mut total = 0u64;
        for (name, times) in drawn(&content()) {
            let form = xobjects
                .get(&name)
                .ok()
                .and_then(|x| x.as_reference().ok())
                .and_then(|id| Some((id, doc.get_object(id).and_then(Object::as_stream).ok()?)))
                .filter(|(_, x)| {
                    x.dict.get(b"Subtype").and_then(Object::as_name).ok()
                        == Some(b"Form".as_slice())
                });
            let inner = match form {
                Some((id, form)) => self.form(doc, id, form, resources, path)?,
                None => 0,
            };
            total = total.saturating_add(times.saturating_mul(inner.saturating_add(1)));
        }
        Ok(total)
    }

    fn form(
        &mut self,
        doc: &Document,
        id: ObjectId,
        form: &lopdf::Stream,
        outer: &Dictionary,
        path: &mut Vec<ObjectId>,
    ) -> Result<u64, String> {
        if path.contains(&id) {
            return Err(format!(
                "a damaged PDF: form {} {} draws itself",
                id.0, id.1
            ));
        }
        if path.len() == MAX_FORM_DEPTH {
            return Err(format!(
                "a PDF with forms nested over {MAX_FORM_DEPTH} deep"
            ));
        }
        let own = resolve(doc, form.dict.get(b"Resources").ok()).and_then(|o| o.as_dict().ok());
        if own.is_some() {
            if let Some(&cost) = self.known.get(&id) {
                return Ok(cost);
            }
        }
        path.push(id);
        let content = || {
            form.decompressed_content()
                .unwrap_or_else(|_| form.content.clone())
        };
        let cost = self.drawings(doc, own.unwrap_or(outer), content, path);
        path.pop();
        let cost = cost?;
        if own.is_some() {
            self.known.insert(id, cost);
        }
        Ok(cost)
    }
}

/// The XObjects a content stream draws (`/Name Do`), with how many times each: found as
/// tokens, so one inside a string counts too (an upper bound). Names are unescaped (`#30`
/// is `0`), as lopdf reads them.
fn drawn(content: &[u8]) -> HashMap<Vec<u8>, u64> {
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b);
    let mut drawn = HashMap::new();
    for (i, _) in content.windows(2).enumerate().filter(|&(i, w)| {
        w == b"Do"
            && (i == 0 || delimiter(content[i - 1]))
            && content.get(i + 2).is_none_or(|&b| delimiter(b))
    }) {
        let before = content[..i].trim_ascii_end();
        let Some(slash) = before.iter().rposition(|&b| b == b'/' || delimiter(b)) else {
            continue;
        };
        if before[slash] != b'/' {
            continue;
        }
        *drawn
            .entry(unescape_name(&before[slash + 1..]))
            .or_insert(0) += 1;
    }
    drawn
}

fn unescape_name(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let hex = name
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (name[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'#', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// Lines and paragraphs from positioned characters.
#[derive(Default)]
struct Layout {
    passages: Vec<Passage>,
    /// Pages begun.
    pages: u32,
    /// The paragraph being read: its text, the page line it starts on.
    text: String,
    first_line: u32,
    /// Lines of the page so far.
    line: u32,
    /// The last character drawn: where it ends, its baseline, its size.
    last: Option<Glyph>,
    /// Start of the current line (x), and the line pitch of the paragraph once known.
    line_start: f64,
    pitch: Option<f64>,
    /// A space drawn or a gap seen since the last character, not yet written.
    space: bool,
}

#[derive(Clone, Copy)]
struct Glyph {
    end: f64,
    y: f64,
    size: f64,
}

impl Layout {
    fn end_paragraph(&mut self) {
        push_block(
            &mut self.passages,
            self.first_line,
            &self.text,
            Some(self.pages),
        );
        self.text.clear();
        self.pitch = None;
        self.space = false;
    }

    fn write(&mut self, c: &str, x: f64, y: f64, size: f64) {
        if c.trim().is_empty() {
            self.space = true;
            return;
        }
        match self.last {
            None => self.begin_line(x, true),
            Some(last) if (y - last.y).abs() > 0.5 * last.size.max(size) => {
                let gap = last.y - y;
                let pitch_break = match self.pitch {
                    Some(pitch) => gap > 1.3 * pitch + 0.1 * size,
                    None => gap > 2.0 * size,
                };
                let paragraph = gap < 0.0
                    || pitch_break
                    || (size - last.size).abs() > 0.2 * last.size
                    || x > self.line_start + 1.5 * size;
                if paragraph {
                    self.end_paragraph();
                } else if self.pitch.is_none() {
                    self.pitch = Some(gap);
                }
                self.begin_line(x, paragraph);
                if !paragraph {
                    self.space = true;
                }
            }
            Some(last) => {
                if x > last.end + 0.15 * size {
                    self.space = true;
                }
            }
        }
        if self.space && !self.text.is_empty() {
            let before = self.text.chars().next_back().unwrap_or(' ');
            let after = c.chars().next().unwrap_or(' ');
            let hyphenated = before == '-' && {
                let mut back = self.text.chars().rev().skip(1);
                back.next().is_some_and(char::is_alphabetic)
            };
            if !(tight(before) || tight(after) || before == ' ' || hyphenated) {
                self.text.push(' ');
            }
        }
        self.space = false;
        for c in c.chars() {
            unify_radical(c, |c| self.text.push(c));
        }
        self.last = Some(Glyph { end: x, y, size });
    }

    fn begin_line(&mut self, x: f64, paragraph: bool) {
        self.line += 1;
        self.line_start = x;
        if paragraph {
            self.first_line = self.line;
        }
    }
}

/// Writes `c`, or for a Kangxi or CJK supplement radical the ideograph it stands for: fonts'
/// ToUnicode maps often name the radical (U+2F42 ⽂) where the text has the ideograph (文), as
/// the glyphs are the same.
fn unify_radical(c: char, mut write: impl FnMut(char)) {
    match c {
        '\u{2E80}'..='\u{2FDF}' => unicode_normalization::char::decompose_compatible(c, write),
        _ => write(c),
    }
}

/// Characters that join their neighbours without a space: Han, and CJK punctuation and
/// full-width forms.
fn tight(c: char) -> bool {
    is_han(c)
        || matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}' | '\u{2014}' | '\u{2018}'..='\u{201F}' | '\u{2026}')
}

impl OutputDev for Layout {
    fn begin_page(
        &mut self,
        _: u32,
        _: &MediaBox,
        _: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.end_paragraph();
        self.pages += 1;
        self.line = 0;
        self.last = None;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.end_paragraph();
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        c: &str,
    ) -> Result<(), OutputError> {
        // As pdf-extract's own text output: the side of the square of the same area as the
        // transformed em box.
        let scaled_x = font_size * (trm.m11 + trm.m21);
        let scaled_y = font_size * (trm.m12 + trm.m22);
        let size = (scaled_x * scaled_y).abs().sqrt();
        let (x, y) = (trm.m31, trm.m32);
        if !(x.is_finite() && y.is_finite() && size.is_finite()) {
            return Ok(());
        }
        self.write(c, x, y, size.max(0.01));
        if let Some(last) = &mut self.last {
            last.end = x + width * size;
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}
