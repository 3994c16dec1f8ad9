//! Query syntax, sub-word recall with whole-word preference, `explain`, batch queries, and
//! ranking quality on real evaluation sets (floors a little below the measured figures, so a
//! regression fails CI; the figures themselves come from `benches/quality.sh`).

use crate::common::{highlighted, passages, shared_dir, sorted, Run, Workspace};
use declsearch::Lang;

#[test]
fn required_excluded_filters_and_all() {
    let ws = Workspace::with_declaration();
    let (hits, _) = ws.search("+减贫 友城", &[]);
    assert_eq!(passages(&hits), [8], "减贫 is required and only in 8");
    let (hits, _) = ws.search("发展 -减贫", &[]);
    assert_eq!(sorted(passages(&hits)), [1, 4, 5, 6, 7, 9]);
    let (hits, _) = ws.search("减贫 发展", &["--all"]);
    assert_eq!(passages(&hits), [8]);
    let (hits, _) = ws.search("SCO 上合组织 lang:en", &[]);
    assert_eq!(passages(&hits), [10]);
    let (hits, _) = ws.search("减贫 doc:sco-qingdao-friendship-initiative", &[]);
    assert_eq!(passages(&hits), [8]);
    let (hits, run) = ws.search("减贫 doc:another", &[]);
    assert_eq!(
        (hits.len(), run.code),
        (0, 2),
        "an unknown document is an error"
    );
    assert!(
        run.stderr.contains("sco-qingdao-friendship-initiative"),
        "it names the known ids: {}",
        run.stderr
    );
    let (hits, _) = ws.search("-\"上海精神\" +互利", &[]);
    assert_eq!(sorted(passages(&hits)), [2, 6]);
    let (hits, _) = ws.search("+减贫 上合组织在哪些方面合作？", &[]);
    assert_eq!(
        passages(&hits),
        [8],
        "a required word holds in a question too"
    );
}

#[test]
fn malformed_queries_exit_2_naming_the_problem() {
    let ws = Workspace::with_declaration();
    let junk: String = "#@!&".repeat(2500);
    for (query, says) in [
        ("\"上海精神", "unbalanced quote"),
        ("减贫 - 友城", "lone \"-\""),
        ("减贫 +", "lone \"+\""),
        ("lang:fr 减贫", "unknown language"),
        ("-减贫", "only excludes"),
        (junk.as_str(), "10000 characters"),
    ] {
        ws.run(&["search", query, "--json"]).assert_error(&[says]);
    }
}

#[test]
fn words_inside_longer_words_match_below_whole_words() {
    let ws = Workspace::empty();
    ws.add_file("a-inside.txt", "這些文件待處理。".as_bytes());
    ws.add_file("b-whole.txt", "我們處理文件。".as_bytes());
    ws.add_file("c-state.txt", "中華人民共和國憲法公布施行。".as_bytes());
    ws.add_file("d-other.txt", "人民共和國的成立。".as_bytes());
    let (hits, _) = ws.search("处理", &[]);
    let docs: Vec<_> = hits.iter().map(|h| h.doc.as_str()).collect();
    assert_eq!(docs, ["b-whole", "a-inside"]);
    assert_eq!(highlighted(&hits[1]), ["處理"]);

    let (hits, _) = ws.search("人民共和国", &[]);
    let docs: Vec<_> = hits.iter().map(|h| h.doc.as_str()).collect();
    assert_eq!(docs, ["d-other", "c-state"]);
    assert_eq!(highlighted(&hits[1]), ["人民共和國"]);

    let ws = Workspace::with_declaration();
    let (hits, _) = ws.search("互利", &[]);
    assert_eq!(
        hits.last().map(|h| h.passage),
        Some(1),
        "平等互利 ranks below 互利"
    );
}

