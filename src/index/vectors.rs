//! Meaning vectors: one embedding per passage of a generation, next to its segments.
//!
//! `declsearch index --semantic` embeds every passage ([`crate::semantic::Model`]) once the
//! generation's segments are final, and writes [`VECTORS_FILE`] into the generation: a header
//! (the model's id and the segments it covers, in JSON) and one row per document id of each
//! segment, in segment order. A row is the passage's content key (xxh3-128 of its stored
//! text), its language, and its vector in 8 bits with one scale: `value ≈ scale × q`, `q` in
//! −127..=127 (384 bytes instead of 1,536 in `f32`; the cosine with the `f32` vector is
//! 0.9999 and more, see `docs/semantic.md`). A deleted document's row has scale 0.
//!
//! Embedding is the slow part of a run (about a second per passage and core), so nothing is
//! embedded twice:
//! - a passage whose key has a row in the live generation (same model) takes that row;
//! - each vector made is also appended to `semantic/<model id>.pending` in the index folder,
//!   a batch at a time, before the run goes on. A run stopped by Ctrl-C, `kill -9` or a
//!   failure leaves the live generation as it was, and the next run takes what the pending
//!   file holds (a torn last record is cut off). The file goes once a generation is
//!   published.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::{DocAddress, TantivyDocument};

use super::{Fields, Observer, SemanticReport};
use crate::error::{Error, Result};
use crate::semantic::{Model, DIMENSIONS};
use crate::text::Lang;

/// File name of a generation's vectors.
pub const VECTORS_FILE: &str = "declsearch-vectors.bin";
/// Folder of the index that holds the vectors of unfinished runs.
pub(crate) const PENDING_DIR: &str = "semantic";

const MAGIC: &[u8; 8] = b"DSVECS01";
/// Key (16), scale (4), language (1), padding (3), values.
const ROW_BYTES: usize = 24 + DIMENSIONS;
/// Key, scale, values.
const PENDING_BYTES: usize = 20 + DIMENSIONS;
/// Passages embedded between two appends to the pending file.
const BATCH: usize = 32;
/// Rows held at most behind an unfinished batch.
const WAITING_ROWS: usize = 4096;

/// What the vectors file says of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorsHeader {
    /// [`Model::id`] of the model that made the vectors.
    pub model: String,
    pub dimensions: usize,
    /// How values are stored: `int8` (one scale per vector).
    pub quantization: String,
    /// The generation's segments in order, each with its rows (its documents, deleted ones
    /// included).
    pub segments: Vec<SegmentRows>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRows {
    /// tantivy's segment id (uuid, hex).
    pub id: String,
    pub rows: u32,
}

/// A passage's vector in 8 bits.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    pub scale: f32,
    pub values: Vec<i8>,
}

impl Quantized {
    /// `vector` in 8 bits: its largest magnitude becomes ±127.
    pub fn new(vector: &[f32]) -> Quantized {
        let largest = vector.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if largest == 0.0 || !largest.is_finite() {
            return Quantized {
                scale: 0.0,
                values: vec![0; vector.len()],
            };
        }
        let scale = largest / 127.0;
        Quantized {
            scale,
            values: vector
                .iter()
                .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8)
                .collect(),
        }
    }

    /// The vector back in `f32`.
    pub fn values_f32(&self) -> Vec<f32> {
        self.values
            .iter()
            .map(|&q| f32::from(q) * self.scale)
            .collect()
    }
}

/// A generation's vectors, mapped.
pub struct Vectors {
    map: memmap2::Mmap,
    rows_at: usize,
    rows: usize,
    pub header: VectorsHeader,
}

impl std::fmt::Debug for Vectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vectors")
            .field("rows", &self.rows)
            .field("header", &self.header)
            .finish()
    }
}

/// One row of [`Vectors`].
pub struct Row<'a> {
    pub key: u128,
    pub scale: f32,
    pub lang: Option<Lang>,
    pub values: &'a [i8],
}

