//! Analysis: cleaned text to index terms with positions and original offsets.
//!
//! The same code analyses documents and queries, so the two always agree:
//! 1. [`cleanup`](crate::text::cleanup) removes pinyin artifacts and folds width (NFKC), keeping
//!    each character's original byte range;
//! 2. the cleaned text splits into runs: Han characters, letters and digits, and the rest
//!    (whitespace, punctuation), which yields no token;
//! 3. a Han run folds to simplified ([`fold`]) and is segmented by jieba ([`segment`]); a
//!    letter run becomes one English term ([`english`]).
//!
//! **Positions** count Han characters and English words: a Han word sits at the position of
//! its first character, and so does each sub-word inside it. A query word that analyses to
//! `上合@0 组织@2` therefore matches a document's `上合组织` at positions `k` and `k+2` however
//! jieba grouped the surrounding text, and quoted phrases work in both languages.
//!
//! **Offsets** are byte ranges of the original text, on character boundaries.

pub mod dict;
pub mod english;
pub mod fold;
#[doc(hidden)] // reached by benches and fuzz targets, not an embedder's API
pub mod lexicon;
pub mod segment;

use std::ops::Range;

pub use dict::{UserDict, UserWord};
pub use segment::Segmenter;

use crate::text::cleanup::{clean, is_han, CleanText};
use unicode_normalization::char::is_combining_mark;

/// Whether jieba's search-mode sub-words are indexed beside words. Off: the character-gram
/// field finds a word inside a longer one, ranked below the whole word, and measured better
/// (see the README's comparison).
const SUB_WORDS: bool = false;

/// Identifies the code and tables that decide which terms a text yields; with the user
/// dictionary's digest it makes [`Analyzer::fingerprint`].
pub const FINGERPRINT: &str = "declsearch-analysis/1; cleanup=pinyin-artifacts+nfkc; \
fold=opencc-t2s per character(ferrous-opencc 0.4); segment=jieba-rs 0.11 default dict, no hmm, no sub-words; grams=han pairs with positions; chars=han chars with freqs; \
latin=lowercase+strip-diacritics+snowball-english, max 100 bytes; positions=han-char,latin-word";

/// A document's analysis for both indexed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub words: Vec<Term>,
    pub grams: Vec<Term>,
}

/// What to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(hidden)]
pub enum Mode {
    /// Words of a document.
    Index,
    /// Words of a query (the same words: jieba's search-mode sub-words are not used).
    Query,
    /// Han characters and overlapping pairs of them (`上合组织` gives `上 上合 合 合组 组 组织
    /// 织`), each at the position of its first character: substring recall for Han text,
    /// whatever the words, and partial credit for differently worded text.
    Grams,
    /// The pairs of [`Mode::Grams`] alone (the `grams` field).
    Pairs,
    /// The single characters of [`Mode::Grams`] alone (the `chars` field).
    Chars,
}

/// One term of analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[doc(hidden)]
pub struct Term {
    /// The index term: simplified Han word, or folded and stemmed Latin word.
    pub text: String,
    /// Position (see the module docs).
    pub position: usize,
    /// Byte range in the original text, on char boundaries.
    pub range: Range<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Word,
    Other,
}

fn class_of(c: char, in_word: bool) -> Class {
    if is_han(c) {
        Class::Han
    } else if c.is_alphanumeric() || (in_word && is_combining_mark(c)) {
        Class::Word
    } else {
        Class::Other
    }
}

/// The analysis: cleanup, folding, segmentation (with an optional user dictionary) and English
/// stemming. Cheap to clone; clones share the segmenter.
#[derive(Debug, Clone, Default)]
pub struct Analyzer {
    segmenter: Segmenter,
}

impl Analyzer {
    pub fn new(user_dict: Option<UserDict>) -> Analyzer {
        Analyzer {
            segmenter: Segmenter::with_user_dict(user_dict),
        }
    }

    pub fn user_dict(&self) -> Option<&UserDict> {
        self.segmenter.user_dict()
    }

    /// Build the segmenter's full dictionary now; see [`Segmenter::load_dictionary`].
    pub fn load_dictionary(&self) {
        self.segmenter.load_dictionary();
    }

    /// Identifies everything that decides which terms a text yields. Stored in each index
    /// and compared on open: an index built with another analysis must be rebuilt, not
    /// misread.
    pub fn fingerprint(&self) -> String {
        match self.user_dict() {
            None => FINGERPRINT.to_owned(),
            Some(dict) => format!("{FINGERPRINT}; user-dict={}", dict.digest()),
        }
    }

