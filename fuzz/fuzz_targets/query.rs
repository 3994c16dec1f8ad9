//! Any query either parses or is refused with an error, and the highlights of a parsed query
//! on any text are sorted, disjoint ranges on character boundaries.
//! Input: the query, a newline, the text.
#![no_main]

use declsearch::search::highlight;
use declsearch::{Analyzer, Query};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let (query, text) = input.split_once('\n').unwrap_or((input, ""));
    let analyzer = Analyzer::default();
    let checked = Query::check_syntax(query);
    let Ok(parsed) = Query::parse(query, &analyzer) else {
        return;
    };
    assert!(checked.is_ok(), "parse accepted what check_syntax refused: {query:?}");
    let matches = highlight::find(text, &parsed.clauses, &analyzer);
    let mut end = 0;
    for range in &matches.ranges {
        assert!(range.start >= end && range.start < range.end && range.end <= text.len());
        assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
        end = range.end;
    }
    assert!(matches.clauses <= parsed.clauses.len());
});
