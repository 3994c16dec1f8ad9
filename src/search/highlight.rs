//! Highlights on the original text.
//!
//! Only the query's own units are looked for (see [`crate::query`]), the way the index
//! matched them: Han text as a substring of the passage's cleaned and folded text (so `香港`
//! is found inside every longer word that holds it, and `人民共和国` inside `中华人民共和国`),
//! English words by their analysed terms and positions. Nothing is segmented and no term of
//! the passage is hashed, so a highlight costs a scan of the passage. Ranges cover original
//! characters, so `發(fā)展` is covered whole.

use std::ops::Range;

use crate::analysis::fold::with_folder;
use crate::analysis::{Analyzer, Term};
use crate::query::{Clause, Occur};
use crate::text::cleanup::{for_each_clean_char, is_han};

/// Where a passage matches a query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matches {
    /// Byte ranges of the original text: sorted, merged when they overlap or touch.
    pub ranges: Vec<Range<usize>>,
    /// How many clauses are present in the passage (in whole or by a unit).
    pub clauses: usize,
    /// `(typed, form)` for each clause present only through one of its alternatives.
    pub via: Vec<(String, String)>,
}

/// A passage as the highlighter searches it.
struct Surface<'a> {
    original: &'a str,
    /// The cleaned text folded to simplified, character for character.
    folded: String,
    /// For each character of `folded`: its byte offset there, and the original byte range it
    /// came from.
    chars: Vec<(usize, Range<usize>)>,
    /// The English words, analysed on first need.
    latin: Option<Vec<Term>>,
    /// First letters of the English terms looked for.
    firsts: Vec<char>,
}

impl<'a> Surface<'a> {
    /// `original`, to be searched for English terms starting with one of `firsts` and for
    /// Han text where `han` says there is some to look for.
    fn new(original: &'a str, han: bool, firsts: Vec<char>) -> Surface<'a> {
        let mut folded = String::new();
        let mut chars = Vec::new();
        // ASCII text has nothing to clean or fold, and no Han to find.
        if han && !original.is_ascii() {
            folded.reserve(original.len());
            chars.reserve(original.len() / 2);
            with_folder(|fold| {
                for_each_clean_char(original, |c, origin| {
                    chars.push((folded.len(), origin));
                    folded.push(fold(c));
                })
            });
        }
        Surface {
            original,
            folded,
            chars,
            latin: None,
            firsts,
        }
    }

    /// `original`, to be searched for `terms`: for Han text if one of them is Han, for
    /// English words with the first letters of theirs.
    fn for_terms<'t>(
        original: &'a str,
        terms: impl Iterator<Item = &'t (usize, String)>,
    ) -> Surface<'a> {
        let (mut han, mut firsts) = (false, Vec::new());
        for (_, term) in terms {
            match term.chars().next() {
                Some(c) if is_han(c) => han = true,
                Some(c) if !firsts.contains(&c) => firsts.push(c),
                _ => {}
            }
        }
        Surface::new(original, han, firsts)
    }

    /// Original byte range of folded characters `from..to`.
    fn origin_of(&self, from: usize, to: usize) -> Range<usize> {
        self.chars[from].1.start..self.chars[to - 1].1.end
    }

    /// Every occurrence of folded Han text `needle`, overlapping ones too, as original
    /// byte ranges.
    fn find_han(&self, needle: &str, out: &mut Vec<Range<usize>>) -> bool {
        let Some(first) = needle.chars().next() else {
            return false;
        };
        let chars = needle.chars().count();
        let mut found = false;
        let mut from = 0;
        while let Some(at) = self.folded[from..].find(needle) {
            let byte = from + at;
            let start = self.chars.partition_point(|&(b, _)| b < byte);
            out.push(self.origin_of(start, start + chars));
            found = true;
            from = byte + first.len_utf8();
        }
        found
    }

    /// Every place where English `terms` occur at their relative positions.
    fn find_latin(
        &mut self,
        analyzer: &Analyzer,
        terms: &[(usize, String)],
        out: &mut Vec<Range<usize>>,
    ) -> bool {
        let (original, firsts) = (self.original, &self.firsts);
        let latin = self
            .latin
            .get_or_insert_with(|| analyzer.latin_words(original, firsts));
        let Some((first_offset, first)) = terms.first() else {
            return false;
        };
        let mut found = false;
        for (i, head) in latin.iter().enumerate() {
            if head.text != *first {
                continue;
            }
            let Some(base) = head.position.checked_sub(*first_offset) else {
                continue;
            };
            let mut span = head.range.clone();
            let all = terms.iter().skip(1).all(|(offset, text)| {
                let want = base + offset;
                // Positions ascend: the term at `want` is at most `want - position` further.
                latin[i..]
                    .iter()
                    .take_while(|t| t.position <= want)
                    .find(|t| t.position == want && t.text == *text)
                    .map(|t| {
                        span.start = span.start.min(t.range.start);
                        span.end = span.end.max(t.range.end);
                    })
                    .is_some()
            });
            if all {
                out.push(span);
                found = true;
            }
        }
        found
    }

    /// Where a clause form or unit of `terms` (Han text `han`, when all Han) occurs.
    fn find(
        &mut self,
        analyzer: &Analyzer,
        terms: &[(usize, String)],
        han: Option<&str>,
        out: &mut Vec<Range<usize>>,
    ) -> bool {
        if let Some(han) = han {
            return self.find_han(han, out);
        }
        let is_han_term = |t: &str| t.chars().all(is_han);
        if !terms.iter().any(|(_, t)| is_han_term(t)) {
            return self.find_latin(analyzer, terms, out);
        }
        // Mixed Han and English (`2015年NFL赛季`): present when each of its terms occurs.
        let mut all = true;
        for (_, term) in terms {
            all &= match is_han_term(term) {
                true => self.find_han(term, out),
                false => self.find_latin(analyzer, &[(0, term.clone())], out),
            };
        }
        all
    }
}

