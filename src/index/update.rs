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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{IndexWriter, TantivyDocument, Term};
use xxhash_rust::xxh3::xxh3_128;

use super::register_tokenizers;
use super::vectors::Vectors;
use super::{
    check_compatible, Fields, FileEntry, GenerationStore, Manifest, StoredPassage, FORMAT,
};
use crate::analysis::{Analyzer, UserDict};
use crate::corpus::{self, CorpusFile, Document, Skipped};
use crate::error::{Error, Result};
use crate::semantic::Model;

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
    /// Embed the passages with this model and store their vectors (`--semantic`; see
    /// [`super::vectors`]). Without it, an index that has vectors keeps them current with
    /// the model [`crate::semantic::model_path`] finds, unless `no_semantic`.
    pub semantic: Option<std::sync::Arc<crate::semantic::Model>>,
    /// Drop the index's vectors (`--no-semantic`).
    pub no_semantic: bool,
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
    /// The meaning vectors of an index with them: the model, and the passages embedded by
    /// this run and taken from earlier ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic: Option<SemanticReport>,
    /// Each skipped file and why.
    #[serde(skip)]
    pub skipped_files: Vec<Skipped>,
}

/// The vectors part of an [`UpdateReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticReport {
    /// [`crate::semantic::Model::id`].
    pub model: String,
    /// Passages embedded by this run.
    pub embedded: u64,
    /// Passages whose vector was made before (unchanged, or embedded by an unfinished run).
    pub reused: u64,
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
    /// One more file done (read, parsed and handed to the index writer), of this many bytes.
    fn read(&self, _bytes: u64) {}
    /// Every file is read and in the writer: the index is being committed (and a build from
    /// scratch merged).
    fn committing(&self) {}
    /// The segments are final, and this many passages are to be embedded (`--semantic`);
    /// the others take vectors made before.
    fn embedding(&self, _passages: u64) {}
    /// This many passages of the run are embedded so far.
    fn embedded(&self, _passages: u64) {}
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
    /// Listed, then gone before it was read (deleted or renamed meanwhile): a removal.
    Vanished,
    /// A big file of records in UTF-8, changed: read again in pieces, into the writer a
    /// group of records at a time.
    Records {
        hash: String,
        bytes: u64,
    },
}

