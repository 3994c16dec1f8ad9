//! `declsearch index`: incremental runs, full rebuilds, formats, bad files, the user
//! dictionary, the writer lock, and what survives SIGKILL.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{
    highlighted, passages, shared_dir, shipped_declaration, sorted, Run, Workspace,
};
use declsearch::Lang;
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Summary {
    added: u64,
    updated: u64,
    removed: u64,
    unchanged: u64,
    skipped: u64,
    documents: u64,
    passages: u64,
    seconds: f64,
}

/// (added, updated, removed, unchanged, skipped, documents, passages)
type Counts = (u64, u64, u64, u64, u64, u64, u64);

fn summary(run: &Run) -> Summary {
    let mut lines = run.stdout.lines();
    let summary = serde_json::from_str(lines.next().expect("a summary line")).expect("summary");
    assert_eq!(lines.next(), None, "exactly one object on stdout");
    summary
}

fn counts(s: &Summary) -> Counts {
    (
        s.added,
        s.updated,
        s.removed,
        s.unchanged,
        s.skipped,
        s.documents,
        s.passages,
    )
}

fn index(ws: &Workspace, extra: &[&str]) -> (Summary, Run) {
    let mut args = vec!["index", "--json"];
    args.extend_from_slice(extra);
    let run = ws.run(&args);
    (summary(&run), run)
}

fn current(ws: &Workspace) -> String {
    std::fs::read_to_string(ws.index().join("CURRENT")).expect("CURRENT")
}

fn declaration() -> Vec<u8> {
    std::fs::read(shipped_declaration()).expect("shipped declaration")
}

#[test]
fn add_change_delete_and_rename_between_runs() {
    let ws = Workspace::with_declaration();
    ws.add_file("notes/a.txt", "友城合作是重點。".as_bytes());
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(counts(&s), (2, 0, 0, 0, 0, 2, 11));
    assert!(
        run.stderr.contains("2 added"),
        "a human summary: {}",
        run.stderr
    );

    let generation = current(&ws);
    let (s, _) = index(&ws, &[]);
    assert_eq!(counts(&s), (0, 0, 0, 2, 0, 2, 11));
    assert_eq!(current(&ws), generation, "no change, no new generation");

    ws.add_file("notes/a.txt", "減貧合作。\n\n第二段:友城。".as_bytes());
    ws.add_file("b.md", "# 新倡議\n加強減貧交流。\n".as_bytes());
    let (s, _) = index(&ws, &[]);
    assert_eq!(counts(&s), (1, 1, 0, 1, 0, 3, 13));
    let (hits, _) = ws.search("减贫", &[]);
    let docs: Vec<_> = hits.iter().map(|h| (h.doc.as_str(), h.passage)).collect();
    assert!(
        docs.contains(&("notes/a", 1)) && docs.contains(&("b", 1)),
        "{docs:?}"
    );
    let (hits, _) = ws.search("\"友城合作\"", &[]);
    assert!(
        hits.iter().all(|h| h.doc != "notes/a"),
        "the old version is gone"
    );

    std::fs::rename(ws.corpus().join("b.md"), ws.corpus().join("c.md")).unwrap();
    std::fs::remove_file(ws.corpus().join("notes/a.txt")).unwrap();
    let (s, _) = index(&ws, &[]);
    assert_eq!(counts(&s), (1, 0, 2, 1, 0, 2, 11));
    let (hits, _) = ws.search("减贫", &[]);
    let docs: Vec<_> = hits.iter().map(|h| h.doc.as_str()).collect();
    assert_eq!(sorted(passages(&hits)).len(), 2);
    assert!(docs.contains(&"c") && !docs.contains(&"b") && !docs.contains(&"notes/a"));

    let (s, _) = index(&ws, &["--full"]);
    assert_eq!(counts(&s), (0, 0, 0, 2, 0, 2, 11));
    assert_ne!(current(&ws), generation);
}