impl Row<'_> {
    /// The row's vector, owned.
    pub fn quantized(&self) -> Quantized {
        Quantized {
            scale: self.scale,
            values: self.values.to_vec(),
        }
    }
}

impl Vectors {
    /// The vectors of `generation`, `None` if it has none.
    pub fn open(generation: &Path) -> Result<Option<Vectors>> {
        let path = generation.join(VECTORS_FILE);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path)(e)),
        };
        // SAFETY: a published generation's files are never written again (see the store);
        // the map is only read.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(Error::io(&path))?;
        let bad = |reason: &str| Error::NotAnIndex {
            path: path.clone(),
            reason: format!("its vectors file is damaged: {reason}"),
        };
        if map.len() < 12 || &map[..8] != MAGIC {
            return Err(bad("no header"));
        }
        let header_len = u32::from_le_bytes(map[8..12].try_into().expect("4 bytes")) as usize;
        let header_end = 12usize.saturating_add(header_len);
        let header: VectorsHeader = map
            .get(12..header_end)
            .and_then(|json| serde_json::from_slice(json).ok())
            .ok_or_else(|| bad("unreadable header"))?;
        if header.dimensions != DIMENSIONS {
            return Err(bad("vectors of another size"));
        }
        let rows_at = header_end.next_multiple_of(8);
        let rows: usize = header.segments.iter().map(|s| s.rows as usize).sum();
        if map.len() != rows_at + rows * ROW_BYTES {
            return Err(bad("its length does not match its rows"));
        }
        Ok(Some(Vectors {
            map,
            rows_at,
            rows,
            header,
        }))
    }

    /// Rows in all.
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> Row<'_> {
        let bytes = &self.map[self.rows_at + i * ROW_BYTES..][..ROW_BYTES];
        Row {
            key: u128::from_le_bytes(bytes[..16].try_into().expect("16 bytes")),
            scale: f32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes")),
            lang: lang_of(bytes[20]),
            values: bytemuck_i8(&bytes[24..]),
        }
    }

    /// The cosine of `query` (length 1) with row `i`'s vector.
    pub fn cosine(&self, query: &[f32], i: usize) -> f32 {
        let row = self.row(i);
        let dot: f32 = query
            .iter()
            .zip(row.values)
            .map(|(q, &v)| q * f32::from(v))
            .sum();
        dot * row.scale
    }

    /// The `k` rows nearest `query` (length 1) by cosine, best first, among those of `lang`
    /// (any with `None`): every row is compared (exact, no approximation), on every core
    /// for a large index. Rows of deleted documents never come.
    pub fn nearest(&self, query: &[f32], k: usize, lang: Option<Lang>) -> Vec<(usize, f32)> {
        if k == 0 || self.rows == 0 {
            return Vec::new();
        }
        // The query in 16 bits: products of 8 and 16 bits add up exactly in 32 (384 of them
        // at most 127 × 32,767 each), and its rounding moves a cosine by 1e-5 at most.
        let largest = query.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if largest == 0.0 || !largest.is_finite() {
            return Vec::new();
        }
        let scale = largest / 32_767.0;
        let scan = Scan {
            query: query.iter().map(|v| (v / scale).round() as i16).collect(),
            scale,
            lang: lang.map(|l| lang_code(Some(l))),
            k,
        };
        let bytes = &self.map[self.rows_at..self.rows_at + self.rows * ROW_BYTES];
        const ROWS_PER_TASK: usize = 16_384;
        let mut best: Vec<(usize, f32)> = bytes
            .par_chunks(ROWS_PER_TASK * ROW_BYTES)
            .enumerate()
            .flat_map_iter(|(task, chunk)| {
                let first = task * ROWS_PER_TASK;
                scan.best(chunk)
                    .into_iter()
                    .map(move |(i, score)| (first + i, score))
            })
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        best.truncate(k);
        best
    }
}

