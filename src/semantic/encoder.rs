//! The encoder: multilingual-e5-small's BERT forward pass, from tokens to a sentence
//! embedding.
//!
//! Embeddings (word, position, token type 0) and a LayerNorm; 12 layers of 12-head
//! self-attention and a GELU feed-forward, each added back and normalised; the mean of the
//! last layer over the tokens, L2-normalised. A text longer than the model's 512 positions is
//! read in windows of 510 tokens, each between `<s>` and `</s>`, and its embedding is the
//! windows' means weighted by their tokens. The word embeddings stay 4-bit and are unpacked a
//! row at a time; the layers' weights are unpacked to `f32` once, when the encoder loads.

use super::{ModelFile, Tensor};
use crate::error::{Error, Result};

/// Values per 4-bit block: an `f16` scale, then 16 bytes whose low nibbles are values 0–15
/// and high nibbles values 16–31, each `(nibble - 8) × scale`.
const BLOCK: usize = 32;
const BLOCK_BYTES: usize = 18;

/// A matrix kernel: AVX-512, AVX2 with FMA, or portable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx512,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2,
    Portable,
}

/// A weight matrix of `rows` outputs by `columns` inputs, row-major, and its bias.
struct Linear {
    weights: Vec<f32>,
    bias: Vec<f32>,
    rows: usize,
    columns: usize,
}

impl Linear {
    /// `out[t] = W · input[t] + b` for each of the `tokens` rows of `input`, with the widest
    /// kernel the processor runs (checked at run time).
    fn apply(&self, input: &[f32], tokens: usize) -> Vec<f32> {
        let kernel = self.kernels()[0];
        self.apply_on(kernel, input, tokens)
    }

    /// The kernels this processor runs for this matrix, widest first; the portable one last.
    fn kernels(&self) -> Vec<Kernel> {
        let mut kernels = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            let shape = self.columns.is_multiple_of(16) && self.rows.is_multiple_of(4);
            if shape && std::arch::is_x86_feature_detected!("avx512f") {
                kernels.push(Kernel::Avx512);
            }
            if self.columns.is_multiple_of(8)
                && std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                kernels.push(Kernel::Avx2);
            }
        }
        kernels.push(Kernel::Portable);
        kernels
    }

    /// [`Linear::apply`] with `kernel`, one of [`Linear::kernels`].
    fn apply_on(&self, kernel: Kernel, input: &[f32], tokens: usize) -> Vec<f32> {
        let mut out = vec![0.0; tokens * self.rows];
        match kernel {
            // SAFETY: `kernels` offers these only where the processor has the features.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { self.apply_avx512(input, tokens, &mut out) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                self.apply_with(input, tokens, &mut out, |w, xs| unsafe { dot4_avx2(w, xs) })
            }
            _ => self.apply_with(input, tokens, &mut out, |w, xs| xs.map(|x| dot(w, x))),
        }
        out
    }

    /// A tile of 16 rows of weights (at most 96 KB: it stays in cache) against every token,
    /// four tokens at a time, so that the weights are read from memory once per text rather
    /// than once per token.
    #[inline(always)]
    fn apply_with(
        &self,
        input: &[f32],
        tokens: usize,
        out: &mut [f32],
        dot4: impl Fn(&[f32], [&[f32]; 4]) -> [f32; 4],
    ) {
        const ROW_TILE: usize = 16;
        let (rows, columns) = (self.rows, self.columns);
        for tile in (0..rows).step_by(ROW_TILE) {
            let mut t = 0;
            while t < tokens {
                let n = (tokens - t).min(4);
                let x = |i: usize| {
                    let t = t + i.min(n - 1);
                    &input[t * columns..(t + 1) * columns]
                };
                let xs = [x(0), x(1), x(2), x(3)];
                for o in tile..(tile + ROW_TILE).min(rows) {
                    let w = &self.weights[o * columns..(o + 1) * columns];
                    let sums = dot4(w, xs);
                    for (i, sum) in sums.iter().enumerate().take(n) {
                        out[(t + i) * rows + o] = sum + self.bias[o];
                    }
                }
                t += n;
            }
        }
    }
}

