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
pub const FORMAT: u32 = 6;

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
    /// Indexed files by key ([`crate::corpus::CorpusFile::key`]).
    pub files: BTreeMap<String, FileEntry>,
}

/// One indexed source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// xxh3-128 of the file's bytes, hex.
    pub hash: String,
    pub bytes: u64,
    pub documents: u64,
    pub passages: u64,
}

impl Manifest {
    pub fn read(generation: &Path) -> Result<Manifest> {
        let path = generation.join(MANIFEST_FILE);
        let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Manifest { path, source })
    }

    pub fn write(&self, generation: &Path) -> Result<()> {
        let path = generation.join(MANIFEST_FILE);
        let json = serde_json::to_vec_pretty(self).expect("a manifest serialises");
        super::layout::write_durably(&path, &json)
    }

    pub fn documents(&self) -> u64 {
        self.files.values().map(|f| f.documents).sum()
    }

    pub fn passages(&self) -> u64 {
        self.files.values().map(|f| f.passages).sum()
    }
}
