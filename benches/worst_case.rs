//! Worst cases of the work one request or one file can cause, each printed with its figures:
//!
//! - a document with a 200 KB title and 2,000 passages: build time and stored bytes (a title
//!   is cut to 1 KB and stored once per document);
//! - `--parallel` over a file pair of 20,000 paragraphs each: the first hit (one banded
//!   alignment for the pair) and the next ones (a cached lookup), with the growth of peak RSS;
//! - a 200,000-word user dictionary at the highest frequency accepted: parse and load time;
//! - pinyin and `--cross` expansion of the longest queries accepted: alternatives kept and
//!   time to parse and search.
//!
//! `cargo bench --bench worst_case`. Synthetic corpora only: runs without `../shared`.

use std::path::Path;
use std::time::Instant;

use declsearch::index::Silent;
use declsearch::{Analyzer, Index, SearchOptions, UpdateOptions, UserDict};

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported.
    let tmp = tempfile::tempdir().expect("temp dir");
    parallel_pair(tmp.path());
    huge_title(tmp.path());
    dictionary();
    expansions(tmp.path());
}

fn build(corpus: &Path, index: &Path) -> (Index, f64) {
    let started = Instant::now();
    Index::update(
        index,
        &[corpus.to_path_buf()],
        &UpdateOptions::default(),
        &Silent,
    )
    .expect("build");
    let seconds = started.elapsed().as_secs_f64();
    (Index::open(index).expect("open"), seconds)
}

fn files_ending(dir: &Path, extension: &str) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += files_ending(&path, extension);
        } else if path.extension().is_some_and(|e| e == extension) {
            total += entry.metadata().map_or(0, |m| m.len());
        }
    }
    total
}

/// Peak resident memory of this process so far, in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Pseudo-random ideographs: incompressible text.
fn noise(count: usize, mut state: u32) -> String {
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4E00 + (state >> 8) % 20_000).expect("ideograph")
        })
        .collect()
}

fn huge_title(root: &Path) {
    let corpus = root.join("title-corpus");
    std::fs::create_dir_all(&corpus).expect("corpus");
    let text: Vec<String> = (1..=2_000).map(|i| format!("第{i}段 友城合作。")).collect();
    let record = serde_json::json!({
        "id": "b1",
        "title": format!("倡议汇编 {}", noise(70_000, 7)),
        "text": text.join("\n\n"),
    });
    std::fs::write(corpus.join("books.jsonl"), format!("{record}\n")).expect("write");
    let (index, seconds) = build(&corpus, &root.join("title-index"));
    let started = Instant::now();
    let hits = index
        .search(
            "友城合作 汇编",
            &SearchOptions {
                limit: 100,
                ..SearchOptions::default()
            },
        )
        .expect("search");
    println!(
        "title: 200 KB title x 2,000 passages: built in {seconds:.2} s, stored fields {} KB, \
         index {} KB; 100 hits with their titles in {:.1} ms (title shown: {} bytes)",
        files_ending(index.generation(), "store") / 1024,
        (files_ending(index.generation(), "store")
            + files_ending(index.generation(), "idx")
            + files_ending(index.generation(), "pos")
            + files_ending(index.generation(), "term"))
            / 1024,
        started.elapsed().as_secs_f64() * 1e3,
        hits[0].title.as_deref().map_or(0, str::len),
    );
}

fn parallel_pair(root: &Path) {
    const PARAGRAPHS: usize = 20_000;
    let corpus = root.join("pair-corpus");
    std::fs::create_dir_all(&corpus).expect("corpus");
    let zh: Vec<String> = (0..PARAGRAPHS)
        .map(|i| format!("第{i}段：{}。", noise(10 + i % 40, i as u32)))
        .collect();
    let en: Vec<String> = (0..PARAGRAPHS)
        .map(|i| {
            format!(
                "Paragraph {i} on friendship {}.",
                "and cities ".repeat(1 + i % 40 / 3)
            )
        })
        .collect();
    std::fs::write(corpus.join("big.zh.txt"), zh.join("\n\n")).expect("write");
    std::fs::write(corpus.join("big.en.txt"), en.join("\n\n")).expect("write");
    let (index, seconds) = build(&corpus, &root.join("pair-index"));
    let options = SearchOptions {
        parallel: true,
        limit: 10,
        ..SearchOptions::default()
    };
    let vm_peak = peak_rss_mb();
    let started = Instant::now();
    let first = index.search("friendship", &options).expect("search");
    let first_ms = started.elapsed().as_secs_f64() * 1e3;
    let searcher = index.searcher();
    let started = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        searcher.search("friendship", &options).expect("search");
    }
    let later_ms = started.elapsed().as_secs_f64() * 1e3 / f64::from(runs);
    let paired = first.iter().filter(|h| h.parallel.is_some()).count();
    println!(
        "parallel: a pair of {PARAGRAPHS} paragraphs each (built in {seconds:.1} s): first search \
         (aligns the pair) {first_ms:.0} ms; later searches {later_ms:.2} ms; {paired} of {} \
         hits paired; peak RSS of the process {:.0} MB (before: {vm_peak:.0} MB)",
        first.len(),
        peak_rss_mb(),
    );
}