impl Linear {
    /// [`Linear::apply`] with AVX-512: tiles of 16 weight rows, and in a tile four rows
    /// against four tokens at once (16 accumulators of 16 lanes: 8 loads for 16 fused
    /// multiply-adds, where one row against four tokens takes 5 loads for 4).
    ///
    /// # Safety
    /// The processor must have AVX-512F; `columns` must be a multiple of 16 and `rows` of 4.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn apply_avx512(&self, input: &[f32], tokens: usize, out: &mut [f32]) {
        use std::arch::x86_64::*;
        const ROW_TILE: usize = 16;
        let (rows, columns) = (self.rows, self.columns);
        assert!(columns.is_multiple_of(16) && rows.is_multiple_of(4));
        assert!(input.len() >= tokens * columns && out.len() >= tokens * rows);
        let weights = self.weights.as_ptr();
        for tile in (0..rows).step_by(ROW_TILE) {
            let mut t = 0;
            while t < tokens {
                let n = (tokens - t).min(4);
                // Tokens past the last repeat it; their sums are not stored.
                let x: [*const f32; 4] = std::array::from_fn(|i| unsafe {
                    input.as_ptr().add((t + i.min(n - 1)) * columns)
                });
                for o in (tile..(tile + ROW_TILE).min(rows)).step_by(4) {
                    let w: [*const f32; 4] =
                        std::array::from_fn(|r| unsafe { weights.add((o + r) * columns) });
                    let mut acc = [[_mm512_setzero_ps(); 4]; 4];
                    for c in (0..columns).step_by(16) {
                        // SAFETY: c + 16 <= columns, and every row pointer has `columns`
                        // values (checked above).
                        let xv: [__m512; 4] =
                            std::array::from_fn(|i| unsafe { _mm512_loadu_ps(x[i].add(c)) });
                        for r in 0..4 {
                            let wv = unsafe { _mm512_loadu_ps(w[r].add(c)) };
                            for i in 0..4 {
                                acc[r][i] = _mm512_fmadd_ps(wv, xv[i], acc[r][i]);
                            }
                        }
                    }
                    for (r, sums) in acc.iter().enumerate() {
                        for (i, &sum) in sums.iter().enumerate().take(n) {
                            out[(t + i) * rows + o + r] =
                                _mm512_reduce_add_ps(sum) + self.bias[o + r];
                        }
                    }
                }
                t += n;
            }
        }
    }
}

/// `w · x` for four vectors `x` as long as `w`, a multiple of 8: one load of `w` for four
/// fused multiply-adds.
///
/// # Safety
/// The processor must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot4_avx2(w: &[f32], xs: [&[f32]; 4]) -> [f32; 4] {
    use std::arch::x86_64::*;
    assert!(w.len().is_multiple_of(8) && xs.iter().all(|x| x.len() == w.len()));
    let mut sums = [_mm256_setzero_ps(); 4];
    for c in (0..w.len()).step_by(8) {
        // SAFETY: c + 8 <= w.len() == x.len(), checked above.
        let wv = unsafe { _mm256_loadu_ps(w.as_ptr().add(c)) };
        for (sum, x) in sums.iter_mut().zip(xs) {
            let xv = unsafe { _mm256_loadu_ps(x.as_ptr().add(c)) };
            *sum = _mm256_fmadd_ps(wv, xv, *sum);
        }
    }
    sums.map(|sum| {
        let mut lanes = [0.0f32; 8];
        // SAFETY: `lanes` holds 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
        lanes.iter().sum()
    })
}

/// A dot product in eight lanes, which the compiler keeps in vector registers.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = (a_chunks.remainder().iter())
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_out: Linear,
    attention_norm: (Vec<f32>, Vec<f32>),
    feed_in: Linear,
    feed_out: Linear,
    out_norm: (Vec<f32>, Vec<f32>),
}

/// multilingual-e5-small, ready to embed.
pub struct Encoder {
    file: ModelFile,
    words: Tensor,
    positions: Vec<f32>,
    token_type: Vec<f32>,
    embedding_norm: (Vec<f32>, Vec<f32>),
    layers: Vec<Layer>,
}