/// Find the clauses of a query in `text`: every occurrence of every unit and whole form of
/// each clause that is present.
pub fn find(text: &str, clauses: &[Clause], analyzer: &Analyzer) -> Matches {
    let sought = clauses.iter().filter(|c| c.occur != Occur::MustNot);
    let terms = sought.flat_map(|c| {
        let units = c.units.iter().flat_map(|u| &u.terms);
        c.forms().flat_map(|f| &f.terms).chain(units)
    });
    let mut surface = Surface::for_terms(text, terms);
    let mut ranges = Vec::new();
    let mut present = 0;
    let mut via = Vec::new();
    for clause in clauses.iter().filter(|c| c.occur != Occur::MustNot) {
        let (mut found, mut directly, mut through) = (false, false, Vec::new());
        for (k, form) in clause.forms().enumerate() {
            let han = form.han_text();
            let mut here = surface.find(analyzer, &form.terms, han.as_deref(), &mut ranges);
            if k == 0 {
                for unit in &form.units {
                    let han = unit.han.then_some(unit.text.as_str());
                    here |= surface.find(analyzer, &unit.terms, han, &mut ranges);
                }
                directly = here;
            } else if here {
                through.push((clause.source.clone(), form.source.clone()));
            }
            found |= here;
        }
        if !directly {
            via.extend(through);
        }
        present += usize::from(found);
    }
    Matches {
        ranges: merge(ranges),
        clauses: present,
        via,
    }
}

/// The query's words each alone, and the bigrams of its Han text, wherever they occur in
/// `text`: what a passage found by meaning alone shares with the query, though it holds none
/// of its units whole (`自由` of `言論自由` in `发表意见的自由`).
pub fn overlap(text: &str, clauses: &[Clause], analyzer: &Analyzer) -> Vec<Range<usize>> {
    let sought: Vec<&Clause> = clauses
        .iter()
        .filter(|c| c.occur != Occur::MustNot)
        .collect();
    let mut surface = Surface::for_terms(text, sought.iter().flat_map(|c| &c.terms));
    let mut ranges = Vec::new();
    for clause in sought {
        for (_, term) in &clause.terms {
            let all_han = term.chars().all(is_han);
            let han = all_han.then_some(term.as_str());
            surface.find(analyzer, &[(0, term.clone())], han, &mut ranges);
        }
        for (_, gram) in &clause.bigrams {
            surface.find_han(gram, &mut ranges);
        }
    }
    merge(ranges)
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
    fn a_question_highlights_its_units_that_occur() {
        assert_eq!(
            highlighted("黑豹队的防守只丢了308分", "黑豹队的防守丢了多少分？"),
            ["黑豹队的防守", "丢了"]
        );
    }

    #[test]
    fn every_occurrence_inside_longer_words_is_highlighted() {
        assert_eq!(
            highlighted("香港貿發局香港國際春季燈飾展", "香港"),
            ["香港", "香港"]
        );
        assert_eq!(highlighted("汽車大燈更換", "灯"), ["燈"]);
        assert_eq!(highlighted("啊啊啊", "啊啊"), ["啊啊啊"]);
    }

    #[test]
    fn english_words_and_phrases_are_found_by_their_terms() {
        assert_eq!(
            highlighted(
                "Friendship Cities and friendly cities",
                "\"friendship cities\""
            ),
            ["Friendship Cities"]
        );
        assert_eq!(
            highlighted("Friendship Cities and friendly cities", "city"),
            ["Cities", "cities"]
        );
    }
}
