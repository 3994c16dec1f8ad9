//! Counterparts: the same passage in the other language, when the corpus holds a translation.
//!
//! Translations are found by their document ids, never guessed from content alone:
//! - the language columns of one `.tsv` row (`3`, `3#zh_hant`, `3#zh_hans`, or one id `3`
//!   for a plain `id zh en` row) and `.jsonl` records sharing an id across files are one
//!   text each, so their passages pair directly (a cell cut into passages pairs by key or
//!   alignment, else by its place in the row);
//! - a file pair such as `udhr.en.txt` / `udhr.zh-Hans.txt` gives two documents `udhr` from two
//!   sources. Their passages pair by an explicit key at the passage start (`[12]`,
//!   `Article 12`, `第十二条`) when both sides have keys, else by an alignment over order and
//!   length (Gale and Church's method): a passage whose best alignment is not one-to-one, or
//!   whose lengths disagree too much for a translation, gets no counterpart.
//!
//! Passages of one document in two languages (the seed's English summary of its Chinese
//! paragraphs) are one source, not a translation pair, and never get counterparts.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::collector::DocSetCollector;
use tantivy::query::RegexQuery;
use tantivy::{DocAddress, TantivyDocument};

use super::Searcher;
use crate::error::{Error, Result};
use crate::index::StoredPassage;
use crate::text::Lang;

/// A hit's passage in the other language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterpart {
    pub lang: Lang,
    pub doc: String,
    /// 1-based passage number within `doc`.
    pub passage: u32,
    pub text: String,
}

/// A document of a translation group: its passages in order, and where each is stored.
struct Member {
    doc: String,
    source: String,
    passages: Vec<StoredPassage>,
    addresses: Vec<DocAddress>,
}

impl Member {
    fn lang(&self) -> Lang {
        let zh = self.passages.iter().filter(|p| p.lang == "zh").count();
        if zh * 2 >= self.passages.len() {
            Lang::Zh
        } else {
            Lang::En
        }
    }
}

/// The id shared by the documents of one text in several languages: a `.tsv` row's documents
/// carry `#column` when two columns share a language.
fn group_of(doc: &str) -> &str {
    doc.split_once('#').map_or(doc, |(group, _)| group)
}

fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~\"".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Where a passage is: document, source file, language and number (the language columns of
/// one `.tsv` row share the rest).
type PassageKey = (String, String, String, u64);

/// A counterpart as cached: where its text is stored, not the text (a group may be a whole
/// book; its texts are read one hit at a time).
#[derive(Debug)]
struct Pair {
    lang: Lang,
    doc: String,
    passage: u32,
    address: DocAddress,
}

/// The counterparts of every passage of one translation group, computed once.
#[derive(Debug, Default)]
pub(crate) struct GroupPairs(HashMap<PassageKey, Pair>);

/// Pairs an index keeps at most (about 100 bytes each): past that, the cache starts over (each
/// group costs one regex lookup and one alignment to compute again).
const CACHED_PAIRS: usize = 1 << 20;

/// The counterparts an index has computed, by translation group, and how many pairs they
/// hold. An opened index reads one generation, which never changes, so they stay true for
/// its life.
#[derive(Debug, Default)]
pub(crate) struct Cache(Mutex<(HashMap<String, Arc<GroupPairs>>, usize)>);

/// The counterpart of a stored passage in the view `searcher` has, if the corpus holds its
/// translation. The first passage of a group asked for aligns the whole group (one regex
/// lookup of its documents, one alignment per document pair); every later one is a lookup.
pub(crate) fn find(searcher: &Searcher, passage: &StoredPassage) -> Result<Option<Counterpart>> {
    let group = group_of(&passage.doc);
    let cache = &searcher.index.counterparts;
    let cached = cache
        .0
        .lock()
        .expect("counterpart cache")
        .0
        .get(group)
        .cloned();
    let pairs = match cached {
        Some(pairs) => pairs,
        None => {
            let pairs = Arc::new(group_pairs(searcher, group)?);
            let mut cached = cache.0.lock().expect("counterpart cache");
            let (groups, held) = &mut *cached;
            if *held + pairs.0.len() > CACHED_PAIRS {
                groups.clear();
                *held = 0;
            }
            if groups
                .insert(group.to_owned(), Arc::clone(&pairs))
                .is_none()
            {
                *held += pairs.0.len();
            }
            pairs
        }
    };
    let key = (
        passage.doc.clone(),
        passage.source.clone(),
        passage.lang.clone(),
        passage.passage,
    );
    let Some(pair) = pairs.0.get(&key) else {
        return Ok(None);
    };
    let stored: TantivyDocument = searcher
        .snapshot
        .doc(pair.address)
        .map_err(Error::tantivy(&searcher.index.dir))?;
    Ok(Some(Counterpart {
        lang: pair.lang,
        doc: pair.doc.clone(),
        passage: pair.passage,
        text: searcher.index.fields.read(&stored).text,
    }))
}

/// Every passage of the group `group` that has a counterpart, with it.
fn group_pairs(searcher: &Searcher, group: &str) -> Result<GroupPairs> {
    let (index, snapshot) = (searcher.index, &searcher.snapshot);
    let pattern = format!("{}(#.*)?", escape_regex(group));
    let query =
        RegexQuery::from_pattern(&pattern, index.fields.doc).map_err(Error::tantivy(&index.dir))?;
    let addresses = snapshot
        .search(&query, &DocSetCollector)
        .map_err(Error::tantivy(&index.dir))?;
    type Stored = (StoredPassage, DocAddress);
    let mut members_by_source: BTreeMap<(String, String), Vec<Stored>> = BTreeMap::new();
    for address in addresses {
        let document: TantivyDocument =
            snapshot.doc(address).map_err(Error::tantivy(&index.dir))?;
        let stored = index.fields.read(&document);
        members_by_source
            .entry((stored.doc.clone(), stored.source.clone()))
            .or_default()
            .push((stored, address));
    }
    let member = |doc: &String, source: &String, passages: Vec<Stored>| {
        let (passages, addresses) = passages.into_iter().unzip();
        Member {
            doc: doc.clone(),
            source: source.clone(),
            passages,
            addresses,
        }
    };
    // The language columns of one `.tsv` row are documents of one id and source, each
    // numbering its passages from 1: repeated numbers tell them apart from one document in
    // two languages (the seed), whose passages are numbered through.
    let mut members: Vec<Member> = Vec::new();
    for ((doc, source), mut passages) in members_by_source {
        passages.sort_by(|(a, _), (b, _)| (a.passage, &a.lang).cmp(&(b.passage, &b.lang)));
        let columns = passages
            .windows(2)
            .any(|w| w[0].0.passage == w[1].0.passage);
        if !columns {
            members.push(member(&doc, &source, passages));
            continue;
        }
        let mut by_lang: BTreeMap<String, Vec<Stored>> = BTreeMap::new();
        for p in passages {
            by_lang.entry(p.0.lang.clone()).or_default().push(p);
        }
        members.extend(
            by_lang
                .into_values()
                .map(|passages| member(&doc, &source, passages)),
        );
    }
    let mut pairs = GroupPairs::default();
    let langs: Vec<Lang> = members.iter().map(Member::lang).collect();
    for (i, own) in members.iter().enumerate() {
        let Some((other, other_lang)) = members
            .iter()
            .zip(&langs)
            .enumerate()
            .find(|&(j, (_, &lang))| j != i && lang != langs[i])
            .map(|(_, (m, &lang))| (m, lang))
        else {
            continue;
        };
        // The columns of one `.tsv` row are a translation by construction: where a long cell
        // was cut into passages that do not align one to one, each passage still gets the
        // other column's passage at the same place in the row.
        let same_row = own.source == other.source;
        let aligned = pair_all(&own.passages, &other.passages);
        for (at, passage) in own.passages.iter().enumerate() {
            let found = aligned[at]
                .or_else(|| same_row.then(|| at * other.passages.len() / own.passages.len()));
            let Some(j) = found else { continue };
            let (found, address) = (&other.passages[j], other.addresses[j]);
            let key = (
                passage.doc.clone(),
                passage.source.clone(),
                passage.lang.clone(),
                passage.passage,
            );
            pairs.0.insert(
                key,
                Pair {
                    lang: found.lang.parse().unwrap_or(other_lang),
                    doc: other.doc.clone(),
                    passage: found.passage as u32,
                    address,
                },
            );
        }
    }
    Ok(pairs)
}

/// For each passage of `own`, the passage of `other` that translates it, if any: one
/// alignment for the pair, not one per passage.
fn pair_all(own: &[StoredPassage], other: &[StoredPassage]) -> Vec<Option<usize>> {
    if own.len() == 1 && other.len() == 1 {
        return vec![Some(0)];
    }
    let own_keys: Vec<Option<String>> = own.iter().map(|p| key_of(&p.text)).collect();
    let other_keys: Vec<Option<String>> = other.iter().map(|p| key_of(&p.text)).collect();
    let keyed = other_keys.iter().any(Option::is_some);
    let mut aligned = vec![None; own.len()];
    if !keyed || own_keys.iter().any(Option::is_none) {
        let own_lengths: Vec<f64> = own.iter().map(|p| units(&p.text)).collect();
        let other_lengths: Vec<f64> = other.iter().map(|p| units(&p.text)).collect();
        for (i, j) in align(&own_lengths, &other_lengths) {
            aligned[i] = Some(j);
        }
    }
    let mut other_by_key: HashMap<&str, usize> = HashMap::new();
    for (j, key) in other_keys.iter().enumerate() {
        if let Some(key) = key {
            other_by_key.entry(key.as_str()).or_insert(j);
        }
    }
    own_keys
        .iter()
        .zip(aligned)
        .map(|(key, by_alignment)| match (key, keyed) {
            (Some(key), true) => other_by_key.get(key.as_str()).copied(),
            _ => by_alignment,
        })
        .collect()
}

/// An explicit passage key at the start of a passage: `[12]`, `[preamble]`, `Article 12`,
/// `第十二条` / `第12條`; normalised so both languages give the same key.
#[doc(hidden)]
pub fn key_of(text: &str) -> Option<String> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix('[') {
        let (key, _) = rest.split_once(']')?;
        let key = key.trim();
        return (!key.is_empty() && key.chars().count() <= 20).then(|| number_or(key));
    }
    if let Some(rest) = text.strip_prefix("Article ") {
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return (!number.is_empty()).then(|| number_or(&number));
    }
    let rest = text.strip_prefix('第')?;
    let end = rest.find(['条', '條'])?;
    let numeral = &rest[..end];
    chinese_number(numeral).map(|n| n.to_string())
}

