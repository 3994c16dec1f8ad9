//! # declsearch
//!
//! Bilingual (Chinese + English) passage search for declarations, communiqués and initiatives,
//! on [tantivy] and [jieba-rs](jieba_rs).
//!
//! Users type simplified Chinese, traditional Chinese or English; documents may be in either
//! script, carry pinyin artifacts from bad conversions (`倡導(dǎo)`), and mix languages. The
//! pipeline, one module a stage:
//!
//! [`text`] (decode; [`cleanup`](text::cleanup) with an offset map) → [`corpus`] (files,
//! formats, [`passage`](corpus::passage)s) → [`analysis`] (fold, segment, stem) → [`index`]
//! (schema, tokenizers, generations, the writer) → [`query`] (clauses and their units;
//! pinyin and cross-lingual expansion) → [`search`] (the [`Plan`](search::Plan) that runs
//! and explains, ranking, [`highlight`](search::highlight)s on the original text).
//!
//! ```
//! use declsearch::{Index, SearchOptions};
//! # fn main() -> declsearch::Result<()> {
//! # let tmp = tempfile::tempdir().unwrap();
//! # let corpus = tmp.path().join("corpus");
//! # std::fs::create_dir(&corpus).unwrap();
//! # std::fs::write(corpus.join("decl.txt"), "推動上合組織發(fā)展。\nThe SCO promotes development.\n").unwrap();
//! let (index, _built) = Index::open_or_build(&tmp.path().join("index"), &[corpus])?;
//! let hits = index.search("上合组织", &SearchOptions::default())?;
//! assert_eq!(hits[0].passage, 1);
//! let (start, end) = hits[0].highlights[0];
//! assert_eq!(&hits[0].text[start..end], "上合組織");
//! # Ok(())
//! # }
//! ```

pub mod analysis;
pub mod corpus;
mod error;
pub mod index;
pub mod query;
pub mod search;
pub mod semantic;
pub mod text;

pub use analysis::{Analyzer, UserDict};
pub use error::{Error, Result};
pub use index::{Index, Manifest, Observer, UpdateOptions, UpdateReport};
pub use query::Query;
pub use search::counterpart::Counterpart;
pub use search::{Hit, SearchOptions, Searcher};
pub use text::Lang;
