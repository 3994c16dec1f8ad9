//! `search --parallel`: each hit's translation, on the UDHR indexed as a parallel corpus
//! (`../shared/data/udhr`), and no invented pairs on the seed.

use crate::common::{shared_dir, Workspace};
use declsearch::search::counterpart::key_of;
use declsearch::Hit;

/// Words that together occur in every Chinese passage of the UDHR.
const EVERYWHERE: &str = "的 人 有 权 或 和 任何 一切";

fn udhr(shared: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(shared.join("data/udhr").join(name)).expect("a UDHR file")
}

/// Every Chinese passage of the `udhr` file pair, with its counterpart.
fn chinese_hits(ws: &Workspace) -> Vec<Hit> {
    let query = format!("{EVERYWHERE} doc:udhr lang:zh");
    let (hits, run) = ws.search(&query, &["--limit", "100", "--parallel"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    hits
}

#[test]
#[ignore = "needs ../shared/data"]
fn udhr_file_pair_articles_pair_by_key_and_by_alignment() {
    let shared = shared_dir();
    let english = udhr(&shared, "udhr_eng.txt");
    let chinese = udhr(&shared, "udhr_cmn_hans.txt");

    // The files as published: passages start with keys, `[preamble]`, `[1]` ... `[30]`.
    let ws = Workspace::empty();
    ws.add_file("udhr.en.txt", english.as_bytes());
    ws.add_file("udhr.zh-Hans.txt", chinese.as_bytes());
    assert_eq!(ws.run(&["index"]).code, 0);
    let hits = chinese_hits(&ws);
    let mut articles = 0;
    for hit in &hits {
        let parallel = hit
            .parallel
            .as_ref()
            .expect("every article has its translation");
        assert_eq!(parallel.lang, declsearch::Lang::En);
        assert_eq!(key_of(&hit.text), key_of(&parallel.text), "{hit:?}");
        assert_eq!(
            hit.passage, parallel.passage,
            "the files have the same structure"
        );
        if key_of(&hit.text).is_some_and(|k| k.parse::<u32>().is_ok()) {
            articles += 1;
        }
    }
    assert_eq!(articles, 30);

    // The same files without keys: the alignment over order and length finds the same pairs.
    let strip = |text: &str| -> String {
        text.lines()
            .map(|l| match l.strip_prefix('[') {
                Some(rest) => rest.split_once("] ").map_or(l, |(_, body)| body),
                None => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let ws = Workspace::empty();
    ws.add_file("udhr.en.txt", strip(&english).as_bytes());
    ws.add_file("udhr.zh-Hans.txt", strip(&chinese).as_bytes());
    assert_eq!(ws.run(&["index"]).code, 0);
    let hits = chinese_hits(&ws);
    assert!(hits.len() >= 31, "{} Chinese passages", hits.len());
    for hit in &hits {
        assert!(key_of(&hit.text).is_none(), "keys are stripped");
        let parallel = hit.parallel.as_ref().expect("aligned");
        assert_eq!(hit.passage, parallel.passage, "{hit:?}");
    }

    // Article 7 missing from the English file: its Chinese passage (passage 9: title,
    // preamble, articles 1-7) gets no counterpart, and the articles after it still pair.
    let english_without_7: String = strip(&english)
        .split("\n\n")
        .enumerate()
        .filter(|&(i, _)| i != 8)
        .map(|(_, block)| block)
        .collect::<Vec<_>>()
        .join("\n\n");
    let ws = Workspace::empty();
    ws.add_file("udhr.en.txt", english_without_7.as_bytes());
    ws.add_file("udhr.zh-Hans.txt", strip(&chinese).as_bytes());
    assert_eq!(ws.run(&["index"]).code, 0);
    for hit in chinese_hits(&ws) {
        match hit.passage {
            9 => assert!(hit.parallel.is_none(), "{hit:?}"),
            n => {
                let expected = if n < 9 { n } else { n - 1 };
                assert_eq!(
                    hit.parallel.as_ref().map(|p| p.passage),
                    Some(expected),
                    "{n}"
                );
            }
        }
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn udhr_aligned_rows_pair_their_language_columns() {
    let shared = shared_dir();
    let ws = Workspace::empty();
    ws.add_file(
        "udhr_aligned.tsv",
        udhr(&shared, "udhr_aligned.tsv").as_bytes(),
    );
    assert_eq!(ws.run(&["index"]).code, 0);
    let (hits, run) = ws.search(
        EVERYWHERE,
        &["--limit", "200", "--parallel", "--lang", "zh"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(hits.len(), 62, "31 rows in two scripts");
    for hit in &hits {
        let parallel = hit.parallel.as_ref().expect("a row has every language");
        let row = hit.doc.split_once('#').expect("a shared-language column").0;
        assert_eq!(
            (parallel.doc.as_str(), parallel.lang),
            (row, declsearch::Lang::En)
        );
    }
}

#[test]
fn the_seed_has_no_invented_pairs() {
    let ws = Workspace::with_declaration();
    let (hits, run) = ws.search("上合组织 SCO cities", &["--limit", "20", "--parallel"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(hits.len() >= 9);
    assert!(hits.iter().all(|h| h.parallel.is_none()), "{hits:?}");
    assert!(!run.stdout.contains("\"parallel\""));
}

#[test]
fn jsonl_records_sharing_an_id_across_language_files_pair() {
    let ws = Workspace::empty();
    ws.add_file(
        "records.en.jsonl",
        br#"{"id":"r1","text":"Poverty reduction cooperation."}
{"id":"r2","text":"Friendship cities exchange."}
"#,
    );
    ws.add_file(
        "records.zh.jsonl",
        "{\"id\":\"r1\",\"text\":\"減貧合作。\"}\n{\"id\":\"r2\",\"text\":\"友城交流。\"}\n"
            .as_bytes(),
    );
    assert_eq!(ws.run(&["index"]).code, 0);
    let (hits, run) = ws.search("友城", &["--parallel"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let parallel = hits[0].parallel.as_ref().expect("r2 has an English record");
    assert_eq!((hits[0].doc.as_str(), parallel.doc.as_str()), ("r2", "r2"));
    assert_eq!(parallel.text, "Friendship cities exchange.");
}

/// twlaw's `pcode article zh en` rows: one id for both language columns, long cells cut into
/// several passages. Every row's passages get their counterpart in the other column.
#[test]
#[ignore = "needs ../shared/data"]
fn every_twlaw_row_pairs_its_language_columns() {
    use std::io::Read;

    let shared = shared_dir();
    let ws = Workspace::empty();
    let mut tsv = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(shared.join("data/twlaw/articles_parallel.tsv.gz")).unwrap(),
    )
    .read_to_string(&mut tsv)
    .unwrap();
    let rows: Vec<declsearch::search::eval::QueryLine> = tsv
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, row)| {
            let mut columns = row.split('\t');
            let (pcode, article) = (columns.next().unwrap(), columns.next().unwrap());
            declsearch::search::eval::QueryLine {
                qid: i.to_string(),
                query: format!("doc:{pcode}:{article}"),
                line: i + 2,
            }
        })
        .collect();
    assert_eq!(rows.len(), 83_023);
    ws.add_file("articles_parallel.tsv", tsv.as_bytes());
    drop(tsv);
    let (index, _) = declsearch::Index::open_or_build(&ws.index(), &[ws.corpus()]).unwrap();
    let options = declsearch::SearchOptions {
        limit: 100,
        parallel: true,
        ..Default::default()
    };
    let results = index.search_batch(&rows, &options, declsearch::search::eval::Ranking::Passages);
    let mut unpaired = Vec::new();
    for (row, result) in rows.iter().zip(results) {
        let hits = result.unwrap_or_else(|e| panic!("{}: {e}", row.query));
        assert!(hits.len() >= 2, "{}: both columns", row.query);
        for hit in hits {
            match &hit.parallel {
                Some(other) => assert_ne!(other.lang, hit.lang, "{}", row.query),
                None => unpaired.push(format!("{} #{} {}", hit.doc, hit.passage, hit.lang)),
            }
        }
    }
    assert!(
        unpaired.is_empty(),
        "{} unpaired: {unpaired:?}",
        unpaired.len()
    );
}
