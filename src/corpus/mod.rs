//! Corpus loading: which files a corpus holds, and the documents and passages in each.
//!
//! A corpus path is a folder, walked recursively in name order (hidden entries skipped), or a
//! single file. Formats, by extension:
//!
//! | extension | documents | passages |
//! |---|---|---|
//! | `.txt` | the file | paragraphs (blank-line separated), or lines if it has no blank lines |
//! | `.md`, `.markdown` | the file, markup stripped (pulldown-cmark) | top-level blocks; a heading starts one |
//! | `.html`, `.htm` | the file's text, scripts and styles dropped (html5ever's tokenizer) | block elements |
//! | `.jsonl` | one per record: `id`, `text`, optional `title` and `lang` | paragraphs of `text` |
//! | `.tsv` | one per row and text column (`text`, or language columns `zh`, `en`, …) | paragraphs of the cell |
//! | `.pdf` | the file's text, page by page (pdf-extract) | paragraphs within a page, with their page |
//! | `.docx`, `.odt` | the body of the Word or OpenDocument file | paragraphs, lists, table rows; a heading starts one |
//!
//! Text formats are decoded from whatever encoding they are in ([`crate::text::decode`]); PDF
//! and the word processors' formats define their own.
//!
//! A language tag before the extension (`x.en.txt`, `x.zh-Hant.md`) sets the language of
//! every passage; otherwise it is detected per passage. Other files are skipped and reported.

mod html;
mod jsonl;
mod markdown;
mod office;
pub mod passage;
mod pdf;

pub use pdf::reader_panic;
mod tsv;

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Error, Result};
use passage::{bound_length, split_passages_in, Lang, Passage};

/// A document: what a search hit names, with its passages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Document id: the file's path under its corpus root without extension and language
    /// tag, or the record id of a `.jsonl` or `.tsv` record.
    pub id: String,
    /// A title given with the document (`.jsonl` `title`, a `.tsv` `title` column), trimmed
    /// and at most [`passage::MAX_TITLE_BYTES`]: indexed beside each passage, so a passage
    /// is found by what its document is about, and stored once.
    pub title: Option<String>,
    pub passages: Vec<Passage>,
}

/// A file of a corpus, found but not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFile {
    /// Where to read it.
    pub path: PathBuf,
    /// Stable key of the file in the index: its path under the corpus root it was found
    /// under (`/`-separated), whatever form of the root was typed (relative, `./`, absolute,
    /// through a symlink), so that a moved corpus folder changes nothing. A file given as a
    /// root is its file name.
    pub key: String,
    /// Path under its corpus root, `/`-separated (the file name for a single-file root).
    pub relative: String,
    pub format: Format,
}

/// A file left out of the index, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
    /// A file that should have been indexed but could not be (unreadable, undecodable,
    /// malformed), as opposed to one of a format declsearch does not read.
    pub failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    JsonLines,
    Tsv,
    Pdf,
    Docx,
    Odt,
}

impl Format {
    /// The short name reports use: `txt`, `md`, `html`, `jsonl`, `tsv`, `pdf`, `docx`, `odt`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::JsonLines => "jsonl",
            Format::Tsv => "tsv",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Odt => "odt",
        }
    }

    /// Whether a file of this format is records (`.jsonl`, `.tsv`), each a document, which
    /// [`CorpusFile::read_each`] hands over in groups.
    pub fn has_records(self) -> bool {
        matches!(self, Format::JsonLines | Format::Tsv)
    }

    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" => Format::Text,
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "jsonl" => Format::JsonLines,
            "tsv" => Format::Tsv,
            "pdf" => Format::Pdf,
            "docx" => Format::Docx,
            "odt" => Format::Odt,
            _ => return None,
        })
    }
}

/// Whether two lists of corpus roots name the same folders and files, however each was typed
/// (`corpus`, `./corpus/`, an absolute path, a symlink to it).
pub fn same_roots(a: &[PathBuf], b: &[PathBuf]) -> bool {
    let canonical = |roots: &[PathBuf]| -> Vec<PathBuf> {
        roots
            .iter()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
            .collect()
    };
    canonical(a) == canonical(b)
}

