//! Script folding on real text beyond the seed: the Universal Declaration of Human Rights in
//! traditional and in simplified characters (`../shared/data/udhr`).

use std::collections::BTreeSet;

use crate::common::{shared_dir, Workspace};
use declsearch::corpus::passage::split_passages;

#[test]
#[ignore = "needs ../shared/data"]
fn either_script_finds_exactly_the_udhr_passages_holding_the_word() {
    let shared = shared_dir();
    let ws = Workspace::empty();
    let mut texts = Vec::new();
    for (doc, name) in [
        ("udhr_cmn_hant", "udhr_cmn_hant.txt"),
        ("udhr_cmn_hans", "udhr_cmn_hans.txt"),
    ] {
        let bytes = std::fs::read(shared.join("data/udhr").join(name)).expect("udhr file");
        ws.add_file(name, &bytes);
        texts.push((doc, String::from_utf8(bytes).expect("UTF-8")));
    }
    // (simplified, traditional): words whose every occurrence jieba keeps whole or as a
    // sub-word, so literal containment is the right answer.
    let words = [
        ("尊严", "尊嚴"),
        ("国籍", "國籍"),
        ("婚姻", "婚姻"),
        ("人权", "人權"),
        ("社会保障", "社會保障"),
        ("宗教", "宗教"),
    ];
    for (simplified, traditional) in words {
        let found = |query: &str| -> BTreeSet<(String, u32)> {
            let (hits, run) = ws.search(query, &["--limit", "500"]);
            assert_eq!(run.code, 0, "{query}: {}", run.stderr);
            hits.into_iter().map(|h| (h.doc, h.passage)).collect()
        };
        let by_simplified = found(simplified);
        assert_eq!(
            by_simplified,
            found(traditional),
            "{simplified} = {traditional}"
        );

        let mut containing = BTreeSet::new();
        for (doc, text) in &texts {
            let literal = if doc.ends_with("hant") {
                traditional
            } else {
                simplified
            };
            for passage in split_passages(text) {
                if passage.text.contains(literal) {
                    containing.insert((doc.to_string(), passage.number));
                }
            }
        }
        assert!(containing.len() >= 2, "{simplified}: a word of both files");
        assert_eq!(by_simplified, containing, "{simplified}");
    }
}

/// A dictionary restricted to the words inside a text (what a cold search uses) segments it
/// exactly as jieba's full dictionary does: every Han run of the seed, the UDHR, the XQuAD-zh
/// and CMRC2018 corpora and every query set.
#[test]
#[ignore = "needs ../shared/data"]
fn restricted_dictionaries_segment_exactly_like_the_full_one() {
    use declsearch::analysis::{fold::to_simplified, lexicon::lexicon};
    use declsearch::text::cleanup::{clean, is_han};

    let shared = shared_dir();
    let full = jieba_rs::Jieba::new();
    let files = [
        "seeds/000_797640862b4418bc.txt",
        "data/udhr/udhr_cmn_hant.txt",
        "data/udhr/udhr_cmn_hans.txt",
        "data/xquad/xquad-zh.corpus.jsonl",
        "data/xquad/xquad-zh.dev.queries.tsv",
        "data/cmrc2018/cmrc2018.corpus.jsonl",
        "data/cmrc2018/cmrc2018.queries.tsv",
        "data/twlaw/keyword.queries.tsv",
    ];
    let (mut runs, mut words) = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(shared.join(file)).expect("a shared text file");
        let folded = to_simplified(&clean(&text).text);
        for run in folded.split(|c: char| !is_han(c)).filter(|r| !r.is_empty()) {
            let expected: Vec<&str> = full.cut(run, false).iter().map(|t| t.word).collect();
            let restricted = lexicon().jieba_for([run]);
            let got: Vec<&str> = restricted.cut(run, false).iter().map(|t| t.word).collect();
            assert_eq!(got, expected, "{file}: {run}");
            runs += 1;
            words += expected.len();
        }
    }
    assert!(
        runs > 20_000 && words > 300_000,
        "{runs} runs, {words} words"
    );
}
