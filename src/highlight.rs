//! Highlights on the original text.
//!
//! The stored passage is analysed again (it is short) and each query clause is located the
//! way the index matched it: where its words occur in order, or its Han bigrams do (a
//! substring of a longer word, `人民共和国` in `中华人民共和国`). A clause found neither way
//! (a question matched by its bag of words) highlights each of its words that occurs. Ranges
//! cover original characters, so `發(fā)展` is covered whole.

use std::collections::HashMap;
use std::ops::Range;

use crate::analysis::{Analysis, Analyzer, Mode, Term};
use crate::query::{Clause, Occur};

/// Where a passage matches a query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matches {
    /// Byte ranges of the original text: sorted, merged when they overlap or touch.
    pub ranges: Vec<Range<usize>>,
    /// How many clauses are present in the passage.
    pub clauses: usize,
    /// `(typed, form)` for each clause present only through one of its alternatives.
    pub via: Vec<(String, String)>,
}

/// Terms of a text by (term, position), and the positions of each term.
struct Located<'a> {
    at: HashMap<(&'a str, usize), Range<usize>>,
    positions: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Located<'a> {
    fn new(terms: &'a [Term]) -> Self {
        let mut located = Located {
            at: HashMap::new(),
            positions: HashMap::new(),
        };
        for term in terms {
            located
                .at
                .insert((term.text.as_str(), term.position), term.range.clone());
            located
                .positions
                .entry(&term.text)
                .or_default()
                .push(term.position);
        }
        located
    }

    /// Spans where `sequence` occurs with its relative positions.
    fn find(&self, sequence: &[(usize, String)], out: &mut Vec<Range<usize>>) -> bool {
        let Some((first_offset, first_term)) = sequence.first() else {
            return false;
        };
        let mut found = false;
        for &start in self
            .positions
            .get(first_term.as_str())
            .into_iter()
            .flatten()
        {
            let Some(base) = start.checked_sub(*first_offset) else {
                continue;
            };
            let spans: Option<Vec<&Range<usize>>> = sequence
                .iter()
                .map(|(offset, term)| self.at.get(&(term.as_str(), base + offset)))
                .collect();
            if let Some(spans) = spans {
                let from = spans.iter().map(|r| r.start).min().expect("non-empty");
                let to = spans.iter().map(|r| r.end).max().expect("non-empty");
                out.push(from..to);
                found = true;
            }
        }
        found
    }
}

/// Find the clauses of a query in `text`.
pub fn find(text: &str, clauses: &[Clause], analyzer: &Analyzer) -> Matches {
    let analysis = if clauses
        .iter()
        .flat_map(Clause::forms)
        .any(|c| !c.bigrams.is_empty())
    {
        analyzer.analyze_document(text)
    } else {
        Analysis {
            words: analyzer.analyze(text, Mode::Index),
            grams: Vec::new(),
        }
    };
    let words = Located::new(&analysis.words);
    let bigrams = Located::new(&analysis.grams);

    let mut ranges = Vec::new();
    let mut present = 0;
    let mut via = Vec::new();
    for clause in clauses.iter().filter(|c| c.occur != Occur::MustNot) {
        let (mut found, mut directly, mut through) = (false, false, Vec::new());
        for (k, form) in clause.forms().enumerate() {
            let by_words = words.find(&form.terms, &mut ranges);
            let present = by_words || (form.han_only && bigrams.find(&form.bigrams, &mut ranges));
            match k {
                0 => directly = present,
                _ if present => through.push((clause.source.clone(), form.source.clone())),
                _ => {}
            }
            found |= present;
        }
        if !directly {
            via.extend(through);
        }
        if found {
            present += 1;
        } else {
            for term in clause.forms().flat_map(|form| &form.terms) {
                words.find(std::slice::from_ref(term), &mut ranges);
            }
        }
    }
    Matches {
        ranges: merge(ranges),
        clauses: present,
        via,
    }
}

fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Query;

    fn highlighted<'a>(text: &'a str, query: &str) -> Vec<&'a str> {
        let analyzer = Analyzer::default();
        let query = Query::parse(query, &analyzer).unwrap();
        find(text, &query.clauses, &analyzer)
            .ranges
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn highlights_cover_original_characters_with_artifacts() {
        assert_eq!(
            highlighted("實現(xiàn)共同發(fā)展,開創(chuàng)", "发展"),
            ["發(fā)展"]
        );
    }

    #[test]
    fn sub_words_substrings_and_segmented_words_are_highlighted_exactly() {
        assert_eq!(highlighted("相互尊重、平等互利的新范式", "互利"), ["互利"]);
        assert_eq!(
            highlighted("構建更加緊密的上合組織命運共同體", "上合组织"),
            ["上合組織"]
        );
        assert_eq!(
            highlighted("中華人民共和國憲法", "人民共和国"),
            ["人民共和國"]
        );
    }

    #[test]
    fn clause_order_matters_and_counts() {
        let analyzer = Analyzer::default();
        let query = Query::parse("\"上海精神\" 友城 -合作", &analyzer).unwrap();
        let text = "弘揚“上海精神”,深化友城友誼;精神上海合作";
        let matches = find(text, &query.clauses, &analyzer);
        assert_eq!(matches.clauses, 2);
        let shown: Vec<_> = matches.ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(shown, ["上海精神", "友城"]);
    }

    #[test]
    fn a_question_highlights_its_words_that_occur() {
        assert_eq!(
            highlighted("黑豹队的防守只丢了308分", "黑豹队的防守丢了多少分？"),
            ["黑豹队的防守", "丢了", "分"]
        );
    }
}