/// A generation's vectors with their rows tied to the documents of the index's view.
#[derive(Debug)]
pub struct Dense {
    pub vectors: Vectors,
    /// First row of each segment, by the segment's ordinal in the view.
    bases: Vec<usize>,
    /// (first row, segment ordinal, rows), by first row.
    by_row: Vec<(usize, u32, u32)>,
}

impl Dense {
    /// Tie `vectors` to the segments of `snapshot`: every segment must have its rows, or the
    /// reason it cannot be used.
    pub(crate) fn new(
        vectors: Vectors,
        snapshot: &tantivy::Searcher,
    ) -> std::result::Result<Dense, String> {
        let mut first = HashMap::new();
        let mut row = 0usize;
        for segment in &vectors.header.segments {
            first.insert(segment.id.as_str(), (row, segment.rows));
            row += segment.rows as usize;
        }
        let mut bases = Vec::new();
        let mut by_row = Vec::new();
        for (ordinal, segment) in snapshot.segment_readers().iter().enumerate() {
            let id = segment.segment_id().uuid_string();
            match first.get(id.as_str()) {
                Some(&(base, rows)) if rows == segment.max_doc() => {
                    bases.push(base);
                    by_row.push((base, ordinal as u32, rows));
                }
                _ => return Err(format!("they do not cover its segment {id}")),
            }
        }
        by_row.sort_unstable();
        Ok(Dense {
            vectors,
            bases,
            by_row,
        })
    }

    /// The row of the passage at `address`.
    pub fn row_of(&self, address: DocAddress) -> usize {
        self.bases[address.segment_ord as usize] + address.doc_id as usize
    }

    /// The passage of row `row`, if a segment of the view has it.
    pub fn address_of(&self, row: usize) -> Option<DocAddress> {
        let at = self.by_row.partition_point(|&(base, _, _)| base <= row);
        let &(base, ordinal, rows) = self.by_row.get(at.checked_sub(1)?)?;
        (row - base < rows as usize).then(|| DocAddress::new(ordinal, (row - base) as u32))
    }
}

/// A query in 16 bits against rows of 8, for the best `k` of those in `lang` (a language
/// code; any with `None`).
struct Scan {
    query: Vec<i16>,
    /// The query's scale: a value is `scale × q`.
    scale: f32,
    lang: Option<u8>,
    k: usize,
}

impl Scan {
    /// The best `k` of `rows` (whole rows) by their dot product with the query.
    fn best(&self, rows: &[u8]) -> Vec<(usize, f32)> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.best_avx2(rows) };
        }
        self.best_portable(rows)
    }

    /// [`Scan::best_portable`] compiled for AVX2: the product loop becomes 16-lane widening
    /// multiplies.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn best_avx2(&self, rows: &[u8]) -> Vec<(usize, f32)> {
        self.best_portable(rows)
    }

    #[inline(always)]
    fn best_portable(&self, rows: &[u8]) -> Vec<(usize, f32)> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let k = self.k;
        // The k best so far, worst on top: (score bits ordered as the score, row).
        let mut heap: BinaryHeap<Reverse<(OrderedScore, usize)>> = BinaryHeap::with_capacity(k + 1);
        for (i, row) in rows.chunks_exact(ROW_BYTES).enumerate() {
            let scale = f32::from_le_bytes([row[16], row[17], row[18], row[19]]);
            if scale == 0.0 || self.lang.is_some_and(|l| row[20] != l) {
                continue;
            }
            let values = &row[24..24 + DIMENSIONS];
            let dot: i32 = (self.query.iter())
                .zip(values)
                .map(|(&q, &v)| i32::from(q) * i32::from(v as i8))
                .sum();
            let score = dot as f32 * self.scale * scale;
            if heap.len() < k {
                heap.push(Reverse((OrderedScore(score), i)));
            } else if heap
                .peek()
                .is_some_and(|Reverse((worst, _))| score > worst.0)
            {
                heap.pop();
                heap.push(Reverse((OrderedScore(score), i)));
            }
        }
        heap.into_iter()
            .map(|Reverse((score, i))| (i, score.0))
            .collect()
    }
}

