//! Semantic ranking: the lexical ranking fused with the cosine of meaning vectors.
//!
//! With [`SearchOptions::semantic`](super::SearchOptions::semantic), a query's words (as
//! typed) are embedded with the index's model ([`crate::semantic::Model`]) and compared with
//! every passage's vector ([`crate::index::vectors`]; exact, no approximation). The
//! candidates are the union of the lexical ranker's best [`DEPTH`] and the nearest
//! [`DEPTH`] by cosine. Each list's scores are min-max normalised over the union (a passage
//! the lexical ranking did not find scores its lowest), and mixed linearly:
//!
//! `score = (1 − w) × lexical + w × dense`
//!
//! with the weight `w` by the languages of query and passage: meaning matters more across
//! languages, where words cannot match ([`SAME_LANGUAGE_WEIGHT`], [`CROSS_LANGUAGE_WEIGHT`],
//! chosen on the dev sets; `docs/semantic.md`). A linear mix beat reciprocal-rank fusion,
//! and re-ranking the lexical list alone, in the measurements the issue reports.
//!
//! A passage found by meaning alone still obeys the query's hard parts (`+word`, `-word`,
//! `lang:`, `doc:`), and gets highlights of any words it shares with the query.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tantivy::query::{EnableScoring, Query as TantivyQuery};
use tantivy::{DocAddress, DocSet};

use super::plan::Plan;
use super::rank::{Candidate, Ranker};
use super::Searcher;
use crate::error::{Error, Result};
use crate::index::vectors::Dense;
use crate::text::Lang;

/// The weight of meaning when query and passage are in one language.
pub const SAME_LANGUAGE_WEIGHT: f32 = 0.5;
/// The weight of meaning when they are not (an English question, Chinese passages).
pub const CROSS_LANGUAGE_WEIGHT: f32 = 0.8;
/// Candidates taken from each ranking, at least.
pub const DEPTH: usize = 100;

/// How a hit's score was fused: in [`Hit::semantic`](super::Hit::semantic) and
/// `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fusion {
    /// The lexical score (what a search without `--semantic` ranks by); 0 when the passage
    /// is not among the lexical candidates.
    pub lexical: f32,
    /// The cosine of the query's and the passage's embeddings.
    pub dense: f32,
    /// The weight of `dense` in the fused score.
    pub weight: f32,
}

/// The weights in force: [`SAME_LANGUAGE_WEIGHT`] and [`CROSS_LANGUAGE_WEIGHT`], unless
/// `DECLSEARCH_FUSION_WEIGHTS=same,cross` sets others (for tuning them on dev sets).
pub fn weights() -> (f32, f32) {
    static WEIGHTS: std::sync::OnceLock<(f32, f32)> = std::sync::OnceLock::new();
    *WEIGHTS.get_or_init(|| {
        let set = std::env::var("DECLSEARCH_FUSION_WEIGHTS").ok();
        let parsed = set.as_deref().and_then(|s| {
            let (same, cross) = s.split_once(',')?;
            let (same, cross) = (same.trim().parse().ok()?, cross.trim().parse().ok()?);
            let valid = |w: f32| (0.0..=1.0).contains(&w);
            (valid(same) && valid(cross)).then_some((same, cross))
        });
        parsed.unwrap_or((SAME_LANGUAGE_WEIGHT, CROSS_LANGUAGE_WEIGHT))
    })
}

/// The weight of meaning for a query in `query` and a passage in `passage`.
pub fn weight(query: Lang, passage: Option<Lang>) -> f32 {
    let (same, cross) = weights();
    match passage {
        Some(lang) if lang != query => cross,
        _ => same,
    }
}

/// The nearest [`DEPTH`] passages by meaning (in the plan's language) that the plan's hard
/// parts let through, nearest first.
fn nearest_allowed(
    searcher: &Searcher,
    plan: &Plan,
    dense: &Dense,
    query: &[f32],
) -> Result<Vec<DocAddress>> {
    let part = plan.semantic.as_ref().expect("a semantic plan");
    let nearest: Vec<DocAddress> = (dense.vectors.nearest(query, DEPTH, part.lang).into_iter())
        .filter_map(|(row, _)| dense.address_of(row))
        .collect();
    match plan.constraints(&searcher.index.fields) {
        None => Ok(nearest),
        Some(constraints) => {
            let allowed = matching(searcher, constraints.as_ref(), &nearest)?;
            Ok(nearest
                .into_iter()
                .filter(|a| allowed.contains(a))
                .collect())
        }
    }
}

