//! Embedding declsearch in another program: open (or build) an index and search it.
//!
//! ```text
//! cargo run --example embed -- corpus index 上合组织 減貧
//! ```

use std::path::PathBuf;

use declsearch::{Index, Lang, SearchOptions};

fn main() -> declsearch::Result<()> {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(args.next().unwrap_or_else(|| "corpus".into()));
    let index_dir = PathBuf::from(args.next().unwrap_or_else(|| "index".into()));
    let queries: Vec<String> = args.collect();

    let (index, built) = Index::open_or_build(&index_dir, &[corpus])?;
    if let Some(report) = built {
        eprintln!(
            "built: {} passages in {:.2} s",
            report.passages, report.seconds
        );
    }

    let options = SearchOptions {
        limit: 3,
        lang: Some(Lang::Zh),
        ..SearchOptions::default()
    };
    for query in if queries.is_empty() {
        vec!["上合组织".to_owned()]
    } else {
        queries
    } {
        println!("{query}");
        for hit in index.search(&query, &options)? {
            let words: Vec<&str> = hit
                .highlights
                .iter()
                .map(|&(s, e)| &hit.text[s..e])
                .collect();
            println!(
                "  {:>2}. {} #{} (score {:.2}): {}",
                hit.rank,
                hit.doc,
                hit.passage,
                hit.score,
                words.join(" | ")
            );
        }
    }
    Ok(())
}