/// An `f32` ordered totally, for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedScore(f32);
impl Eq for OrderedScore {}
impl PartialOrd for OrderedScore {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedScore {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn bytemuck_i8(bytes: &[u8]) -> &[i8] {
    // SAFETY: i8 and u8 have the same size and alignment, and every bit pattern is valid.
    unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<i8>(), bytes.len()) }
}

fn lang_code(lang: Option<Lang>) -> u8 {
    match lang {
        None => 0,
        Some(Lang::Zh) => 1,
        Some(Lang::En) => 2,
    }
}

pub(crate) fn lang_of(code: u8) -> Option<Lang> {
    match code {
        1 => Some(Lang::Zh),
        2 => Some(Lang::En),
        _ => None,
    }
}

/// The start of a vectors file: magic, the header's length and the header, padded to 8.
#[doc(hidden)] // the benchmarks write vectors files of their own
pub fn encode_header(header: &VectorsHeader) -> Vec<u8> {
    let json = serde_json::to_vec(header).expect("a header serialises");
    let mut head = MAGIC.to_vec();
    head.extend_from_slice(&(json.len() as u32).to_le_bytes());
    head.extend_from_slice(&json);
    head.resize(head.len().next_multiple_of(8), 0);
    head
}

/// One row of a vectors file.
#[doc(hidden)]
pub fn encode_row(key: u128, lang: Option<Lang>, vector: &Quantized) -> [u8; ROW_BYTES] {
    let mut bytes = [0u8; ROW_BYTES];
    bytes[..16].copy_from_slice(&key.to_le_bytes());
    bytes[16..20].copy_from_slice(&vector.scale.to_le_bytes());
    bytes[20] = lang_code(lang);
    for (b, &v) in bytes[24..].iter_mut().zip(&vector.values) {
        *b = v as u8;
    }
    bytes
}

/// The content key of a passage's stored text.
pub fn content_key(text: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(text.as_bytes())
}

/// The pending file of `model` in the index folder `dir`.
pub(crate) fn pending_path(dir: &Path, model: &Model) -> PathBuf {
    dir.join(PENDING_DIR)
        .join(format!("{}.pending", model.id()))
}

/// The vectors made by runs that did not publish, in the pending file (a torn last record,
/// from a kill in the middle of an append, is cut off): the keys in memory with where their
/// record is, the vectors read when taken.
struct Pending {
    path: PathBuf,
    /// Key → record number.
    known: HashMap<u128, u64>,
    records: u64,
    out: BufWriter<File>,
    reader: File,
}

impl Pending {
    fn open(path: PathBuf) -> Result<Pending> {
        use std::io::Read;
        let dir = path.parent().expect("in a folder");
        fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(Error::io(&path))?;
        let length = file.metadata().map_err(Error::io(&path))?.len();
        let records = length / PENDING_BYTES as u64;
        if records * PENDING_BYTES as u64 != length {
            file.set_len(records * PENDING_BYTES as u64)
                .map_err(Error::io(&path))?;
        }
        let mut known = HashMap::with_capacity(records as usize);
        let mut input = std::io::BufReader::with_capacity(1 << 20, &file);
        let mut record = [0u8; PENDING_BYTES];
        for number in 0..records {
            input.read_exact(&mut record).map_err(Error::io(&path))?;
            let key = u128::from_le_bytes(record[..16].try_into().expect("16 bytes"));
            let scale = f32::from_le_bytes(record[16..20].try_into().expect("4 bytes"));
            // A record that no run wrote (a damaged file) is left out, embedded again.
            if scale.is_finite() && scale > 0.0 {
                known.insert(key, number);
            }
        }
        let reader = File::open(&path).map_err(Error::io(&path))?;
        Ok(Pending {
            path,
            known,
            records,
            out: BufWriter::new(file),
            reader,
        })
    }

