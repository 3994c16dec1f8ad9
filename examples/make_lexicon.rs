//! Writes `src/analysis/jieba-lexicon.txt` from jieba-rs's default dictionary.
//!
//! ```text
//! cargo run --example make_lexicon -- ~/.cargo/registry/src/*/jieba-rs-0.11.0/src/data/dict.txt \
//!     > src/analysis/jieba-lexicon.txt
//! ```
//!
//! The lexicon keeps what segmentation of Han text depends on: every all-Han word with the
//! frequency jieba ends up using (the last entry of a repeated word wins, as in jieba-rs), and
//! the total of all entries' frequencies, which jieba divides by. Words are sorted by their
//! UTF-8 bytes so they can be looked up by binary search in place, with no start-up cost.
//! `lexicon_matches_jieba` in the library's tests checks the result against jieba-rs itself.

use std::collections::BTreeMap;
use std::io::Write;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: make_lexicon PATH/TO/jieba-rs/src/data/dict.txt");
    let text = std::fs::read_to_string(&path).expect("the dictionary is readable UTF-8");
    let mut total: u64 = 0;
    let mut words = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split_ascii_whitespace();
        let Some(word) = fields.next() else { continue };
        let freq: u64 = fields.next().map_or(0, |f| f.parse().expect("a frequency"));
        total += freq;
        if word.chars().all(declsearch::text::cleanup::is_han) {
            words.insert(word, freq);
        }
    }
    let max_chars = words.keys().map(|w| w.chars().count()).max().unwrap_or(0);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "#total={total} max_chars={max_chars} words={}",
        words.len()
    )
    .unwrap();
    for (word, freq) in words {
        writeln!(out, "{word}\t{freq}").unwrap();
    }
}