#[test]
fn a_bad_file_is_skipped_named_and_its_old_version_kept() {
    let ws = Workspace::with_declaration();
    ws.add_file("extra.txt", "友城合作。".as_bytes());
    assert_eq!(index(&ws, &[]).1.code, 0);

    ws.add_file("extra.txt", crate::common::BINARY_FROM_LINE_2);
    ws.add_file("new.txt", "減貧合作。".as_bytes());
    ws.add_file("old.doc", b"\xd0\xcf\x11\xe0 a legacy Word file");
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 2, "a failed file makes the run exit 2");
    assert_eq!(counts(&s), (1, 0, 0, 1, 2, 3, 12));
    assert!(
        run.stderr.contains("extra.txt") && run.stderr.contains("not UTF-8"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("old.doc") && run.stderr.contains("warning"),
        "{}",
        run.stderr
    );
    let (hits, _) = ws.search("友城合作", &[]);
    assert!(
        hits.iter().any(|h| h.doc == "extra"),
        "previous version still indexed"
    );
    let (hits, _) = ws.search("减贫合作", &[]);
    assert!(
        hits.iter().any(|h| h.doc == "new"),
        "the rest was committed"
    );

    let (s, run) = index(&ws, &["--full"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        (s.documents, s.passages),
        (3, 12),
        "a full run carries the old version over"
    );
    let (hits, _) = ws.search("友城合作", &[]);
    assert!(hits.iter().any(|h| h.doc == "extra"));

    std::fs::remove_file(ws.corpus().join("extra.txt")).unwrap();
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0, "an unsupported file is only a warning");
    assert_eq!((s.removed, s.skipped), (1, 1));
}

#[test]
fn formats_and_language_tags() {
    let ws = Workspace::empty();
    ws.add_file(
        "page.html",
        "<html><head><title>x</title><script>var 減貧=1;</script></head><body>\n<h1>青島倡議</h1>\n<p>加強<b>減貧</b>交流</p></body></html>".as_bytes(),
    );
    ws.add_file(
        "notes.zh-Hant.md",
        "# Title\n\n**SCO** 減貧合作\n".as_bytes(),
    );
    ws.add_file("summary.en.txt", "減貧 poverty reduction".as_bytes());
    ws.add_file(
        "records.jsonl",
        "{\"id\":\"r1\",\"title\":\"t\",\"text\":\"減貧事業\"}\n{\"id\":2,\"text\":\"poverty\",\"lang\":\"en\"}\n".as_bytes(),
    );
    ws.add_file(
        "rows.tsv",
        "code\tzh\ten\nK1\t減貧工作\tPoverty work\n".as_bytes(),
    );
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((s.added, s.documents), (5, 7));

    let (hits, _) = ws.search("减贫", &["--limit", "20"]);
    let mut found: Vec<(String, u32, u32, Lang)> = hits
        .iter()
        .map(|h| (h.doc.clone(), h.passage, h.line, h.lang))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("K1".into(), 1, 2, Lang::Zh),
            ("notes".into(), 1, 1, Lang::Zh),
            ("page".into(), 1, 2, Lang::Zh),
            ("r1".into(), 1, 1, Lang::Zh),
            ("summary".into(), 1, 1, Lang::En),
        ]
    );
    let page = hits.iter().find(|h| h.doc == "page").unwrap();
    assert_eq!(
        (page.text.as_str(), highlighted(page)),
        ("青島倡議\n加強減貧交流", vec!["減貧"]),
        "the heading stays with the paragraph under it"
    );

    let (hits, _) = ws.search("poverty", &["--lang", "en"]);
    let mut docs: Vec<_> = hits.iter().map(|h| h.doc.as_str()).collect();
    docs.sort_unstable();
    assert_eq!(docs, ["2", "K1", "summary"]);
}