impl Encoder {
    /// Unpack the model in `file`.
    pub fn new(file: ModelFile) -> Result<Encoder> {
        let bad = |reason: String| Error::BadModel {
            path: file.path.clone(),
            reason,
        };
        let h = file.hidden;
        let tensor = |name: &str, dtype: u8, elements: usize| -> Result<Tensor> {
            let t = *file
                .tensors
                .get(name)
                .ok_or_else(|| bad(format!("it has no tensor {name}")))?;
            let bytes = match dtype {
                0 => elements * 4,
                _ => elements / BLOCK * BLOCK_BYTES,
            };
            if t.dtype != dtype || t.elements as usize != elements || t.bytes as usize != bytes {
                return Err(bad(format!(
                    "tensor {name} is of type {} with {} values in {} bytes, not {elements}",
                    t.dtype, t.elements, t.bytes
                )));
            }
            Ok(t)
        };
        let floats = |name: &str, elements: usize| -> Result<Vec<f32>> {
            let t = tensor(name, 0, elements)?;
            Ok(file.bytes[t.offset as usize..(t.offset + t.bytes) as usize]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
                .collect())
        };
        let linear = |name: &str, rows: usize, columns: usize| -> Result<Linear> {
            if !columns.is_multiple_of(BLOCK) {
                return Err(bad(format!("{name} has rows of {columns} values")));
            }
            let t = tensor(&format!("{name}.w"), 1, rows * columns)?;
            let mut weights = vec![0.0; rows * columns];
            unpack(&file.bytes[t.offset as usize..], &mut weights);
            Ok(Linear {
                weights,
                bias: floats(&format!("{name}.b"), rows)?,
                rows,
                columns,
            })
        };
        let norm = |name: &str| -> Result<(Vec<f32>, Vec<f32>)> {
            Ok((
                floats(&format!("{name}.w"), h)?,
                floats(&format!("{name}.b"), h)?,
            ))
        };
        let words = tensor("emb.word", 1, file.vocabulary * h)?;
        let positions = floats("emb.pos", file.max_positions * h)?;
        let token_type = floats("emb.type", file.token_types * h)?[..h].to_vec();
        let embedding_norm = norm("emb.ln")?;
        let mut layers = Vec::with_capacity(file.layers);
        for l in 0..file.layers {
            let ff = file.feed_forward;
            layers.push(Layer {
                query: linear(&format!("l{l}.q"), h, h)?,
                key: linear(&format!("l{l}.k"), h, h)?,
                value: linear(&format!("l{l}.v"), h, h)?,
                attention_out: linear(&format!("l{l}.ao"), h, h)?,
                attention_norm: norm(&format!("l{l}.aln"))?,
                feed_in: linear(&format!("l{l}.fi"), ff, h)?,
                feed_out: linear(&format!("l{l}.fo"), h, ff)?,
                out_norm: norm(&format!("l{l}.oln"))?,
            });
        }
        if file.tokenizer.len() > file.vocabulary {
            return Err(bad("more pieces than word embeddings".into()));
        }
        Ok(Encoder {
            file,
            words,
            positions,
            token_type,
            embedding_norm,
            layers,
        })
    }

    /// The model file this encoder was made from.
    pub fn file(&self) -> &ModelFile {
        &self.file
    }

