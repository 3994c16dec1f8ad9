//! The analysis as a tantivy tokenizer.
//!
//! tantivy does not persist custom analyzers: every open of an index registers them again
//! ([`register_tokenizers`]), and the index's manifest holds the analysis
//! [`FINGERPRINT`](super::FINGERPRINT) that must match.

use std::cell::RefCell;
use std::ops::Range;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analysis::{Analyzer, Mode, SplitGrams, Term, TermSink};

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

/// The modes of a document's fields (`text` and `title`, `grams`, `chars`), analysed together.
const DOCUMENT_MODES: [Mode; 3] = [Mode::Index, Mode::Pairs, Mode::Chars];

/// The text analysed last on this thread, and the parts of its analysis not yet taken.
#[derive(Default)]
struct Pending {
    text: String,
    parts: [Option<TermBuffer>; 3],
}

thread_local! {
    /// tantivy analyses a document's fields one after the other on one thread, so the later
    /// fields find their terms here.
    static PENDING: RefCell<Pending> = RefCell::default();
    /// Buffers of finished token streams, for the next ones.
    static SPARE: RefCell<Vec<TermBuffer>> = const { RefCell::new(Vec::new()) };
}

fn spare_buffer() -> TermBuffer {
    SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_default()
}

/// Terms of `text` for a document field: analysed once for all of them.
fn document_terms(analyzer: &Analyzer, text: &str, mode: Mode) -> TermBuffer {
    let slot = DOCUMENT_MODES
        .iter()
        .position(|&m| m == mode)
        .expect("a document mode");
    PENDING.with(|pending| {
        let mut pending = pending.borrow_mut();
        if pending.text == text {
            if let Some(terms) = pending.parts[slot].take() {
                return terms;
            }
        }
        let [mut words, mut pairs, mut chars] = [spare_buffer(), spare_buffer(), spare_buffer()];
        let mut grams = SplitGrams {
            pairs: &mut pairs,
            chars: &mut chars,
        };
        analyzer.walk(text, &mut words, &mut grams);
        let mut parts = [Some(words), Some(pairs), Some(chars)];
        let wanted = parts[slot].take().expect("just made");
        for stale in std::mem::replace(&mut pending.parts, parts)
            .into_iter()
            .flatten()
        {
            recycle(stale);
        }
        pending.text.clear();
        pending.text.push_str(text);
        wanted
    })
}

fn recycle(mut terms: TermBuffer) {
    terms.clear();
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < 8 {
            spare.push(terms);
        }
    });
}

/// Name under which the document analyzer is registered.
pub const INDEX_TOKENIZER: &str = "declsearch";
/// Name under which the character-bigram analyzer is registered.
pub const GRAM_TOKENIZER: &str = "declsearch-grams";
/// Name under which the single-character analyzer is registered.
pub const CHAR_TOKENIZER: &str = "declsearch-chars";

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
        let terms = if DOCUMENT_MODES.contains(&self.mode) {
            document_terms(&self.analyzer, text, self.mode)
        } else {
            let mut terms = spare_buffer();
            self.analyzer.walk_mode(text, self.mode, &mut terms);
            terms
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
        recycle(std::mem::take(&mut self.terms));
    }
}

impl From<&Token> for Term {
    fn from(token: &Token) -> Term {
        Term {
            text: token.text.clone(),
            position: token.position,
            range: token.offset_from..token.offset_to,
        }
    }
}

/// Register the analyzers an index needs; call on every open.
pub fn register_tokenizers(index: &tantivy::Index, analyzer: &Analyzer) {
    let tokenizers = index.tokenizers();
    for (name, mode) in [
        (INDEX_TOKENIZER, Mode::Index),
        (GRAM_TOKENIZER, Mode::Pairs),
        (CHAR_TOKENIZER, Mode::Chars),
    ] {
        tokenizers.register(name, DeclTokenizer::new(analyzer.clone(), mode));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for mode in [
            Mode::Index,
            Mode::Pairs,
            Mode::Chars,
            Mode::Query,
            Mode::Grams,
        ] {
            let mut tokens = Vec::new();
            let mut tokenizer = DeclTokenizer::new(analyzer.clone(), mode);
            tokenizer
                .token_stream(text)
                .process(&mut |token| tokens.push(Term::from(token)));
            assert!(!tokens.is_empty(), "{mode:?}");
            assert_eq!(tokens, analyzer.analyze(text, mode), "{mode:?}");
        }
    }

    #[test]
    fn each_field_gets_its_part_of_one_analysis_in_any_order() {
        let analyzer = Analyzer::default();
        let text = "平等互利 SCO";
        let [a, b, c] = DOCUMENT_MODES;
        for order in [
            [a, b, c],
            [a, c, b],
            [b, a, c],
            [b, c, a],
            [c, a, b],
            [c, b, a],
        ] {
            for mode in order {
                assert_eq!(
                    unpack(document_terms(&analyzer, text, mode)),
                    analyzer.analyze(text, mode),
                    "{order:?}"
                );
            }
        }
        document_terms(&analyzer, "上合", Mode::Index);
        assert_eq!(
            unpack(document_terms(&analyzer, "減貧", Mode::Chars)),
            analyzer.analyze("減貧", Mode::Chars),
            "another text is analysed afresh"
        );
    }
}
