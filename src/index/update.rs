//! Reindexing: keep an index in step with a corpus that changes.
//!
//! Every file is read and hashed (xxh3-128); the manifest of the live generation says what it
//! held. Added files are indexed, changed ones replaced, removed ones deleted, unchanged ones
//! left alone, all in one tantivy commit in a new generation that is published at the end. A
//! run that finds nothing changed writes nothing. `full` builds the new generation from
//! scratch instead of from a copy of the live one.
//!
//! A file that cannot be read or decoded is reported and skipped; its previous version, if
//! the index had one, stays (carried over from the old generation in a full run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexWriter, TantivyDocument, Term};
use xxhash_rust::xxh3::xxh3_128;

use super::register_tokenizers;
use super::{
    check_compatible, Fields, FileEntry, GenerationStore, Manifest, StoredPassage, FORMAT,
};
use crate::analysis::{Analyzer, UserDict};
use crate::corpus::{self, CorpusFile, Document, Skipped};
use crate::error::{Error, Result};

/// How to reindex.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// Rebuild from scratch rather than update the live generation.
    pub full: bool,
    /// A user dictionary for segmentation; without one, the index's recorded one is kept.
    /// Changing it needs `full`.
    pub user_dict: Option<UserDict>,
    /// Read every file in this encoding (a byte-order mark still wins), instead of the one
    /// it declares or its bytes are in: [`crate::text::Encoding::for_label`]. A file indexed
    /// in another encoding is read again.
    pub encoding: Option<&'static crate::text::Encoding>,
}

/// What a reindex did. Serialises to the `declsearch index --json` summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateReport {
    pub added: u64,
    pub updated: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// Files left out: unsupported formats and files that failed.
    pub skipped: u64,
    /// Documents in the index after the run.
    pub documents: u64,
    /// Passages in the index after the run.
    pub passages: u64,
    pub seconds: f64,
    /// Files in the index after the run, by format (`txt`, `md`, `html`, `jsonl`, `tsv`).
    pub formats: BTreeMap<String, u64>,
    /// Each skipped file and why.
    #[serde(skip)]
    pub skipped_files: Vec<Skipped>,
}

impl UpdateReport {
    /// Whether a file that should have been indexed failed (the CLI then exits 2).
    pub fn has_failures(&self) -> bool {
        self.skipped_files.iter().any(|s| s.failed)
    }
}

