//! Explaining a query: what cleanup, folding and segmentation made of it, what it was
//! expanded to, and the plan that runs: its lines are rendered from the same [`Plan`] that
//! builds the tantivy query (see [`crate::search::plan`]).

use serde::Serialize;

use crate::analysis::fold::to_simplified;
use crate::query::{Occur, Query};
use crate::search::{Plan, SearchOptions};
use crate::text::cleanup::clean;

/// What a query became; the `declsearch explain --json` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryReport {
    pub query: String,
    /// `keywords` or `question` (see [`Query::is_question`]).
    pub mode: &'static str,
    pub clauses: Vec<ClauseReport>,
    /// Forms the query was widened to, one line each.
    pub expansions: Vec<String>,
    /// Stop words left out of the ranking.
    pub dropped: Vec<String>,
    /// The query that runs, one line a part of its [`Plan`], and how it ranks.
    pub tree: Vec<String>,
}

/// One clause of a [`QueryReport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseReport {
    pub source: String,
    /// `should`, `must` or `must_not`.
    pub occur: &'static str,
    pub phrase: bool,
    /// After pinyin-artifact removal and NFKC.
    pub cleaned: String,
    /// After folding to simplified.
    pub folded: String,
    /// Words as `term@position`.
    pub words: Vec<String>,
    pub bigrams: Vec<String>,
    pub chars: Vec<String>,
}

fn with_positions(terms: &[(usize, String)]) -> Vec<String> {
    terms.iter().map(|(p, t)| format!("{t}@{p}")).collect()
}

fn list(terms: &[(usize, String)]) -> String {
    terms
        .iter()
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn occur_name(occur: Occur, all: bool) -> &'static str {
    match occur {
        Occur::Should if all => "must",
        Occur::Should => "should",
        Occur::Must => "must",
        Occur::MustNot => "must_not",
    }
}

/// The report of a parsed query.
pub fn report(input: &str, query: &Query, options: &SearchOptions) -> QueryReport {
    let mut expansions = Vec::new();
    let clauses = query
        .clauses
        .iter()
        .map(|clause| {
            let cleaned = clean(&clause.source).text;
            let folded = to_simplified(&cleaned);
            if cleaned != clause.source {
                expansions.push(format!("{} → {cleaned} (cleanup)", clause.source));
            }
            if folded != cleaned {
                expansions.push(format!("{cleaned} → {folded} (traditional to simplified)"));
            }
            let forms: Vec<&str> = clause
                .alternatives
                .iter()
                .map(|a| a.source.as_str())
                .collect();
            let label = match (&clause.pinyin, options.cross) {
                (Some(letters), false) => format!("pinyin {letters}"),
                (Some(letters), true) => format!("pinyin {letters} and translations"),
                (None, true) => format!("translations of {}", clause.source),
                (None, false) => String::new(),
            };
            if !label.is_empty() {
                expansions.push(match forms.is_empty() {
                    true => format!("{label}: no form in the index"),
                    false => format!("{label} → {} (forms the index holds)", forms.join(" | ")),
                });
            }
            if clause.han_only && !clause.bigrams.is_empty() {
                expansions.push(format!(
                    "{folded} also present inside longer words: bigrams {} in order",
                    list(&clause.bigrams)
                ));
            }
            ClauseReport {
                source: clause.source.clone(),
                occur: occur_name(clause.occur, options.all),
                phrase: clause.phrase,
                cleaned,
                folded,
                words: with_positions(&clause.terms),
                bigrams: with_positions(&clause.bigrams),
                chars: clause.unigrams.iter().map(|(_, t)| t.clone()).collect(),
            }
        })
        .collect();
    QueryReport {
        query: input.to_owned(),
        mode: if query.is_question() {
            "question"
        } else {
            "keywords"
        },
        clauses,
        expansions,
        dropped: query.dropped.clone(),
        tree: Plan::new(query, options).lines(query),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analyzer;

    #[test]
    fn reports_folding_segmentation_and_rounds() {
        let query = Query::parse("上合組織 -減貧 the SCO", &Analyzer::default()).unwrap();
        let report = report("上合組織 -減貧 the SCO", &query, &SearchOptions::default());
        assert_eq!(report.mode, "keywords");
        assert_eq!(report.clauses[0].folded, "上合组织");
        assert_eq!(report.clauses[0].words, ["上@0", "合@1", "组织@2"]);
        assert_eq!(report.clauses[1].occur, "must_not");
        assert_eq!(report.dropped, ["the"]);
        assert!(report
            .expansions
            .contains(&"上合組織 → 上合组织 (traditional to simplified)".to_owned()));
        assert!(report.tree[0].contains("unit 上合"), "{:?}", report.tree);
        assert!(report.tree.iter().any(|l| l.contains("must_not")));
        assert!(report
            .tree
            .last()
            .unwrap()
            .starts_with("rank: by score in one pass"));
    }
}
