//! Any text analyses into terms whose byte ranges lie on character boundaries of the original
//! text, in position order, and never panics; the index tokenizers hand tantivy exactly those
//! terms, whatever order the fields are analysed in.
#![no_main]

use declsearch::analysis::{Analyzer, Mode, Term};
use declsearch::index::DeclTokenizer;
use libfuzzer_sys::fuzz_target;
use tantivy::tokenizer::{TokenStream, Tokenizer};

fn tokens(analyzer: &Analyzer, mode: Mode, text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    DeclTokenizer::new(analyzer.clone(), mode)
        .token_stream(text)
        .process(&mut |token| terms.push(Term::from(token)));
    terms
}

fuzz_target!(|text: &str| {
    let analyzer = Analyzer::default();
    let analysis = analyzer.analyze_document(text);
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
    for mode in [Mode::Chars, Mode::Index, Mode::Pairs, Mode::Query] {
        assert_eq!(tokens(&analyzer, mode, text), analyzer.analyze(text, mode), "{mode:?}");
    }
});