    /// The embedding of `text` as a query (`query: ` in front) or a passage (`passage: `): 384
    /// values of length 1.
    pub fn embed(&self, text: &str, query: bool) -> Vec<f32> {
        let prefix = if query { "query: " } else { "passage: " };
        let tokens = self.file.tokenizer.encode(&format!("{prefix}{text}"));
        let h = self.file.hidden;
        let window = self.file.max_positions - 2;
        let mut sum = vec![0.0f32; h];
        let mut weight = 0.0f32;
        let chunks: Vec<&[u32]> = match tokens.is_empty() {
            true => vec![&[]],
            false => tokens.chunks(window).collect(),
        };
        for chunk in chunks {
            let tokenizer = &self.file.tokenizer;
            let ids: Vec<u32> = [tokenizer.bos]
                .into_iter()
                .chain(chunk.iter().copied())
                .chain([tokenizer.eos])
                .collect();
            let hidden = self.forward(&ids);
            let w = chunk.len().max(1) as f32;
            let n = ids.len() as f32;
            for t in 0..ids.len() {
                for (s, x) in sum.iter_mut().zip(&hidden[t * h..(t + 1) * h]) {
                    *s += w * x / n;
                }
            }
            weight += w;
        }
        for s in &mut sum {
            *s /= weight;
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        sum.iter()
            .map(|x| x / norm.max(f32::MIN_POSITIVE))
            .collect()
    }

    /// The last layer's hidden states of `ids` (at most the model's positions), a row of 384
    /// values per token. The attention, LayerNorm and GELU loops are compiled for AVX-512 or
    /// AVX2 too, and the widest the processor has runs (the matrix products choose their
    /// own kernels).
    fn forward(&self, ids: &[u32]) -> Vec<f32> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the processor has AVX-512F, checked just above.
                return unsafe { self.forward_avx512(ids) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2, checked just above.
                return unsafe { self.forward_avx2(ids) };
            }
        }
        self.forward_portable(ids)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn forward_avx512(&self, ids: &[u32]) -> Vec<f32> {
        self.forward_portable(ids)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn forward_avx2(&self, ids: &[u32]) -> Vec<f32> {
        self.forward_portable(ids)
    }

    #[inline(always)]
    fn forward_portable(&self, ids: &[u32]) -> Vec<f32> {
        let (h, tokens) = (self.file.hidden, ids.len());
        let heads = self.file.heads;
        let head = h / heads;
        let epsilon = self.file.layer_norm_epsilon;
        let row_bytes = h / BLOCK * BLOCK_BYTES;
        let mut x = vec![0.0f32; tokens * h];
        for (t, &id) in ids.iter().enumerate() {
            let start = self.words.offset as usize + id as usize * row_bytes;
            let row = &mut x[t * h..(t + 1) * h];
            unpack(&self.file.bytes[start..start + row_bytes], row);
            let position = &self.positions[t * h..(t + 1) * h];
            for ((x, p), y) in row.iter_mut().zip(position).zip(&self.token_type) {
                *x += p + y;
            }
        }
        layer_norm(&mut x, None, &self.embedding_norm, h, epsilon);
        let scale = 1.0 / (head as f32).sqrt();
        let mut scores = vec![0.0f32; tokens];
        for layer in &self.layers {
            let q = layer.query.apply(&x, tokens);
            let k = layer.key.apply(&x, tokens);
            let v = layer.value.apply(&x, tokens);
            let mut context = vec![0.0f32; tokens * h];
            // Keys and values of a head transposed (a row per dimension, a column per
            // token), so that the loops over tokens run along contiguous memory.
            let mut keys = vec![0.0f32; head * tokens];
            let mut values = vec![0.0f32; head * tokens];
            for a in 0..heads {
                for s in 0..tokens {
                    for d in 0..head {
                        keys[d * tokens + s] = k[s * h + a * head + d];
                        values[d * tokens + s] = v[s * h + a * head + d];
                    }
                }
                for t in 0..tokens {
                    let qh = &q[t * h + a * head..][..head];
                    scores.fill(0.0);
                    for (d, &qd) in qh.iter().enumerate() {
                        let column = &keys[d * tokens..(d + 1) * tokens];
                        for (score, &kd) in scores.iter_mut().zip(column) {
                            *score += qd * kd;
                        }
                    }
                    let most = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max) * scale;
                    let mut total = 0.0;
                    for score in &mut scores {
                        *score = (*score * scale - most).exp();
                        total += *score;
                    }
                    let out = &mut context[t * h + a * head..][..head];
                    for (d, o) in out.iter_mut().enumerate() {
                        *o = dot(&scores, &values[d * tokens..(d + 1) * tokens]) / total;
                    }
                }
            }
            let attended = layer.attention_out.apply(&context, tokens);
            layer_norm(&mut x, Some(&attended), &layer.attention_norm, h, epsilon);
            let mut middle = layer.feed_in.apply(&x, tokens);
            for m in &mut middle {
                *m = 0.5 * *m * (1.0 + erf(*m * std::f32::consts::FRAC_1_SQRT_2));
            }
            let out = layer.feed_out.apply(&middle, tokens);
            layer_norm(&mut x, Some(&out), &layer.out_norm, h, epsilon);
        }
        x
    }
}

/// The error function, as a rational function of `x` on [-4, 4] (beyond, ±1 in `f32`): the
/// approximation of Eigen's `generic_fast_erf_float`, within 5e-7 of the exact value (4 units in the last place)
/// (tested against libm's `erff`), and plain arithmetic, so that the GELU loop is vectorised
/// (the exact `erff` took a tenth of the encoder's time).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = p * x2 + -2.101_024e-6;
    p = p * x2 + -5.692_506_4e-5;
    p = p * x2 + -7.349_906_3e-4;
    p = p * x2 + -2.954_600_1e-3;
    p = p * x2 + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = q * x2 + -1.682_827e-3;
    q = q * x2 + -7.373_329_2e-3;
    q = q * x2 + -1.426_474e-2;
    x * p / q
}

