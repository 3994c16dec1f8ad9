//! The manifest: what an index generation was built from and with.
//!
//! tantivy stores neither custom analyzers nor where its documents came from. The manifest
//! records the analysis fingerprint and user dictionary (an index is only read by the analysis
//! that wrote it, and searches reuse its dictionary) and every source file with its content
//! hash, so the next run can tell what was added, changed or removed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::UserDict;
use crate::error::{Error, Result};

/// File name of the manifest inside a generation folder.
pub const MANIFEST_FILE: &str = "declsearch-manifest.json";

/// Version of the manifest and index layout.
pub const FORMAT: u32 = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// [`crate::analysis::Analyzer::fingerprint`] of the analysis that built the index.
    pub analysis: String,
    /// The user dictionary the analysis used, if any.
    #[serde(default)]
    pub user_dict: Option<UserDict>,
    /// The corpus paths of the last run.
    pub corpus: Vec<PathBuf>,
    /// Indexed files by key ([`crate::corpus::CorpusFile::key`]: the path under the corpus
    /// root, since format 8).
    pub files: BTreeMap<String, FileEntry>,
    /// [`crate::semantic::Model::id`] of the model whose vectors the generation holds
    /// ([`super::vectors`]); none without vectors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<String>,
}

/// The fields every manifest format has had.
#[derive(Deserialize)]
struct Header {
    format: u32,
    #[serde(default)]
    analysis: String,
    #[serde(default)]
    corpus: Option<Vec<PathBuf>>,
}

/// One indexed source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// xxh3-128 of the file's bytes, hex.
    pub hash: String,
    pub bytes: u64,
    pub documents: u64,
    pub passages: u64,
    /// The encoding the file was read in (`UTF-8`, `GBK`, `Big5`, `UTF-16LE`, …).
    #[serde(default)]
    pub encoding: String,
}

impl Manifest {
    /// Read a generation's manifest. One written by another format version is
    /// [`Error::IncompatibleIndex`], not a parse error: its fields may have changed.
    pub(crate) fn read(generation: &Path) -> Result<Manifest> {
        let path = generation.join(MANIFEST_FILE);
        let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
        let header: Header = serde_json::from_slice(&bytes).map_err(|source| Error::Manifest {
            path: path.clone(),
            source,
        })?;
        if header.format != FORMAT {
            return Err(Error::IncompatibleIndex {
                path: generation.parent().unwrap_or(generation).to_path_buf(),
                found: format!("format {}; {}", header.format, header.analysis),
                expected: format!("format {FORMAT}"),
            });
        }
        serde_json::from_slice(&bytes).map_err(|source| Error::Manifest { path, source })
    }

    /// The corpus paths a manifest of any format version names, if it can be read at all.
    pub(crate) fn corpus_of(generation: &Path) -> Option<Vec<PathBuf>> {
        let bytes = std::fs::read(generation.join(MANIFEST_FILE)).ok()?;
        serde_json::from_slice::<Header>(&bytes).ok()?.corpus
    }

    pub fn documents(&self) -> u64 {
        self.files.values().map(|f| f.documents).sum()
    }

    pub fn passages(&self) -> u64 {
        self.files.values().map(|f| f.passages).sum()
    }
}