#[test]
#[ignore = "needs ../shared/data"]
fn the_evaluation_corpora_index_as_they_are() {
    let shared = shared_dir();
    let ws = Workspace::empty();
    let xquad = shared.join("data/xquad/xquad-zh.corpus.jsonl");
    ws.add_file("xquad-zh.corpus.jsonl", &std::fs::read(xquad).unwrap());

    // The first 3000 rows of the twlaw parallel TSV, header included, unchanged.
    let gz = std::fs::File::open(shared.join("data/twlaw/articles_parallel.tsv.gz")).unwrap();
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(gz));
    let mut head = String::new();
    for line in reader.lines().take(3001) {
        head.push_str(&line.unwrap());
        head.push('\n');
    }
    ws.add_file("articles_parallel.tsv", head.as_bytes());

    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(s.added, 2);
    assert_eq!(
        s.documents,
        240 + 2 * 3000,
        "xquad records + a zh and an en document a row"
    );

    let (hits, _) = ws.search("中華民國之主權", &["--limit", "1"]);
    assert_eq!(hits[0].doc, "A0000001:2");
    assert_eq!(hits[0].line, 3);
    let (hits, _) = ws.search("sovereignty", &["--limit", "1"]);
    assert_eq!(
        (hits[0].doc.as_str(), hits[0].lang),
        ("A0000001:2", Lang::En)
    );
    let (hits, _) = ws.search("黑豹队", &["--limit", "1"]);
    assert!(hits[0].doc.starts_with("p0_"), "{:?}", hits[0].doc);
}

