//! The analysis as a tantivy tokenizer.
//!
//! tantivy does not persist custom analyzers: every open of an index registers them again
//! ([`register_tokenizers`]), and the index's manifest holds the analysis
//! [`FINGERPRINT`](super::FINGERPRINT) that must match.

use std::cell::RefCell;
use std::ops::Range;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analyzer, Discard, Mode, TermSink};

/// Terms of one text packed in two buffers: tantivy indexes tens of millions of terms, and a
/// `String` per term cost more in allocation than the analysis itself.
#[derive(Debug, Default)]
pub(crate) struct TermBuffer {
    texts: String,
    terms: Vec<PackedTerm>,
}

#[derive(Debug)]
struct PackedTerm {
    text: Range<usize>,
    position: usize,
    range: Range<usize>,
}

impl TermSink for TermBuffer {
    fn term(&mut self, text: &str, position: usize, range: Range<usize>) {
        let start = self.texts.len();
        self.texts.push_str(text);
        self.terms.push(PackedTerm {
            text: start..self.texts.len(),
            position,
            range,
        });
    }
}

impl TermBuffer {
    fn clear(&mut self) {
        self.texts.clear();
        self.terms.clear();
    }
}

/// The text analysed last on this thread, and the half of its analysis not yet taken.
#[derive(Default)]
struct Pending {
    text: String,
    mode: Option<Mode>,
    terms: TermBuffer,
}

thread_local! {
    /// tantivy analyses a document's fields one after the other on one thread, so the second
    /// field finds its terms here.
    static PENDING: RefCell<Pending> = RefCell::default();
    /// Buffers of finished token streams, for the next ones.
    static SPARE: RefCell<Vec<TermBuffer>> = const { RefCell::new(Vec::new()) };
}

fn spare_buffer() -> TermBuffer {
    SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_default()
}

/// Terms of `text` for a document field (`Index` or `Grams`): analysed once for both fields.
fn document_terms(analyzer: &Analyzer, text: &str, mode: Mode) -> TermBuffer {
    let mut wanted = spare_buffer();
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        let pending = &mut *pending;
        if pending.mode == Some(mode) && pending.text == text {
            pending.mode = None;
            std::mem::swap(&mut wanted, &mut pending.terms);
            return;
        }
        pending.terms.clear();
        match mode {
            Mode::Grams => analyzer.walk(text, &mut pending.terms, &mut wanted),
            _ => analyzer.walk(text, &mut wanted, &mut pending.terms),
        }
        pending.text.clear();
        pending.text.push_str(text);
        pending.mode = Some(if mode == Mode::Grams {
            Mode::Index
        } else {
            Mode::Grams
        });
    });
    wanted
}

/// Name under which the document analyzer is registered.
pub const INDEX_TOKENIZER: &str = "declsearch";
/// Name under which the character-gram analyzer is registered.
pub const GRAM_TOKENIZER: &str = "declsearch-grams";

/// tantivy adapter over [`Analyzer`].
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

/// Tokens of one text, analysed up front into a [`TermBuffer`] and handed out through one
/// reused [`Token`].
pub struct DeclTokenStream {
    terms: TermBuffer,
    next: usize,
    token: Token,
}

impl Tokenizer for DeclTokenizer {
    type TokenStream<'a> = DeclTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> DeclTokenStream {
        let terms = match self.mode {
            Mode::Index | Mode::Grams => document_terms(&self.analyzer, text, self.mode),
            Mode::Query => {
                let mut terms = spare_buffer();
                self.analyzer.walk(text, &mut terms, &mut Discard);
                terms
            }
        };
        DeclTokenStream {
            terms,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for DeclTokenStream {
    fn advance(&mut self) -> bool {
        let Some(term) = self.terms.terms.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.text.clear();
        self.token
            .text
            .push_str(&self.terms.texts[term.text.clone()]);
        self.token.position = term.position;
        self.token.offset_from = term.range.start;
        self.token.offset_to = term.range.end;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Drop for DeclTokenStream {
    fn drop(&mut self) {
        let mut terms = std::mem::take(&mut self.terms);
        terms.clear();
        SPARE.with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < 4 {
                spare.push(terms);
            }
        });
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
    use crate::analysis::Term;

    fn unpack(buffer: TermBuffer) -> Vec<Term> {
        buffer
            .terms
            .iter()
            .map(|t| Term {
                text: buffer.texts[t.text.clone()].to_owned(),
                position: t.position,
                range: t.range.clone(),
            })
            .collect()
    }

    #[test]
    fn token_streams_give_the_analysis_terms() {
        let analyzer = Analyzer::default();
        let text = "倡導(dǎo)文明對話 Friendship Cities";
        for mode in [Mode::Index, Mode::Grams, Mode::Query] {
            let mut tokenizer = DeclTokenizer::new(analyzer.clone(), mode);
            let mut stream = tokenizer.token_stream(text);
            let mut tokens = Vec::new();
            while stream.advance() {
                let token = stream.token();
                tokens.push(Term {
                    text: token.text.clone(),
                    position: token.position,
                    range: token.offset_from..token.offset_to,
                });
            }
            assert_eq!(tokens, analyzer.analyze(text, mode), "{mode:?}");
        }
    }

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
                unpack(document_terms(&analyzer, text, first)),
                analyzer.analyze(text, first)
            );
            assert_eq!(
                unpack(document_terms(&analyzer, text, second)),
                analyzer.analyze(text, second)
            );
        }
        document_terms(&analyzer, "上合", Mode::Index);
        assert_eq!(
            unpack(document_terms(&analyzer, "減貧", Mode::Grams)),
            analyzer.analyze("減貧", Mode::Grams),
            "another text is analysed afresh"
        );
    }
}
