//! Criterion benchmarks of the engine's stages on real text.
//!
//! - `analysis`: analyser throughput (MB/s) on the seed repeated and on twlaw's Chinese text;
//! - `segmentation`: jieba with its full dictionary against a dictionary restricted to the
//!   words of the text (what a cold search uses), and the cost of loading the full one;
//! - `indexing`: a full index build of twlaw articles (MB/s of TSV);
//! - `queries`: warm search latency over twlaw keyword queries, Chinese and English.
//!
//! `cargo bench --bench engine` (add a group name to run one). The twlaw data comes from
//! `../shared/data/twlaw`; without it, the groups that need it say so and are skipped.

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use declsearch::analysis::{fold::to_simplified, lexicon::lexicon};
use declsearch::index::Silent;
use declsearch::text::cleanup::{clean, is_han};
use declsearch::{Analyzer, Index, SearchOptions, UpdateOptions};

use support::{query_set, twlaw_column, twlaw_tsv};

const SEED: &str = include_str!("../corpus/sco-qingdao-friendship-initiative.txt");
/// twlaw rows used by the indexing and query benchmarks (of 83,023).
const TWLAW_ROWS: usize = 10_000;

fn analysis(c: &mut Criterion) {
    let analyzer = Analyzer::default();
    let mut group = c.benchmark_group("analysis");
    let seed = SEED.repeat(20);
    group.throughput(Throughput::Bytes(seed.len() as u64));
    group.bench_function("seed x20", |b| b.iter(|| analyzer.analyze_document(&seed)));
    if let Some(tsv) = twlaw_tsv(2_000) {
        let chinese = twlaw_column(&tsv, 2).join("\n");
        group.throughput(Throughput::Bytes(chinese.len() as u64));
        group.bench_function("twlaw chinese", |b| {
            b.iter(|| analyzer.analyze_document(&chinese))
        });
        // Article by article, as indexing sees them: most are ASCII.
        let english = twlaw_column(&tsv, 3);
        let bytes = english.iter().map(|a| a.len()).sum::<usize>();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function("twlaw english, per article", |b| {
            b.iter(|| {
                english
                    .iter()
                    .map(|a| analyzer.analyze_document(a).words.len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn segmentation(c: &mut Criterion) {
    let folded = to_simplified(&clean(SEED).text);
    let runs: Vec<&str> = folded
        .split(|c: char| !is_han(c))
        .filter(|r| !r.is_empty())
        .collect();
    let bytes: usize = runs.iter().map(|r| r.len()).sum();
    let full = jieba_rs::Jieba::new();
    let mut group = c.benchmark_group("segmentation");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("seed, full dictionary", |b| {
        b.iter(|| runs.iter().map(|r| full.cut(r, false).len()).sum::<usize>())
    });
    group.bench_function("seed, restricted dictionaries", |b| {
        b.iter(|| {
            runs.iter()
                .map(|r| lexicon().jieba_for([*r]).cut(r, false).len())
                .sum::<usize>()
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("query 上合组织, restricted dictionary", |b| {
        b.iter(|| {
            lexicon()
                .jieba_for(["上合组织"])
                .cut("上合组织", false)
                .len()
        })
    });
    group.sample_size(10);
    group.bench_function("load the full dictionary", |b| b.iter(jieba_rs::Jieba::new));
    group.finish();
}

/// The first [`TWLAW_ROWS`] rows of twlaw written to a temporary corpus: the folder (kept
/// alive by the caller), the file, and the text.
fn twlaw_corpus() -> Option<(tempfile::TempDir, std::path::PathBuf, String)> {
    let tsv = twlaw_tsv(TWLAW_ROWS)?;
    let corpus = tempfile::tempdir().expect("a temporary folder");
    let file = corpus.path().join("articles_parallel.tsv");
    std::fs::write(&file, &tsv).expect("write the corpus");
    Some((corpus, file, tsv))
}

fn indexing(c: &mut Criterion) {
    let Some((_corpus, file, tsv)) = twlaw_corpus() else {
        return;
    };
    let mut group = c.benchmark_group("indexing");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(tsv.len() as u64));
    group.bench_function(format!("twlaw {TWLAW_ROWS} rows, full build"), |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("a temporary folder"),
            |index| {
                let options = UpdateOptions {
                    full: true,
                    ..UpdateOptions::default()
                };
                Index::update(index.path(), std::slice::from_ref(&file), &options, &Silent)
                    .expect("indexed")
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn queries(c: &mut Criterion) {
    let Some((_corpus, file, tsv)) = twlaw_corpus() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let index = Index::open_or_build(dir.path(), &[file])
        .expect("indexed")
        .0;
    let (chinese, english) = query_set(&tsv, 200).expect("twlaw keyword queries");
    let options = SearchOptions::default();
    let mut group = c.benchmark_group("queries");
    group.measurement_time(Duration::from_secs(10));
    for (name, set) in [
        ("chinese keywords", &chinese),
        ("english keywords", &english),
    ] {
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(format!("{name}, {} queries", set.len()), |b| {
            b.iter(|| {
                set.iter()
                    .map(|q| index.search(q, &options).map_or(0, |h| h.len()))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, analysis, segmentation, indexing, queries);
criterion_main!(benches);