    /// The vector of `key`, if a run made it.
    fn get(&mut self, key: u128) -> Result<Option<Quantized>> {
        use std::io::{Read, Seek, SeekFrom};
        let Some(&number) = self.known.get(&key) else {
            return Ok(None);
        };
        let mut record = [0u8; PENDING_BYTES];
        self.reader
            .seek(SeekFrom::Start(number * PENDING_BYTES as u64))
            .and_then(|_| self.reader.read_exact(&mut record))
            .map_err(Error::io(&self.path))?;
        Ok(Some(Quantized {
            scale: f32::from_le_bytes(record[16..20].try_into().expect("4 bytes")),
            values: bytemuck_i8(&record[20..]).to_vec(),
        }))
    }

    /// Keep `vector` of `key` (readable once flushed).
    fn append(&mut self, key: u128, vector: &Quantized) -> Result<()> {
        let mut record = Vec::with_capacity(PENDING_BYTES);
        record.extend_from_slice(&key.to_le_bytes());
        record.extend_from_slice(&vector.scale.to_le_bytes());
        record.extend(vector.values.iter().map(|&v| v as u8));
        self.out.write_all(&record).map_err(Error::io(&self.path))?;
        self.known.insert(key, self.records);
        self.records += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::io(&self.path))
    }
}

/// Write the vectors of `index` (the new generation, committed) into `generation`, embedding
/// with `model` what neither `live` (the live generation's vectors) nor the pending file of
/// the index folder `dir` holds.
pub(crate) fn write(
    dir: &Path,
    generation: &Path,
    index: &tantivy::Index,
    fields: &Fields,
    model: &Model,
    live: Option<&Vectors>,
    observer: &dyn Observer,
) -> Result<SemanticReport> {
    let wrap = || Error::tantivy(generation);
    let reader = index.reader().map_err(wrap())?;
    let searcher = reader.searcher();
    let live = live.filter(|v| v.header.model == model.id());
    let live_rows: HashMap<u128, usize> = live.map_or_else(HashMap::new, |vectors| {
        (0..vectors.len())
            .filter_map(|i| {
                let row = vectors.row(i);
                (row.scale != 0.0).then_some((row.key, i))
            })
            .collect()
    });
    let mut pending = Pending::open(pending_path(dir, model))?;

    // Pass 1: every row's key and language, and what is to embed.
    let mut segments = Vec::new();
    // Each document's key and language; `None` for a deleted one.
    let mut rows: Vec<Option<(u128, Option<Lang>)>> = Vec::new();
    let mut to_embed = 0u64;
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        segments.push(SegmentRows {
            id: segment.segment_id().uuid_string(),
            rows: segment.max_doc(),
        });
        for doc in 0..segment.max_doc() {
            if segment.is_deleted(doc) {
                rows.push(None);
                continue;
            }
            let stored = stored(
                &searcher,
                fields,
                DocAddress::new(ordinal as u32, doc),
                generation,
            )?;
            let key = content_key(&stored.text);
            if !live_rows.contains_key(&key) && !pending.known.contains_key(&key) {
                to_embed += 1;
            }
            rows.push(Some((key, stored.lang.parse().ok())));
        }
        if observer.cancelled() {
            return Err(Error::Interrupted);
        }
    }
    observer.embedding(to_embed);

    let header = VectorsHeader {
        model: model.id().to_owned(),
        dimensions: DIMENSIONS,
        quantization: "int8".into(),
        segments,
    };
    let path = generation.join(VECTORS_FILE);
    let file = File::create(&path).map_err(Error::io(&path))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(&encode_header(&header))
        .map_err(Error::io(&path))?;

    // Pass 2, in row order: reused rows as they are, the others embedded a batch at a time
    // (on every core), appended to the pending file, then written. A row to embed waits in
    // `batch`, and the rows after it wait in `ready` (which starts at the first unwritten row).
    let mut done = SemanticReport {
        model: model.id().to_owned(),
        embedded: 0,
        reused: 0,
    };
    let mut batch: Vec<(usize, u128, Option<Lang>, String)> = Vec::new();
    let mut ready: Vec<Option<(u128, Option<Lang>, Quantized)>> = Vec::new();
    let addresses = searcher
        .segment_readers()
        .iter()
        .enumerate()
        .flat_map(|(ordinal, s)| (0..s.max_doc()).map(move |d| DocAddress::new(ordinal as u32, d)));
    let emit = |out: &mut BufWriter<File>,
                ready: &mut Vec<Option<(u128, Option<Lang>, Quantized)>>|
     -> Result<()> {
        for entry in ready.drain(..) {
            let (key, lang, vector) = entry.expect("every row is ready in order");
            out.write_all(&encode_row(key, lang, &vector))
                .map_err(Error::io(&path))?;
        }
        Ok(())
    };
    for (address, row) in addresses.zip(rows) {
        let slot = ready.len();
        let entry = match row {
            // A deleted document.
            None => Some((0, None, Quantized::new(&[0.0; DIMENSIONS]))),
            Some((key, lang)) => {
                let made = match live_rows.get(&key) {
                    Some(&i) => Some(live.expect("rows come from it").row(i).quantized()),
                    None => pending.get(key)?,
                };
                match made {
                    Some(vector) => {
                        done.reused += 1;
                        Some((key, lang, vector))
                    }
                    None => {
                        let text = stored(&searcher, fields, address, generation)?.text;
                        batch.push((slot, key, lang, text));
                        None
                    }
                }
            }
        };
        ready.push(entry);
        // A batch is embedded when full, or when the rows waiting behind it are many
        // (memory stays bounded).
        if batch.len() == BATCH || (!batch.is_empty() && ready.len() >= WAITING_ROWS) {
            embed_batch(model, &mut batch, &mut ready, &mut pending, &mut done)?;
            observer.embedded(done.embedded);
            if observer.cancelled() {
                return Err(Error::Interrupted);
            }
        }
        if batch.is_empty() {
            emit(&mut out, &mut ready)?;
        }
    }
    embed_batch(model, &mut batch, &mut ready, &mut pending, &mut done)?;
    observer.embedded(done.embedded);
    emit(&mut out, &mut ready)?;
    let file = out
        .into_inner()
        .map_err(|e| Error::io(&path)(e.into_error()))?;
    file.sync_all().map_err(Error::io(&path))?;
    Ok(done)
}