const WRITER_BYTES_PER_THREAD: usize = 32 << 20;

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
    let had_vectors = previous.as_ref().and_then(|m| m.semantic.clone());
    let model = semantic_model(dir, options, had_vectors.is_some())?;
    let old_files = previous.map(|m| m.files).unwrap_or_default();

    let (files, skipped_files) = corpus::list(corpus)?;
    let listed: HashSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let removed: Vec<&str> = old_files
        .keys()
        .map(String::as_str)
        .filter(|key| !listed.contains(key))
        .collect();
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .collect();
    observer.reading(files.len() as u64, sizes.iter().sum());

    let mut report = UpdateReport {
        added: 0,
        updated: 0,
        removed: removed.len() as u64,
        unchanged: 0,
        skipped: 0,
        documents: 0,
        passages: 0,
        seconds: 0.0,
        formats: BTreeMap::new(),
        skipped_files: Vec::new(),
        semantic: None,
    };
    // The new generation is made as soon as something is to be written, and files stream
    // into it batch by batch: nothing holds more than one batch of the corpus.
    // The live generation's vectors, when this run makes vectors: the new generation takes
    // theirs by content. A damaged file counts as none.
    let live_vectors = match (&model, live.as_deref()) {
        (Some(_), Some(generation)) => Vectors::open(generation).ok().flatten(),
        _ => None,
    };
    // Vectors to add, drop, make with another model, or mend (a damaged or missing file).
    let vectors_change = model.as_ref().map(|m| m.id()) != had_vectors.as_deref()
        || (model.is_some() && live.is_some() && live_vectors.is_none());
    let must_write =
        live.is_none() || options.full || !removed.is_empty() || !same_roots || vectors_change;
    let open = || {
        let mut writer =
            GenerationWriter::create(&store, &lock, live.as_deref(), &analyzer, options.full)?;
        if !options.full {
            for key in &removed {
                writer.delete(key);
            }
        }
        Ok::<_, Error>(writer)
    };
    let mut writer = if must_write { Some(open()?) } else { None };
    let mut found = Found {
        entries: BTreeMap::new(),
        skipped: skipped_files,
        to_carry: Vec::new(),
        reverted: Vec::new(),
    };
    for (batch, batch_sizes) in batches(&files, &sizes) {
        let outcomes: Vec<Outcome> = batch
            .par_iter()
            .map(|file| {
                if observer.cancelled() {
                    return Outcome::Failed(Error::Interrupted);
                }
                read_one(file, old_files.get(&file.key), options)
            })
            .collect();
        if observer.cancelled() {
            return Err(Error::Interrupted);
        }
        for ((file, outcome), &size) in batch.iter().zip(outcomes).zip(batch_sizes) {
            let old = old_files.get(&file.key);
            match outcome {
                Outcome::Unchanged(entry) => {
                    report.unchanged += 1;
                    found.entries.insert(file.key.clone(), entry);
                }
                Outcome::Changed { entry, documents } => {
                    let writer = opened(&mut writer, &open)?;
                    if old.is_some() && !options.full {
                        writer.delete(&file.key);
                    }
                    writer.add(&file.key, documents)?;
                    count_change(&mut report, old, &entry);
                    found.entries.insert(file.key.clone(), entry);
                }
                Outcome::Records { hash, bytes } => {
                    let writer = opened(&mut writer, &open)?;
                    let mut entry = FileEntry {
                        hash: hash.clone(),
                        bytes,
                        documents: 0,
                        passages: 0,
                        encoding: encoding_rs::UTF_8.name().to_owned(),
                    };
                    // Nothing is handed over before every record has been checked, so the
                    // old version is deleted with the first group, or kept if the file fails.
                    let mut added: Result<()> = Ok(());
                    let read = file.read_records(&hash, &mut |documents| {
                        if added.is_err() {
                            return;
                        }
                        if entry.documents == 0 && old.is_some() && !options.full {
                            writer.delete(&file.key);
                        }
                        entry.documents += documents.len() as u64;
                        entry.passages += documents
                            .iter()
                            .map(|d| d.passages.len() as u64)
                            .sum::<u64>();
                        added = writer.add(&file.key, documents);
                    });
                    added?;
                    match read {
                        Ok(()) => {
                            if entry.documents == 0 && old.is_some() && !options.full {
                                writer.delete(&file.key);
                            }
                            count_change(&mut report, old, &entry);
                            found.entries.insert(file.key.clone(), entry);
                        }
                        Err(err) => {
                            // Changed while it was read, after groups went to the writer:
                            // they are taken back, and the old version carried over.
                            if entry.documents > 0 {
                                writer.delete(&file.key);
                                found.reverted.push(&file.key);
                            }
                            found.keep_old(file, old, err);
                        }
                    }
                }
                Outcome::Vanished => {
                    if old.is_some() {
                        report.removed += 1;
                        let writer = opened(&mut writer, &open)?;
                        if !options.full {
                            writer.delete(&file.key);
                        }
                    }
                }
                Outcome::Failed(err) => found.keep_old(file, old, err),
            }
            observer.read(size);
            if observer.cancelled() {
                return Err(Error::Interrupted);
            }
        }
    }
    report.skipped = found.skipped.len() as u64;
    report.skipped_files = found.skipped;

    let manifest = Manifest {
        format: FORMAT,
        analysis: analyzer.fingerprint(),
        user_dict: analyzer.user_dict().cloned(),
        corpus: corpus.to_vec(),
        files: found.entries,
        semantic: model.as_ref().map(|m| m.id().to_owned()),
    };
    report.documents = manifest.documents();
    report.passages = manifest.passages();
    for key in manifest.files.keys() {
        if let Some(format) = crate::corpus::Format::of(Path::new(key)) {
            *report.formats.entry(format.name().to_owned()).or_default() += 1;
        }
    }

    let changed = report.added + report.updated + report.removed > 0;
    let writer = match writer {
        Some(writer) if must_write || changed => writer,
        // Nothing changed: an unfinished generation, if any, is removed as it drops.
        _ => {
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
    };
    let mut writer = writer;
    observer.committing();
    let carried: Vec<&str> = match options.full {
        true => found.to_carry,
        false => (found.reverted.iter())
            .filter(|key| old_files.contains_key(**key))
            .copied()
            .collect(),
    };
    writer.finish(live.as_deref(), &carried, observer)?;
    if let Some(model) = &model {
        let index = writer.index.as_ref().expect("open until dropped");
        report.semantic = Some(super::vectors::write(
            dir,
            &writer.generation,
            index,
            &writer.fields,
            model,
            live_vectors.as_ref(),
            observer,
        )?);
    }
    store.write_manifest(&writer.generation, &manifest)?;
    store.publish(&writer.generation, &lock)?;
    writer.published();
    super::vectors::remove_pending(dir);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The model whose vectors the new generation gets: the one given, else (for an index that
/// has vectors) the one found where models are looked for; none with `no_semantic`.
fn semantic_model(
    dir: &Path,
    options: &UpdateOptions,
    had_vectors: bool,
) -> Result<Option<std::sync::Arc<Model>>> {
    if options.no_semantic {
        return Ok(None);
    }
    if let Some(model) = &options.semantic {
        return Ok(Some(model.clone()));
    }
    if !had_vectors {
        return Ok(None);
    }
    crate::semantic::find_model(None)
        .map(Some)
        .map_err(|err| match err {
            Error::NoModel { reason } => Error::NoModel {
                reason: format!(
                    "{reason} (the index in {} has meaning vectors to keep current; \
                 `declsearch index --no-semantic` drops them)",
                    dir.display()
                ),
            },
            other => other,
        })
}

/// The run's writer, opened (the generation created) on first use.
fn opened<'w>(
    writer: &'w mut Option<GenerationWriter>,
    open: &impl Fn() -> Result<GenerationWriter>,
) -> Result<&'w mut GenerationWriter> {
    Ok(match writer {
        Some(writer) => writer,
        None => writer.insert(open()?),
    })
}

