//! Corpus loading: the files of a corpus folder, decoded and split into passages.
//!
//! A corpus path is a folder, walked recursively in name order (hidden entries skipped), or a
//! single file. Text files (`.txt`) are read; a file that is not UTF-8 is an error naming its
//! line, never silently mangled text.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Error, Result};
use crate::passage::{split_passages, Passage};

/// Extensions read as plain text.
pub const TEXT_EXTENSIONS: &[&str] = &["txt"];

/// One source file of a corpus, split into passages.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Where the file was read from.
    pub path: PathBuf,
    /// Path relative to its corpus root, `/`-separated; the file name for a single-file corpus.
    pub relative: String,
    /// Document id: `relative` without its extension.
    pub doc: String,
    /// Size in bytes.
    pub bytes: u64,
    pub passages: Vec<Passage>,
}

/// Load every text file under `root` (a folder or a single file).
pub fn load(root: &Path) -> Result<Vec<SourceFile>> {
    let meta = std::fs::metadata(root).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::CorpusMissing(root.to_path_buf()),
        _ => Error::Io {
            path: root.to_path_buf(),
            source,
        },
    })?;
    if meta.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![read_file(root, name)?]);
    }
    let mut files = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| Error::Io {
            path: e.path().unwrap_or(root).to_path_buf(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() || !has_text_extension(entry.path()) {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        files.push(read_file(entry.path(), relative)?);
    }
    Ok(files)
}

fn has_text_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TEXT_EXTENSIONS.iter().any(|t| e.eq_ignore_ascii_case(t)))
}

fn read_file(path: &Path, relative: String) -> Result<SourceFile> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    let text = decode(path, bytes)?;
    let doc = match relative.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() && !stem.ends_with('/') => stem.to_owned(),
        _ => relative.clone(),
    };
    Ok(SourceFile {
        path: path.to_path_buf(),
        bytes: text.len() as u64,
        passages: split_passages(&text),
        relative,
        doc,
    })
}

/// UTF-8 text without a byte-order mark, or an error naming the line of the first bad byte.
pub fn decode(path: &Path, bytes: Vec<u8>) -> Result<String> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Error::NotUtf8 {
            path: path.to_path_buf(),
            line,
            offset,
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}
