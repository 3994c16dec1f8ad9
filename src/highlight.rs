//! Highlights on the original text.
//!
//! The stored passage is analysed again (it is short) and every occurrence of a query clause
//! is located with the same terms and positions the index used, so highlights agree with what
//! matched, including sub-words (`互利` inside `平等互利`) and words whose characters carry
//! pinyin artifacts (`發(fā)展` is covered whole).

use std::collections::HashMap;
use std::ops::Range;

use crate::analysis::{Analyzer, Mode};
use crate::query::Clause;

/// Where a passage matches a query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matches {
    /// Byte ranges of the original text: sorted, merged when they overlap or touch.
    pub ranges: Vec<Range<usize>>,
    /// How many clauses occur in the passage.
    pub clauses: usize,
}

/// Find the clauses of a query in `text`.
pub fn find(text: &str, clauses: &[Clause], analyzer: &Analyzer) -> Matches {
    let mut at: HashMap<(&str, usize), Range<usize>> = HashMap::new();
    let mut by_term: HashMap<&str, Vec<usize>> = HashMap::new();
    let terms = analyzer.analyze(text, Mode::Index);
    for term in &terms {
        at.insert((term.text.as_str(), term.position), term.range.clone());
        by_term.entry(&term.text).or_default().push(term.position);
    }

    let mut ranges = Vec::new();
    let mut matched = 0;
    for clause in clauses {
        let (first_offset, first_term) = &clause.terms[0];
        let mut found = false;
        for &start in by_term.get(first_term.as_str()).into_iter().flatten() {
            let Some(base) = start.checked_sub(*first_offset) else {
                continue;
            };
            let spans: Option<Vec<&Range<usize>>> = clause
                .terms
                .iter()
                .map(|(offset, term)| at.get(&(term.as_str(), base + offset)))
                .collect();
            if let Some(spans) = spans {
                let from = spans
                    .iter()
                    .map(|r| r.start)
                    .min()
                    .expect("a clause has terms");
                let to = spans
                    .iter()
                    .map(|r| r.end)
                    .max()
                    .expect("a clause has terms");
                ranges.push(from..to);
                found = true;
            }
        }
        matched += usize::from(found);
    }
    Matches {
        ranges: merge(ranges),
        clauses: matched,
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
    fn sub_words_and_segmented_words_are_highlighted_exactly() {
        assert_eq!(highlighted("相互尊重、平等互利的新范式", "互利"), ["互利"]);
        assert_eq!(
            highlighted("構建更加緊密的上合組織命運共同體", "上合组织"),
            ["上合組織"]
        );
    }

    #[test]
    fn clause_order_matters_and_counts() {
        let analyzer = Analyzer::default();
        let query = Query::parse("\"上海精神\" 友城", &analyzer).unwrap();
        let text = "弘揚“上海精神”,深化友城友誼;精神上海";
        let matches = find(text, &query.clauses, &analyzer);
        assert_eq!(matches.clauses, 2);
        let shown: Vec<_> = matches.ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(shown, ["上海精神", "友城"]);
    }
}