/// What a run has found of the corpus so far.
struct Found<'a> {
    /// The manifest's entries of the files read or kept.
    entries: BTreeMap<String, FileEntry>,
    skipped: Vec<Skipped>,
    /// Files that failed and had an old version, which a full run carries over.
    to_carry: Vec<&'a str>,
    /// Files whose new version was taken back from the writer (any run carries their old
    /// version over, if they had one).
    reverted: Vec<&'a str>,
}

impl<'a> Found<'a> {
    /// A file that could not be read: named as skipped, and its old version (if any) kept.
    fn keep_old(&mut self, file: &'a CorpusFile, old: Option<&FileEntry>, err: Error) {
        self.skipped.push(Skipped {
            path: file.path.clone(),
            reason: err.to_string(),
            failed: true,
        });
        if let Some(old) = old {
            self.entries.insert(file.key.clone(), old.clone());
            self.to_carry.push(&file.key);
        }
    }
}

/// Count a file read anew as added, updated, or unchanged (the same bytes read again, as in a
/// full run).
fn count_change(report: &mut UpdateReport, old: Option<&FileEntry>, entry: &FileEntry) {
    match old {
        Some(old) if old.hash == entry.hash && old.encoding == entry.encoding => {
            report.unchanged += 1
        }
        Some(_) => report.updated += 1,
        None => report.added += 1,
    }
}

/// Most bytes of files read at once (a bigger file is a batch of its own): the files of a
/// batch are read and parsed on all cores, then handed to the index writer and dropped.
const BATCH_BYTES: u64 = 32 << 20;

/// The files in consecutive batches of at most [`BATCH_BYTES`], with their sizes.
fn batches<'a>(
    files: &'a [CorpusFile],
    sizes: &'a [u64],
) -> impl Iterator<Item = (&'a [CorpusFile], &'a [u64])> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start == files.len() {
            return None;
        }
        let (mut end, mut bytes) = (start + 1, sizes[start]);
        while end < files.len() && bytes + sizes[end] <= BATCH_BYTES {
            bytes += sizes[end];
            end += 1;
        }
        let batch = (&files[start..end], &sizes[start..end]);
        start = end;
        Some(batch)
    })
}

