//! The manifest: what an index generation was built from and with.
//!
//! tantivy stores neither custom analyzers nor where its documents came from. The manifest
//! records the analysis fingerprint (an index is only read by the analysis that wrote it) and
//! every source file, so later runs can tell what changed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// File name of the manifest inside a generation folder.
pub const MANIFEST_FILE: &str = "declsearch-manifest.json";

/// Version of the manifest and index layout.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// [`crate::analysis::FINGERPRINT`] of the analysis that built the index.
    pub analysis: String,
    /// The corpus paths the index was built from.
    pub corpus: Vec<PathBuf>,
    pub files: Vec<FileEntry>,
    pub documents: u64,
    pub passages: u64,
}

/// One indexed source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to its corpus root.
    pub path: String,
    pub doc: String,
    pub bytes: u64,
    pub passages: u32,
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
}
