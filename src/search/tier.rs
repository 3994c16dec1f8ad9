//! A query wrapper that adds a constant to the score of every passage its query matches:
//! the one-pass form of "passages with more of the query present rank first".
//!
//! Keyword queries used to run once per number of present clauses (all of them, then one
//! fewer, ...), each round a BooleanQuery with a Must clause. Giving each present unit a
//! [`TIER`](super::plan::TIER) on top of its BM25 score orders the passages the same way in a
//! single pass: the count of present units decides, BM25 breaks ties within a count.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term};

/// Matches what `query` matches, scoring its score plus `bonus`.
pub struct TierQuery {
    query: Box<dyn Query>,
    bonus: Score,
}

impl TierQuery {
    pub fn new(query: Box<dyn Query>, bonus: Score) -> TierQuery {
        TierQuery { query, bonus }
    }
}

impl Clone for TierQuery {
    fn clone(&self) -> Self {
        TierQuery {
            query: self.query.box_clone(),
            bonus: self.bonus,
        }
    }
}

impl fmt::Debug for TierQuery {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Tier(bonus={}, query={:?})", self.bonus, self.query)
    }
}

impl Query for TierQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weight = self.query.weight(enable_scoring)?;
        Ok(match enable_scoring.is_scoring_enabled() {
            true => Box::new(TierWeight {
                weight,
                bonus: self.bonus,
            }),
            false => weight,
        })
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.query.query_terms(visitor);
    }
}

struct TierWeight {
    weight: Box<dyn Weight>,
    bonus: Score,
}

impl Weight for TierWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(TierScorer {
            scorer: self.weight.scorer(reader, boost)?,
            bonus: boost * self.bonus,
        }))
    }

    fn scorer_danger(
        &self,
        reader: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        let (found, scorer) = self.weight.scorer_danger(reader, target, boost)?;
        let bonus = boost * self.bonus;
        Ok((found, Box::new(TierScorer { scorer, bonus })))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.weight.explain(reader, doc)?;
        let mut explanation = Explanation::new("Tier: present, plus", inner.value() + self.bonus);
        explanation.add_const("bonus", self.bonus);
        explanation.add_detail(inner);
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.weight.count(reader)
    }
}

struct TierScorer {
    scorer: Box<dyn Scorer>,
    bonus: Score,
}

impl DocSet for TierScorer {
    fn advance(&mut self) -> DocId {
        self.scorer.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.scorer.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.scorer.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.scorer.doc()
    }

    fn size_hint(&self) -> u32 {
        self.scorer.size_hint()
    }

    fn cost(&self) -> u64 {
        self.scorer.cost()
    }
}

impl Scorer for TierScorer {
    fn score(&mut self) -> Score {
        self.scorer.score() + self.bonus
    }
}
