//! The on-disk index: opening it ([`Index`]), its folder of generations
//! ([`GenerationStore`]), its schema and tokenizers, and the writer that keeps it in step
//! with a corpus ([`Index::update`]).
//!
//! Every method of [`Index`] lives here: searching is a [`Searcher`]'s job, and the
//! shortcuts below only make one.

mod manifest;
mod schema;
mod store;
mod tokenizer;
mod update;
pub mod vectors;

use std::path::{Path, PathBuf};

use tantivy::{IndexReader, ReloadPolicy};

use crate::analysis::Analyzer;
use crate::error::{Error, Result};
use crate::query::Query;
use crate::search::eval::{Measures, Qrels, QueryLine, Ranking};
use crate::search::explain::QueryReport;
use crate::search::{Hit, SearchOptions, Searcher};
pub use manifest::{FileEntry, Manifest, FORMAT, MANIFEST_FILE};
#[doc(hidden)] // the schema and tokenizers are the index's own; benches and fuzz reach them
pub use schema::{Fields, StoredPassage};
pub use store::{DirState, GenerationStore, WriterLock};
#[doc(hidden)]
pub use tokenizer::{
    register_tokenizers, DeclTokenizer, CHAR_TOKENIZER, GRAM_TOKENIZER, INDEX_TOKENIZER,
};
pub use update::{Observer, SemanticReport, Silent, UpdateOptions, UpdateReport};

/// An opened index, ready to search.
pub struct Index {
    pub(crate) dir: PathBuf,
    generation: PathBuf,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) analyzer: Analyzer,
    manifest: Manifest,
    /// The Han vocabulary by pinyin spelling, read on the first pinyin query.
    pub(crate) vocabulary: std::sync::OnceLock<crate::query::pinyin::Vocabulary>,
    /// Whether any passage has a document title (the title field holds terms).
    pub(crate) has_titles: bool,
    /// Counterparts computed so far, by translation group (`--parallel`).
    pub(crate) counterparts: crate::search::counterpart::Cache,
    /// The generation's meaning vectors (`index --semantic`), or why they cannot be used;
    /// `None` when it has none.
    pub(crate) dense: Option<std::result::Result<vectors::Dense, String>>,
    /// The model that embeds semantic queries: set, or found on the first one (opened once
    /// per process: [`crate::semantic::shared_model`]).
    model: std::sync::OnceLock<std::sync::Arc<crate::semantic::Model>>,
}

/// Opens of an index that a publish may interrupt, at most: each publish takes a whole
/// indexing run, an open a few milliseconds.
const OPEN_ATTEMPTS: u32 = 20;

impl Index {
    /// Open the index in `dir`.
    ///
    /// Fails with [`Error::NotAnIndex`] if `dir` holds no index, and with
    /// [`Error::IncompatibleIndex`] if the index was built by another analysis. A reindex
    /// that publishes a new generation while this opens is not an error: the open retries
    /// on the new one.
    pub fn open(dir: &Path) -> Result<Index> {
        let store = GenerationStore::new(dir);
        let mut attempts = 0;
        loop {
            let generation = match store.state()? {
                DirState::Live(generation) => generation,
                DirState::Empty => {
                    return Err(Error::NotAnIndex {
                        path: dir.to_path_buf(),
                        reason: "no index has been built there yet".into(),
                    })
                }
            };
            let opened = Self::open_generation(&store, &generation);
            // A publish writes CURRENT, then removes the generations before it, so files of
            // this one may have gone while it opened: tantivy takes a missing positions file
            // for an empty one and fails only when a search reads it. If CURRENT still names
            // this generation once every file is open (mapped), its removal had not begun.
            let moved_on = store
                .state()
                .is_ok_and(|now| now != DirState::Live(generation.clone()));
            attempts += 1;
            match opened {
                Ok(index) if !moved_on => return Ok(index),
                Err(err) if !moved_on || attempts >= OPEN_ATTEMPTS => return Err(err),
                Ok(_) if attempts >= OPEN_ATTEMPTS => {
                    return Err(Error::NotAnIndex {
                        path: dir.to_path_buf(),
                        reason: format!(
                            "a new generation was published during each of {OPEN_ATTEMPTS} \
                             attempts to open it"
                        ),
                    })
                }
                _ => continue,
            }
        }
    }

