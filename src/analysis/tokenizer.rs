//! The analysis as a tantivy tokenizer.
//!
//! tantivy does not persist custom analyzers: every open of an index registers them again
//! ([`register_tokenizers`]), and the index's manifest holds the analysis
//! [`FINGERPRINT`](super::FINGERPRINT) that must match.

use std::cell::RefCell;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analyzer, Mode, Term};

thread_local! {
    /// The half of the last document analysis not yet taken: its text, and its words (if the
    /// grams were taken) or grams (if the words were). tantivy analyses a document's fields one
    /// after the other on one thread, so the second field finds its terms here.
    static PENDING: RefCell<Option<(String, Mode, Vec<Term>)>> = const { RefCell::new(None) };
}

/// Terms of `text` for a document field (`Index` or `Grams`): analysed once for both fields.
fn document_terms(analyzer: &Analyzer, text: &str, mode: Mode) -> Vec<Term> {
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        if let Some((cached, cached_mode, _)) = pending.as_ref() {
            if *cached_mode == mode && cached == text {
                return pending.take().expect("just seen").2;
            }
        }
        let analysis = analyzer.analyze_document(text);
        let (wanted, other, other_mode) = match mode {
            Mode::Grams => (analysis.grams, analysis.words, Mode::Index),
            _ => (analysis.words, analysis.grams, Mode::Grams),
        };
        *pending = Some((text.to_owned(), other_mode, other));
        wanted
    })
}

/// Name under which the document analyzer is registered.
pub const INDEX_TOKENIZER: &str = "declsearch";
/// Name under which the character-gram analyzer is registered.
pub const GRAM_TOKENIZER: &str = "declsearch-grams";

/// tantivy adapter over [`analyze`].
#[derive(Debug, Clone)]
pub struct DeclTokenizer {
    analyzer: Analyzer,
    mode: Mode,
}

impl DeclTokenizer {
    pub fn new(analyzer: Analyzer, mode: Mode) -> Self {
        Self { analyzer, mode }
    }
}

/// Tokens of one text, produced up front.
pub struct DeclTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for DeclTokenizer {
    type TokenStream<'a> = DeclTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> DeclTokenStream {
        let terms = match self.mode {
            Mode::Index | Mode::Grams => document_terms(&self.analyzer, text, self.mode),
            Mode::Query => self.analyzer.analyze(text, self.mode),
        };
        let tokens = terms
            .into_iter()
            .map(|term| Token {
                offset_from: term.range.start,
                offset_to: term.range.end,
                position: term.position,
                text: term.text,
                position_length: 1,
            })
            .collect();
        DeclTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for DeclTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Register the analyzers an index needs; call on every open.
pub fn register_tokenizers(index: &tantivy::Index, analyzer: &Analyzer) {
    let tokenizers = index.tokenizers();
    tokenizers.register(
        INDEX_TOKENIZER,
        DeclTokenizer::new(analyzer.clone(), Mode::Index),
    );
    tokenizers.register(
        GRAM_TOKENIZER,
        DeclTokenizer::new(analyzer.clone(), Mode::Grams),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_field_gets_its_own_half_of_one_analysis() {
        let analyzer = Analyzer::default();
        let text = "平等互利 SCO";
        for first in [Mode::Index, Mode::Grams] {
            let second = if first == Mode::Index {
                Mode::Grams
            } else {
                Mode::Index
            };
            assert_eq!(
                document_terms(&analyzer, text, first),
                analyzer.analyze(text, first)
            );
            assert_eq!(
                document_terms(&analyzer, text, second),
                analyzer.analyze(text, second)
            );
        }
        document_terms(&analyzer, "上合", Mode::Index);
        assert_eq!(
            document_terms(&analyzer, "減貧", Mode::Grams),
            analyzer.analyze("減貧", Mode::Grams),
            "another text is analysed afresh"
        );
    }
}