/// The files of the corpus `roots`, in order, and the files skipped. A root that does not
/// exist is an error; anything wrong below a root is a skipped file.
pub fn list(roots: &[PathBuf]) -> Result<(Vec<CorpusFile>, Vec<Skipped>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => Error::CorpusMissing(root.clone()),
            _ => Error::io(root)(source),
        })?;
        if meta.is_file() {
            let relative = root.file_name().map_or_else(
                || root.to_string_lossy().into_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            match Format::of(root) {
                Some(format) => files.push(CorpusFile {
                    path: root.clone(),
                    key: relative.clone(),
                    relative,
                    format,
                }),
                None => skipped.push(unsupported(root)),
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // A symbolic link back to an ancestor is the corpus's shape, not a file
                    // that failed: walked once, then reported.
                    skipped.push(Skipped {
                        path: e.path().unwrap_or(root).to_path_buf(),
                        reason: e.to_string(),
                        failed: e.loop_ancestor().is_none(),
                    });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let Some(format) = Format::of(path) else {
                skipped.push(unsupported(path));
                continue;
            };
            let relative = path
                .strip_prefix(root)
                .unwrap_or(path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push(CorpusFile {
                path: path.to_path_buf(),
                key: relative.clone(),
                relative,
                format,
            });
        }
    }
    // Keys are paths under their roots: two roots holding one path would be one file.
    let mut keys = std::collections::HashSet::new();
    let (files, twins): (Vec<CorpusFile>, Vec<CorpusFile>) =
        files.into_iter().partition(|f| keys.insert(f.key.clone()));
    skipped.extend(twins.into_iter().map(|twin| Skipped {
        reason: format!(
            "another corpus root holds a file at the same path {:?}; give each file its own \
             path below the corpus roots",
            twin.key
        ),
        path: twin.path,
        failed: true,
    }));
    Ok((files, skipped))
}

fn unsupported(path: &Path) -> Skipped {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let reason = match ext.as_deref() {
        Some("doc") => "a legacy Word .doc file (binary), which declsearch does not read; save \
                        it as .docx or .odt"
            .into(),
        _ => format!("not a format declsearch reads ({READ})"),
    };
    Skipped {
        path: path.to_path_buf(),
        reason,
        failed: false,
    }
}

/// The extensions of the formats declsearch reads, for messages.
const READ: &str = ".txt .md .html .htm .jsonl .tsv .pdf .docx .odt";

impl CorpusFile {
    /// The documents of this file, from its bytes (in whatever encoding they are: see
    /// [`crate::text::decode`]).
    pub fn documents(&self, bytes: Vec<u8>) -> Result<Vec<Document>> {
        Ok(self.read(bytes, None)?.0)
    }

    /// The documents of this file, from its bytes, and the encoding they were read in:
    /// `forced` when given (unless a byte-order mark says otherwise), else the one the file
    /// declares or the one its bytes are in.
    pub fn read(
        &self,
        bytes: Vec<u8>,
        forced: Option<&'static crate::text::Encoding>,
    ) -> Result<(Vec<Document>, &'static str)> {
        let mut documents = Vec::new();
        let encoding = self.read_each(bytes, forced, &mut |group| documents.extend(group))?;
        Ok((documents, encoding))
    }

    /// As [`CorpusFile::read`], handing the documents to `group` (one group: nothing of a
    /// file that fails is handed over). A big file of records is read from disk in pieces by
    /// [`CorpusFile::read_records`] instead.
    pub fn read_each(
        &self,
        bytes: Vec<u8>,
        forced: Option<&'static crate::text::Encoding>,
        group: &mut dyn FnMut(Vec<Document>),
    ) -> Result<&'static str> {
        let (stem, tag) = split_name(&self.relative);
        let unreadable = |reason: String| Error::Unreadable {
            path: self.path.clone(),
            reason,
        };
        if let Some(passages) = match self.format {
            Format::Pdf => Some(pdf::passages(&bytes).map_err(unreadable)?),
            Format::Docx => Some(office::docx(&bytes).map_err(unreadable)?),
            Format::Odt => Some(office::odt(&bytes).map_err(unreadable)?),
            _ => None,
        } {
            let document = Document {
                id: stem,
                title: None,
                passages,
            };
            group(finish(vec![document], tag));
            return Ok(BINARY);
        }
        let decoding = crate::text::Decoding {
            markup: match self.format {
                Format::Html => crate::text::Markup::Html,
                _ => crate::text::Markup::None,
            },
            forced,
        };
        let decoded =
            crate::text::decode(bytes, &decoding).map_err(Error::undecodable(&self.path))?;
        let text = decoded.text;
        let malformed = |line: usize, reason: String| Error::Malformed {
            path: self.path.clone(),
            line,
            reason,
        };
        let documents = match self.format {
            Format::Text => vec![Document {
                id: stem,
                title: None,
                passages: split_passages_in(&text, tag),
            }],
            Format::Markdown => vec![Document {
                id: stem,
                title: None,
                passages: markdown::passages(&text),
            }],
            Format::Html => vec![Document {
                id: stem,
                title: None,
                passages: html::passages(&text),
            }],
            Format::JsonLines => jsonl::documents(&text).map_err(|(l, r)| malformed(l, r))?,
            Format::Tsv => tsv::documents(&text).map_err(|(l, r)| malformed(l, r))?,
            Format::Pdf | Format::Docx | Format::Odt => unreachable!("read above"),
        };
        group(finish(documents, tag));
        Ok(decoded.encoding)
    }
}

