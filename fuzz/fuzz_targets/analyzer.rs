//! Any text analyses into terms whose byte ranges lie on character boundaries of the original
//! text, in position order, and never panics.
#![no_main]

use declsearch::Analyzer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let analysis = Analyzer::default().analyze_document(text);
    for terms in [&analysis.words, &analysis.grams] {
        let mut last = 0;
        for term in terms.iter() {
            assert!(!term.text.is_empty(), "{term:?}");
            assert!(term.range.start < term.range.end && term.range.end <= text.len());
            assert!(text.is_char_boundary(term.range.start) && text.is_char_boundary(term.range.end));
            assert!(term.position >= last, "{terms:?}");
            last = term.position;
        }
    }
});