    /// Analyse `original` into terms ordered by position.
    pub fn analyze(&self, original: &str, mode: Mode) -> Vec<Term> {
        let mut terms = Vec::new();
        self.walk_mode(original, mode, &mut terms);
        terms
    }

    /// [`Analyzer::walk`] for the terms of one `mode`, into `out`.
    pub(crate) fn walk_mode(&self, original: &str, mode: Mode, out: &mut impl TermSink) {
        match mode {
            Mode::Index | Mode::Query => self.walk(original, out, &mut Discard),
            Mode::Grams => self.walk(original, &mut Discard, out),
            Mode::Pairs => {
                let mut pairs = SplitGrams {
                    pairs: out,
                    chars: &mut Discard,
                };
                self.walk(original, &mut Discard, &mut pairs);
            }
            Mode::Chars => {
                let mut chars = SplitGrams {
                    pairs: &mut Discard,
                    chars: out,
                };
                self.walk(original, &mut Discard, &mut chars);
            }
        }
    }

    /// A document's words and character grams in one pass: cleanup and folding are shared.
    pub fn analyze_document(&self, original: &str) -> Analysis {
        let mut analysis = Analysis {
            words: Vec::new(),
            grams: Vec::new(),
        };
        self.walk(original, &mut analysis.words, &mut analysis.grams);
        analysis
    }

    /// The one analysis: words of `original` to `words` and character grams to `grams`, each
    /// in position order. A [`Discard`] sink skips the work of its half.
    pub(crate) fn walk(
        &self,
        original: &str,
        words: &mut impl TermSink,
        grams: &mut impl TermSink,
    ) {
        if original.is_ascii() {
            if words.wants_terms() {
                walk_ascii(original, words);
            }
        } else {
            self.walk_cleaned(&clean(original), words, grams);
        }
    }

    /// The English (Latin-script) words of `original` with the positions and ranges the full
    /// analysis gives them, without segmenting its Han text: what a highlight of English
    /// words needs.
    ///
    /// Only words that could give a term starting with one of `firsts` are analysed (an
    /// English stem keeps its word's first letter, lowercased), so a passage costs a scan, not
    /// a stemming of every word; the others still take their positions.
    pub fn latin_words(&self, original: &str, firsts: &[char]) -> Vec<Term> {
        let mut words = LatinOnly {
            terms: Vec::new(),
            firsts,
        };
        match original.is_ascii() {
            true => walk_ascii(original, &mut words),
            false => self.walk_cleaned(&clean(original), &mut words, &mut Discard),
        }
        words.terms
    }

    /// [`Analyzer::walk`] of any text, once cleaned.
    fn walk_cleaned(
        &self,
        cleaned: &CleanText,
        words: &mut impl TermSink,
        grams: &mut impl TermSink,
    ) {
        let chars: Vec<(usize, char)> = cleaned.text.char_indices().collect();
        let byte_at = |i: usize| chars.get(i).map_or(cleaned.text.len(), |&(b, _)| b);

        let mut position = 0;
        let mut i = 0;
        while i < chars.len() {
            let class = class_of(chars[i].1, false);
            let mut j = i + 1;
            while j < chars.len() && class_of(chars[j].1, class == Class::Word) == class {
                j += 1;
            }
            let run = &cleaned.text[byte_at(i)..byte_at(j)];
            match class {
                Class::Han => {
                    let folded = fold::to_simplified(run);
                    if grams.wants_terms() {
                        let mut bounds: Vec<usize> =
                            folded.char_indices().map(|(b, _)| b).collect();
                        bounds.push(folded.len());
                        let n = bounds.len() - 1;
                        for k in 0..n {
                            for len in [1, 2].into_iter().filter(|len| k + len <= n) {
                                grams.gram(
                                    &folded[bounds[k]..bounds[k + len]],
                                    position + k,
                                    cleaned.origin_of(i + k..i + k + len),
                                    len == 1,
                                );
                            }
                        }
                    }
                    if words.wants_terms() && words.wants_han_words() {
                        for word in self.segmenter.segment(&folded, SUB_WORDS) {
                            words.term(
                                word.text,
                                position + word.chars.start,
                                cleaned.origin_of(i + word.chars.start..i + word.chars.end),
                            );
                        }
                    }
                    position += j - i;
                }
                Class::Word => {
                    if words.wants_terms() && words.wants_word(run) {
                        english::with_word_term(run, |text| {
                            words.term(text, position, cleaned.origin_of(i..j))
                        });
                    }
                    position += 1;
                }
                Class::Other => {}
            }
            i = j;
        }
    }
}