fn number_or(key: &str) -> String {
    key.parse::<u64>()
        .map_or_else(|_| key.to_lowercase(), |n| n.to_string())
}

/// `12`, `十二`, `一百零三` as a number.
fn chinese_number(numeral: &str) -> Option<u64> {
    if let Ok(n) = numeral.parse() {
        return Some(n);
    }
    let (mut total, mut digit) = (0u64, 0u64);
    for c in numeral.chars() {
        let value = "零一二三四五六七八九".chars().position(|d| d == c);
        match (value, c) {
            (Some(v), _) => digit = v as u64,
            (None, '十') => {
                total += digit.max(1) * 10;
                digit = 0;
            }
            (None, '百') => {
                total += digit * 100;
                digit = 0;
            }
            _ => return None,
        }
    }
    (!numeral.is_empty()).then_some(total + digit)
}

/// Length of a passage in units that translate roughly in proportion: Han characters count
/// one, Latin letters and digits a third.
fn units(text: &str) -> f64 {
    text.chars()
        .map(|c| {
            if crate::text::cleanup::is_han(c) {
                1.0
            } else if c.is_alphanumeric() {
                1.0 / 3.0
            } else {
                0.0
            }
        })
        .sum::<f64>()
        .max(1.0)
}

/// Cost of leaving a passage without counterpart, and most a one-to-one pair may cost
/// (the log of the length ratio, after scaling by the documents' overall ratio).
const SKIP_COST: f64 = 1.0;
/// Added to the length cost of merging two passages against one: paragraphs of a translated
/// declaration correspond one to one far more often than they merge.
const MERGE_COST: f64 = 1.0;
const MAX_PAIR_COST: f64 = 0.9;

/// Half-width of the band of cells an alignment computes around the diagonal from `(0, 0)`
/// to `(n, m)`: a translation drifts from the diagonal by a few passages where one side
/// merges, splits or leaves out paragraphs, never by hundreds. The band makes an alignment
/// cost `O((n + m) × band)` in time and memory instead of `O(n × m)` (two documents of
/// 20,000 passages: 10 M cells instead of 400 M).
const ALIGNMENT_BAND: usize = 200;

/// The length costs of an alignment's steps, from logarithms taken once per passage: a step's
/// cost is how far the log of its length ratio is from the documents' overall ratio.
struct LengthCosts {
    ln_a: Vec<f64>,
    /// `ln(a[i] + a[i + 1])`, for a merge of two passages of `a` (one shorter than `a`).
    ln_a_pair: Vec<f64>,
    ln_b: Vec<f64>,
    ln_b_pair: Vec<f64>,
    ln_ratio: f64,
}

