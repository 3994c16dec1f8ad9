//! `search --cross` on the seed: English finds Chinese passages and Chinese finds the English
//! one, and each hit says which translation matched.

use crate::common::{passages, Workspace};

#[test]
fn english_finds_chinese_and_chinese_finds_english() {
    let ws = Workspace::with_declaration();
    let (hits, run) = ws.search("poverty reduction", &["--cross"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(passages(&hits)[..2], [8, 10]);
    let via = |passage: u32| {
        hits.iter()
            .find(|h| h.passage == passage)
            .and_then(|h| h.via.clone())
            .expect("a --cross hit says how it matched")
    };
    assert_eq!(
        via(8),
        [("poverty reduction".to_owned(), "减贫".to_owned())]
    );
    assert!(via(10).is_empty(), "the English passage matched directly");

    let (hits, run) = ws.search("友城", &["--cross"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let english = hits
        .iter()
        .find(|h| h.passage == 10)
        .expect("Friendship Cities");
    let via = english.via.as_ref().unwrap();
    assert!(
        via.iter()
            .any(|(typed, form)| typed == "友城" && form == "city"),
        "{via:?}"
    );
    let highlighted: Vec<&str> = english
        .highlights
        .iter()
        .map(|&(a, b)| &english.text[a..b])
        .collect();
    assert!(highlighted.contains(&"Cities"), "{highlighted:?}");

    // Without --cross, neither crosses, and hits carry no via.
    assert!(!passages(&ws.search("友城", &[]).0).contains(&10));
    let (plain, run) = ws.search("poverty reduction", &[]);
    assert_eq!(passages(&plain), [10]);
    assert!(!run.stdout.contains("\"via\""));
}
