//! The model file: `E5S1`, a version, the encoder's dimensions, the tokenizer's tables and a
//! directory of named tensors, all little-endian.
//!
//! Layout, in order:
//! - magic `E5S1`, `u32` version;
//! - `i32` hidden size, layers, attention heads, feed-forward size, vocabulary size, most
//!   positions, token types; `f32` LayerNorm epsilon; `i32` quantisation block size;
//! - tokenizer: `i32` pieces, `i32` ids of `<s>`, `</s>`, `<pad>`, `<unk>`, `u64` bytes of the
//!   pieces' text, `u32` offsets (pieces + 1), `f32` scores, the pieces' UTF-8 text;
//! - normalisation map: `i32` entries, `u32` bytes, then per entry a `u32` code point, a `u8`
//!   count and that many `u32` code points it becomes;
//! - tensors: `i32` entries, then per entry a `u16` name length, the name, a `u8` type, a `u32`
//!   element count, `u64` offset from the start of the file, `u64` bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Tokenizer;
use crate::error::{Error, Result};

/// A tensor of the model file: where its data lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tensor {
    /// The file's type code (0: `f32`; 1: 4-bit blocks of 32 values, an `f16` scale and 16
    /// bytes of nibbles).
    pub dtype: u8,
    /// Elements.
    pub elements: u32,
    /// Byte offset in the file.
    pub offset: u64,
    /// Bytes.
    pub bytes: u64,
}

/// A model file, read and checked: dimensions, tokenizer, and the tensors' places.
#[derive(Debug)]
pub struct ModelFile {
    pub path: PathBuf,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub feed_forward: usize,
    pub vocabulary: usize,
    pub max_positions: usize,
    pub token_types: usize,
    pub layer_norm_epsilon: f32,
    /// Values per quantisation block.
    pub block: usize,
    pub tokenizer: Tokenizer,
    pub tensors: HashMap<String, Tensor>,
    /// The whole file.
    pub bytes: Vec<u8>,
}

/// Little-endian reads from a file's bytes; running past the end is an error naming `what`.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> std::result::Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| format!("the file ends inside {what}"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u8(&mut self, what: &str) -> std::result::Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> std::result::Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2, what)?.try_into().expect("2 bytes"),
        ))
    }

    fn u32(&mut self, what: &str) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self, what: &str) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8 bytes"),
        ))
    }

    fn f32(&mut self, what: &str) -> std::result::Result<f32, String> {
        Ok(f32::from_bits(self.u32(what)?))
    }

    /// A count or size stored as `i32`: never negative, at most `most`.
    fn count(&mut self, what: &str, most: usize) -> std::result::Result<usize, String> {
        let n = self.u32(what)? as i32;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= most)
            .ok_or_else(|| format!("{what} is {n}, outside 0..={most}"))
    }
}

