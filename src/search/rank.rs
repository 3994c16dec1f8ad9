//! Ranking: which passages a [`Plan`] selects, best first, as [`Candidate`]s.
//!
//! The searcher asks its [`Ranker`] for the best `limit` candidates, then renders them
//! (stored text, highlights, counterparts). The ranker is a seam: today's lexical ranking
//! ([`LexicalRanker`]) is one implementation, and a ranker that fuses another score (meaning,
//! from embeddings) with the lexical features of each candidate is another, plugged in with
//! [`Searcher::with_ranker`](super::Searcher::with_ranker) without touching parsing, plans or
//! rendering.

use tantivy::collector::TopDocs;
use tantivy::query::Query as TantivyQuery;
use tantivy::DocAddress;

use super::plan::{Plan, TIER};
use super::Searcher;
use crate::error::{Error, Result};

/// A passage a ranker chose, with the features it ranked it by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Where the passage is in the searcher's view.
    pub address: DocAddress,
    /// The ranking score (what [`Hit::score`](super::Hit::score) shows).
    pub score: f32,
    /// Units and whole clauses of a keyword query present in the passage (each adds
    /// [`TIER`] to a lexical score); 0 for a question.
    pub tiers: u32,
    /// The lexical relevance of the passage: BM25 over the plan's parts, tiers aside.
    pub lexical: f32,
    /// How the score fused lexical and dense scores, in a semantic search.
    pub semantic: Option<super::hybrid::Fusion>,
}

impl Candidate {
    /// A candidate of `plan` with its lexical `score`, split into its features.
    pub fn lexical(plan: &Plan, address: DocAddress, score: f32) -> Candidate {
        let tiers = match plan.keywords && score >= TIER {
            true => (score / TIER).floor() as u32,
            false => 0,
        };
        Candidate {
            address,
            score,
            tiers,
            lexical: score - tiers as f32 * TIER,
            semantic: None,
        }
    }
}

/// Chooses the best passages of a plan.
pub trait Ranker: Send + Sync {
    /// The best `limit` candidates of `plan` in `searcher`'s view, best first.
    fn rank(&self, searcher: &Searcher, plan: &Plan, limit: usize) -> Result<Vec<Candidate>>;
}

/// BM25 over the plan's parts, with a tier per present unit or whole clause of a keyword
/// query (see [`super::plan`]): one pass of the plan's query, less the passages under its
/// threshold (they sort last, so the rest are the best). Two cheaper runs give the same
/// passages and scores where they apply: [`Plan::term_union`] (block-WAND) and
/// [`Plan::everything_present`] (an intersection that fills the page).
#[derive(Debug, Clone, Copy, Default)]
pub struct LexicalRanker;

impl Ranker for LexicalRanker {
    fn rank(&self, searcher: &Searcher, plan: &Plan, limit: usize) -> Result<Vec<Candidate>> {
        // tantivy allocates for the whole limit: no more than there are passages.
        let limit = limit.min(searcher.snapshot.num_docs() as usize);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let index = searcher.index;
        let top = TopDocs::with_limit(limit).order_by_score();
        let run = |query: &dyn TantivyQuery, bonus: f32| -> Result<Vec<Candidate>> {
            let found = searcher
                .snapshot
                .search(query, &top)
                .map_err(Error::tantivy(&index.dir))?;
            let mut ranked: Vec<Candidate> = found
                .into_iter()
                .map(|(score, address)| Candidate::lexical(plan, address, score + bonus))
                .collect();
            // Equal scores in corpus order, whichever run found them.
            ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
            Ok(ranked)
        };
        if let Some(union) = plan.term_union(&index.fields, index.has_titles) {
            return run(union.as_ref(), TIER);
        }
        if let Some(everything) = plan.everything_present(&index.fields) {
            let ranked = run(everything.as_ref(), 0.0)?;
            if ranked.len() == limit {
                return Ok(ranked);
            }
        }
        let mut ranked = run(plan.query(&index.fields).as_ref(), 0.0)?;
        if let Some(threshold) = plan.threshold {
            ranked.retain(|candidate| candidate.score >= threshold);
        }
        Ok(ranked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_score_splits_into_tiers_and_bm25() {
        let query = crate::Query::parse("上合组织", &crate::Analyzer::new(None)).unwrap();
        let plan = Plan::new(&query, &super::super::SearchOptions::default());
        assert!(plan.keywords);
        let address = DocAddress::new(0, 7);
        let candidate = Candidate::lexical(&plan, address, 3.0 * TIER + 12.5);
        assert_eq!((candidate.tiers, candidate.lexical), (3, 12.5));
        let question = crate::Query::parse(
            "上海合作组织的成员国在哪一年签署了友好城市倡议？",
            &crate::Analyzer::new(None),
        )
        .unwrap();
        let plan = Plan::new(&question, &super::super::SearchOptions::default());
        assert!(!plan.keywords);
        let candidate = Candidate::lexical(&plan, address, 9.25);
        assert_eq!((candidate.tiers, candidate.lexical), (0, 9.25));
    }
}
