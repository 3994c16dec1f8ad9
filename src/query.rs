//! Query parsing and analysis.
//!
//! A query is a list of clauses separated by whitespace: a word, or a `"quoted phrase"`. Each
//! clause is analysed exactly like document text (cleanup, folding, segmentation, stemming) but
//! without sub-words, and keeps its terms' relative positions: a clause of several terms (a
//! phrase, or a word such as `上合组织` that segments into `上 合 组织`) matches only where its
//! terms stand in that order.

use crate::analysis::{Analyzer, Mode};
use crate::error::{Error, Result};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

/// A parsed and analysed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

/// One word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The clause as typed.
    pub source: String,
    /// Whether it was quoted.
    pub phrase: bool,
    /// Its terms with positions relative to the first.
    pub terms: Vec<(usize, String)>,
}

impl Query {
    /// Check the syntax of `input` without analysing it: errors for an empty or blank
    /// query, an unbalanced quote, an overlong query.
    pub fn check_syntax(input: &str) -> Result<()> {
        split_clauses(input).map(drop)
    }

    /// Parse `input` and analyse it with `analyzer` (the index's).
    pub fn parse(input: &str, analyzer: &Analyzer) -> Result<Query> {
        let mut clauses: Vec<Clause> = Vec::new();
        for (source, phrase) in split_clauses(input)? {
            let terms = analyzer.analyze(source, Mode::Query);
            let Some(first) = terms.first().map(|t| t.position) else {
                continue;
            };
            let clause = Clause {
                source: source.to_owned(),
                phrase,
                terms: terms
                    .into_iter()
                    .map(|t| (t.position - first, t.text))
                    .collect(),
            };
            if !clauses.iter().any(|c| c.terms == clause.terms) {
                clauses.push(clause);
            }
        }
        if clauses.is_empty() {
            return Err(Error::InvalidQuery {
                query: input.to_owned(),
                reason: "it has no searchable word (only punctuation or symbols)".into(),
            });
        }
        Ok(Query { clauses })
    }
}

/// Split into (clause text, quoted) pairs.
fn split_clauses(input: &str) -> Result<Vec<(&str, bool)>> {
    if input.trim().is_empty() {
        return Err(Error::EmptyQuery);
    }
    let invalid = |reason: String| Error::InvalidQuery {
        query: input.to_owned(),
        reason,
    };
    let length = input.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "{length} characters; at most {MAX_QUERY_CHARS} are accepted"
        )));
    }
    let mut clauses = Vec::new();
    let mut rest = input;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(clauses);
        }
        if let Some(quoted) = rest.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                let column = input.len() - rest.len();
                return Err(invalid(format!("unbalanced quote at byte {column}")));
            };
            clauses.push((&quoted[..end], true));
            rest = &quoted[end + 1..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            clauses.push((&rest[..end], false));
            rest = &rest[end..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<Query> {
        Query::parse(input, &Analyzer::default())
    }

    fn terms(query: &Query) -> Vec<Vec<(usize, &str)>> {
        query
            .clauses
            .iter()
            .map(|c| c.terms.iter().map(|(o, t)| (*o, t.as_str())).collect())
            .collect()
    }

    #[test]
    fn words_and_phrases_keep_relative_positions() {
        let query = parse("上合組織 \"Friendship Cities\" 减贫").unwrap();
        assert_eq!(
            terms(&query),
            [
                vec![(0, "上"), (1, "合"), (2, "组织")],
                vec![(0, "friendship"), (1, "citi")],
                vec![(0, "减"), (1, "贫")],
            ]
        );
        assert!(query.clauses[1].phrase);
    }

    #[test]
    fn same_clause_in_both_scripts_counts_once() {
        assert_eq!(parse("减贫 減貧").unwrap().clauses.len(), 1);
    }

    #[test]
    fn bad_queries_are_errors() {
        assert!(matches!(parse(""), Err(Error::EmptyQuery)));
        assert!(matches!(parse("  \t "), Err(Error::EmptyQuery)));
        for bad in ["\"上海精神", "，。！", &"字".repeat(MAX_QUERY_CHARS + 1)] {
            assert!(
                matches!(parse(bad), Err(Error::InvalidQuery { .. })),
                "{bad}"
            );
        }
    }
}
