//! Pinyin queries (`py:word`, `--pinyin`): toneless pinyin finds the Chinese words the index
//! holds, and nothing the index does not.

use std::collections::BTreeSet;

use crate::common::{highlighted, passages, shared_dir, sorted, Workspace};

#[test]
fn pinyin_finds_the_seed_words_it_spells() {
    let ws = Workspace::with_declaration();
    let (hits, run) = ws.search("py:jianpin", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(passages(&hits)[0], 8);
    assert!(
        highlighted(&hits[0]).contains(&"減貧"),
        "{:?}",
        highlighted(&hits[0])
    );

    for spaced in ["jian pin", "Jiǎn pín", "jianpin"] {
        let (spelled, run) = ws.search(spaced, &["--pinyin"]);
        assert_eq!(run.code, 0, "{spaced}: {}", run.stderr);
        assert_eq!(passages(&spelled), passages(&hits), "{spaced}");
    }

    // A name jieba does not know (友 城), and a word it splits (上 合 组织): found as pieces
    // the index holds next to each other, exactly where the Chinese query finds them.
    for (pinyin, chinese) in [("youcheng", "友城"), ("shanghezuzhi", "上合组织")] {
        let by_pinyin = sorted(passages(
            &ws.search(&format!("py:{pinyin}"), &["--limit", "20"]).0,
        ));
        let by_chinese = sorted(passages(&ws.search(chinese, &["--limit", "20"]).0));
        assert_eq!(by_pinyin, by_chinese, "{pinyin}");
    }

    // English words stay English under --pinyin when no Chinese form exists.
    let (hits, _) = ws.search("friendship", &["--pinyin"]);
    assert_eq!(passages(&hits), [10]);
}

#[test]
fn explain_shows_the_forms_and_nothing_floods() {
    let ws = Workspace::with_declaration();
    let run = ws.run(&["explain", "py:jianpin py:jian", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let expansions: Vec<&str> = report["expansions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        expansions.contains(&"pinyin jianpin → 减贫 (forms the index holds)"),
        "{expansions:?}"
    );
    let single = expansions
        .iter()
        .find(|e| e.starts_with("pinyin jian "))
        .expect("the one-syllable word expands");
    let forms: Vec<&str> = single
        .trim_start_matches("pinyin jian → ")
        .trim_end_matches(" (forms the index holds)")
        .split(" | ")
        .collect();
    let text = std::fs::read_to_string(crate::common::shipped_declaration()).unwrap();
    let folded = declsearch::analysis::fold::to_simplified(&text);
    assert!(!forms.is_empty() && forms.len() <= declsearch::query::pinyin::MAX_EXPANSIONS);
    for form in forms {
        assert!(folded.contains(form), "{form} is not in the declaration");
    }

    for bad in ["py:", "py:减贫", "py:\"上合\""] {
        let run = ws.run(&["search", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains("py:"), "{}", run.stderr);
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn pinyin_on_the_udhr_finds_what_the_characters_find() {
    let shared = shared_dir();
    let ws = Workspace::empty();
    let text = std::fs::read(shared.join("data/udhr/udhr_cmn_hans.txt")).unwrap();
    ws.add_file("udhr.zh-Hans.txt", &text);
    for (pinyin, chinese) in [("hunyin", "婚姻"), ("jiaoyu", "教育"), ("zongjiao", "宗教")] {
        let set = |query: &str, extra: &[&str]| -> BTreeSet<u32> {
            let mut args = vec!["--limit", "100"];
            args.extend_from_slice(extra);
            passages(&ws.search(query, &args).0).into_iter().collect()
        };
        let expected = set(chinese, &[]);
        assert!(!expected.is_empty(), "{chinese}");
        assert_eq!(set(&format!("py:{pinyin}"), &[]), expected, "py:{pinyin}");
        assert_eq!(set(pinyin, &["--pinyin"]), expected, "--pinyin {pinyin}");
    }
}
