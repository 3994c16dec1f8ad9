//! CC-CEDICT entries, for the examples that derive tables from it (`make_glossary`,
//! `make_pinyin`). Each line is `TRADITIONAL SIMPLIFIED [pin1 yin1] /gloss/gloss/`.
// Each example reads the fields it needs.
#![allow(dead_code)]

use std::io::BufRead;

pub struct Entry {
    pub traditional: String,
    pub simplified: String,
    /// The reading as written, with tone numbers: `jian3 pin2`.
    pub pinyin: String,
    pub glosses: Vec<String>,
}

/// The entries of a gzipped CC-CEDICT file, and the file's date (`#! date=`).
pub fn read(path: &str) -> (String, Vec<Entry>) {
    let file = std::fs::File::open(path).expect("the CC-CEDICT file opens");
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut date = String::new();
    let mut entries = Vec::new();
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
        let Some((pinyin, after)) = rest.split_once(']') else {
            continue;
        };
        let mut forms = forms.split(' ');
        let (Some(traditional), Some(simplified)) = (forms.next(), forms.next()) else {
            continue;
        };
        let glosses = after
            .strip_prefix(" /")
            .map(|g| {
                g.trim_end_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        entries.push(Entry {
            traditional: traditional.to_owned(),
            simplified: simplified.to_owned(),
            pinyin: pinyin.to_owned(),
            glosses,
        });
    }
    (date, entries)
}