/// [`Analyzer::walk`] of ASCII text (English passages, half of a parallel corpus), which has
/// nothing to clean or fold and no Han: one English term per run of letters and digits, its
/// bytes its characters. Skipping the cleaned copy and its per-character tables saves 3 % of
/// an index build's CPU time.
fn walk_ascii(text: &str, words: &mut impl TermSink) {
    let bytes = text.as_bytes();
    let mut position = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if words.wants_word(&text[start..i]) {
            english::with_word_term(&text[start..i], |term| words.term(term, position, start..i));
        }
        position += 1;
    }
}

/// Where [`Analyzer::walk`] puts terms, in position order (sub-words, when on, share their
/// word's position).
pub(crate) trait TermSink {
    fn term(&mut self, text: &str, position: usize, range: Range<usize>);

    /// A character gram: `single` for one character, otherwise a pair.
    fn gram(&mut self, text: &str, position: usize, range: Range<usize>, _single: bool) {
        self.term(text, position, range);
    }

    /// Whether this sink wants terms at all; [`Discard`] does not.
    fn wants_terms(&self) -> bool {
        true
    }

    /// Whether this sink wants the words of Han text (the segmenter's work).
    fn wants_han_words(&self) -> bool {
        true
    }

    /// Whether this sink wants the term of the letter run `word` (else it is skipped, its
    /// position still counted).
    fn wants_word(&self, _word: &str) -> bool {
        true
    }
}

/// A word sink that takes only English words starting with one of `firsts`: Han text is not
/// segmented, other words are not stemmed.
struct LatinOnly<'a> {
    terms: Vec<Term>,
    firsts: &'a [char],
}

impl TermSink for LatinOnly<'_> {
    fn term(&mut self, text: &str, position: usize, range: Range<usize>) {
        self.terms.term(text, position, range);
    }

    fn wants_han_words(&self) -> bool {
        false
    }

    fn wants_word(&self, word: &str) -> bool {
        match word.chars().next() {
            Some(c) if c.is_ascii() => self.firsts.contains(&c.to_ascii_lowercase()),
            _ => true,
        }
    }
}

impl TermSink for Vec<Term> {
    fn term(&mut self, text: &str, position: usize, range: Range<usize>) {
        self.push(Term {
            text: text.to_owned(),
            position,
            range,
        });
    }
}

/// Sends character grams to two sinks, pairs and single characters.
pub(crate) struct SplitGrams<'a, P, C> {
    pub pairs: &'a mut P,
    pub chars: &'a mut C,
}

impl<P: TermSink, C: TermSink> TermSink for SplitGrams<'_, P, C> {
    fn term(&mut self, text: &str, position: usize, range: Range<usize>) {
        let single = text.chars().nth(1).is_none();
        self.gram(text, position, range, single);
    }

    fn gram(&mut self, text: &str, position: usize, range: Range<usize>, single: bool) {
        match single {
            true => self.chars.term(text, position, range),
            false => self.pairs.term(text, position, range),
        }
    }

    fn wants_terms(&self) -> bool {
        self.pairs.wants_terms() || self.chars.wants_terms()
    }
}

/// A sink for the half of the analysis nobody asked for.
pub(crate) struct Discard;

impl TermSink for Discard {
    fn term(&mut self, _: &str, _: usize, _: Range<usize>) {}

