//! Shared helpers for integration tests: temporary corpora and indexes, and running the CLI.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use declsearch::Hit;

/// The shipped corpus file: the SCO Qingdao initiative, byte for byte the seed.
pub fn shipped_declaration() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/sco-qingdao-friendship-initiative.txt")
}

/// `../shared` beside the project (or `$DECLSEARCH_SHARED`): the seed and the data sets. Tests
/// that read it are `#[ignore = "needs ../shared/data"]`, so a plain `cargo test` leaves them
/// out and `--include-ignored` runs them; without the folder they fail saying so, never pass
/// having checked nothing.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("DECLSEARCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.join("data").is_dir(),
        "needs ../shared beside the project (the seed and the data sets): {} is absent",
        dir.display()
    );
    dir
}

/// A temporary workspace with a `corpus/` folder and room for an `index/`.
pub struct Workspace {
    pub root: tempfile::TempDir,
}

impl Workspace {
    pub fn empty() -> Workspace {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(root.path().join("corpus")).expect("corpus dir");
        Workspace { root }
    }

    /// A workspace whose corpus holds the shipped declaration.
    pub fn with_declaration() -> Workspace {
        let ws = Workspace::empty();
        ws.add_file(
            "sco-qingdao-friendship-initiative.txt",
            &std::fs::read(shipped_declaration()).expect("shipped corpus"),
        );
        ws
    }

    pub fn add_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.corpus().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("corpus subfolder");
        }
        std::fs::write(&path, bytes).expect("write corpus file");
        path
    }

    pub fn corpus(&self) -> PathBuf {
        self.root.path().join("corpus")
    }

    pub fn index(&self) -> PathBuf {
        self.root.path().join("index")
    }

    /// Run `declsearch ARGS` with this workspace as working directory (so the default
    /// `./corpus` and `./index` are its own).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_declsearch"))
            .args(args)
            .current_dir(self.root.path())
            .env_remove("NO_COLOR")
            .envs(env.iter().copied())
            .output()
            .expect("run declsearch");
        Run::from(output)
    }

    /// `declsearch search QUERY --json EXTRA...`, decoded.
    pub fn search(&self, query: &str, extra: &[&str]) -> (Vec<Hit>, Run) {
        let mut args = vec!["search", query, "--json"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        (run.hits(), run)
    }
}

/// What a CLI run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Run {
    /// stdout as JSON lines, each a typed hit.
    pub fn hits(&self) -> Vec<Hit> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    pub fn assert_error(&self, mentions: &[&str]) {
        assert_eq!(self.code, 2, "stderr: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout: {}", self.stdout);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        for m in mentions {
            assert!(
                self.stderr.contains(m),
                "stderr lacks {m:?}: {}",
                self.stderr
            );
        }
    }
}

/// Passage numbers of hits, in rank order.
pub fn passages(hits: &[Hit]) -> Vec<u32> {
    hits.iter().map(|h| h.passage).collect()
}

/// The highlighted parts of a hit's text.
pub fn highlighted(hit: &Hit) -> Vec<&str> {
    hit.highlights
        .iter()
        .map(|&(s, e)| &hit.text[s..e])
        .collect()
}

pub fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}
