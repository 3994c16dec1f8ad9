//! Evaluation: query files, relevance judgments, and the standard ranking measures.
//!
//! Queries are TSV lines `qid<TAB>query`; judgments are TREC qrels lines `qid 0 docid rel`
//! (rel > 0 is relevant). Runs rank documents by their best passage.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// Measures are taken over this many documents.
pub const CUTOFF: usize = 10;

/// One query of a query file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLine {
    pub qid: String,
    pub query: String,
    /// 1-based line in the file.
    pub line: usize,
}

/// Read a `qid<TAB>query` file; a line without a tab is an error naming it.
pub fn read_queries(path: &Path) -> Result<Vec<QueryLine>> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    let text = crate::text::decode(bytes, &Default::default())
        .map_err(Error::undecodable(path))?
        .text;
    let mut queries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((qid, query)) = line.split_once('\t') else {
            return Err(Error::Malformed {
                path: path.to_path_buf(),
                line: i + 1,
                reason: "expected qid<TAB>query".into(),
            });
        };
        queries.push(QueryLine {
            qid: qid.trim().to_owned(),
            query: query.to_owned(),
            line: i + 1,
        });
    }
    Ok(queries)
}

/// Relevance judgments: for each qid, its relevant documents and their grades.
pub type Qrels = HashMap<String, HashMap<String, u32>>;

/// Read TREC qrels (`qid iter docid rel`).
pub fn read_qrels(path: &Path) -> Result<Qrels> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    let text = crate::text::decode(bytes, &Default::default())
        .map_err(Error::undecodable(path))?
        .text;
    let mut qrels: Qrels = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let rel = match fields.as_slice() {
            [_, _, _, rel] => rel.parse::<u32>().ok(),
            _ => None,
        };
        let Some(rel) = rel else {
            return Err(Error::Malformed {
                path: path.to_path_buf(),
                line: i + 1,
                reason: "expected `qid iter docid relevance`".into(),
            });
        };
        if rel > 0 {
            qrels
                .entry(fields[0].to_owned())
                .or_default()
                .insert(fields[2].to_owned(), rel);
        }
    }
    Ok(qrels)
}

/// Aggregate measures of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measures {
    /// Judged queries evaluated.
    pub queries: usize,
    #[serde(rename = "mrr@10")]
    pub mrr: f64,
    #[serde(rename = "recall@10")]
    pub recall: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg: f64,
    /// Queries for which nothing was found.
    pub no_hit: usize,
}

