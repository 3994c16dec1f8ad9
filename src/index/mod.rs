//! The on-disk index: building it from a corpus and opening it for search.

mod layout;
mod manifest;
mod schema;

use std::path::{Path, PathBuf};
use std::time::Instant;

use tantivy::{doc, IndexReader, ReloadPolicy};

use crate::analysis::{register_tokenizers, FINGERPRINT};
use crate::corpus;
use crate::error::{Error, Result};
pub use layout::DirState;
pub use manifest::{FileEntry, Manifest, FORMAT};
pub use schema::Fields;

/// An opened index, ready to search.
pub struct Index {
    pub(crate) dir: PathBuf,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    manifest: Manifest,
}

/// What a build did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildReport {
    pub documents: u64,
    pub passages: u64,
    pub seconds: f64,
}

const WRITER_BYTES_PER_THREAD: usize = 64 << 20;

impl Index {
    /// Open the index in `dir`.
    ///
    /// Fails with [`Error::NotAnIndex`] if `dir` holds no index, and with
    /// [`Error::IncompatibleIndex`] if the index was built by another analysis.
    pub fn open(dir: &Path) -> Result<Index> {
        match layout::inspect(dir)? {
            DirState::Live(generation) => Self::open_generation(dir, &generation),
            DirState::Empty => Err(Error::NotAnIndex {
                path: dir.to_path_buf(),
                reason: "no index has been built there yet".into(),
            }),
        }
    }

    /// Open the index in `dir`, first building it from `corpus` if there is none yet.
    /// Returns the build's report when it built one.
    pub fn open_or_build(dir: &Path, corpus: &[PathBuf]) -> Result<(Index, Option<BuildReport>)> {
        match layout::inspect(dir)? {
            DirState::Live(generation) => Ok((Self::open_generation(dir, &generation)?, None)),
            DirState::Empty => {
                let report = Self::build(dir, corpus)?;
                Ok((Self::open(dir)?, Some(report)))
            }
        }
    }

    /// Build a fresh index of `corpus` (folders or files) in `dir` and make it the live one.
    /// The corpus is read completely before anything is written, so a bad file leaves an
    /// existing index untouched.
    pub fn build(dir: &Path, corpus: &[PathBuf]) -> Result<BuildReport> {
        let started = Instant::now();
        layout::inspect(dir)?;
        let mut sources = Vec::new();
        for root in corpus {
            sources.extend(corpus::load(root)?);
        }

        let generation = layout::create_generation(dir)?;
        let (schema, fields) = Fields::schema();
        let index = tantivy::Index::create_in_dir(&generation, schema)
            .map_err(Error::tantivy(&generation))?;
        register_tokenizers(&index);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let mut writer: tantivy::IndexWriter = index
            .writer_with_num_threads(threads, threads * WRITER_BYTES_PER_THREAD)
            .map_err(Error::tantivy(&generation))?;

        let mut files = Vec::with_capacity(sources.len());
        let mut passages = 0u64;
        for source in &sources {
            for passage in &source.passages {
                writer
                    .add_document(doc!(
                        fields.doc => source.doc.as_str(),
                        fields.source => source.relative.as_str(),
                        fields.passage => u64::from(passage.number),
                        fields.line => u64::from(passage.line),
                        fields.lang => passage.lang.as_str(),
                        fields.text => passage.text.as_str(),
                    ))
                    .map_err(Error::tantivy(&generation))?;
            }
            passages += source.passages.len() as u64;
            files.push(FileEntry {
                path: source.relative.clone(),
                doc: source.doc.clone(),
                bytes: source.bytes,
                passages: source.passages.len() as u32,
            });
        }
        writer.commit().map_err(Error::tantivy(&generation))?;
        writer
            .wait_merging_threads()
            .map_err(Error::tantivy(&generation))?;

        let manifest = Manifest {
            format: FORMAT,
            analysis: FINGERPRINT.to_owned(),
            corpus: corpus.to_vec(),
            documents: files.len() as u64,
            passages,
            files,
        };
        manifest.write(&generation)?;
        layout::publish(dir, &generation)?;
        Ok(BuildReport {
            documents: manifest.documents,
            passages,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    fn open_generation(dir: &Path, generation: &Path) -> Result<Index> {
        let manifest = Manifest::read(generation)?;
        if manifest.format != FORMAT || manifest.analysis != FINGERPRINT {
            return Err(Error::IncompatibleIndex {
                path: dir.to_path_buf(),
                found: format!("format {}; {}", manifest.format, manifest.analysis),
                expected: format!("format {FORMAT}; {FINGERPRINT}"),
            });
        }
        let index = tantivy::Index::open_in_dir(generation).map_err(Error::tantivy(generation))?;
        let fields = Fields::of(&index.schema()).ok_or_else(|| Error::NotAnIndex {
            path: dir.to_path_buf(),
            reason: "its schema lacks declsearch's fields".into(),
        })?;
        register_tokenizers(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(Error::tantivy(generation))?;
        Ok(Index {
            dir: dir.to_path_buf(),
            reader,
            fields,
            manifest,
        })
    }

    /// The folder the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the index was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
}