fn dictionary() {
    const WORDS: usize = 200_000;
    let mut text = String::new();
    for i in 0..WORDS {
        text.push_str(&noise(2 + i % 3, i as u32));
        text.push_str(" 1000000 n\n");
    }
    let started = Instant::now();
    let dict = UserDict::parse(&text).expect("a valid dictionary");
    let parsed = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let analyzer = Analyzer::new(Some(dict));
    analyzer.load_dictionary();
    let loaded = started.elapsed().as_secs_f64();
    let refused = UserDict::parse("友城 3\n减贫 99999999999999999999\n").is_err();
    println!(
        "dictionary: {WORDS} words at frequency 1,000,000 ({} MB): parsed in {:.0} ms, jieba \
         loaded with them in {:.0} ms; a frequency past the bound refused: {refused}",
        text.len() / 1_000_000,
        parsed * 1e3,
        loaded * 1e3,
    );
}

fn expansions(root: &Path) {
    let corpus = root.join("seed-corpus");
    std::fs::create_dir_all(&corpus).expect("corpus");
    std::fs::write(
        corpus.join("seed.txt"),
        include_str!("../corpus/sco-qingdao-friendship-initiative.txt"),
    )
    .expect("write");
    let (index, _) = build(&corpus, &root.join("seed-index"));
    // Distinct words up to the longest query accepted (1,000 characters): two-syllable
    // pinyin words, and the English words of the seed's summary.
    let syllables = [
        "shang", "he", "zu", "zhi", "you", "cheng", "zuo", "jian", "pin", "jiao", "liu", "fa",
        "zhan", "guo", "ji", "min", "wen", "hua", "jing", "ji", "an", "quan", "ren", "quan",
    ];
    let mut pinyin = String::new();
    'words: for first in syllables {
        for second in syllables {
            if pinyin.len() + first.len() + second.len() + 1 > 990 {
                break 'words;
            }
            pinyin.push_str(&format!("{first}{second} "));
        }
    }
    let seed = include_str!("../corpus/sco-qingdao-friendship-initiative.txt");
    let mut english = String::new();
    let mut seen = std::collections::HashSet::new();
    for word in seed.split(|c: char| !c.is_ascii_alphabetic()) {
        if word.len() > 2 && seen.insert(word.to_lowercase()) && english.len() + word.len() < 990 {
            english.push_str(word);
            english.push(' ');
        }
    }
    let (pinyin, english) = (pinyin.as_str(), english.as_str());
    let cases = [
        (
            "pinyin",
            pinyin,
            SearchOptions {
                pinyin: true,
                ..SearchOptions::default()
            },
        ),
        (
            "cross",
            english,
            SearchOptions {
                cross: true,
                ..SearchOptions::default()
            },
        ),
    ];
    for (name, query, options) in cases {
        let started = Instant::now();
        index.parse_query(query, &options).expect("parse");
        let cold_ms = started.elapsed().as_secs_f64() * 1e3;
        let started = Instant::now();
        let parsed = index.parse_query(query, &options).expect("parse");
        let parse_ms = started.elapsed().as_secs_f64() * 1e3;
        let alternatives: usize = parsed.clauses.iter().map(|c| c.alternatives.len()).sum();
        let started = Instant::now();
        let hits = index.search_parsed(&parsed, &options).expect("search");
        println!(
            "expansion ({name}): a {}-character query, {} clauses, {alternatives} alternatives \
             kept: parsed and expanded in {parse_ms:.1} ms ({cold_ms:.0} ms the first time, \
             dictionaries loading), searched in {:.1} ms ({} hits)",
            query.chars().count(),
            parsed.clauses.len(),
            started.elapsed().as_secs_f64() * 1e3,
            hits.len(),
        );
    }
}