/// Hears about a reindex as it runs (the CLI draws a progress bar).
pub trait Observer: Sync {
    /// Another process holds the writer lock; the run waits for it.
    fn waiting_for_lock(&self, _dir: &Path) {}
    /// Reading starts: this many files of this many bytes.
    fn reading(&self, _files: u64, _bytes: u64) {}
    /// One more file read, of this many bytes.
    fn read(&self, _bytes: u64) {}
    /// Indexing starts: this many passages to add.
    fn indexing(&self, _passages: u64) {}
    /// One more passage added.
    fn indexed(&self) {}
    /// Whether the run should stop (the user pressed Ctrl-C): it then ends with
    /// [`Error::Interrupted`], removes its unfinished generation and leaves the live one.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// What reading one file gave.
enum Outcome {
    Unchanged(FileEntry),
    Changed {
        entry: FileEntry,
        documents: Vec<Document>,
    },
    Failed(Error),
}

const WRITER_BYTES_PER_THREAD: usize = 64 << 20;

/// Bring the index in `dir` in step with `corpus` (folders or files); see the module docs.
pub(crate) fn run(
    dir: &Path,
    corpus: &[PathBuf],
    options: &UpdateOptions,
    observer: &dyn Observer,
) -> Result<UpdateReport> {
    let started = Instant::now();
    let store = GenerationStore::new(dir);
    store.state()?;
    let lock = store.lock(|| observer.waiting_for_lock(dir))?;
    store.remove_abandoned(&lock)?;
    let live = store.live()?;
    let previous = match &live {
        Some(generation) => match store.manifest(generation) {
            Ok(manifest) => Some(manifest),
            Err(_) if options.full => None,
            Err(err) => return Err(err),
        },
        None => None,
    };
    let user_dict = options
        .user_dict
        .clone()
        .or_else(|| previous.as_ref().and_then(|m| m.user_dict.clone()));
    let analyzer = Analyzer::new(user_dict);
    if let (Some(manifest), false) = (&previous, options.full) {
        check_compatible(dir, manifest, &analyzer)?;
    }
    if options.full || previous.is_none() {
        // Everything will be segmented: load jieba's dictionary while the files are read.
        let analyzer = analyzer.clone();
        std::thread::spawn(move || analyzer.load_dictionary());
    }
    // A corpus given at another place (moved, or typed otherwise) is recorded anew even when
    // no file changed, so that searches compare against where it is now.
    let same_roots = previous
        .as_ref()
        .is_some_and(|m| m.corpus == corpus || corpus::same_roots(&m.corpus, corpus));
    let old_files = previous.map(|m| m.files).unwrap_or_default();

    let (files, mut skipped_files) = corpus::list(corpus)?;
    let outcomes = read_all(&files, &old_files, options, observer);
    if observer.cancelled() {
        return Err(Error::Interrupted);
    }

    let mut report = UpdateReport {
        added: 0,
        updated: 0,
        removed: 0,
        unchanged: 0,
        skipped: 0,
        documents: 0,
        passages: 0,
        seconds: 0.0,
        formats: BTreeMap::new(),
        skipped_files: Vec::new(),
    };
    let mut entries: BTreeMap<String, FileEntry> = BTreeMap::new();
    let mut to_delete: Vec<&str> = Vec::new();
    let mut to_add: Vec<(&CorpusFile, Vec<Document>)> = Vec::new();
    let mut to_carry: Vec<&str> = Vec::new();
    for (file, outcome) in files.iter().zip(outcomes) {
        let old = old_files.get(&file.key);
        match outcome {
            Outcome::Unchanged(entry) => {
                report.unchanged += 1;
                entries.insert(file.key.clone(), entry);
            }
            Outcome::Changed { entry, documents } => {
                match old {
                    Some(old) if old.hash == entry.hash && old.encoding == entry.encoding => {
                        report.unchanged += 1
                    }
                    Some(_) => report.updated += 1,
                    None => report.added += 1,
                }
                if old.is_some() {
                    to_delete.push(&file.key);
                }
                entries.insert(file.key.clone(), entry);
                to_add.push((file, documents));
            }
            Outcome::Failed(err) => {
                skipped_files.push(Skipped {
                    path: file.path.clone(),
                    reason: err.to_string(),
                    failed: true,
                });
                if let Some(old) = old {
                    entries.insert(file.key.clone(), old.clone());
                    to_carry.push(&file.key);
                }
            }
        }
    }
    for key in old_files.keys() {
        if !entries.contains_key(key) {
            report.removed += 1;
            to_delete.push(key);
        }
    }
    report.skipped = skipped_files.len() as u64;
    report.skipped_files = skipped_files;

    let manifest = Manifest {
        format: FORMAT,
        analysis: analyzer.fingerprint(),
        user_dict: analyzer.user_dict().cloned(),
        corpus: corpus.to_vec(),
        files: entries,
    };
    report.documents = manifest.documents();
    report.passages = manifest.passages();
    for key in manifest.files.keys() {
        if let Some(format) = crate::corpus::Format::of(Path::new(key)) {
            *report.formats.entry(format.name().to_owned()).or_default() += 1;
        }
    }

    let changed = report.added + report.updated + report.removed > 0;
    if live.is_some() && !options.full && !changed && same_roots {
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let generation = store.create_generation(&lock)?;
    let result = write_generation(
        &store,
        &generation,
        live.as_deref(),
        &analyzer,
        options.full,
        &to_delete,
        &to_add,
        &to_carry,
        observer,
    )
    .and_then(|()| store.write_manifest(&generation, &manifest))
    .and_then(|()| store.publish(&generation, &lock));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&generation);
    }
    result?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Read, hash and parse the files on all cores, in the files' order.
fn read_all(
    files: &[CorpusFile],
    old: &BTreeMap<String, FileEntry>,
    options: &UpdateOptions,
    observer: &dyn Observer,
) -> Vec<Outcome> {
    let total_bytes = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .sum();
    observer.reading(files.len() as u64, total_bytes);
    // Each file is reported as it is read, so a progress bar moves during the reading.
    crate::parallel::map(files, |file| {
        if observer.cancelled() {
            return Outcome::Failed(Error::Interrupted);
        }
        let outcome = read_one(file, old.get(&file.key), options);
        if let Outcome::Unchanged(e) | Outcome::Changed { entry: e, .. } = &outcome {
            observer.read(e.bytes);
        }
        outcome
    })
}

fn read_one(file: &CorpusFile, old: Option<&FileEntry>, options: &UpdateOptions) -> Outcome {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => return Outcome::Failed(Error::io(&file.path)(e)),
    };
    let hash = format!("{:032x}", xxh3_128(&bytes));
    let size = bytes.len() as u64;
    if let (Some(old), false) = (old, options.full) {
        let same_encoding = options.encoding.is_none_or(|e| e.name() == old.encoding);
        if old.hash == hash && same_encoding {
            return Outcome::Unchanged(old.clone());
        }
    }
    match file.read(bytes, options.encoding) {
        Ok((documents, encoding)) => Outcome::Changed {
            entry: FileEntry {
                hash,
                bytes: size,
                documents: documents.len() as u64,
                passages: documents.iter().map(|d| d.passages.len() as u64).sum(),
                encoding: encoding.to_owned(),
            },
            documents,
        },
        Err(err) => Outcome::Failed(err),
    }
}