/// Which of `addresses` `query` matches: one scorer per segment, moved forward through them.
fn matching(
    searcher: &Searcher,
    query: &dyn TantivyQuery,
    addresses: &[DocAddress],
) -> Result<HashSet<DocAddress>> {
    let dir = &searcher.index.dir;
    let weight = query
        .weight(EnableScoring::disabled_from_searcher(&searcher.snapshot))
        .map_err(Error::tantivy(dir))?;
    let mut sorted = addresses.to_vec();
    sorted.sort_unstable();
    let mut found = HashSet::new();
    for segment in sorted.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
        let reader = searcher.snapshot.segment_reader(segment[0].segment_ord);
        let mut scorer = weight.scorer(reader, 1.0).map_err(Error::tantivy(dir))?;
        for &address in segment {
            let mut at = scorer.doc();
            if at < address.doc_id {
                at = scorer.seek(address.doc_id);
            }
            if at == address.doc_id {
                found.insert(address);
            }
        }
    }
    Ok(found)
}

/// The hits of a semantic search in all: the passages the words match, and those found by
/// meaning alone (among the nearest [`DEPTH`], let through by the hard parts), which a
/// search paged to its end shows.
pub(crate) fn count(searcher: &Searcher, plan: &Plan) -> Result<usize> {
    let part = plan.semantic.as_ref().expect("a semantic plan");
    let index = searcher.index;
    let words = plan.matching(&index.fields);
    let lexical = searcher
        .snapshot
        .search(words.as_ref(), &tantivy::collector::Count)
        .map_err(Error::tantivy(&index.dir))?;
    let (model, dense) = index.semantic()?;
    let query = searcher.query_embedding(model, &part.text);
    let nearest = nearest_allowed(searcher, plan, dense, &query)?;
    let matched = matching(searcher, words.as_ref(), &nearest)?;
    Ok(lexical + nearest.iter().filter(|a| !matched.contains(a)).count())
}

/// The best `limit` candidates of `plan` (which has a semantic part), fused: the lexical
/// ranker's best max(`limit`, [`DEPTH`]) and the nearest [`DEPTH`] by meaning.
pub(crate) fn rank(
    searcher: &Searcher,
    lexical: &dyn Ranker,
    plan: &Plan,
    limit: usize,
) -> Result<Vec<Candidate>> {
    let part = plan.semantic.as_ref().expect("a semantic plan");
    let index = searcher.index;
    let (model, dense) = index.semantic()?;
    if limit == 0 {
        return Ok(Vec::new());
    }
    let depth = limit.max(DEPTH);
    let lexical = lexical.rank(searcher, plan, depth)?;
    let query = searcher.query_embedding(model, &part.text);
    let query_lang = Lang::detect(&part.text);

    let mut by_address: HashSet<DocAddress> = HashSet::new();
    let mut fused: Vec<(Candidate, Option<f32>)> = Vec::new();
    for candidate in lexical {
        by_address.insert(candidate.address);
        fused.push((candidate, Some(candidate.score)));
    }
    for address in nearest_allowed(searcher, plan, dense, &query)? {
        if by_address.insert(address) {
            fused.push((Candidate::lexical(plan, address, 0.0), None));
        }
    }

    let span = |scores: &mut dyn Iterator<Item = f32>| {
        scores.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), s| {
            (lo.min(s), hi.max(s))
        })
    };
    let normalised = |s: f32, (lo, hi): (f32, f32)| match hi > lo {
        true => (s - lo) / (hi - lo),
        false => 1.0,
    };
    let lexical_span = span(&mut fused.iter().filter_map(|(_, s)| *s));
    let cosines: Vec<(f32, Option<Lang>)> = fused
        .iter()
        .map(|(c, _)| {
            let row = dense.row_of(c.address);
            (
                dense.vectors.cosine(&query, row),
                dense.vectors.row(row).lang,
            )
        })
        .collect();
    let dense_span = span(&mut cosines.iter().map(|(c, _)| *c));
    let mut ranked: Vec<Candidate> = fused
        .into_iter()
        .zip(cosines)
        .map(|((mut candidate, lexical), (cosine, lang))| {
            let w = weight(query_lang, lang);
            let lexical_part = lexical.map_or(0.0, |s| normalised(s, lexical_span));
            candidate.score = (1.0 - w) * lexical_part + w * normalised(cosine, dense_span);
            candidate.semantic = Some(Fusion {
                lexical: lexical.unwrap_or(0.0),
                dense: cosine,
                weight: w,
            });
            candidate
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
    ranked.truncate(limit);
    Ok(ranked)
}