/// Pieces a file of records over [`STREAMED_BYTES`] is read in by
/// [`CorpusFile::read_records`], each cut after a line end (a longer line is one piece).
const PIECE_BYTES: usize = 4 << 20;

impl CorpusFile {
    /// Whether the indexer reads this file in pieces ([`CorpusFile::piece_hash`],
    /// [`CorpusFile::read_records`]) rather than whole: a file of records over
    /// [`STREAMED_BYTES`].
    pub fn streams(&self, size: u64) -> bool {
        self.format.has_records() && size > STREAMED_BYTES as u64
    }

    /// The hash of the file (xxh3-128 of its bytes, as of a whole read), read in pieces;
    /// `None` when it is not plain UTF-8 without a byte-order mark, to be read whole (and
    /// decoded) instead.
    pub fn piece_hash(&self) -> Result<Option<String>> {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let utf8 = self.each_piece(&mut |piece, _| {
            hasher.update(piece.as_bytes());
            Ok(())
        })?;
        Ok(utf8.then(|| format!("{:032x}", hasher.digest128())))
    }

    /// The documents of a file of records read in pieces, handed to `group` a few thousand
    /// records at a time: every record is checked first, then the file is read again. Fails
    /// before handing anything over if a record is bad, and after, if the file is no longer
    /// the plain UTF-8 of hash `hash` (it changed while it was read).
    pub fn read_records(&self, hash: &str, group: &mut dyn FnMut(Vec<Document>)) -> Result<()> {
        let (_, tag) = split_name(&self.relative);
        let malformed = |(line, reason)| Error::Malformed {
            path: self.path.clone(),
            line,
            reason,
        };
        let changed = || Error::Unreadable {
            path: self.path.clone(),
            reason: "it changed while it was read".into(),
        };
        for checking in [true, false] {
            let (jsonl, mut tsv) = (self.format == Format::JsonLines, tsv::Rows::default());
            let mut hasher = xxhash_rust::xxh3::Xxh3::new();
            let mut each_group = |documents: Vec<Document>| {
                if !checking {
                    group(finish(documents, tag));
                }
            };
            let utf8 = self.each_piece(&mut |piece, first_line| {
                hasher.update(piece.as_bytes());
                let fed = match jsonl {
                    true => jsonl::feed(piece, first_line, &mut each_group),
                    false => tsv.feed(piece, first_line, &mut each_group),
                };
                fed.map_err(malformed)
            })?;
            if !utf8 || format!("{:032x}", hasher.digest128()) != hash {
                return Err(changed());
            }
        }
        Ok(())
    }

