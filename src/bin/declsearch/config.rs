//! Where the index and the corpus are, when the command line does not say: the flag, else
//! `DECLSEARCH_INDEX` / `DECLSEARCH_CORPUS`, else a `declsearch.toml` in the current folder or
//! the nearest folder above it (as cargo finds `Cargo.toml`), else `./index` and `./corpus`.
//!
//! ```toml
//! # declsearch.toml; paths are relative to this file's folder
//! index = "index"
//! corpus = "declarations"          # or a list: ["declarations", "communiques"]
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

pub const FILE_NAME: &str = "declsearch.toml";
pub const INDEX_ENV: &str = "DECLSEARCH_INDEX";
pub const CORPUS_ENV: &str = "DECLSEARCH_CORPUS";

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env(&'static str),
    File(PathBuf),
    Default,
}

impl Source {
    /// Whether the user said it (anything but the default).
    pub fn explicit(&self) -> bool {
        *self != Source::Default
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Source::Flag => write!(f, "command line"),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Default => write!(f, "default"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The index and corpus a command works on.
#[derive(Debug, Clone)]
pub struct Settings {
    pub index: Setting<PathBuf>,
    pub corpus: Setting<Vec<PathBuf>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    index: Option<PathBuf>,
    corpus: Option<Paths>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Paths {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Settings {
    /// Resolve the settings: `index` and `corpus` are what the flags gave.
    pub fn resolve(index: Option<PathBuf>, corpus: Vec<PathBuf>) -> anyhow::Result<Settings> {
        let cwd = std::env::current_dir().context("reading the current folder")?;
        let file = find_file(&cwd).map(|path| read_file(&path).map(|f| (path, f)));
        let file = file.transpose()?;
        let index = match (index, std::env::var_os(INDEX_ENV)) {
            (Some(value), _) => Setting {
                value,
                source: Source::Flag,
            },
            (None, Some(value)) if !value.is_empty() => Setting {
                value: value.into(),
                source: Source::Env(INDEX_ENV),
            },
            _ => match file
                .as_ref()
                .and_then(|(path, f)| Some((path, f.index.clone()?)))
            {
                Some((path, value)) => Setting {
                    value: beside(path, value),
                    source: Source::File(path.clone()),
                },
                None => Setting {
                    value: "index".into(),
                    source: Source::Default,
                },
            },
        };
        let corpus = match (corpus.is_empty(), std::env::var_os(CORPUS_ENV)) {
            (false, _) => Setting {
                value: corpus,
                source: Source::Flag,
            },
            (true, Some(value)) if !value.is_empty() => Setting {
                value: std::env::split_paths(&value).collect(),
                source: Source::Env(CORPUS_ENV),
            },
            _ => match file
                .as_ref()
                .and_then(|(path, f)| Some((path, f.corpus.as_ref()?)))
            {
                Some((path, paths)) => {
                    let paths = match paths {
                        Paths::One(one) => vec![one.clone()],
                        Paths::Many(many) => many.clone(),
                    };
                    Setting {
                        value: paths.into_iter().map(|p| beside(path, p)).collect(),
                        source: Source::File(path.clone()),
                    }
                }
                None => Setting {
                    value: vec!["corpus".into()],
                    source: Source::Default,
                },
            },
        };
        Ok(Settings { index, corpus })
    }
}

/// `declsearch.toml` in `dir` or the nearest folder above it.
fn find_file(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

fn read_file(path: &Path) -> anyhow::Result<File> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the settings file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "settings file {}: {}; it takes index = \"DIR\" and corpus = \"DIR\" or [\"DIR\", ...]",
            path.display(),
            e.message()
        )
    })
}

/// `value` relative to the folder of the settings file `file` (as given when absolute).
fn beside(file: &Path, value: PathBuf) -> PathBuf {
    match (value.is_absolute(), file.parent()) {
        (false, Some(dir)) => relative_to_cwd(&dir.join(value)),
        _ => value,
    }
}

/// `path` relative to the current folder when it lies below it (shorter to read, and the
/// same key for the corpus as when typed from here).
fn relative_to_cwd(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    match path.strip_prefix(&cwd) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}
