//! The analysis as a tantivy tokenizer.
//!
//! tantivy does not persist custom analyzers: every open of an index registers them again
//! ([`register_tokenizers`]), and the index's manifest holds the analysis
//! [`FINGERPRINT`](super::FINGERPRINT) that must match.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analyzer, Mode};

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
        let tokens = self
            .analyzer
            .analyze(text, self.mode)
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