    /// Open the index in `dir`, first indexing `corpus` if there is none yet, or rebuilding
    /// it if it was built from `corpus` by another analysis version (an upgrade). Returns the
    /// run's report when it indexed. An incompatible index built from another corpus is left
    /// alone: [`Error::IncompatibleIndex`].
    pub fn open_or_build(dir: &Path, corpus: &[PathBuf]) -> Result<(Index, Option<UpdateReport>)> {
        Self::open_or_build_with(dir, corpus, &UpdateOptions::default())
    }

    /// [`Index::open_or_build`], indexing (when it must) with `options` (`full` is decided
    /// here): with [`UpdateOptions::semantic`], a first build embeds the passages too.
    pub fn open_or_build_with(
        dir: &Path,
        corpus: &[PathBuf],
        options: &UpdateOptions,
    ) -> Result<(Index, Option<UpdateReport>)> {
        let full = match GenerationStore::new(dir).state()? {
            DirState::Empty => false,
            DirState::Live(generation) => match Self::open(dir) {
                Err(Error::IncompatibleIndex { .. })
                    if Manifest::corpus_of(&generation)
                        .is_some_and(|built| crate::corpus::same_roots(&built, corpus)) =>
                {
                    true
                }
                opened => return Ok((opened?, None)),
            },
        };
        let options = UpdateOptions {
            full,
            ..options.clone()
        };
        let report = Self::update(dir, corpus, &options, &Silent)?;
        Ok((Self::open(dir)?, Some(report)))
    }

    fn open_generation(store: &GenerationStore, generation: &Path) -> Result<Index> {
        let dir = store.dir();
        let manifest = store.manifest(generation)?;
        let analyzer = Analyzer::new(manifest.user_dict.clone());
        check_compatible(dir, &manifest, &analyzer)?;
        let index = GenerationDir::live(generation)
            .and_then(tantivy::Index::open)
            .map_err(Error::tantivy(generation))?;
        let fields = Fields::of(&index.schema()).ok_or_else(|| Error::NotAnIndex {
            path: dir.to_path_buf(),
            reason: "its schema lacks declsearch's fields".into(),
        })?;
        register_tokenizers(&index, &analyzer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(Error::tantivy(generation))?;
        let has_titles = reader.searcher().segment_readers().iter().any(|segment| {
            segment
                .inverted_index(fields.title)
                .is_ok_and(|inverted| inverted.terms().num_terms() > 0)
        });
        // Damaged or missing vectors disable semantic search only: words still search.
        let dense = manifest
            .semantic
            .as_ref()
            .map(|_| match vectors::Vectors::open(generation) {
                Ok(Some(found)) => vectors::Dense::new(found, &reader.searcher()),
                Ok(None) => Err("its vectors file is missing".into()),
                Err(err) => Err(err.to_string()),
            });
        Ok(Index {
            dense,
            model: std::sync::OnceLock::new(),
            dir: dir.to_path_buf(),
            generation: generation.to_path_buf(),
            reader,
            fields,
            analyzer,
            manifest,
            vocabulary: std::sync::OnceLock::new(),
            has_titles,
            counterparts: Default::default(),
        })
    }

    /// The folder the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The generation folder this index reads (inside [`Index::dir`]). A reindex publishes a
    /// new one; this index keeps reading its own until dropped, even once it is removed.
    pub fn generation(&self) -> &Path {
        &self.generation
    }

    /// What the index was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether the index has meaning vectors ([`SearchOptions::semantic`] needs them).
    pub fn has_vectors(&self) -> bool {
        matches!(self.dense, Some(Ok(_)))
    }

    /// Embed semantic queries with `model`, which must be the one the index's vectors were
    /// made with. Without it, the first semantic search opens the model that
    /// [`crate::semantic::model_path`] finds.
    pub fn set_model(&self, model: std::sync::Arc<crate::semantic::Model>) -> Result<()> {
        self.check_model(&model)?;
        let _ = self.model.set(model);
        Ok(())
    }

    /// Whether semantic searches can run: an error naming what is missing (the vectors, or
    /// the model, opened here if it was not set) otherwise.
    pub fn check_semantic(&self) -> Result<()> {
        self.semantic().map(|_| ())
    }

    /// The model of semantic queries, and the index's vectors.
    pub(crate) fn semantic(&self) -> Result<(&crate::semantic::Model, &vectors::Dense)> {
        let dense = match &self.dense {
            Some(Ok(dense)) => dense,
            Some(Err(reason)) => {
                return Err(Error::NoVectors {
                    path: self.dir.clone(),
                    reason: format!(" that it can use: {reason}"),
                })
            }
            None => {
                return Err(Error::NoVectors {
                    path: self.dir.clone(),
                    reason: String::new(),
                })
            }
        };
        if let Some(model) = self.model.get() {
            return Ok((model, dense));
        }
        let model = crate::semantic::find_model(None)?;
        self.check_model(&model)?;
        Ok((self.model.get_or_init(|| model), dense))
    }

    fn check_model(&self, model: &crate::semantic::Model) -> Result<()> {
        match &self.manifest.semantic {
            Some(id) if id != model.id() => Err(Error::NoVectors {
                path: self.dir.clone(),
                reason: format!(
                    " of the model {} ({}): they were made by {id}",
                    model.id(),
                    model.path().display()
                ),
            }),
            _ => Ok(()),
        }
    }

    /// The analysis the index was built with (its user dictionary included).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Bring the index in `dir` in step with `corpus` (folders or files): the writer (see
    /// [`update`](self#reindexing)). Indexes open on `dir` keep their view until reopened.
    pub fn update(
        dir: &Path,
        corpus: &[PathBuf],
        options: &UpdateOptions,
        observer: &dyn Observer,
    ) -> Result<UpdateReport> {
        update::run(dir, corpus, options, observer)
    }

    /// A [`Searcher`] over this index as it is now.
    pub fn searcher(&self) -> Searcher<'_> {
        Searcher::new(self)
    }

