//! Search: run a query against an index and rank its passages.
//!
//! Ranking is BM25 over the whole index (both languages in one field), with one rule on top:
//! a passage that matches more of the query's clauses ranks above one that matches fewer. It
//! is exact, not a heuristic boost: the query runs with "at least `m` clauses must match" for
//! `m` from all clauses down to one, each round adding the passages that match exactly `m`,
//! in BM25 order, until the limit is reached.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, PhraseQuery, Query as TantivyQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::highlight;
use crate::index::{Fields, Index};
use crate::passage::Lang;
use crate::query::{Clause, Query};

/// How to search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// At most this many hits.
    pub limit: usize,
    /// Only passages in this language.
    pub lang: Option<Lang>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            lang: None,
        }
    }
}

/// One ranked passage; serialises to the `--json` line of the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// 1-based rank.
    pub rank: usize,
    /// BM25 score.
    pub score: f32,
    /// Document id.
    pub doc: String,
    /// 1-based passage number within the document.
    pub passage: u32,
    pub lang: Lang,
    /// 1-based line of the passage's first character.
    pub line: u32,
    /// The passage exactly as in the source file.
    pub text: String,
    /// Matched words as `[start, end)` byte ranges of `text`: sorted, non-overlapping, on char
    /// boundaries.
    pub highlights: Vec<(usize, usize)>,
}

impl Index {
    /// Search for `query` (see [`Query::parse`] for the syntax).
    pub fn search(&self, query: &str, options: &SearchOptions) -> Result<Vec<Hit>> {
        let query = Query::parse(query, &self.analyzer)?;
        self.search_parsed(&query, options)
    }

    /// Search with a query already parsed.
    pub fn search_parsed(&self, query: &Query, options: &SearchOptions) -> Result<Vec<Hit>> {
        let searcher = self.reader.searcher();
        let mut ranked: Vec<(f32, DocAddress)> = Vec::new();
        let mut seen = HashSet::new();
        for required in (1..=query.clauses.len()).rev() {
            if ranked.len() >= options.limit {
                break;
            }
            let tantivy_query = compile(&self.fields, query, required, options.lang);
            let top = TopDocs::with_limit(options.limit + seen.len()).order_by_score();
            for (score, address) in searcher
                .search(&tantivy_query, &top)
                .map_err(Error::tantivy(&self.dir))?
            {
                if ranked.len() < options.limit && seen.insert(address) {
                    ranked.push((score, address));
                }
            }
            if ranked.len() >= options.limit {
                break;
            }
        }

        ranked
            .into_iter()
            .enumerate()
            .map(|(i, (score, address))| {
                let stored: TantivyDocument =
                    searcher.doc(address).map_err(Error::tantivy(&self.dir))?;
                Ok(self.hit(i + 1, score, &stored, &query.clauses))
            })
            .collect()
    }

    fn hit(&self, rank: usize, score: f32, stored: &TantivyDocument, clauses: &[Clause]) -> Hit {
        let stored = self.fields.read(stored);
        let highlights = highlight::find(&stored.text, clauses, &self.analyzer)
            .ranges
            .into_iter()
            .map(|r| (r.start, r.end))
            .collect();
        Hit {
            rank,
            score,
            doc: stored.doc,
            passage: stored.passage as u32,
            lang: stored.lang.parse().unwrap_or(Lang::En),
            line: stored.line as u32,
            text: stored.text,
            highlights,
        }
    }
}

/// The tantivy query matching passages with at least `required` of the clauses.
fn compile(
    fields: &Fields,
    query: &Query,
    required: usize,
    lang: Option<Lang>,
) -> Box<dyn TantivyQuery> {
    let mut parts: Vec<(Occur, Box<dyn TantivyQuery>)> = query
        .clauses
        .iter()
        .map(|clause| (Occur::Should, clause_query(fields, clause)))
        .collect();
    if let Some(lang) = lang {
        let term = Term::from_field_text(fields.lang, lang.as_str());
        // A filter: it must not add to the score, or filtering would change the ranking.
        let filter = TermQuery::new(term, IndexRecordOption::Basic);
        parts.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(filter), 0.0)),
        ));
    }
    Box::new(BooleanQuery::with_minimum_required_clauses(parts, required))
}

fn clause_query(fields: &Fields, clause: &Clause) -> Box<dyn TantivyQuery> {
    let term = |text: &str| Term::from_field_text(fields.text, text);
    match clause.terms.as_slice() {
        [(_, only)] => Box::new(TermQuery::new(
            term(only),
            IndexRecordOption::WithFreqsAndPositions,
        )),
        terms => Box::new(PhraseQuery::new_with_offset(
            terms.iter().map(|(offset, t)| (*offset, term(t))).collect(),
        )),
    }
}