/// Measure a run: `ranked` holds each query's documents in rank order. Only judged queries
/// count; a judged query missing from the run counts as a query with no hit.
pub fn measure(qrels: &Qrels, ranked: &BTreeMap<String, Vec<String>>) -> Measures {
    let (mut mrr, mut recall, mut ndcg, mut no_hit) = (0.0, 0.0, 0.0, 0);
    let empty = Vec::new();
    for (qid, relevant) in qrels {
        let docs = ranked.get(qid).unwrap_or(&empty);
        if docs.is_empty() {
            no_hit += 1;
        }
        let mut seen = HashSet::new();
        let top: Vec<&String> = docs
            .iter()
            .filter(|d| seen.insert(*d))
            .take(CUTOFF)
            .collect();
        if let Some(rank) = top.iter().position(|d| relevant.contains_key(*d)) {
            mrr += 1.0 / (rank + 1) as f64;
        }
        let found = top.iter().filter(|d| relevant.contains_key(**d)).count();
        recall += found as f64 / relevant.len() as f64;
        let gain = |rel: u32| 2f64.powi(rel as i32) - 1.0;
        let dcg: f64 = top
            .iter()
            .enumerate()
            .map(|(i, d)| {
                relevant
                    .get(*d)
                    .map_or(0.0, |&r| gain(r) / (i as f64 + 2.0).log2())
            })
            .sum();
        let mut grades: Vec<u32> = relevant.values().copied().collect();
        grades.sort_unstable_by(|a, b| b.cmp(a));
        let ideal: f64 = grades
            .iter()
            .take(CUTOFF)
            .enumerate()
            .map(|(i, &r)| gain(r) / (i as f64 + 2.0).log2())
            .sum();
        ndcg += if ideal > 0.0 { dcg / ideal } else { 0.0 };
    }
    let n = qrels.len().max(1) as f64;
    Measures {
        queries: qrels.len(),
        mrr: mrr / n,
        recall: recall / n,
        ndcg: ndcg / n,
        no_hit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_follow_their_definitions() {
        let mut qrels: Qrels = HashMap::new();
        qrels.insert("q1".into(), HashMap::from([("d2".into(), 1)]));
        qrels.insert("q2".into(), HashMap::from([("d9".into(), 1)]));
        qrels.insert(
            "q3".into(),
            HashMap::from([("d1".into(), 1), ("d3".into(), 1)]),
        );
        let ranked = BTreeMap::from([
            ("q1".to_owned(), vec!["d1".to_owned(), "d2".to_owned()]),
            (
                "q3".to_owned(),
                vec!["d3".to_owned(), "d3".to_owned(), "d5".to_owned()],
            ),
        ]);
        let m = measure(&qrels, &ranked);
        assert_eq!((m.queries, m.no_hit), (3, 1));
        assert!((m.mrr - (0.5 + 0.0 + 1.0) / 3.0).abs() < 1e-9);
        assert!((m.recall - (1.0 + 0.0 + 0.5) / 3.0).abs() < 1e-9);
        let q1 = 1.0 / 3f64.log2();
        let q3 = 1.0 / (1.0 + 1.0 / 3f64.log2());
        assert!((m.ndcg - (q1 + q3) / 3.0).abs() < 1e-9);
    }
}

/// How a batch ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranking {
    /// Passages, as `search` shows them.
    Passages,
    /// Documents by their best passage.
    Documents,
}

/// Run many queries through `searcher` on all cores; results come in the queries' order.
pub(crate) fn search_batch(
    searcher: &super::Searcher,
    queries: &[QueryLine],
    options: &crate::SearchOptions,
    ranking: Ranking,
) -> Vec<Result<Vec<crate::Hit>>> {
    use rayon::prelude::*;
    queries
        .par_iter()
        .map(|line| {
            searcher
                .parse_query(&line.query, options)
                .and_then(|q| match ranking {
                    Ranking::Passages => searcher.search_parsed(&q, options),
                    Ranking::Documents => searcher.search_documents(&q, options),
                })
        })
        .collect()
}

/// Rank documents for every query through `searcher` and measure the run against `qrels`.
/// Queries that fail to parse are returned with their error and count as queries with no hit.
pub(crate) fn evaluate(
    searcher: &super::Searcher,
    queries: &[QueryLine],
    qrels: &Qrels,
    options: &crate::SearchOptions,
) -> (Measures, Vec<(QueryLine, crate::Error)>) {
    let options = crate::SearchOptions {
        limit: CUTOFF,
        ..options.clone()
    };
    let mut ranked = BTreeMap::new();
    let mut failed = Vec::new();
    for (line, result) in queries.iter().zip(search_batch(
        searcher,
        queries,
        &options,
        Ranking::Documents,
    )) {
        match result {
            Ok(hits) => {
                ranked.insert(line.qid.clone(), hits.into_iter().map(|h| h.doc).collect());
            }
            Err(err) => failed.push((line.clone(), err)),
        }
    }
    let asked: HashSet<&str> = queries.iter().map(|q| q.qid.as_str()).collect();
    let judged: Qrels = qrels
        .iter()
        .filter(|(qid, _)| asked.contains(qid.as_str()))
        .map(|(q, r)| (q.clone(), r.clone()))
        .collect();
    (measure(&judged, &ranked), failed)
}