    fn wants_terms(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(text: &str, mode: Mode) -> Vec<Term> {
        Analyzer::default().analyze(text, mode)
    }

    fn texts(terms: &[Term]) -> Vec<&str> {
        terms.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn traditional_with_artifacts_yields_simplified_words_on_original_offsets() {
        let original = "實現(xiàn)共同發(fā)展";
        let terms = analyze(original, Mode::Query);
        assert_eq!(texts(&terms), ["实现", "共同", "发展"]);
        assert_eq!(&original[terms[0].range.clone()], "實現(xiàn)");
        assert_eq!(&original[terms[2].range.clone()], "發(fā)展");
        assert_eq!(
            terms.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 2, 4]
        );
    }

    #[test]
    fn ascii_text_walks_as_the_general_walk_does() {
        let shipped = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/sco-qingdao-friendship-initiative.txt"
        ))
        .expect("the shipped declaration");
        let english = shipped.lines().filter(|l| l.is_ascii() && !l.is_empty());
        let long_words = format!(
            "{} {} it's 2018-06-10, e.g. U.S.A.; x",
            "a".repeat(english::MAX_TERM_BYTES),
            "b".repeat(english::MAX_TERM_BYTES + 1)
        );
        let mut texts = 0;
        for text in english.chain([long_words.as_str(), "", " ,;", "SCO"]) {
            assert_ascii_walks_agree(text);
            texts += 1;
        }
        assert!(texts > 4, "the declaration has an English paragraph");
    }

    fn assert_ascii_walks_agree(text: &str) {
        let (mut general, mut grams) = (Vec::new(), Vec::new());
        Analyzer::default().walk_cleaned(&clean(text), &mut general, &mut grams);
        let mut fast = Vec::new();
        walk_ascii(text, &mut fast);
        assert_eq!(fast, general, "{text:?}");
        assert!(grams.is_empty());
    }

    proptest::proptest! {
        #[test]
        fn any_ascii_text_walks_as_the_general_walk_does(text in "[ -~\\t\\n]{0,300}") {
            assert_ascii_walks_agree(&text);
        }
    }

    #[test]
    fn one_pass_gives_what_each_mode_gives() {
        let original = "論壇贊同,上合組織國家始終秉持“上海精神”,倡導(dǎo)文明對話 SCO forum";
        let both = Analyzer::default().analyze_document(original);
        assert_eq!(both.words, analyze(original, Mode::Index));
        assert_eq!(both.grams, analyze(original, Mode::Grams));
    }

    #[test]
    fn pairs_and_chars_split_the_grams_by_length() {
        let original = "論壇贊同,上合組織國家始終秉持“上海精神”,倡導(dǎo)文明對話 SCO forum";
        let (chars, pairs): (Vec<Term>, Vec<Term>) = analyze(original, Mode::Grams)
            .into_iter()
            .partition(|t| t.text.chars().count() == 1);
        assert!(!chars.is_empty() && !pairs.is_empty());
        assert_eq!(analyze(original, Mode::Chars), chars);
        assert_eq!(analyze(original, Mode::Pairs), pairs);
    }

    #[test]
    fn words_inside_longer_words_are_found_by_their_bigrams() {
        let original = "平等互利";
        assert_eq!(texts(&analyze(original, Mode::Index)), ["平等互利"]);
        let grams = analyze(original, Mode::Grams);
        let hu_li = grams
            .iter()
            .find(|t| t.text == "互利")
            .expect("bigram 互利");
        assert_eq!(hu_li.position, 2);
        assert_eq!(&original[hu_li.range.clone()], "互利");
    }

    #[test]
    fn grams_cover_han_runs_only() {
        let original = "上合組織 SCO 減貧";
        let terms = analyze(original, Mode::Grams);
        assert_eq!(
            texts(&terms),
            ["上", "上合", "合", "合组", "组", "组织", "织", "减", "减贫", "贫"]
        );
        assert_eq!(&original[terms[3].range.clone()], "合組");
        assert_eq!(
            terms.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 0, 1, 1, 2, 2, 3, 5, 5, 6]
        );
    }

    #[test]
    fn latin_words_are_stemmed_and_punctuation_is_no_token() {
        let original = "Friendship Cities, in-depth!";
        let terms = analyze(original, Mode::Index);
        assert_eq!(texts(&terms), ["friendship", "citi", "in", "depth"]);
        assert_eq!(&original[terms[1].range.clone()], "Cities");
        assert_eq!(
            terms.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn mixed_scripts_share_one_position_sequence() {
        let terms = analyze("2023年SCO峰會", Mode::Query);
        assert_eq!(texts(&terms), ["2023", "年", "sco", "峰会"]);
        assert_eq!(
            terms.iter().map(|t| t.position).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn a_user_dictionary_changes_words_and_fingerprint() {
        let dict = UserDict::parse("上合組織\n").unwrap();
        let analyzer = Analyzer::new(Some(dict));
        let terms = analyzer.analyze("推動上合組織發展", Mode::Query);
        assert_eq!(texts(&terms), ["推动", "上合组织", "发展"]);
        assert_ne!(analyzer.fingerprint(), Analyzer::default().fingerprint());
    }
}