/// Embed `batch` on every core, keep each vector in the pending file and put it in its slot.
fn embed_batch(
    model: &Model,
    batch: &mut Vec<(usize, u128, Option<Lang>, String)>,
    ready: &mut [Option<(u128, Option<Lang>, Quantized)>],
    pending: &mut Pending,
    done: &mut SemanticReport,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let vectors: Vec<Quantized> = batch
        .par_iter()
        .map(|(_, _, _, text)| Quantized::new(&model.embed_passage(text)))
        .collect();
    for ((slot, key, lang, _), vector) in batch.drain(..).zip(vectors) {
        pending.append(key, &vector)?;
        ready[slot] = Some((key, lang, vector));
        done.embedded += 1;
    }
    pending.flush()
}

fn stored(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    address: DocAddress,
    generation: &Path,
) -> Result<super::StoredPassage> {
    let document: TantivyDocument = searcher.doc(address).map_err(Error::tantivy(generation))?;
    Ok(fields.read(&document))
}

/// Remove the pending files of the index folder `dir`: a generation was published, and its
/// vectors hold every one that is still of use.
pub(crate) fn remove_pending(dir: &Path) {
    let _ = fs::remove_dir_all(dir.join(PENDING_DIR));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_vectors_keep_their_direction() {
        let vector: Vec<f32> = (0..DIMENSIONS)
            .map(|i| ((i * 7919 % 383) as f32 - 191.0) / 400.0)
            .collect();
        let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        let vector: Vec<f32> = vector.iter().map(|v| v / norm).collect();
        let back = Quantized::new(&vector).values_f32();
        let dot: f32 = vector.iter().zip(&back).map(|(a, b)| a * b).sum();
        let back_norm = back.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!(dot / back_norm > 0.9999, "cosine {}", dot / back_norm);
        assert_eq!(Quantized::new(&[0.0; 4]).scale, 0.0);
    }

    fn unit_vector(seed: u64) -> Vec<f32> {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let v: Vec<f32> = (0..DIMENSIONS)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }

    proptest::proptest! {
        /// Any bytes as a vectors file: an error or rows that read, never a panic.
        #[test]
        fn any_vectors_file_opens_or_is_refused(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2_500),
            header in proptest::bool::ANY,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut file = Vec::new();
            let mut bytes = bytes;
            if header {
                // Whole rows of random bytes: random scales, languages and values.
                bytes.truncate(bytes.len() / ROW_BYTES * ROW_BYTES);
                let rows = (bytes.len() / ROW_BYTES) as u32;
                file = encode_header(&VectorsHeader {
                    model: "m".into(),
                    dimensions: DIMENSIONS,
                    quantization: "int8".into(),
                    segments: vec![SegmentRows { id: "s".into(), rows }],
                });
            }
            file.extend_from_slice(&bytes);
            std::fs::write(dir.path().join(VECTORS_FILE), file).unwrap();
            if let Ok(Some(vectors)) = Vectors::open(dir.path()) {
                let query = unit_vector(1);
                for i in 0..vectors.len() {
                    let _ = (vectors.row(i).lang, vectors.cosine(&query, i));
                }
                let _ = vectors.nearest(&query, 5, None);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// The scan's best rows are the best by each row's own cosine, in order, whatever
        /// the rows, their languages and deleted ones.
        #[test]
        fn nearest_rows_are_the_best_by_cosine(
            rows in 0usize..40_000,
            k in 0usize..150,
            seed in 0u64..1_000_000,
            lang in proptest::option::of(proptest::bool::ANY),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let header = VectorsHeader {
                model: "test".into(),
                dimensions: DIMENSIONS,
                quantization: "int8".into(),
                segments: vec![SegmentRows { id: "s".into(), rows: rows as u32 }],
            };
            let mut bytes = encode_header(&header);
            let lang_of_row = |i: usize| if i.is_multiple_of(3) { Lang::En } else { Lang::Zh };
            for i in 0..rows {
                let vector = match i % 17 == 5 {
                    true => Quantized::new(&[0.0; DIMENSIONS]),
                    false => Quantized::new(&unit_vector(seed + i as u64)),
                };
                bytes.extend_from_slice(&encode_row(i as u128, Some(lang_of_row(i)), &vector));
            }
            std::fs::write(dir.path().join(VECTORS_FILE), bytes).unwrap();
            let vectors = Vectors::open(dir.path()).unwrap().unwrap();
            let query = unit_vector(seed ^ 0xdead_beef);
            let lang = lang.map(|en| if en { Lang::En } else { Lang::Zh });
            let found = vectors.nearest(&query, k, lang);
            let mut naive: Vec<(usize, f32)> = (0..rows)
                .filter(|&i| i % 17 != 5 && lang.is_none_or(|l| lang_of_row(i) == l))
                .map(|i| (i, vectors.cosine(&query, i)))
                .collect();
            naive.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            naive.truncate(k);
            proptest::prop_assert_eq!(found.len(), naive.len());
            for ((row, score), (naive_row, naive_score)) in found.iter().zip(&naive) {
                // The 16-bit query moves a cosine by 1e-4 at most: rows that close may swap.
                proptest::prop_assert!((score - naive_score).abs() < 1e-3, "{} {}", score, naive_score);
                if row != naive_row {
                    proptest::prop_assert!((vectors.cosine(&query, *row) - naive_score).abs() < 1e-3);
                }
            }
        }
    }
}