impl LengthCosts {
    fn new(a: &[f64], b: &[f64]) -> LengthCosts {
        let ln = |v: &[f64]| v.iter().map(|x| x.ln()).collect::<Vec<_>>();
        let ln_pairs = |v: &[f64]| v.windows(2).map(|w| (w[0] + w[1]).ln()).collect::<Vec<_>>();
        LengthCosts {
            ln_a: ln(a),
            ln_a_pair: ln_pairs(a),
            ln_b: ln(b),
            ln_b_pair: ln_pairs(b),
            ln_ratio: (b.iter().sum::<f64>() / a.iter().sum::<f64>()).ln(),
        }
    }

    /// `a[i]` against `b[j]`.
    fn one(&self, i: usize, j: usize) -> f64 {
        (self.ln_b[j] - self.ln_a[i] - self.ln_ratio).abs()
    }

    /// `a[i] + a[i + 1]` against `b[j]`.
    fn two_one(&self, i: usize, j: usize) -> f64 {
        (self.ln_b[j] - self.ln_a_pair[i] - self.ln_ratio).abs() + MERGE_COST
    }

    /// `a[i]` against `b[j] + b[j + 1]`.
    fn one_two(&self, i: usize, j: usize) -> f64 {
        (self.ln_b_pair[j] - self.ln_a[i] - self.ln_ratio).abs() + MERGE_COST
    }
}