    /// Search for `query`: [`Searcher::search`] on a new searcher.
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>> {
        self.searcher().search(query, options)
    }

    /// Search with a query already parsed: [`Searcher::search_parsed`].
    pub fn search_parsed(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        self.searcher().search_parsed(query, options)
    }

    /// Documents ranked by their best passage: [`Searcher::search_documents`].
    pub fn search_documents(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        self.searcher().search_documents(query, options)
    }

    /// Parse and expand `input` against this index: [`Searcher::parse_query`].
    pub fn parse_query(&self, input: &str, options: &SearchOptions) -> Result<Query> {
        self.searcher().parse_query(input, options)
    }

    /// What `input` becomes and the plan that runs: [`Searcher::explain_query`].
    pub fn explain_query(&self, input: &str, options: &SearchOptions) -> Result<QueryReport> {
        self.searcher().explain_query(input, options)
    }

    /// Many queries on all cores, through one searcher: [`Searcher::search_batch`].
    pub fn search_batch(
        &self,
        queries: &[QueryLine],
        options: &SearchOptions,
        ranking: Ranking,
    ) -> Vec<Result<Vec<Hit>>> {
        self.searcher().search_batch(queries, options, ranking)
    }

    /// Measure a batch against judgments: [`Searcher::evaluate`].
    pub fn evaluate(
        &self,
        queries: &[QueryLine],
        qrels: &Qrels,
        options: &SearchOptions,
    ) -> (Measures, Vec<(QueryLine, Error)>) {
        self.searcher().evaluate(queries, qrels, options)
    }
}

/// Call `each` with every term of `field` in the view `snapshot` and the passages of the
/// segment that hold it (once per segment that holds it), in term order within a segment: a
/// field's whole vocabulary, read from its term dictionaries.
pub(crate) fn each_term(
    snapshot: &tantivy::Searcher,
    field: tantivy::schema::Field,
    dir: &Path,
    mut each: impl FnMut(&str, u32),
) -> Result<()> {
    for segment in snapshot.segment_readers() {
        let inverted = segment.inverted_index(field).map_err(Error::tantivy(dir))?;
        let mut stream = inverted
            .terms()
            .stream()
            .map_err(|e| Error::tantivy(dir)(e.into()))?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                each(term, stream.value().doc_freq);
            }
        }
    }
    Ok(())
}

fn check_compatible(dir: &Path, manifest: &Manifest, analyzer: &Analyzer) -> Result<()> {
    let expected = analyzer.fingerprint();
    if manifest.format != FORMAT || manifest.analysis != expected {
        return Err(Error::IncompatibleIndex {
            path: dir.to_path_buf(),
            found: format!("format {}; {}", manifest.format, manifest.analysis),
            expected: format!("format {FORMAT}; {expected}"),
        });
    }
    Ok(())
}

