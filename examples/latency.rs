//! Warm query latency: opens an index once and times each query of twlaw's Chinese and
//! English keyword sets (see `benches/support.rs`), after one warm-up pass. Used by
//! `benches/compare.sh`.
//!
//! ```text
//! cargo run --release --example latency -- INDEX_DIR
//! ```
//! prints one line per set: `zh queries=1000 p50_ms=0.41 p99_ms=2.3`.

#[path = "../benches/support.rs"]
mod support;

use std::time::Instant;

use declsearch::{Index, SearchOptions};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: latency INDEX_DIR");
    let index = Index::open(dir.as_ref()).expect("an index");
    let tsv = support::twlaw_tsv(usize::MAX).expect("../shared/data/twlaw");
    let (chinese, english) = support::query_set(&tsv, 1000).expect("twlaw keyword queries");
    let options = SearchOptions::default();
    for (lang, set) in [("zh", chinese), ("en", english)] {
        assert!(!set.is_empty(), "no {lang} queries");
        for query in &set {
            let _ = index.search(query, &options);
        }
        let mut millis: Vec<f64> = set
            .iter()
            .map(|query| {
                let start = Instant::now();
                let _ = index.search(query, &options);
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        millis.sort_by(f64::total_cmp);
        let at = |q: f64| millis[((millis.len() - 1) as f64 * q).round() as usize];
        println!(
            "{lang} queries={} p50_ms={:.2} p99_ms={:.2}",
            millis.len(),
            at(0.5),
            at(0.99)
        );
    }
}
