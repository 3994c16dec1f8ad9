//! The engine's acceptance on the shipped declaration (traditional Chinese with pinyin
//! artifacts, plus one English paragraph), through the CLI's `--json` output.

use crate::common::{highlighted, passages, sorted, Workspace};
use declsearch::Lang;

#[test]
fn shanghai_cooperation_organisation_in_either_script_finds_exactly_its_passages() {
    let ws = Workspace::with_declaration();
    for query in ["上合组织", "上合組織"] {
        let (hits, run) = ws.search(query, &[]);
        assert_eq!(run.code, 0, "{query}: {}", run.stderr);
        assert_eq!(sorted(passages(&hits)), [1, 2, 4, 5, 6, 7, 8, 9], "{query}");
        for hit in &hits {
            assert_eq!(hit.lang, Lang::Zh);
            // The whole name, or its unit 上合 where it stands alone (上合大家庭).
            let shown = highlighted(hit);
            assert!(shown.contains(&"上合組織"), "{hit:?}");
            assert!(
                shown.iter().all(|h| ["上合組織", "上合"].contains(h)),
                "{hit:?}"
            );
        }
    }
}

#[test]
fn development_is_found_through_pinyin_artifacts_and_highlighted_whole() {
    let ws = Workspace::with_declaration();
    let (hits, run) = ws.search("发展", &[]);
    assert_eq!(run.code, 0);
    assert_eq!(sorted(passages(&hits)), [1, 4, 5, 6, 7, 8, 9]);
    let first = hits.iter().find(|h| h.passage == 1).expect("passage 1");
    assert!(highlighted(first).contains(&"發(fā)展"), "{first:?}");
}

#[test]
fn poverty_reduction_ranks_its_paragraph_first_in_both_scripts() {
    let ws = Workspace::with_declaration();
    for query in ["减贫", "減貧"] {
        let (hits, _) = ws.search(query, &[]);
        assert_eq!(hits.first().map(|h| h.passage), Some(8), "{query}");
        assert_eq!(highlighted(&hits[0]), ["減貧"; 5], "{query}");
    }
}

#[test]
fn mutual_benefit_is_found_inside_longer_words() {
    let ws = Workspace::with_declaration();
    let (hits, _) = ws.search("互利", &[]);
    assert_eq!(sorted(passages(&hits)), [1, 2, 6, 9]);
    let first = hits.iter().find(|h| h.passage == 1).expect("passage 1");
    assert_eq!(
        highlighted(first),
        ["互利"],
        "only the sub-word of 平等互利"
    );
}

#[test]
fn english_words_are_stemmed_and_highlighted_as_written() {
    let ws = Workspace::with_declaration();
    let (hits, _) = ws.search("friendship cities", &[]);
    assert_eq!(hits[0].passage, 10);
    assert_eq!(hits[0].lang, Lang::En);
    let shown = highlighted(&hits[0]);
    assert!(
        shown.contains(&"Friendship") && shown.contains(&"Cities"),
        "{shown:?}"
    );
    assert!(
        shown.contains(&"city"),
        "stemming: city = Cities: {shown:?}"
    );
}

#[test]
fn quoted_phrases_match_in_order_in_both_languages() {
    let ws = Workspace::with_declaration();
    let (hits, _) = ws.search("\"上海精神\"", &[]);
    assert_eq!(sorted(passages(&hits)), [1, 9]);
    for hit in &hits {
        assert_eq!(highlighted(hit), ["上海精神"]);
    }

    let (hits, _) = ws.search("\"friendship city\"", &[]);
    assert_eq!(passages(&hits), [10]);
    let (hits, run) = ws.search("\"city friendship\"", &[]);
    assert!(hits.is_empty());
    assert_eq!(run.code, 1);
}

#[test]
fn no_match_exits_1_with_empty_stdout() {
    let ws = Workspace::with_declaration();
    let (hits, run) = ws.search("量子计算", &[]);
    assert!(hits.is_empty());
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
}

#[test]
fn empty_and_blank_queries_exit_2_with_a_message() {
    let ws = Workspace::with_declaration();
    for query in ["", "   "] {
        ws.run(&["search", query, "--json"])
            .assert_error(&["empty query"]);
    }
    ws.run(&["search", "\"上海精神", "--json"])
        .assert_error(&["unbalanced quote", "上海精神"]);
    ws.run(&["search", "、。!?", "--json"])
        .assert_error(&["no searchable word"]);
}

#[test]
fn passages_matching_more_words_rank_first() {
    let ws = Workspace::with_declaration();
    // 减贫 occurs only in passage 8, 友城 only in 5 and 9; 发展 in seven passages.
    let (hits, _) = ws.search("减贫 友城 发展", &[]);
    assert_eq!(&sorted(passages(&hits)[..3].to_vec()), &[5, 8, 9]);
    let (hits, _) = ws.search("上合组织 减贫", &[]);
    assert_eq!(hits[0].passage, 8);
}

#[test]
fn language_filter_and_limit() {
    let ws = Workspace::with_declaration();
    let (hits, _) = ws.search("上合组织 SCO", &["--lang", "en"]);
    assert_eq!(passages(&hits), [10]);
    let (hits, _) = ws.search("上合组织 SCO", &["--lang", "zh", "--limit", "3"]);
    assert_eq!(hits.len(), 3);
    assert!(hits.iter().all(|h| h.lang == Lang::Zh));
    let (unfiltered, _) = ws.search("上合组织 SCO", &[]);
    let scores = |hits: &[declsearch::Hit]| {
        hits.iter()
            .filter(|h| h.lang == Lang::Zh)
            .take(3)
            .map(|h| (h.passage, h.score))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        scores(&hits),
        scores(&unfiltered),
        "a filter does not change scores"
    );
    ws.run(&["search", "SCO", "--lang", "fr"])
        .assert_error(&["fr"]);
    ws.run(&["search", "SCO", "--limit", "0"])
        .assert_error(&["0"]);
}
