//! The exact cosine scan of semantic search: every passage's 8-bit vector against a query,
//! the best 100 kept, on synthetic vectors of 166,000 passages (twlaw's size) and 1,000,000.
//!
//! ```text
//! cargo run --release --example dense_scan
//! ```
//! prints `rows=N p50_ms=X p90_ms=Y file_mb=Z` for each size.

use std::time::Instant;

use declsearch::index::vectors::{
    encode_header, encode_row, Quantized, SegmentRows, Vectors, VectorsHeader, VECTORS_FILE,
};
use declsearch::semantic::DIMENSIONS;
use declsearch::Lang;

fn unit_vector(state: &mut u64) -> Vec<f32> {
    let v: Vec<f32> = (0..DIMENSIONS)
        .map(|_| {
            *state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((*state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

fn main() {
    let dir = std::env::temp_dir().join(format!("declsearch-dense-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut state = 7u64;
    for rows in [166_000usize, 1_000_000] {
        let header = VectorsHeader {
            model: "synthetic".into(),
            dimensions: DIMENSIONS,
            quantization: "int8".into(),
            segments: vec![SegmentRows {
                id: "synthetic".into(),
                rows: rows as u32,
            }],
        };
        let mut bytes = encode_header(&header);
        for i in 0..rows {
            let lang = if i % 3 == 0 { Lang::En } else { Lang::Zh };
            let vector = Quantized::new(&unit_vector(&mut state));
            bytes.extend_from_slice(&encode_row(i as u128, Some(lang), &vector));
        }
        std::fs::write(dir.join(VECTORS_FILE), &bytes).expect("the vectors written");
        let vectors = Vectors::open(&dir).expect("readable").expect("a file");
        let mut millis: Vec<f64> = (0..40)
            .map(|_| {
                let query = unit_vector(&mut state);
                let started = Instant::now();
                let best = vectors.nearest(&query, 100, None);
                assert_eq!(best.len(), 100);
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        millis.sort_by(f64::total_cmp);
        println!(
            "rows={rows} p50_ms={:.2} p90_ms={:.2} file_mb={:.0} threads={}",
            millis[millis.len() / 2],
            millis[millis.len() * 9 / 10],
            bytes.len() as f64 / 1e6,
            rayon::current_num_threads()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