    /// Call `each` with the file's text in pieces of about [`PIECE_BYTES`] cut after line
    /// ends, each with the 0-based number of its first line; `false` (at the first piece
    /// that is not) when the file is not plain UTF-8 without a byte-order mark.
    fn each_piece(&self, each: &mut dyn FnMut(&str, usize) -> Result<()>) -> Result<bool> {
        use std::io::Read;
        let mut file = std::fs::File::open(&self.path).map_err(Error::io(&self.path))?;
        let mut buffer: Vec<u8> = Vec::with_capacity(PIECE_BYTES);
        let (mut line, mut first) = (0, true);
        loop {
            let start = buffer.len();
            let wanted = PIECE_BYTES.max(start);
            let read = (&mut file)
                .take(wanted as u64)
                .read_to_end(&mut buffer)
                .map_err(Error::io(&self.path))?;
            let end = read < wanted;
            let cut = match end {
                true => buffer.len(),
                false => match buffer[start..].iter().rposition(|&b| b == b'\n') {
                    Some(at) => start + at + 1,
                    None => continue,
                },
            };
            let bom = [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"];
            if first && bom.iter().any(|mark| buffer.starts_with(mark)) {
                return Ok(false);
            }
            first = false;
            let Ok(text) = std::str::from_utf8(&buffer[..cut]) else {
                return Ok(false);
            };
            each(text, line)?;
            line += text.bytes().filter(|&b| b == b'\n').count();
            buffer.drain(..cut);
            if end {
                return Ok(true);
            }
        }
    }
}

/// Size over which the indexer reads a file of records in pieces rather than whole (see
/// [`CorpusFile::read_records`]).
pub const STREAMED_BYTES: usize = 8 << 20;

/// What the manifest records as the encoding of a file whose format defines its own (PDF,
/// Word).
pub const BINARY: &str = "-";

/// Passages bounded in length, in the language of the file's tag if it has one; documents
/// without passages dropped.
fn finish(mut documents: Vec<Document>, tag: Option<Lang>) -> Vec<Document> {
    for document in &mut documents {
        document.passages = bound_length(std::mem::take(&mut document.passages));
    }
    if let Some(lang) = tag {
        for passage in documents.iter_mut().flat_map(|d| d.passages.iter_mut()) {
            passage.lang = lang;
        }
    }
    documents.retain(|d| !d.passages.is_empty());
    documents
}

/// The document id a file at `relative` (under its corpus root) gives its one document:
/// `a/x.zh-Hant.md` is `a/x`.
pub fn document_id(relative: &str) -> String {
    split_name(relative).0
}

/// Document id and language tag from a relative path: `a/x.zh-Hant.md` is (`a/x`, zh).
fn split_name(relative: &str) -> (String, Option<Lang>) {
    let (dir, name) = match relative.rsplit_once('/') {
        Some((dir, name)) => (Some(dir), name),
        None => (None, relative),
    };
    let mut stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    let mut tag = None;
    if let Some((base, last)) = stem.rsplit_once('.') {
        if let Some(lang) = lang_of_tag(last).filter(|_| !base.is_empty()) {
            tag = Some(lang);
            stem = base;
        }
    }
    let id = match dir {
        Some(dir) => format!("{dir}/{stem}"),
        None => stem.to_owned(),
    };
    (id, tag)
}

/// The language a tag names: `en`, `eng`, `en-GB`, `zh`, `cmn`, `zh-Hant`, `zh_hans`, ...
pub fn lang_of_tag(tag: &str) -> Option<Lang> {
    let tag = tag.to_ascii_lowercase().replace('_', "-");
    let primary = tag.split('-').next().unwrap_or_default();
    match primary {
        "en" | "eng" | "english" => Some(Lang::En),
        "zh" | "cmn" | "zho" | "chi" | "chinese" => Some(Lang::Zh),
        _ => None,
    }
}

/// Passages of a record's text, all on the record's line, in the record's language if given.
fn record_passages(text: &str, line: usize, lang: Option<Lang>) -> Vec<Passage> {
    let mut passages = split_passages_in(text, lang);
    for passage in &mut passages {
        passage.line = line as u32;
    }
    passages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_in_pieces_are_checked_before_any_is_handed_over() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("big.jsonl");
        let record = |i: usize| format!("{{\"id\":\"r{i}\",\"text\":\"友城合作 {i}\"}}\n");
        let mut text: String = (0..400_000).map(record).collect();
        std::fs::write(&path, &text).unwrap();
        let file = CorpusFile {
            path: path.clone(),
            key: "big.jsonl".into(),
            relative: "big.jsonl".into(),
            format: Format::JsonLines,
        };
        assert!(file.streams(text.len() as u64), "{} bytes", text.len());
        let hash = file.piece_hash().unwrap().expect("plain UTF-8");
        assert_eq!(
            hash,
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()))
        );
        let mut lines = Vec::new();
        file.read_records(&hash, &mut |group| {
            lines.extend(group.iter().map(|d| (d.id.clone(), d.passages[0].line)))
        })
        .unwrap();
        assert_eq!(lines.len(), 400_000);
        assert!(lines
            .iter()
            .enumerate()
            .all(|(i, (id, line))| *id == format!("r{i}") && *line as usize == i + 1));
        // The file changed since it was hashed: the check finds it, before any hand-over.
        let mut handed = 0;
        let err = file
            .read_records("0", &mut |group| handed += group.len())
            .unwrap_err();
        assert!(
            err.to_string().contains("changed while it was read"),
            "{err}"
        );
        assert_eq!(handed, 0);
        // A bad record: an error naming its line, before anything is handed over.
        text.push_str("{\"id\": 1}\n");
        std::fs::write(&path, &text).unwrap();
        let hash = file.piece_hash().unwrap().unwrap();
        let mut handed = 0;
        let err = file
            .read_records(&hash, &mut |group| handed += group.len())
            .unwrap_err();
        assert!(err.to_string().contains("400001"), "{err}");
        assert_eq!(handed, 0);
        // Not UTF-8: read whole instead.
        std::fs::write(&path, b"\xFF\xFE{").unwrap();
        assert_eq!(file.piece_hash().unwrap(), None);
    }

    #[test]
    fn names_give_document_ids_and_language_tags() {
        assert_eq!(
            split_name("a/udhr.en.txt"),
            ("a/udhr".into(), Some(Lang::En))
        );
        assert_eq!(
            split_name("udhr.zh-Hant.md"),
            ("udhr".into(), Some(Lang::Zh))
        );
        assert_eq!(
            split_name("xquad-zh.corpus.jsonl"),
            ("xquad-zh.corpus".into(), None)
        );
        assert_eq!(split_name("v1.2.txt"), ("v1.2".into(), None));
        assert_eq!(split_name("en.txt"), ("en".into(), None));
    }
}