/// Gale-Church-style alignment of two sequences of passage lengths: the one-to-one pairs
/// `(i, j)` of the cheapest alignment by steps 1-1, 1-0, 0-1, 2-1 and 1-2, within
/// [`ALIGNMENT_BAND`] cells of the diagonal.
fn align(a: &[f64], b: &[f64]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let cost = LengthCosts::new(a, b);
    // Row i holds the cells j in lo(i)..=hi(i), from its diagonal point less the band to the
    // next row's plus the band, so that rows overlap however steep the diagonal. Costs are
    // kept for the last three rows, steps (as 1 + di * 3 + dj, 0 for none) for every cell.
    let centre = |i: usize| (i.min(n) * m).checked_div(n).unwrap_or(m);
    let lo = |i: usize| centre(i).saturating_sub(ALIGNMENT_BAND);
    let hi = |i: usize| (centre(i + 1) + ALIGNMENT_BAND).min(m);
    let mut row_start = Vec::with_capacity(n + 2);
    row_start.push(0usize);
    for i in 0..=n {
        row_start.push(row_start[i] + hi(i) - lo(i) + 1);
    }
    let mut steps = vec![0u8; row_start[n + 1]];
    let mut rows = vec![Vec::new(), Vec::new(), Vec::new()];
    let best = |rows: &[Vec<f64>], i: usize, j: usize| {
        if j < lo(i) || j > hi(i) {
            f64::INFINITY
        } else {
            rows[i % 3][j - lo(i)]
        }
    };
    for i in 0..=n {
        rows[i % 3].clear();
        rows[i % 3].resize(hi(i) - lo(i) + 1, f64::INFINITY);
        for j in lo(i)..=hi(i) {
            let (mut here, mut step) = if (i, j) == (0, 0) {
                (0.0, 0)
            } else {
                (f64::INFINITY, 0)
            };
            // In the order a row-by-row relaxation would first reach the cell, so that ties
            // resolve as they always have.
            let mut consider = |from: f64, c: f64, di: u8, dj: u8| {
                if from + c < here {
                    here = from + c;
                    step = 1 + di * 3 + dj;
                }
            };
            if i >= 2 && j >= 1 {
                let from = best(&rows, i - 2, j - 1);
                consider(from, cost.two_one(i - 2, j - 1), 2, 1);
            }
            if i >= 1 && j >= 2 {
                let from = best(&rows, i - 1, j - 2);
                consider(from, cost.one_two(i - 1, j - 2), 1, 2);
            }
            if i >= 1 && j >= 1 {
                consider(best(&rows, i - 1, j - 1), cost.one(i - 1, j - 1), 1, 1);
            }
            if i >= 1 {
                consider(best(&rows, i - 1, j), SKIP_COST, 1, 0);
            }
            if j >= 1 {
                consider(best(&rows, i, j - 1), SKIP_COST, 0, 1);
            }
            rows[i % 3][j - lo(i)] = here;
            steps[row_start[i] + j - lo(i)] = step;
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let step = steps[row_start[i] + j - lo(i)];
        if step == 0 {
            break; // unreachable within the band: cannot happen, the band follows the diagonal
        }
        let (di, dj) = (usize::from((step - 1) / 3), usize::from((step - 1) % 3));
        if (di, dj) == (1, 1) && cost.one(i - 1, j - 1) <= MAX_PAIR_COST {
            pairs.push((i - 1, j - 1));
        }
        i -= di;
        j -= dj;
    }
    pairs.reverse();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_agree_across_languages() {
        assert_eq!(key_of("[12] Everyone"), Some("12".into()));
        assert_eq!(key_of("[Preamble] Whereas"), Some("preamble".into()));
        assert_eq!(key_of("Article 12. Everyone"), Some("12".into()));
        assert_eq!(key_of("第十二条 任何人"), Some("12".into()));
        assert_eq!(key_of("第一百零三條"), Some("103".into()));
        assert_eq!(key_of("第12條"), Some("12".into()));
        assert_eq!(key_of("上合組織"), None);
        assert_eq!(key_of("[unclosed"), None);
    }

    #[test]
    fn alignment_skips_a_missing_passage() {
        let zh = [30.0, 60.0, 15.0, 90.0, 45.0];
        let en = [10.0, 20.0, 30.0, 15.0];
        assert_eq!(align(&zh, &en), [(0, 0), (1, 1), (3, 2), (4, 3)]);
        assert_eq!(align(&en, &zh), [(0, 0), (1, 1), (2, 3), (3, 4)]);
        // Lengths that disagree too much for a translation pair nothing.
        assert_eq!(align(&[10.0, 10.0], &[10.0, 100.0]), []);
    }

    /// The whole table, as the alignment was computed before it kept to a band.
    fn align_full(a: &[f64], b: &[f64]) -> Vec<(usize, usize)> {
        let cost = LengthCosts::new(a, b);
        let (n, m) = (a.len(), b.len());
        let mut best = vec![vec![(f64::INFINITY, (0usize, 0usize)); m + 1]; n + 1];
        best[0][0].0 = 0.0;
        for i in 0..=n {
            for j in 0..=m {
                let here = best[i][j].0;
                let mut step = |di: usize, dj: usize, c: f64| {
                    if i + di <= n && j + dj <= m && here + c < best[i + di][j + dj].0 {
                        best[i + di][j + dj] = (here + c, (di, dj));
                    }
                };
                if i < n && j < m {
                    step(1, 1, cost.one(i, j));
                }
                if i < n {
                    step(1, 0, SKIP_COST);
                }
                if j < m {
                    step(0, 1, SKIP_COST);
                }
                if i + 1 < n && j < m {
                    step(2, 1, cost.two_one(i, j));
                }
                if i < n && j + 1 < m {
                    step(1, 2, cost.one_two(i, j));
                }
            }
        }
        let mut pairs = Vec::new();
        let (mut i, mut j) = (n, m);
        while i > 0 || j > 0 {
            let (di, dj) = best[i][j].1;
            if (di, dj) == (1, 1) && cost.one(i - 1, j - 1) <= MAX_PAIR_COST {
                pairs.push((i - 1, j - 1));
            }
            i -= di;
            j -= dj;
        }
        pairs.reverse();
        pairs
    }

    proptest::proptest! {
        /// Within the band, the banded alignment is the full table's, ties included.
        #[test]
        fn banded_alignment_equals_the_full_table(
            a in proptest::collection::vec(1u8..8, 1..60),
            b in proptest::collection::vec(1u8..8, 1..60),
        ) {
            let a: Vec<f64> = a.iter().map(|&x| f64::from(x) * 10.0).collect();
            let b: Vec<f64> = b.iter().map(|&x| f64::from(x) * 10.0).collect();
            proptest::prop_assert_eq!(align(&a, &b), align_full(&a, &b));
        }
    }

    #[test]
    fn long_documents_align_within_a_band() {
        // Two 40,000-passage documents, one missing a passage: the full table would be 1.6 G
        // cells (38 GB); the band is 16 M cells.
        let a: Vec<f64> = (0..40_000)
            .map(|i| f64::from(10 + (i * 7919) % 90))
            .collect();
        let mut b = a.clone();
        b.remove(20_000);
        let pairs = align(&a, &b);
        assert_eq!(pairs.len(), 39_999);
        assert!(pairs
            .iter()
            .all(|&(i, j)| j == if i < 20_000 { i } else { i - 1 }));
        // A diagonal steeper than the band is wide still reaches its corner.
        let one = [1000.0];
        let many = vec![1.0; 5_000];
        assert!(align(&one, &many).is_empty());
        assert!(align(&many, &one).is_empty());
    }
}
