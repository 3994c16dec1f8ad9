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

/// Bytes that are no text in any encoding: not UTF-8 from line 2 on, and full of control
/// characters in whatever legacy encoding a detector guesses (a binary file named `.txt`).
/// A stray non-UTF-8 byte in ASCII text is not enough: it reads as windows-1252.
pub const BINARY_FROM_LINE_2: &[u8] =
    b"first line\nsecond \xff\xfe\x00\x01\x02\x03\x04\x05\x06 line\n";

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

/// A `declsearch serve` process on a free loopback port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base: String,
    /// What the server printed before it listened, and then as it ran (read on drop only).
    pub startup: String,
}

impl Server {
    /// `declsearch serve --addr 127.0.0.1:0 EXTRA...` in `ws`, once it listens.
    pub fn start(ws: &Workspace, extra: &[&str]) -> Server {
        Self::start_with_env(ws, extra, &[])
    }

    /// [`Server::start`] with these environment variables set.
    pub fn start_with_env(ws: &Workspace, extra: &[&str], env: &[(&str, &str)]) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_declsearch"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .current_dir(ws.root.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start declsearch serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = std::io::BufReader::new(stderr).lines();
        let mut startup = String::new();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("declsearch serve ended before listening:\n{startup}");
            };
            startup.push_str(&line);
            startup.push('\n');
            if let Some(rest) = line.split("listening on ").nth(1) {
                let url = rest.split_whitespace().next().expect("an address");
                break url.trim_end_matches('/').to_owned();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base,
            startup,
        }
    }

    /// `GET path`: the status and the body decoded as JSON.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.request("GET", path)
    }

    /// `METHOD path`: the status and the body decoded as JSON (every API answer is JSON).
    pub fn request(&self, method: &str, path: &str) -> (u16, serde_json::Value) {
        let (status, _, body) = self.raw(method, path);
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{method} {path}: {status} not JSON ({e}): {body}"));
        (status, json)
    }

    /// `METHOD path`: status, content type and body as text.
    pub fn raw(&self, method: &str, path: &str) -> (u16, String, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(120)))
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let response = match method {
            "GET" => agent.get(&url).call(),
            "POST" => agent.post(&url).send_empty(),
            other => agent.run(
                ureq::http::Request::builder()
                    .method(other)
                    .uri(&url)
                    .body(())
                    .expect("request"),
            ),
        }
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .read_to_string()
            .unwrap_or_else(|e| panic!("{method} {url}: body: {e}"));
        (status, content_type, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `s` percent-encoded for a URL's query string.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