#[test]
fn explain_shows_folding_segmentation_and_the_query_that_runs() {
    let ws = Workspace::with_declaration();
    let run = ws.run(&["explain", "上合組織 -減貧 the SCO", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(report["mode"], "keywords");
    assert_eq!(report["clauses"][0]["folded"], "上合组织");
    assert_eq!(
        report["clauses"][0]["words"],
        serde_json::json!(["上@0", "合@1", "组织@2"])
    );
    assert_eq!(report["clauses"][1]["occur"], "must_not");
    assert_eq!(report["dropped"], serde_json::json!(["the"]));
    assert!(report["tree"].as_array().unwrap().len() >= 4);

    let human = ws.run(&["explain", "莱索托哪一年独立？"]);
    assert!(
        human.stdout.contains("mode:     question"),
        "{}",
        human.stdout
    );

    let (hits, _) = ws.search("减贫", &["--explain"]);
    let explain = hits[0].explain.as_ref().expect("a breakdown");
    let value = explain["value"].as_f64().unwrap();
    assert!(
        (value - f64::from(hits[0].score)).abs() < 1e-3,
        "{value} vs {}",
        hits[0].score
    );
}

#[test]
fn batch_queries_as_trec_and_json() {
    let ws = Workspace::with_declaration();
    ws.add_file("second.txt", "減貧合作。\n\n友城交流。".as_bytes());
    let queries = ws.root.path().join("queries.tsv");
    std::fs::write(
        &queries,
        "q1\t减贫\nq2\t\"上海精神\nq3\tfriendship cities\n",
    )
    .unwrap();
    let queries = queries.to_str().unwrap();

    let run = ws.run(&["search", "--queries", queries, "--format", "trec"]);
    assert_eq!(run.code, 2, "a query failed: {}", run.stderr);
    assert!(
        run.stderr.contains("q2") && run.stderr.contains("queries.tsv:2"),
        "{}",
        run.stderr
    );
    let lines: Vec<Vec<&str>> = run.stdout.lines().map(|l| l.split(' ').collect()).collect();
    assert!(lines
        .iter()
        .all(|l| l.len() == 6 && l[1] == "Q0" && l[5] == "declsearch"));
    let q1: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l[0] == "q1")
        .map(|l| (l[2], l[3]))
        .collect();
    assert_eq!(q1.len(), 2, "documents, each once: {q1:?}");
    assert_eq!(
        q1.iter().map(|(_, rank)| *rank).collect::<Vec<_>>(),
        ["1", "2"]
    );
    assert!(lines
        .iter()
        .any(|l| l[0] == "q3" && l[2] == "sco-qingdao-friendship-initiative"));

    let run = ws.run(&[
        "search",
        "--queries",
        queries,
        "--format",
        "json",
        "--limit",
        "1",
    ]);
    let hits: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let qids: Vec<&str> = hits.iter().map(|h| h["qid"].as_str().unwrap()).collect();
    assert_eq!(qids, ["q1", "q3"]);
    assert_eq!(hits[1]["lang"], "en");
}

/// `declsearch eval --json` on a corpus and its questions, from `../shared/data`.
fn evaluate(corpus: &str, queries: &str, qrels: &str) -> serde_json::Value {
    evaluate_with(corpus, queries, qrels, &[])
}

/// [`evaluate`] with more `eval` options.
fn evaluate_with(corpus: &str, queries: &str, qrels: &str, extra: &[&str]) -> serde_json::Value {
    let shared = shared_dir();
    let data = shared.join("data");
    let ws = Workspace::empty();
    let index = ws.index();
    let path = |p: &str| data.join(p).to_str().unwrap().to_owned();
    let built = ws.run(&[
        "index",
        "--corpus",
        &path(corpus),
        "--index",
        index.to_str().unwrap(),
    ]);
    assert_eq!(built.code, 0, "{}", built.stderr);
    let mut args = vec![
        "eval".to_owned(),
        "--json".to_owned(),
        "--index".to_owned(),
        index.to_str().unwrap().to_owned(),
        "--queries".to_owned(),
        path(queries),
        "--qrels".to_owned(),
        path(qrels),
    ];
    args.extend(extra.iter().map(|e| e.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run: Run = ws.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(run.stdout.trim()).unwrap()
}

fn mrr(measures: &serde_json::Value) -> f64 {
    measures["mrr@10"].as_f64().unwrap()
}

#[test]
#[ignore = "needs ../shared/data"]
fn cmrc2018_questions_rank_their_paragraph_first() {
    let m = evaluate(
        "cmrc2018/cmrc2018.corpus.jsonl",
        "cmrc2018/cmrc2018.queries.tsv",
        "cmrc2018/cmrc2018.qrels",
    );
    assert_eq!(m["queries"], 4221);
    assert!(mrr(&m) >= 0.985, "MRR@10 {m}");
    assert!(m["recall@10"].as_f64().unwrap() >= 0.99, "{m}");
}

#[test]
#[ignore = "needs ../shared/data"]
fn xquad_chinese_and_english_dev_questions() {
    let zh = evaluate(
        "xquad/xquad-zh.corpus.jsonl",
        "xquad/xquad-zh.dev.queries.tsv",
        "xquad/xquad.dev.qrels",
    );
    assert!(mrr(&zh) >= 0.95, "XQuAD-zh {zh}");
    let en = evaluate(
        "xquad/xquad-en.corpus.jsonl",
        "xquad/xquad-en.dev.queries.tsv",
        "xquad/xquad.dev.qrels",
    );
    assert!(mrr(&en) >= 0.95, "XQuAD-en {en}");
    assert_eq!(
        en["no_hit"], 1,
        "one English question is all stop words and punctuation"
    );
    let _ = Lang::En;
}

/// English questions against the Chinese paragraphs: plain lexical matching finds only what
/// names and numbers share; `--cross` translates the questions' words.
#[test]
#[ignore = "needs ../shared/data"]
fn xquad_english_questions_find_chinese_paragraphs_with_cross() {
    let files = (
        "xquad/xquad-zh.corpus.jsonl",
        "xquad/xquad-en.dev.queries.tsv",
        "xquad/xquad.dev.qrels",
    );
    let plain = evaluate(files.0, files.1, files.2);
    let cross = evaluate_with(files.0, files.1, files.2, &["--cross"]);
    assert!(mrr(&plain) < 0.35, "plain {plain}");
    assert!(mrr(&cross) >= 0.62, "--cross {cross}");
}
