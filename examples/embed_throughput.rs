//! Embedding throughput and query latency of declsearch's encoder, on the shipped declaration
//! and the UDHR: passages on all cores (tokens a second), then single queries on one thread.
//!
//! ```text
//! cargo run --release --example embed_throughput -- MODEL_FILE [TEXTS_OUT]
//! ```
//! prints `passages tokens=N seconds=S tokens_per_s=R` and `query p50_ms=X`, and writes the
//! texts as JSON lines to `TEXTS_OUT` (for the reference engine: `benches/semantic.sh`).

use std::time::Instant;

use declsearch::semantic::{Encoder, ModelFile};
use rayon::prelude::*;

fn main() {
    let model = std::env::args()
        .nth(1)
        .expect("usage: embed_throughput MODEL_FILE");
    let encoder = Encoder::new(ModelFile::read(model.as_ref()).expect("a model")).expect("loads");
    let mut texts: Vec<String> = include_str!("../corpus/sco-qingdao-friendship-initiative.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if let Ok(udhr) = std::fs::read_to_string("../shared/data/udhr/udhr_aligned.tsv") {
        for row in udhr.lines().skip(1) {
            texts.extend(row.split('\t').skip(1).map(str::to_owned));
        }
    }
    if let Some(out) = std::env::args().nth(2) {
        let lines: String = texts
            .iter()
            .map(|t| serde_json::to_string(t).expect("a string") + "\n")
            .collect();
        std::fs::write(out, lines).expect("the texts written");
    }
    let tokenizer = &encoder.file().tokenizer;
    let tokens: usize = texts.iter().map(|t| tokenizer.token_count(t, false)).sum();
    let started = Instant::now();
    let embedded: Vec<Vec<f32>> = texts.par_iter().map(|t| encoder.embed(t, false)).collect();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(embedded.len(), texts.len());
    println!(
        "passages texts={} tokens={tokens} seconds={seconds:.2} tokens_per_s={:.0} threads={}",
        texts.len(),
        tokens as f64 / seconds,
        rayon::current_num_threads()
    );
    let queries = [
        "上合组织友城合作",
        "freedom of expression",
        "人人有權享受生命、自由和人身安全",
    ];
    let mut millis: Vec<f64> = (0..30)
        .map(|i| {
            let started = Instant::now();
            encoder.embed(queries[i % queries.len()], true);
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    millis.sort_by(f64::total_cmp);
    println!("query p50_ms={:.1}", millis[millis.len() / 2]);
}