/// `x = LayerNorm(x + added)` row by row.
#[inline(always)]
fn layer_norm(
    x: &mut [f32],
    added: Option<&[f32]>,
    (w, b): &(Vec<f32>, Vec<f32>),
    h: usize,
    epsilon: f32,
) {
    for (t, row) in x.chunks_exact_mut(h).enumerate() {
        if let Some(added) = added {
            for (x, a) in row.iter_mut().zip(&added[t * h..(t + 1) * h]) {
                *x += a;
            }
        }
        let mean = row.iter().sum::<f32>() / h as f32;
        let variance = row.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / h as f32;
        let inverse = 1.0 / (variance + epsilon).sqrt();
        for ((x, w), b) in row.iter_mut().zip(w).zip(b) {
            *x = (*x - mean) * inverse * w + b;
        }
    }
}

/// Unpack 4-bit blocks from `bytes` into `out` (a whole number of blocks).
fn unpack(bytes: &[u8], out: &mut [f32]) {
    for (block, values) in bytes
        .chunks_exact(BLOCK_BYTES)
        .zip(out.chunks_exact_mut(BLOCK))
    {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        for (j, &byte) in block[2..].iter().enumerate() {
            values[j] = (f32::from(byte & 0x0F) - 8.0) * scale;
            values[j + 16] = (f32::from(byte >> 4) - 8.0) * scale;
        }
    }
}

/// An IEEE half-precision value as `f32`.
fn f16_to_f32(half: u16) -> f32 {
    let sign = u32::from(half >> 15) << 31;
    let exponent = u32::from((half >> 10) & 0x1F);
    let mantissa = u32::from(half & 0x3FF);
    let bits = match (exponent, mantissa) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: the value is mantissa × 2⁻²⁴.
            let value = mantissa as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -value } else { value };
        }
        (31, _) => sign | 0x7F80_0000 | (mantissa << 13),
        _ => sign | ((exponent + 127 - 15) << 23) | (mantissa << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_and_blocks_unpack() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        let mut block = vec![0x00, 0x38]; // scale 0.5
        block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let mut out = [0.0f32; 32];
        unpack(&block, &mut out);
        assert_eq!(out[0], -4.0); // (0 - 8) × 0.5
        assert_eq!(out[15], 3.5); // (15 - 8) × 0.5
        assert_eq!(out[16], 3.5); // high nibble of byte 0 is 15
        assert_eq!(out[31], -4.0);
    }

    #[test]
    fn the_fast_error_function_is_within_5e7_of_the_exact_one() {
        let mut worst = 0.0f32;
        for i in -100_000..=100_000 {
            let x = i as f32 * 1e-4; // -10 to 10
            worst = worst.max((erf(x) - libm::erff(x)).abs());
        }
        assert!(worst < 5e-7, "{worst}");
    }

    /// Every kernel the processor runs gives the portable kernel's products, for any number
    /// of tokens (whole and partial groups of four).
    #[test]
    fn every_kernel_computes_the_same_products() {
        let (rows, columns) = (48, 96);
        let value = |i: usize| ((i * 7919 % 1009) as f32 - 504.0) / 1009.0;
        let linear = Linear {
            weights: (0..rows * columns).map(value).collect(),
            bias: (0..rows).map(|i| value(i * 31)).collect(),
            rows,
            columns,
        };
        let kernels = linear.kernels();
        assert_eq!(kernels.last(), Some(&Kernel::Portable));
        for tokens in [1, 3, 4, 7, 9] {
            let input: Vec<f32> = (0..tokens * columns).map(|i| value(i * 13 + 5)).collect();
            let expected = linear.apply_on(Kernel::Portable, &input, tokens);
            for &kernel in &kernels {
                let got = linear.apply_on(kernel, &input, tokens);
                for (g, e) in got.iter().zip(&expected) {
                    assert!(
                        (g - e).abs() < 1e-4,
                        "{kernel:?}, {tokens} tokens: {g} against {e}"
                    );
                }
            }
        }
        eprintln!("kernels here: {kernels:?}");
    }

    #[test]
    fn dot_products_of_any_length() {
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        assert_eq!(dot(&a, &a), (0..19).map(|i| (i * i) as f32).sum::<f32>());
    }
}