impl ModelFile {
    /// Read and check the model file at `path`.
    pub fn read(path: &Path) -> Result<ModelFile> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        Self::parse(path, bytes)
    }

    /// Check and index a model file's bytes (read from `path`, for messages).
    pub fn parse(path: &Path, bytes: Vec<u8>) -> Result<ModelFile> {
        let bad = |reason: String| Error::BadModel {
            path: path.to_path_buf(),
            reason,
        };
        let mut c = Cursor {
            bytes: &bytes,
            at: 0,
        };
        if c.take(4, "the magic").map_err(bad)? != b"E5S1" {
            return Err(bad("it does not start with E5S1".into()));
        }
        let version = c.u32("the version").map_err(bad)?;
        if version != 1 {
            return Err(bad(format!(
                "version {version}; this build reads version 1"
            )));
        }
        let mut dimension = |what| c.count(what, 1 << 20);
        let hidden = dimension("the hidden size").map_err(bad)?;
        let layers = dimension("the layers").map_err(bad)?;
        let heads = dimension("the heads").map_err(bad)?;
        let feed_forward = dimension("the feed-forward size").map_err(bad)?;
        let vocabulary = dimension("the vocabulary").map_err(bad)?;
        let max_positions = dimension("the positions").map_err(bad)?;
        let token_types = dimension("the token types").map_err(bad)?;
        let layer_norm_epsilon = c.f32("the epsilon").map_err(bad)?;
        let block = c.count("the block size", 1 << 10).map_err(bad)?;
        if heads == 0 || hidden % heads != 0 || block == 0 || hidden % block != 0 {
            return Err(bad(format!(
                "hidden size {hidden} with {heads} heads and blocks of {block}"
            )));
        }
        let tokenizer = read_tokenizer(&mut c).map_err(bad)?;
        let entries = c.count("the tensor directory", 1 << 16).map_err(bad)?;
        let mut tensors = HashMap::with_capacity(entries);
        for _ in 0..entries {
            let length = usize::from(c.u16("a tensor name").map_err(bad)?);
            let name = c.take(length, "a tensor name").map_err(bad)?;
            let name = String::from_utf8_lossy(name).into_owned();
            let tensor = Tensor {
                dtype: c.u8("a tensor type").map_err(bad)?,
                elements: c.u32("a tensor size").map_err(bad)?,
                offset: c.u64("a tensor offset").map_err(bad)?,
                bytes: c.u64("a tensor length").map_err(bad)?,
            };
            let end = tensor.offset.checked_add(tensor.bytes);
            if end.is_none_or(|end| end > bytes.len() as u64) {
                return Err(bad(format!("tensor {name} lies past the end of the file")));
            }
            tensors.insert(name, tensor);
        }
        Ok(ModelFile {
            path: path.to_path_buf(),
            hidden,
            layers,
            heads,
            feed_forward,
            vocabulary,
            max_positions,
            token_types,
            layer_norm_epsilon,
            block,
            tokenizer,
            tensors,
            bytes,
        })
    }
}

fn read_tokenizer(c: &mut Cursor) -> std::result::Result<Tokenizer, String> {
    let pieces = c.count("the pieces", 1 << 24)?;
    let mut special = [0usize; 4];
    for (id, what) in special.iter_mut().zip(["<s>", "</s>", "<pad>", "<unk>"]) {
        *id = c.count(what, pieces.saturating_sub(1))?;
    }
    let text_bytes = c.u64("the pieces' length")?;
    let text_bytes = usize::try_from(text_bytes).map_err(|_| "the pieces are too long")?;
    let offsets: Vec<u32> = (0..=pieces)
        .map(|_| c.u32("the piece offsets"))
        .collect::<std::result::Result<_, _>>()?;
    let scores: Vec<f32> = (0..pieces)
        .map(|_| c.f32("the piece scores"))
        .collect::<std::result::Result<_, _>>()?;
    let text = c.take(text_bytes, "the pieces' text")?;
    let mut texts = Vec::with_capacity(pieces);
    for (i, window) in offsets.windows(2).enumerate() {
        let (start, end) = (window[0] as usize, window[1] as usize);
        let piece = text
            .get(start..end)
            .ok_or_else(|| format!("piece {i} lies outside the pieces' text"))?;
        texts.push(std::str::from_utf8(piece).map_err(|_| format!("piece {i} is not UTF-8"))?);
    }
    let entries = c.count("the normalisation map", 1 << 24)?;
    let map_bytes = c.u32("the normalisation map's length")? as usize;
    let mut map = Cursor {
        bytes: c.take(map_bytes, "the normalisation map")?,
        at: 0,
    };
    let mut normalisation = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let from = map.u32("a normalised character")?;
        let count = map.u8("a normalisation")?;
        let to: String = (0..count)
            .map(|_| map.u32("a normalisation"))
            .collect::<std::result::Result<Vec<_>, _>>()?
            .into_iter()
            .map(|cp| char::from_u32(cp).ok_or_else(|| format!("U+{cp:X} is no character")))
            .collect::<std::result::Result<_, _>>()?;
        let from = char::from_u32(from).ok_or_else(|| format!("U+{from:X} is no character"))?;
        normalisation.insert(from, to);
    }
    let [bos, eos, pad, unk] = special.map(|id| id as u32);
    Ok(Tokenizer::new(
        &texts,
        &scores,
        normalisation,
        [bos, eos, pad, unk],
    ))
}
