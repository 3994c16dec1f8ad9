//! Any text analyses into terms whose byte ranges lie on character boundaries of the original
//! text, in position order, and never panics; the index tokenizers hand tantivy exactly those
//! terms, whatever order the fields are analysed in.
#![no_main]

use declsearch::analysis::{Analyzer, DeclTokenizer, Mode, Part, Term};
use libfuzzer_sys::fuzz_target;
use tantivy::tokenizer::{TokenStream, Tokenizer};

fn tokens(analyzer: &Analyzer, part: Part, text: &str) -> Vec<Term> {
    let mut tokenizer = DeclTokenizer::new(analyzer.clone(), part);
    let mut stream = tokenizer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        let token = stream.token();
        terms.push(Term {
            text: token.text.clone(),
            position: token.position,
            range: token.offset_from..token.offset_to,
        });
    }
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
    let (chars, pairs): (Vec<Term>, Vec<Term>) = analysis
        .grams
        .into_iter()
        .partition(|t| t.text.chars().count() == 1);
    for (part, expected) in [
        (Part::Chars, &chars),
        (Part::Words, &analysis.words),
        (Part::Pairs, &pairs),
    ] {
        assert_eq!(&tokens(&analyzer, part, text), expected, "{part:?}");
    }
    assert_eq!(
        tokens(&analyzer, Part::QueryWords, text),
        analyzer.analyze(text, Mode::Query)
    );
});