/// A generation's folder as tantivy sees it, through its memory-mapped folder, in one of two
/// ways:
/// - **live**, as searches read a published generation: with no locks. A published generation
///   never changes (the writer works in a new one; see [`GenerationStore`]), so the lock
///   tantivy takes to read `meta.json` safely guards nothing, and taking it would need a
///   writable folder: an index on a read-only disk could not be searched.
/// - **writing**, as the writer of a new generation sees it: locked, and its files read with
///   `pread` into buffers that live as long as the read needs them, not mapped. A merge reads
///   whole segments; through memory maps every page it touched would stay resident in the
///   writing process (a build of 1 GB peaked at 1.3 GB RSS while its own memory stayed under
///   500 MB).
#[derive(Debug, Clone)]
struct GenerationDir {
    mmap: tantivy::directory::MmapDirectory,
    path: std::path::PathBuf,
    writing: bool,
}

impl GenerationDir {
    fn live(generation: &Path) -> tantivy::Result<GenerationDir> {
        Self::open(generation, false)
    }

    fn writing(generation: &Path) -> tantivy::Result<GenerationDir> {
        Self::open(generation, true)
    }

    fn open(generation: &Path, writing: bool) -> tantivy::Result<GenerationDir> {
        Ok(GenerationDir {
            mmap: tantivy::directory::MmapDirectory::open(generation)?,
            path: generation.to_path_buf(),
            writing,
        })
    }
}

/// A file read by position, never mapped.
#[derive(Debug)]
struct ReadFile {
    file: std::fs::File,
    len: usize,
}

impl tantivy::HasLen for ReadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl tantivy::directory::FileHandle for ReadFile {
    fn read_bytes(
        &self,
        range: std::ops::Range<usize>,
    ) -> std::io::Result<tantivy::directory::OwnedBytes> {
        let mut bytes = vec![0; range.len()];
        #[cfg(unix)]
        std::os::unix::fs::FileExt::read_exact_at(&self.file, &mut bytes, range.start as u64)?;
        #[cfg(windows)]
        {
            let mut done = 0;
            while done < bytes.len() {
                let n = std::os::windows::fs::FileExt::seek_read(
                    &self.file,
                    &mut bytes[done..],
                    (range.start + done) as u64,
                )?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                done += n;
            }
        }
        Ok(tantivy::directory::OwnedBytes::new(bytes))
    }
}

impl tantivy::Directory for GenerationDir {
    fn get_file_handle(
        &self,
        path: &Path,
    ) -> std::result::Result<
        std::sync::Arc<dyn tantivy::directory::FileHandle>,
        tantivy::directory::error::OpenReadError,
    > {
        use tantivy::directory::error::OpenReadError;
        if !self.writing {
            return self.mmap.get_file_handle(path);
        }
        let wrap = |e| OpenReadError::wrap_io_error(e, path.to_path_buf());
        let file = std::fs::File::open(self.path.join(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_path_buf()),
            _ => wrap(e),
        })?;
        let len = file.metadata().map_err(wrap)?.len() as usize;
        Ok(std::sync::Arc::new(ReadFile { file, len }))
    }

    fn delete(
        &self,
        path: &Path,
    ) -> std::result::Result<(), tantivy::directory::error::DeleteError> {
        self.mmap.delete(path)
    }

    fn exists(
        &self,
        path: &Path,
    ) -> std::result::Result<bool, tantivy::directory::error::OpenReadError> {
        self.mmap.exists(path)
    }

    fn open_write(
        &self,
        path: &Path,
    ) -> std::result::Result<tantivy::directory::WritePtr, tantivy::directory::error::OpenWriteError>
    {
        self.mmap.open_write(path)
    }

    fn atomic_read(
        &self,
        path: &Path,
    ) -> std::result::Result<Vec<u8>, tantivy::directory::error::OpenReadError> {
        self.mmap.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.mmap.atomic_write(path, data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        self.mmap.sync_directory()
    }

    fn acquire_lock(
        &self,
        lock: &tantivy::directory::Lock,
    ) -> std::result::Result<tantivy::directory::DirectoryLock, tantivy::directory::error::LockError>
    {
        match self.writing {
            true => self.mmap.acquire_lock(lock),
            false => Ok(tantivy::directory::DirectoryLock::from(Box::new(()))),
        }
    }

    fn watch(
        &self,
        callback: tantivy::directory::WatchCallback,
    ) -> tantivy::Result<tantivy::directory::WatchHandle> {
        self.mmap.watch(callback)
    }
}