#[test]
fn a_user_dictionary_is_recorded_and_changing_it_needs_full() {
    let ws = Workspace::with_declaration();
    let dict = ws.root.path().join("domain.dict");
    std::fs::write(&dict, "上合組織 100 nt\n命运共同体\n友城\n").unwrap();
    let dict_arg = dict.to_str().unwrap();
    let (_, run) = index(&ws, &["--dict", dict_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // The search uses the recorded dictionary (a mismatch would be refused).
    let (hits, run) = ws.search("上合组织", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(sorted(passages(&hits)), [1, 2, 4, 5, 6, 7, 8, 9]);
    let index = declsearch::Index::open(&ws.index()).unwrap();
    let query = declsearch::Query::parse("上合組織", index.analyzer()).unwrap();
    assert_eq!(
        query.clauses[0].terms,
        [(0, "上合组织".to_owned())],
        "one dictionary word"
    );

    std::fs::write(&dict, "上合組織\n").unwrap();
    let run = ws.run(&["index", "--dict", dict_arg]);
    run.assert_error(&["declsearch index --full"]);
    assert_eq!(index_run_code(&ws, &["--full", "--dict", dict_arg]), 0);
    assert_eq!(
        index_run_code(&ws, &[]),
        0,
        "later runs keep the recorded dictionary"
    );

    std::fs::write(&dict, "上合組織 often\n").unwrap();
    ws.run(&["index", "--full", "--dict", dict_arg])
        .assert_error(&["domain.dict:1", "often"]);
}

fn index_run_code(ws: &Workspace, extra: &[&str]) -> i32 {
    let mut args = vec!["index"];
    args.extend_from_slice(extra);
    let run = ws.run(&args);
    assert!(!run.stderr.contains("panicked"));
    run.code
}

#[test]
fn a_second_writer_waits_for_the_lock() {
    let ws = Workspace::with_declaration();
    assert_eq!(index_run_code(&ws, &[]), 0);
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(ws.index().join(".declsearch.lock"))
        .unwrap();
    lock.lock().unwrap();

    ws.add_file("more.txt", "減貧合作。".as_bytes());
    let mut child = Command::new(env!("CARGO_BIN_EXE_declsearch"))
        .args(["index", "--json"])
        .current_dir(ws.root.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.try_wait().unwrap().is_none(),
        "it waits while the lock is held"
    );
    let (hits, _) = ws.search("减贫", &[]);
    assert_eq!(passages(&hits), [8], "searches go on meanwhile");
    lock.unlock().unwrap();
    let run = Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("waiting"), "{}", run.stderr);
    assert_eq!(summary(&run).added, 1);
}

/// A corpus big enough that indexing it takes a few seconds in a debug build.
fn large_workspace(files: usize) -> Workspace {
    let ws = Workspace::empty();
    let text = declaration();
    for i in 0..files {
        ws.add_file(&format!("batch/decl-{i:04}.txt"), &text);
    }
    ws
}

#[test]
fn sigkill_at_any_moment_leaves_the_old_or_the_new_index_whole() {
    let ws = large_workspace(3000);
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0);
    assert_eq!(s.passages, 30_000);
    assert!(!run.stderr.contains('\r'), "no progress bar when piped");

    let text = String::from_utf8(declaration()).unwrap();
    let delays = [10u64, 60, 150, 300, 500, 800, 1200];
    let mut killed_before_publish = 0;
    for (round, delay_ms) in delays.into_iter().enumerate() {
        // A third of the files change: a run that publishes shows the round's marker in all
        // of them, one that does not in none.
        for i in 0..1000 {
            let marked = format!("{text}\n\nroundmarker{round} file {i}");
            ws.add_file(&format!("batch/decl-{i:04}.txt"), marked.as_bytes());
        }
        let mode: &[&str] = if round % 2 == 0 {
            &["index"]
        } else {
            &["index", "--full"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_declsearch"))
            .args(mode)
            .current_dir(ws.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();

        let marker = format!("roundmarker{round}");
        let (hits, run) = ws.search(&marker, &["--limit", "2000"]);
        assert!(
            run.code <= 1,
            "after a kill at {delay_ms} ms: {}",
            run.stderr
        );
        assert!(
            hits.is_empty() || hits.len() == 1000,
            "after a kill at {delay_ms} ms, {} passages have the marker",
            hits.len()
        );
        if hits.is_empty() {
            killed_before_publish += 1;
        }
        let (hits, run) = ws.search("上合组织", &["--limit", "100"]);
        assert_eq!((run.code, hits.len()), (0, 100), "the index answers");
    }
    // A kill that always landed after the publish would check nothing.
    assert!(
        killed_before_publish >= 2,
        "only {killed_before_publish} of {} kills landed before the publish",
        delays.len()
    );
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0);
    // A marked file has blank lines now: two passages (the declaration block, the marker).
    assert_eq!(
        (s.documents, s.passages),
        (3000, 2 * 1000 + 10 * 2000),
        "a rerun converges"
    );
    let last = format!("roundmarker{}", delays.len() - 1);
    assert_eq!(ws.search(&last, &["--limit", "2000"]).0.len(), 1000);
}

#[test]
fn searches_keep_answering_while_the_index_is_rebuilt() {
    let ws = large_workspace(150);
    assert_eq!(index_run_code(&ws, &[]), 0);
    let writer = {
        let root = ws.root.path().to_path_buf();
        std::thread::spawn(move || {
            for _ in 0..3 {
                let status = Command::new(env!("CARGO_BIN_EXE_declsearch"))
                    .args(["index", "--full"])
                    .current_dir(&root)
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success());
            }
        })
    };
    let mut searches = 0;
    while !writer.is_finished() {
        let (hits, run) = ws.search("减贫", &["--limit", "500"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(hits.len(), 150);
        searches += 1;
    }
    writer.join().unwrap();
    assert!(searches > 0);
}

/// Several `index` processes at once (incremental and `--full`), while threads of this process
/// search through indexes they opened before and reopen: every search answers in full, every
/// writer succeeds (they take turns), and the index ends in the right state.
#[test]
fn concurrent_writers_and_searching_threads_never_fail_or_corrupt() {
    use declsearch::{Index, SearchOptions};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let ws = large_workspace(150);
    assert_eq!(index_run_code(&ws, &[]), 0);
    let dir = ws.index();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|reader| {
            let (dir, done) = (dir.clone(), done.clone());
            std::thread::spawn(move || {
                let held = Index::open(&dir).expect("the index opens");
                let options = SearchOptions {
                    limit: 500,
                    ..SearchOptions::default()
                };
                let mut searches = 0;
                while !done.load(Ordering::Relaxed) || searches == 0 {
                    // One reader keeps the index it opened first; the others reopen each time.
                    let fresh;
                    let index = if reader == 0 {
                        &held
                    } else {
                        fresh = Index::open(&dir).expect("the index opens during writes");
                        &fresh
                    };
                    let hits = index.search("减贫", &options).expect("a search answers");
                    assert!(hits.len() >= 150, "{} hits", hits.len());
                    searches += 1;
                }
                searches
            })
        })
        .collect();

    let text = String::from_utf8(declaration()).unwrap();
    for round in 0..3 {
        for i in 0..50 {
            ws.add_file(
                &format!("batch/extra-{round}-{i}.txt"),
                format!("{text}\n\n減貧 round {round}").as_bytes(),
            );
        }
        let writers: Vec<_> = [&["index"][..], &["index", "--full"], &["index"]]
            .into_iter()
            .map(|args| {
                Command::new(env!("CARGO_BIN_EXE_declsearch"))
                    .args(args)
                    .current_dir(ws.root.path())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for writer in writers {
            let run = Run::from(writer.wait_with_output().unwrap());
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
    }
    done.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.join().expect("no reader panicked") > 0);
    }
    let (s, run) = index(&ws, &[]);
    assert_eq!(run.code, 0);
    assert_eq!(
        (s.added, s.updated, s.removed),
        (0, 0, 0),
        "nothing left to do"
    );
    // An extra file has blank lines: two passages (the declaration block, the marker), both
    // with 減貧.
    assert_eq!((s.documents, s.passages), (300, 150 * 10 + 150 * 2));
    assert_eq!(
        ws.search("减贫", &["--limit", "1000"]).0.len(),
        150 + 150 * 2
    );
}

/// A file's key is its path under the corpus root, however the root is typed and wherever the
/// corpus folder moves: no run re-adds what did not change.
#[test]
fn file_keys_do_not_depend_on_how_or_where_the_corpus_is_given() {
    let ws = Workspace::with_declaration();
    ws.add_file("sub/more.txt", "友城合作的新篇章。".as_bytes());
    let (s, run) = index(&ws, &[]);
    assert_eq!((run.code, s.added), (0, 2), "{}", run.stderr);
    let absolute = ws.corpus().display().to_string();
    let link = ws.root.path().join("linked");
    std::os::unix::fs::symlink(ws.corpus(), &link).unwrap();
    let linked = link.display().to_string();
    for typed in ["./corpus", "corpus/", absolute.as_str(), linked.as_str()] {
        let (s, run) = index(&ws, &["--corpus", typed]);
        assert_eq!(run.code, 0, "{typed}: {}", run.stderr);
        assert_eq!((s.added, s.removed, s.unchanged), (0, 0, 2), "{typed}");
    }
    let moved = ws.root.path().join("moved-away");
    std::fs::rename(ws.corpus(), &moved).unwrap();
    let moved = moved.display().to_string();
    let (s, _) = index(&ws, &["--corpus", &moved]);
    assert_eq!(
        (s.added, s.removed, s.unchanged),
        (0, 0, 2),
        "a moved corpus"
    );
    let (hits, _) = ws.search("新篇章", &["--corpus", &moved]);
    assert_eq!(hits[0].path, "sub/more.txt");

    // Two roots holding one path: the second is named, not silently merged.
    let twin = ws.root.path().join("twin");
    std::fs::create_dir_all(twin.join("sub")).unwrap();
    std::fs::write(twin.join("sub/more.txt"), "另一份文件。").unwrap();
    let twin = twin.display().to_string();
    let run = ws.run(&["index", "--corpus", &moved, "--corpus", &twin]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("same path"), "{}", run.stderr);
}

/// The stress test: for a bounded time, 3 writer processes (two incremental, one `--full`)
/// index a corpus that keeps changing (files rewritten with new versions, one deleted and
/// restored), while 8 threads open the index afresh and search it. Every search must show a
/// state a writer could have published: each file's passages all of one whole version (or none
/// for a deleted file), never two versions, never a torn one, and never older than what the
/// same thread saw before (a publish only moves forward). The writers all succeed, and the last
/// run leaves the index equal to the corpus.
#[test]
fn stress_writers_and_searchers_see_only_published_states() {
    use declsearch::{Index, SearchOptions};
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    const FILES: usize = 8;
    const DELETED: usize = 7;
    let ws = Workspace::empty();
    let staging = ws.root.path().join("staging");
    std::fs::create_dir(&staging).unwrap();
    // Version v of file k has 1 + v % 3 passages; a version of the deleted file that is odd
    // is its absence. Files change by rename, as an editor saves them.
    let passages_of = |k: usize, v: usize| {
        if k == DELETED && v % 2 == 1 {
            0
        } else {
            1 + v % 3
        }
    };
    let write = |k: usize, v: usize| {
        let target = ws.corpus().join(format!("f{k}.txt"));
        if passages_of(k, v) == 0 {
            let _ = std::fs::remove_file(&target);
            return;
        }
        let text: Vec<String> = (1..=passages_of(k, v))
            .map(|p| format!("f{k} v{v} p{p} 友城合作。"))
            .collect();
        let temp = staging.join(format!("f{k}.txt"));
        std::fs::write(&temp, text.join("\n\n")).unwrap();
        std::fs::rename(&temp, &target).unwrap();
    };
    let mut versions = [0usize; FILES];
    for (k, &v) in versions.iter().enumerate() {
        write(k, v);
    }
    assert_eq!(index_run_code(&ws, &[]), 0);

    let deadline = Instant::now() + Duration::from_secs(20);
    let done = Arc::new(AtomicBool::new(false));
    let states = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let searchers: Vec<_> = (0..8)
        .map(|_| {
            let (dir, done, states) = (ws.index(), done.clone(), states.clone());
            std::thread::spawn(move || {
                let options = SearchOptions {
                    limit: 1000,
                    ..SearchOptions::default()
                };
                let mut seen = [0usize; FILES];
                let mut searches = 0;
                while !done.load(Ordering::Relaxed) || searches == 0 {
                    let index = Index::open(&dir).expect("the index opens during writes");
                    let hits = index
                        .search("友城合作", &options)
                        .expect("a search answers");
                    let mut found: BTreeMap<usize, (usize, Vec<usize>)> = BTreeMap::new();
                    for hit in &hits {
                        let fields: Vec<usize> = hit
                            .text
                            .split(' ')
                            .take(3)
                            .map(|f| f[1..].parse().unwrap())
                            .collect();
                        let (k, v, p) = (fields[0], fields[1], fields[2]);
                        assert_eq!(hit.path, format!("f{k}.txt"), "{}", hit.text);
                        let entry = found.entry(k).or_insert((v, Vec::new()));
                        assert_eq!(entry.0, v, "two versions of f{k} in one answer");
                        entry.1.push(p);
                    }
                    let mut state = [usize::MAX; FILES];
                    for k in 0..FILES {
                        match found.get_mut(&k) {
                            Some((v, parts)) => {
                                parts.sort_unstable();
                                let whole: Vec<usize> = (1..=passages_of(k, *v)).collect();
                                assert_eq!(*parts, whole, "f{k} v{v} torn");
                                assert!(*v >= seen[k], "f{k} went back from v{} to v{v}", seen[k]);
                                seen[k] = *v;
                                state[k] = *v;
                            }
                            None => assert_eq!(k, DELETED, "f{k} missing from an answer"),
                        }
                    }
                    states.lock().unwrap().insert(state);
                    searches += 1;
                }
                searches
            })
        })
        .collect();

    let publishes = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = [&["index"][..], &["index", "--full"], &["index"]]
        .into_iter()
        .map(|args| {
            let (root, done, publishes) = (
                ws.root.path().to_path_buf(),
                done.clone(),
                publishes.clone(),
            );
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    let output = Command::new(env!("CARGO_BIN_EXE_declsearch"))
                        .args(args)
                        .current_dir(&root)
                        .output()
                        .unwrap();
                    let run = Run::from(output);
                    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
                    publishes.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();

    let mut step = 0usize;
    while Instant::now() < deadline {
        let k = step % FILES;
        versions[k] += 1;
        write(k, versions[k]);
        step += 1;
        std::thread::sleep(Duration::from_millis(15));
    }
    done.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("every writer succeeded");
    }
    let searches: usize = searchers
        .into_iter()
        .map(|s| s.join().expect("every search saw a published state"))
        .sum();
    let distinct = states.lock().unwrap().len();
    assert!(
        distinct >= 5,
        "searches saw only {distinct} states: nothing was tested"
    );
    eprintln!(
        "stress: {} writer runs, {step} corpus changes, {searches} searches, {distinct} states seen",
        publishes.load(Ordering::Relaxed)
    );

    assert_eq!(index_run_code(&ws, &[]), 0);
    let (hits, run) = ws.search("友城合作", &["--limit", "1000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected: usize = (0..FILES).map(|k| passages_of(k, versions[k])).sum();
    assert_eq!(
        hits.len(),
        expected,
        "the last run indexes the corpus as it is"
    );
    for hit in hits {
        let k: usize = hit.path[1..hit.path.len() - 4].parse().unwrap();
        assert!(
            hit.text.starts_with(&format!("f{k} v{} ", versions[k])),
            "{}",
            hit.text
        );
    }
}

/// A table over 8 MB is read in pieces, checked whole, then handed to the index writer a few
/// thousand rows at a time: it indexes as a small one does, and a bad row at its end (after
/// 20,000 good ones) leaves the version indexed before whole, none of the new rows added. The
/// same table in GB18030 (not read in pieces: it is decoded whole) indexes the same rows.
#[test]
fn a_big_table_streams_into_the_index_and_a_bad_last_row_keeps_the_old_version() {
    let ws = Workspace::empty();
    let filler = "友城合作，减贫交流，人文往来。".repeat(12);
    let table = |marker: &str, rows: usize| {
        let mut text = String::from("id\tzh\n");
        for i in 0..rows {
            text.push_str(&format!("r{i}\t{marker}{i} {filler}\n"));
        }
        text
    };
    let first = table("甲版", 20_000);
    assert!(first.len() > 8 << 20, "{} bytes", first.len());
    ws.add_file("big.tsv", first.as_bytes());
    let (s, run) = index(&ws, &[]);
    assert_eq!(
        (run.code, s.documents, s.passages),
        (0, 20_000, 20_000),
        "{}",
        run.stderr
    );
    let (hits, _) = ws.search("甲版", &["--limit", "30000"]);
    assert_eq!(hits.len(), 20_000);
    // Read in pieces of 4 MB cut at line ends: every row keeps its line.
    for hit in &hits {
        let row: u32 = hit.doc[1..].parse().unwrap();
        assert_eq!((hit.line, hit.lang), (row + 2, Lang::Zh), "{}", hit.doc);
    }

    let mut second = table("乙版", 20_000);
    second.push_str("r-bad\tonly\tthree cells\n");
    ws.add_file("big.tsv", second.as_bytes());
    for extra in [&[][..], &["--full"]] {
        let (s, run) = index(&ws, extra);
        assert_eq!(run.code, 2, "{extra:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("big.tsv") && run.stderr.contains("20002"),
            "{}",
            run.stderr
        );
        assert_eq!(s.passages, 20_000, "{extra:?}");
        assert_eq!(
            ws.search("甲版", &["--limit", "30000"]).0.len(),
            20_000,
            "{extra:?}"
        );
        assert!(
            ws.search("乙版", &[]).0.is_empty(),
            "{extra:?}: no new row was added"
        );
    }

    let third = table("丙版", 20_000);
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&third);
    assert!(!unmappable);
    ws.add_file("big.tsv", &gb);
    let (s, run) = index(&ws, &["--verbose"]);
    assert_eq!((run.code, s.passages), (0, 20_000), "{}", run.stderr);
    assert!(run.stderr.contains("tsv  GBK"), "{}", run.stderr);
    let (hits, _) = ws.search("丙版", &["--limit", "30000"]);
    assert_eq!(hits.len(), 20_000);
    assert!(ws.search("甲版", &[]).0.is_empty());
}
