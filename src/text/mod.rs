//! Text as it comes: decoding bytes, cleaning up conversion artifacts with an offset map,
//! telling Han characters and languages apart. A leaf: it depends on nothing else in the
//! crate, so every other stage can build on it without import cycles.

pub mod cleanup;
mod decode;
mod lang;

pub use cleanup::{clean, is_han, CleanText};
pub use decode::{decode, Decoded, Decoding, Markup, Undecodable};
/// Text encodings (encoding_rs): `Encoding::for_label(b"gbk")` names one for [`Decoding`].
pub use encoding_rs::Encoding;
pub use lang::{han_share, Lang};
