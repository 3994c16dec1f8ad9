//! Properties of cleanup, folding and analysis that must hold for any text: offsets on
//! character boundaries inside the original, in order, highlights that are valid ranges, and
//! no panic anywhere.

use declsearch::analysis::{Analyzer, Mode, Term};
use declsearch::index::DeclTokenizer;
use declsearch::search::highlight;
use declsearch::text::cleanup::clean;
use declsearch::Query;
use proptest::prelude::*;
use tantivy::tokenizer::{TokenStream, Tokenizer};

/// Text mixing what the corpus holds: Han (traditional and simplified, extension B), pinyin
/// artifacts, Latin with diacritics, digits, full-width forms, punctuation, emoji, controls.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("上合組織".to_owned()),
        Just("發(fā)展".to_owned()),
        Just("倡導(dǎo)".to_owned()),
        Just("平等互利".to_owned()),
        Just("𠀀𠀁".to_owned()),
        Just("Qīngdǎo".to_owned()),
        Just("ＳＣＯ，".to_owned()),
        Just("ﬁ".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("(dǎo)".to_owned()),
        Just("😀".to_owned()),
        Just("\r\n".to_owned()),
        Just("\0".to_owned()),
        "[a-zA-Z0-9 ,.()-]{0,8}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn cleaned_characters_map_to_ordered_ranges_of_the_original(original in text()) {
        let cleaned = clean(&original);
        prop_assert_eq!(cleaned.char_len(), cleaned.text.chars().count());
        let mut previous_end = 0;
        for range in &cleaned.origins {
            prop_assert!(range.start < range.end && range.end <= original.len());
            prop_assert!(original.is_char_boundary(range.start) && original.is_char_boundary(range.end));
            prop_assert!(range.start >= previous_end || range.end == previous_end);
            previous_end = range.end;
        }
    }

    #[test]
    fn every_term_lies_on_character_boundaries_in_position_order(original in text()) {
        let analyzer = Analyzer::default();
        for mode in [Mode::Index, Mode::Query, Mode::Grams] {
            let terms = analyzer.analyze(&original, mode);
            let mut previous = 0;
            for term in &terms {
                prop_assert!(!term.text.is_empty());
                prop_assert!(term.range.start < term.range.end && term.range.end <= original.len());
                prop_assert!(original.is_char_boundary(term.range.start));
                prop_assert!(original.is_char_boundary(term.range.end));
                prop_assert!(term.position >= previous, "positions ordered");
                previous = term.position;
            }
        }
        let both = analyzer.analyze_document(&original);
        prop_assert_eq!(both.words, analyzer.analyze(&original, Mode::Index));
    }

    #[test]
    fn the_index_tokenizers_give_the_analysis_in_any_field_order(first in text(), second in text()) {
        let analyzer = Analyzer::default();
        // Fields in several orders, and texts that follow each other or repeat, as documents do.
        let orders = [
            [Mode::Index, Mode::Pairs, Mode::Chars],
            [Mode::Chars, Mode::Index, Mode::Pairs],
        ];
        for text in [&first, &second, &second, &first] {
            for order in orders {
                for mode in order.into_iter().chain([Mode::Query]) {
                    let mut tokens = Vec::new();
                    DeclTokenizer::new(analyzer.clone(), mode)
                        .token_stream(text)
                        .process(&mut |token| tokens.push(Term::from(token)));
                    prop_assert_eq!(tokens, analyzer.analyze(text, mode), "{:?}", mode);
                }
            }
        }
    }

    #[test]
    fn highlights_are_sorted_disjoint_ranges_on_boundaries(original in text(), query in text()) {
        let analyzer = Analyzer::default();
        if let Ok(query) = Query::parse(&query, &analyzer) {
            let matches = highlight::find(&original, &query.clauses, &analyzer);
            let mut previous_end = 0;
            for range in &matches.ranges {
                prop_assert!(previous_end <= range.start && range.start < range.end);
                prop_assert!(range.end <= original.len());
                prop_assert!(original.is_char_boundary(range.start) && original.is_char_boundary(range.end));
                previous_end = range.end;
            }
        }
    }

    #[test]
    fn any_query_text_parses_or_is_an_error_without_panicking(query in "\\PC{0,40}") {
        let _ = Query::check_syntax(&query);
        let _ = Query::parse(&query, &Analyzer::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A snippet's highlights are ordered ranges on its own character boundaries, each the
    /// text of a highlight of the passage (or a cut part of one), and the snippet stays near
    /// its width whatever the passage and its matches.
    #[test]
    fn snippets_keep_their_highlights_and_their_width(
        pieces in prop::collection::vec(text(), 1..30),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        width in 20usize..200,
    ) {
        use declsearch::search::snippet::{columns, snippet, MAX_FRAGMENTS};
        let passage = pieces.concat();
        let bounds: Vec<usize> = passage
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(passage.len()))
            .collect();
        let mut cuts: Vec<usize> = picks.iter().map(|p| bounds[p.index(bounds.len())]).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let highlights: Vec<(usize, usize)> = cuts
            .chunks_exact(2)
            .map(|pair| (pair[0], pair[1]))
            .collect();
        let shown = snippet(&passage, &highlights, width);
        let flat = |s: &str| s.replace(['\n', '\r', '\t'], " ");
        let mut previous = 0;
        for &(start, end) in &shown.highlights {
            prop_assert!(previous <= start && start < end && end <= shown.text.len());
            prop_assert!(shown.text.is_char_boundary(start) && shown.text.is_char_boundary(end));
            let marked = &shown.text[start..end];
            prop_assert!(
                highlights.iter().any(|&(s, e)| flat(&passage[s..e]).contains(marked)),
                "{marked:?} is no highlight of {passage:?}"
            );
            previous = end;
        }
        let used: usize = shown.text.chars().map(columns).sum();
        prop_assert!(used <= width.max(20) + 2 * (MAX_FRAGMENTS + 1), "{used} > {width}");
    }
}
