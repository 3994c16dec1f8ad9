//! The command line as a researcher types it: queries as separate words, snippets and
//! totals, paging, the source file of each hit, `show`, settings, messages, Ctrl-C,
//! completions and the manual page. Each test is a failure a new user met.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{passages, shared_dir, sorted, Run, Workspace};

/// The UDHR as a pair of files (English HTML, simplified Chinese Markdown), both doc `udhr`.
fn udhr_workspace() -> Workspace {
    let shared = shared_dir();
    let ws = Workspace::with_declaration();
    let english = std::fs::read_to_string(shared.join("data/udhr/udhr_eng.txt")).unwrap();
    let html: String = english
        .split("\n\n")
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    ws.add_file("udhr.en.html", html.as_bytes());
    ws.add_file(
        "udhr.zh-Hans.md",
        &std::fs::read(shared.join("data/udhr/udhr_cmn_hans.txt")).unwrap(),
    );
    ws
}

#[test]
fn query_words_need_no_quotes_and_exclusions_are_words_not_flags() {
    let ws = Workspace::with_declaration();
    let unquoted = ws.run(&["search", "上合组织", "减贫", "--json"]);
    let quoted = ws.run(&["search", "上合组织 减贫", "--json"]);
    assert_eq!(unquoted.code, 0, "{}", unquoted.stderr);
    assert_eq!(passages(&unquoted.hits()), passages(&quoted.hits()));

    // `-human` once printed the help (`-h`), `-education` failed on `-e`.
    let excluded = ws.run(&["search", "发展", "-减贫", "--json"]);
    assert_eq!(sorted(passages(&excluded.hits())), [1, 4, 5, 6, 7, 9]);
    for (args, expected) in [
        (&["search", "cities", "-human", "--json"][..], vec![10]),
        (&["search", "cities", "-education", "--json"][..], vec![]),
        (&["search", "+cities", "上合组织", "--json"][..], vec![10]),
        (
            &["search", "SCO", "上合组织", "lang:en", "--json"][..],
            vec![10],
        ),
        (
            &[
                "search",
                "--json",
                "减贫",
                "doc:sco-qingdao-friendship-initiative",
            ][..],
            vec![8],
        ),
        (&["search", "--limit", "1", "减贫", "--json"][..], vec![8]),
        (&["search", "py:jianpin", "--json"][..], vec![8]),
        (
            &["search", "\"减贫\"", "-\"上海精神\"", "--json"][..],
            vec![8],
        ),
        (&["search", "减贫", "--json", "--", "-发展"][..], vec![]),
    ] {
        let run = ws.run(args);
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
        assert_eq!(passages(&run.hits()), expected, "{args:?}");
    }
    let explained = ws.run(&["explain", "上合组织", "-减贫", "--json"]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(
        explained.stdout.contains("must_not"),
        "{}",
        explained.stdout
    );

    // An unknown option is refused with the way to write an exclusion.
    let unknown = ws.run(&["search", "减贫", "--frobnicate"]);
    unknown.assert_error(&["--frobnicate", "declsearch search --help", "-frobnicate"]);
}

#[test]
#[ignore = "needs ../shared/data"]
fn hits_show_snippets_a_total_and_page_with_offset() {
    let ws = udhr_workspace();
    let run = ws.run(&["search", "everyone", "right", "--lang", "en"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let total_line = run.stderr.lines().last().unwrap();
    assert!(
        total_line.starts_with("10 of ") && total_line.ends_with(" ms)"),
        "{total_line}"
    );
    let total: usize = total_line["10 of ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(total > 20, "{total_line}");
    // No hit fills more than its header and a snippet of about 160 columns.
    for block in run.stdout.split("\n\n") {
        let snippet = block.lines().nth(1).unwrap_or_default();
        assert!(snippet.chars().count() <= 160 + 3 * 2, "{snippet}");
    }

    let (first, _) = ws.search("everyone right", &["--lang", "en", "--limit", "5"]);
    let (second, _) = ws.search(
        "everyone right",
        &["--lang", "en", "--limit", "5", "--offset", "5"],
    );
    let (both, _) = ws.search("everyone right", &["--lang", "en", "--limit", "10"]);
    let paged: Vec<_> = first
        .iter()
        .chain(&second)
        .map(|h| h.text.clone())
        .collect();
    let whole: Vec<_> = both.iter().map(|h| h.text.clone()).collect();
    assert_eq!(paged, whole, "two pages are the first ten");
    assert_eq!(second[0].rank, 6, "ranks go on across pages");
    let past_the_end = ws.run(&["search", "everyone", "--offset", "100000", "--json"]);
    assert_eq!((past_the_end.code, past_the_end.stdout.as_str()), (1, ""));

    // JSON keeps the whole text and adds the snippet with its own highlights.
    for hit in &both {
        let snippet = hit.snippet.as_ref().expect("a snippet");
        assert!(!snippet.highlights.is_empty(), "{snippet:?}");
        for &(s, e) in &snippet.highlights {
            let marked = snippet.text[s..e].to_lowercase();
            assert!(marked.starts_with("everyone") || marked.starts_with("right"));
        }
    }
    let long = ws.run(&["search", "everyone", "--full-text", "--limit", "1"]);
    assert!(!long.stdout.contains('…'), "{}", long.stdout);
    let narrow = ws.run(&["search", "everyone", "--context", "40", "--limit", "1"]);
    let line = narrow.stdout.lines().nth(1).unwrap();
    assert!(line.chars().count() <= 40 + 2 * 3, "{line}");
}

#[test]
#[ignore = "needs ../shared/data"]
fn every_hit_names_its_file() {
    let ws = udhr_workspace();
    ws.add_file(
        "records/set.jsonl",
        "{\"id\":\"r1\",\"text\":\"first\"}\n{\"id\":\"r2\",\"text\":\"人人有权享有生命\"}\n"
            .as_bytes(),
    );
    let (hits, _) = ws.search("生命", &["--limit", "50"]);
    let mut files: Vec<&str> = hits.iter().map(|h| h.path.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    assert_eq!(files, ["records/set.jsonl", "udhr.zh-Hans.md"]);
    let record = hits.iter().find(|h| h.doc == "r2").unwrap();
    assert_eq!(record.line, 2, "the record's line of the file");

    let human = ws.run(&["search", "人人有权享有生命", "--limit", "3"]);
    assert!(
        human.stdout.contains("records/set.jsonl:2  r2 #1  zh"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("udhr.zh-Hans.md:"),
        "{}",
        human.stdout
    );
}

#[test]
fn show_prints_a_document_or_a_passage_with_neighbours_and_doc_lists_it() {
    let ws = Workspace::with_declaration();
    let all = ws.run(&["show", "sco-qingdao-friendship-initiative", "--json"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(passages(&all.hits()), (1..=10).collect::<Vec<u32>>());

    let one = ws.run(&[
        "show",
        "sco-qingdao-friendship-initiative#8",
        "--context",
        "1",
        "--json",
    ]);
    assert_eq!(passages(&one.hits()), [7, 8, 9]);
    let human = ws.run(&["show", "sco-qingdao-friendship-initiative#8"]);
    assert!(human.stdout.contains("五是加強減貧"), "{}", human.stdout);

    let listed = ws.run(&["search", "doc:sco-qingdao-friendship-initiative", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(passages(&listed.hits()), (1..=10).collect::<Vec<u32>>());
    let less = ws.run(&[
        "search",
        "doc:sco-qingdao-friendship-initiative",
        "-减贫",
        "--json",
    ]);
    assert_eq!(passages(&less.hits()), [1, 2, 3, 4, 5, 6, 7, 9, 10]);

    ws.run(&["show", "sco-qingdao"]).assert_error(&[
        "no document \"sco-qingdao\"",
        "sco-qingdao-friendship-initiative",
    ]);
    ws.run(&["search", "减贫", "doc:sco"])
        .assert_error(&["no document \"sco\"", "sco-qingdao-friendship-initiative"]);
    ws.run(&["show", "sco-qingdao-friendship-initiative#11"])
        .assert_error(&["no passage 11", "1 to 10"]);
}

#[test]
fn parallel_pairs_the_language_columns_of_a_plain_tsv_row() {
    let ws = Workspace::empty();
    ws.add_file(
        "pairs.tsv",
        "id\tzh\ten\n1\t人人生而自由\tAll human beings are born free\n2\t人人有权享有生命\tEveryone has the right to life\n"
            .as_bytes(),
    );
    let (hits, run) = ws.search("生命", &["--parallel"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let counterpart = hits[0].parallel.as_ref().expect("a counterpart");
    assert_eq!(counterpart.text, "Everyone has the right to life");
    let (hits, _) = ws.search("born free", &["--parallel"]);
    assert_eq!(hits[0].parallel.as_ref().unwrap().text, "人人生而自由");
}

#[test]
fn index_and_corpus_come_from_flag_environment_settings_file_or_default() {
    let ws = Workspace::with_declaration();
    let sub = ws.root.path().join("notes/deeper");
    std::fs::create_dir_all(&sub).unwrap();
    let run_in = |dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]| -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_declsearch"))
            .args(args)
            .current_dir(dir)
            .env_remove("DECLSEARCH_INDEX")
            .env_remove("DECLSEARCH_CORPUS")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        Run::from(output)
    };
    let shown = run_in(ws.root.path(), &["config", "--json"], &[]);
    let config: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(config["index"]["value"], "index");
    assert_eq!(config["index"]["source"], "default");

    std::fs::write(
        ws.root.path().join("declsearch.toml"),
        "index = \"built\"\ncorpus = \"corpus\"\n",
    )
    .unwrap();
    // From a folder below, the file above is found and its paths are its own folder's.
    let found = run_in(&sub, &["search", "减贫", "--json"], &[]);
    assert_eq!(found.code, 0, "{}", found.stderr);
    assert_eq!(passages(&found.hits()), [8]);
    assert!(ws.root.path().join("built/CURRENT").is_file());

    let env = [("DECLSEARCH_INDEX", "/nonexistent/from-env")];
    let shown = run_in(&sub, &["config", "--json"], &env);
    let config: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(config["index"]["value"], "/nonexistent/from-env");
    assert_eq!(config["index"]["source"], "environment DECLSEARCH_INDEX");
    assert!(config["corpus"]["source"]
        .as_str()
        .unwrap()
        .ends_with("declsearch.toml"));
    let flag = run_in(&sub, &["config", "--index", "mine", "--json"], &env);
    let config: serde_json::Value = serde_json::from_str(&flag.stdout).unwrap();
    assert_eq!(config["index"]["source"], "command line");

    std::fs::write(ws.root.path().join("declsearch.toml"), "indx = 1\n").unwrap();
    run_in(&sub, &["config"], &[]).assert_error(&["declsearch.toml", "indx"]);
}

#[test]
fn a_corpus_other_than_the_index_was_built_from_is_refused_or_indexed_with_update() {
    let ws = Workspace::with_declaration();
    assert_eq!(ws.search("减贫", &[]).1.code, 0);
    let other = ws.root.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("note.txt"), "友城合作的新篇章。").unwrap();
    ws.run(&["search", "友城", "--corpus", "other"])
        .assert_error(&["built from corpus", "other", "--update"]);
    // The same corpus typed another way is the same corpus.
    assert_eq!(ws.run(&["search", "减贫", "--corpus", "./corpus/"]).code, 0);
    // A bad file met on the way is named, and the search still answers, as on first use.
    std::fs::write(other.join("broken.txt"), crate::common::BINARY_FROM_LINE_2).unwrap();
    let (hits, run) = ws.search("新篇章", &["--corpus", "other", "--update"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("broken.txt"), "{}", run.stderr);
    assert_eq!(hits[0].doc, "note");
}

#[test]
fn messages_name_the_problem_once_and_never_advise_removing_a_users_folder() {
    let ws = Workspace::with_declaration();
    let run = ws.run(&["search", "减贫", "--index", "corpus"]);
    run.assert_error(&["corpus", "not a declsearch index", "a folder of its own"]);
    assert!(!run.stderr.contains("remove"), "{}", run.stderr);

    let run = ws.run(&[
        "search", "减贫", "--index", "nowhere", "--corpus", "neither",
    ]);
    run.assert_error(&["no index in nowhere", "neither"]);
    assert!(!run.stderr.contains("corpus path corpus"), "{}", run.stderr);

    ws.add_file("broken.txt", crate::common::BINARY_FROM_LINE_2);
    ws.add_file(
        "bad.jsonl",
        b"{\"id\":1,\"text\":\"a\"}\n{\"id\":2,\"text\":\"b\"\n",
    );
    let run = ws.run(&["index"]);
    assert_eq!(run.code, 2);
    for line in run.stderr.lines().filter(|l| l.contains("broken.txt")) {
        assert_eq!(line.matches("broken.txt").count(), 1, "named once: {line}");
    }
    assert!(run.stderr.contains("bad.jsonl:2: "), "{}", run.stderr);
    assert!(!run.stderr.contains("line 1 column"), "{}", run.stderr);

    let single = Workspace::empty();
    single.add_file("one.txt", "減貧。".as_bytes());
    let run = single.run(&["index"]);
    assert!(
        run.stderr.contains("1 passage of 1 document"),
        "{}",
        run.stderr
    );
}

#[test]
fn ctrl_c_during_indexing_stops_cleanly_and_the_next_run_clears_what_a_kill_left() {
    let ws = Workspace::with_declaration();
    assert_eq!(ws.run(&["index"]).code, 0);
    let live = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();
    let text = std::fs::read(crate::common::shipped_declaration()).unwrap();
    for i in 0..3000 {
        ws.add_file(&format!("batch/decl-{i:04}.txt"), &text);
    }
    let mut interrupted = false;
    for delay_ms in [300u64, 150, 600, 1000] {
        let child = Command::new(env!("CARGO_BIN_EXE_declsearch"))
            .args(["index", "--full"])
            .current_dir(ws.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        // SIGINT, as Ctrl-C sends.
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();
        let run = Run::from(child.wait_with_output().unwrap());
        if run.code == 0 {
            // The run had finished: try again sooner.
            continue;
        }
        assert_eq!(run.code, 130, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("interrupted; the previous index is unchanged"),
            "{}",
            run.stderr
        );
        interrupted = true;
        break;
    }
    assert!(interrupted, "no run was interrupted before it finished");
    assert_eq!(
        std::fs::read_to_string(ws.index().join("CURRENT")).unwrap(),
        live
    );
    let generations = |ws: &Workspace| {
        std::fs::read_dir(ws.index())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("gen-")
            })
            .count()
    };
    assert_eq!(generations(&ws), 1, "the partial generation is removed");

    // A generation a killed run left behind goes with the next run, even one that writes
    // nothing.
    for i in 0..3000 {
        std::fs::remove_file(ws.corpus().join(format!("batch/decl-{i:04}.txt"))).unwrap();
    }
    std::fs::create_dir(ws.index().join("gen-999999")).unwrap();
    assert_eq!(ws.run(&["index"]).code, 0);
    assert_eq!(generations(&ws), 1);
}

#[test]
fn completions_and_the_manual_page_are_printed() {
    let ws = Workspace::empty();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = ws.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("declsearch"), "{shell}");
        assert!(
            run.stdout.contains("full-text"),
            "{shell}: options are completed"
        );
    }
    let man = ws.run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH declsearch"));
}