fn read_one(file: &CorpusFile, old: Option<&FileEntry>, options: &UpdateOptions) -> Outcome {
    let vanished = |e: &std::io::Error| {
        e.kind() == std::io::ErrorKind::NotFound
            && std::fs::symlink_metadata(&file.path)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    };
    let size = std::fs::metadata(&file.path).map_or(0, |m| m.len());
    if file.streams(size) && options.encoding.is_none() {
        match file.piece_hash() {
            Ok(Some(hash)) => {
                if let (Some(old), false) = (old, options.full) {
                    if old.hash == hash {
                        return Outcome::Unchanged(old.clone());
                    }
                }
                return Outcome::Records { hash, bytes: size };
            }
            Ok(None) => {} // not plain UTF-8: read whole and decoded below
            Err(Error::Io { source, .. }) if vanished(&source) => return Outcome::Vanished,
            Err(err) => return Outcome::Failed(err),
        }
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) if vanished(&e) => return Outcome::Vanished,
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

/// Largest segment a merge makes, in passages, about: a build from scratch ends as one
/// segment only up to it, and background merges take segments of at most an eighth of it
/// (tantivy's log merge policy merges 8 or more segments of one size), so no passage is
/// merged again and again as the corpus grows and indexing time stays linear in its size
/// (with no bound on the merged size, 1 GB took 1.56 times 11 times 91 MB). Merging reads
/// every segment it merges through memory maps, which count in the process's memory: the
/// final merge of a 1 GB corpus (1.8 M passages) took its peak RSS from about 550 MB to
/// 1.7 GB. An index larger than this keeps several segments.
const MAX_MERGED_PASSAGES: usize = 200_000;

/// Memory of the writer that only merges (tantivy's least).
const MERGER_BYTES: usize = 15_000_000;

/// Bytes of stored passages compressed together. A hit reads one passage and decompresses
/// its whole block: tantivy's 16 KB holds about 16 twlaw passages, 4 KB about 4. On twlaw
/// (one segment), 4 KB makes the index 7% larger and queries 6% (Chinese) to 13% (English)
/// faster at the median of 5 interleaved runs.
const DOCSTORE_BLOCK_BYTES: usize = 4096;

/// A generation being written: removed from disk when dropped unpublished (an error, Ctrl-C,
/// or a run that found nothing to change).
struct GenerationWriter {
    generation: PathBuf,
    index: Option<tantivy::Index>,
    writer: Option<IndexWriter>,
    fields: Fields,
    full: bool,
    published: bool,
}

impl GenerationWriter {
    fn create(
        store: &GenerationStore,
        lock: &super::store::WriterLock,
        live: Option<&Path>,
        analyzer: &Analyzer,
        full: bool,
    ) -> Result<GenerationWriter> {
        let generation = store.create_generation(lock)?;
        // Made first, so that the new folder is removed whatever fails from here on.
        let mut this = GenerationWriter {
            generation: generation.clone(),
            index: None,
            writer: None,
            fields: Fields::schema().1,
            full: full || live.is_none(),
            published: false,
        };
        if let (Some(live), false) = (live, full) {
            store.clone_generation(live, &generation)?;
        }
        let index = super::GenerationDir::writing(&generation).and_then(|dir| match (live, full) {
            (Some(_), false) => tantivy::Index::open(dir),
            _ => tantivy::Index::create(
                dir,
                Fields::schema().0,
                tantivy::IndexSettings {
                    docstore_blocksize: DOCSTORE_BLOCK_BYTES,
                    ..tantivy::IndexSettings::default()
                },
            ),
        });
        let index = index.map_err(Error::tantivy(&generation))?;
        this.fields = Fields::of(&index.schema()).ok_or_else(|| Error::NotAnIndex {
            path: generation.clone(),
            reason: "its schema lacks declsearch's fields".into(),
        })?;
        register_tokenizers(&index, analyzer);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let writer: IndexWriter = index
            .writer_with_num_threads(threads, threads * WRITER_BYTES_PER_THREAD)
            .map_err(Error::tantivy(&generation))?;
        let mut merges = tantivy::indexer::LogMergePolicy::default();
        merges.set_max_docs_before_merge(MAX_MERGED_PASSAGES / 8);
        writer.set_merge_policy(Box::new(merges));
        this.writer = Some(writer);
        this.index = Some(index);
        Ok(this)
    }

    fn writer(&self) -> &IndexWriter {
        self.writer.as_ref().expect("open until dropped")
    }

    /// Delete the passages of the file `key` (before adding its new version).
    fn delete(&mut self, key: &str) {
        self.writer()
            .delete_term(Term::from_field_text(self.fields.source, key));
    }

    /// Add the documents of the file `key`, consuming them.
    fn add(&mut self, key: &str, documents: Vec<Document>) -> Result<()> {
        for document in documents {
            let title = document.title.unwrap_or_default();
            for passage in document.passages {
                let stored = StoredPassage {
                    doc: document.id.clone(),
                    source: key.to_owned(),
                    passage: u64::from(passage.number),
                    line: u64::from(passage.line),
                    page: passage.page.map_or(0, u64::from),
                    lang: passage.lang.as_str().to_owned(),
                    text: passage.text,
                    title: title.clone(),
                };
                self.writer()
                    .add_document(self.fields.document(&stored))
                    .map_err(Error::tantivy(&self.generation))?;
            }
        }
        Ok(())
    }

    /// Carry over `to_carry` from the live generation (the files that failed in a full run,
    /// those whose new version was taken back in any run), commit, and end a build from
    /// scratch as one segment.
    fn finish(
        &mut self,
        live: Option<&Path>,
        to_carry: &[&str],
        observer: &dyn Observer,
    ) -> Result<()> {
        if let Some(live) = live {
            carry_over(live, to_carry, &self.fields, self.writer())?;
        }
        if observer.cancelled() {
            return Err(Error::Interrupted);
        }
        let mut writer = self.writer.take().expect("open until finished");
        let wrap = || Error::tantivy(&self.generation);
        writer.commit().map_err(wrap())?;
        writer.wait_merging_threads().map_err(wrap())?;
        // A search works segment by segment: every term is looked up, scored and pruned once
        // per segment. A build from scratch (one segment per writer thread and memory flush)
        // ends as one segment: on twlaw, 4 segments merge in 3–4 s (the build takes 30%
        // longer and 100 MB more peak RSS) and Chinese queries take 12% less time. An
        // incremental run leaves merging to tantivy's merge policy. The merge runs once the
        // background merges have ended (merging a segment that one of them is merging fails).
        if self.full {
            let index = self.index.as_ref().expect("open");
            let segments = index.searchable_segment_ids().map_err(wrap())?;
            let passages = index.reader().map_err(wrap())?.searcher().num_docs();
            if segments.len() > 1 && passages <= MAX_MERGED_PASSAGES as u64 {
                let mut merger: IndexWriter = index
                    .writer_with_num_threads(1, MERGER_BYTES)
                    .map_err(wrap())?;
                merger.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
                merger.merge(&segments).wait().map_err(wrap())?;
                merger.wait_merging_threads().map_err(wrap())?;
            }
        }
        Ok(())
    }

    fn published(mut self) {
        self.published = true;
    }
}

impl Drop for GenerationWriter {
    fn drop(&mut self) {
        drop(self.writer.take());
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.generation);
        }
    }
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
        // A title is stored with its document's passage 1 and indexed with every passage.
        let mut passages = Vec::new();
        for address in searcher.search(&query, &DocSetCollector).map_err(wrap)? {
            let stored: TantivyDocument = searcher.doc(address).map_err(wrap)?;
            passages.push(old_fields.read(&stored));
        }
        let titles: HashMap<String, String> = passages
            .iter()
            .filter(|p| !p.title.is_empty())
            .map(|p| (p.doc.clone(), p.title.clone()))
            .collect();
        for mut passage in passages {
            if let Some(title) = titles.get(&passage.doc) {
                passage.title.clone_from(title);
            }
            writer
                .add_document(fields.document(&passage))
                .map_err(wrap)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gone_before_it_is_read_is_a_removal_and_a_dangling_link_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let file = |name: &str| CorpusFile {
            path: tmp.path().join(name),
            key: name.to_owned(),
            relative: name.to_owned(),
            format: corpus::Format::Text,
        };
        let options = UpdateOptions::default();
        assert!(matches!(
            read_one(&file("gone.txt"), None, &options),
            Outcome::Vanished
        ));
        std::os::unix::fs::symlink("nowhere.txt", tmp.path().join("dangling.txt")).unwrap();
        assert!(matches!(
            read_one(&file("dangling.txt"), None, &options),
            Outcome::Failed(_)
        ));
    }
}