/// Bytes of stored passages compressed together. A hit reads one passage and decompresses
/// its whole block: tantivy's 16 KB holds about 16 twlaw passages, 4 KB about 4. On twlaw
/// (one segment), 4 KB makes the index 7% larger and queries 6% (Chinese) to 13% (English)
/// faster at the median of 5 interleaved runs.
const DOCSTORE_BLOCK_BYTES: usize = 4096;

#[allow(clippy::too_many_arguments)]
fn write_generation(
    store: &GenerationStore,
    generation: &Path,
    live: Option<&Path>,
    analyzer: &Analyzer,
    full: bool,
    to_delete: &[&str],
    to_add: &[(&CorpusFile, Vec<Document>)],
    to_carry: &[&str],
    observer: &dyn Observer,
) -> Result<()> {
    let tantivy_error = Error::tantivy(generation);
    let index = match (live, full) {
        (Some(live), false) => {
            store.clone_generation(live, generation)?;
            tantivy::Index::open_in_dir(generation)
        }
        _ => tantivy::Index::builder()
            .schema(Fields::schema().0)
            .settings(tantivy::IndexSettings {
                docstore_blocksize: DOCSTORE_BLOCK_BYTES,
                ..tantivy::IndexSettings::default()
            })
            .create_in_dir(generation),
    }
    .map_err(Error::tantivy(generation))?;
    let fields = Fields::of(&index.schema()).ok_or_else(|| Error::NotAnIndex {
        path: generation.to_path_buf(),
        reason: "its schema lacks declsearch's fields".into(),
    })?;
    register_tokenizers(&index, analyzer);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut writer: IndexWriter = index
        .writer_with_num_threads(threads, threads * WRITER_BYTES_PER_THREAD)
        .map_err(Error::tantivy(generation))?;

    if !full {
        for key in to_delete {
            writer.delete_term(Term::from_field_text(fields.source, key));
        }
    }
    let passages = to_add
        .iter()
        .flat_map(|(_, docs)| docs.iter())
        .map(|d| d.passages.len() as u64)
        .sum();
    observer.indexing(passages);
    for (file, documents) in to_add {
        for document in documents {
            for passage in &document.passages {
                let stored = StoredPassage {
                    doc: document.id.clone(),
                    source: file.key.clone(),
                    passage: u64::from(passage.number),
                    line: u64::from(passage.line),
                    page: passage.page.map_or(0, u64::from),
                    lang: passage.lang.as_str().to_owned(),
                    text: passage.text.clone(),
                    title: document.title.clone().unwrap_or_default(),
                };
                writer
                    .add_document(fields.document(&stored))
                    .map_err(Error::tantivy(generation))?;
                observer.indexed();
                if observer.cancelled() {
                    return Err(Error::Interrupted);
                }
            }
        }
    }
    if let (Some(live), true) = (live, full) {
        carry_over(live, to_carry, &fields, &writer)?;
    }
    if observer.cancelled() {
        return Err(Error::Interrupted);
    }
    writer.commit().map_err(Error::tantivy(generation))?;
    // A search works segment by segment: every term is looked up, scored and pruned once per
    // segment. A build from scratch (one segment per writer thread and memory flush) ends as
    // one segment: on twlaw, 4 segments merge in 3–4 s (the build takes 30% longer and 100 MB
    // more peak RSS) and Chinese queries take 12% less time. An incremental run leaves
    // merging to tantivy's merge policy.
    if full || live.is_none() {
        let segments = index
            .searchable_segment_ids()
            .map_err(Error::tantivy(generation))?;
        if segments.len() > 1 {
            writer
                .merge(&segments)
                .wait()
                .map_err(Error::tantivy(generation))?;
        }
    }
    writer.wait_merging_threads().map_err(tantivy_error)
}

/// Copy the passages of `keys` from the live generation into a full rebuild: files that
/// failed now keep the version indexed before.
fn carry_over(live: &Path, keys: &[&str], fields: &Fields, writer: &IndexWriter) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let wrap = |e| Error::tantivy(live)(e);
    let old = tantivy::Index::open_in_dir(live).map_err(wrap)?;
    let Some(old_fields) = Fields::of(&old.schema()) else {
        return Ok(());
    };
    let searcher = old.reader().map_err(wrap)?.searcher();
    for key in keys {
        let query = TermQuery::new(
            Term::from_field_text(old_fields.source, key),
            IndexRecordOption::Basic,
        );
        for address in searcher.search(&query, &DocSetCollector).map_err(wrap)? {
            let stored: TantivyDocument = searcher.doc(address).map_err(wrap)?;
            writer
                .add_document(fields.document(&old_fields.read(&stored)))
                .map_err(wrap)?;
        }
    }
    Ok(())
}
