//! twlaw data for the benchmarks and `examples/latency.rs`: one definition of the query sets.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

/// `../shared/data/twlaw`, if present.
pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/twlaw");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/data/twlaw is absent");
        None
    }
}

/// The header and the first `rows` rows of twlaw's parallel articles TSV.
pub fn twlaw_tsv(rows: usize) -> Option<String> {
    let path = shared()?.join("articles_parallel.tsv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).ok()?)
        .read_to_string(&mut text)
        .ok()?;
    Some(
        text.lines()
            .take(rows.saturating_add(1))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
}

/// Column `column` of twlaw rows (2: Chinese, 3: English), one article each.
pub fn twlaw_column(tsv: &str, column: usize) -> Vec<&str> {
    tsv.lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(column))
        .collect()
}

/// `count` Chinese keyword queries (twlaw's `keyword.queries.tsv`: 1-3 words cut from random
/// articles) and `count` English ones (two words of five or more letters from every 50th
/// article's translation in `tsv`).
pub fn query_set(tsv: &str, count: usize) -> Option<(Vec<String>, Vec<String>)> {
    let chinese: Vec<String> = std::fs::read_to_string(shared()?.join("keyword.queries.tsv"))
        .ok()?
        .lines()
        .filter_map(|l| l.split_once('\t').map(|(_, q)| q.to_owned()))
        .take(count)
        .collect();
    let english: Vec<String> = tsv
        .lines()
        .skip(1)
        .step_by(50)
        .filter_map(|l| {
            let words: Vec<&str> = l
                .split('\t')
                .nth(3)?
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() >= 5)
                .collect();
            Some(words.get(1..3)?.join(" "))
        })
        .take(count)
        .collect();
    Some((chinese, english))
}
