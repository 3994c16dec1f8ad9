//! The CLI's contracts: JSON shape, highlights, human output, first-use build, exit codes on
//! bad input, and that a failure never damages an existing index.

use crate::common::{highlighted, passages, shared_dir, shipped_declaration, Workspace};
use declsearch::Lang;

#[test]
#[ignore = "needs ../shared/data"]
fn shipped_corpus_is_the_seed_byte_for_byte() {
    let shared = shared_dir();
    let seed = std::fs::read(shared.join("seeds/000_797640862b4418bc.txt")).expect("seed");
    assert_eq!(std::fs::read(shipped_declaration()).unwrap(), seed);
}

#[test]
fn json_lines_carry_exactly_the_contract_fields_and_the_original_text() {
    let ws = Workspace::with_declaration();
    let run = ws.run(&["search", "发展 friendship", "--json"]);
    assert_eq!(run.code, 0);
    let source = std::fs::read_to_string(shipped_declaration()).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    for (i, line) in run.stdout.lines().enumerate() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        let contract = [
            "rank",
            "score",
            "doc",
            "path",
            "passage",
            "lang",
            "line",
            "text",
            "highlights",
            "snippet",
        ];
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        let mut expected = contract.to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        let key_at = |k: &str| line.find(&format!("\"{k}\":")).expect("key in line");
        assert!(
            contract.windows(2).all(|w| key_at(w[0]) < key_at(w[1])),
            "field order: {line}"
        );
        let hit: declsearch::Hit = serde_json::from_value(value).unwrap();
        assert_eq!(hit.rank, i + 1);
        assert_eq!(hit.doc, "sco-qingdao-friendship-initiative");
        assert_eq!(hit.path, "sco-qingdao-friendship-initiative.txt");
        assert_eq!(
            hit.text,
            lines[hit.line as usize - 1],
            "text as in the file"
        );
        assert_eq!(hit.passage, hit.line, "one passage a line in this file");
        assert!(hit.score > 0.0);
        let mut previous_end = 0;
        for &(start, end) in &hit.highlights {
            assert!(previous_end <= start && start < end && end <= hit.text.len());
            assert!(hit.text.is_char_boundary(start) && hit.text.is_char_boundary(end));
            previous_end = end;
        }
    }
    let hits = run.hits();
    assert!(hits
        .windows(2)
        .all(|w| w[0].score >= w[1].score || w[0].rank < w[1].rank));
    assert!(passages(&hits).contains(&10));
}

#[test]
fn paragraphs_separated_by_blank_lines_are_passages_with_their_first_line() {
    let ws = Workspace::empty();
    ws.add_file(
        "notes/joint-statement.txt",
        "Joint statement\non poverty reduction.\n\n\n減貧(jiǎn)合作\r\n第二行。\n\nClosing words.\n".as_bytes(),
    );
    let (hits, _) = ws.search("减贫", &[]);
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].passage, hits[0].line), (2, 5));
    assert_eq!(hits[0].doc, "notes/joint-statement");
    assert_eq!(hits[0].text, "減貧(jiǎn)合作\r\n第二行。");
    assert_eq!(highlighted(&hits[0]), ["減貧(jiǎn)"]);
    let (hits, _) = ws.search("reductions", &[]);
    assert_eq!(
        (hits[0].passage, hits[0].line, hits[0].lang),
        (1, 1, Lang::En)
    );
}

#[test]
fn first_search_builds_the_index_with_a_note_and_later_ones_reuse_it() {
    let ws = Workspace::with_declaration();
    let (_, first) = ws.search("上合组织", &[]);
    assert!(first.stderr.contains("built the index"), "{}", first.stderr);
    assert!(ws.index().join("CURRENT").is_file());
    let (hits, second) = ws.search("上合组织", &[]);
    assert_eq!(second.stderr, "");
    assert_eq!(hits.len(), 8);
}

#[test]
fn human_output_shows_hits_and_colours_only_when_asked_or_on_a_terminal() {
    let ws = Workspace::with_declaration();
    let piped = ws.run(&["search", "减贫"]);
    assert_eq!(piped.code, 0);
    assert!(!piped.stdout.contains('\x1b'), "no colour when piped");
    assert!(
        piped
            .stdout
            .starts_with("sco-qingdao-friendship-initiative.txt:8  #8  zh  score "),
        "path:line as ripgrep, the doc id left out where the path gives it: {}",
        piped.stdout
    );
    assert!(piped.stdout.contains("五是加強減貧發(fā)展"));

    let forced = ws.run(&["search", "减贫", "--color", "always"]);
    assert!(
        forced.stdout.contains("\x1b[1m\x1b[31m減貧\x1b[0m"),
        "{}",
        forced.stdout
    );
    let no_color = ws.run_with_env(
        &["search", "减贫", "--color", "always"],
        &[("NO_COLOR", "1")],
    );
    assert!(
        no_color.stdout.contains('\x1b'),
        "--color always overrides NO_COLOR"
    );
    let never = ws.run(&["search", "减贫", "--color", "never"]);
    assert_eq!(never.stdout, piped.stdout);
}

#[test]
fn missing_corpus_is_an_error_naming_it() {
    let ws = Workspace::empty();
    ws.run(&["search", "上合组织", "--corpus", "no-such-folder"])
        .assert_error(&["no-such-folder", "does not exist"]);
    assert!(!ws.index().join("CURRENT").exists());
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_its_line_and_the_old_index_survives() {
    let ws = Workspace::with_declaration();
    assert_eq!(ws.search("上合组织", &[]).1.code, 0);
    let current = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();

    ws.add_file("broken.txt", crate::common::BINARY_FROM_LINE_2);
    ws.run(&["index"])
        .assert_error(&["broken.txt", "not UTF-8", "line 2"]);
    assert_eq!(
        std::fs::read_to_string(ws.index().join("CURRENT")).unwrap(),
        current
    );
    let (hits, run) = ws.search("上合组织", &[]);
    assert_eq!(
        (run.code, hits.len()),
        (0, 8),
        "the old index still answers"
    );
}

#[test]
fn a_folder_that_is_not_an_index_is_refused_and_left_alone() {
    let ws = Workspace::with_declaration();
    let folder = ws.root.path().join("photos");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("holiday.jpg"), b"\xff\xd8").unwrap();
    ws.run(&["search", "上合组织", "--index", "photos"])
        .assert_error(&["photos", "not a declsearch index"]);
    ws.run(&["index", "--index", "photos"])
        .assert_error(&["photos", "not a declsearch index"]);
    let entries: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    assert_eq!(entries.len(), 1, "nothing written into it");

    std::fs::write(ws.root.path().join("a-file"), b"x").unwrap();
    ws.run(&["search", "上合组织", "--index", "a-file"])
        .assert_error(&["a-file", "not a folder"]);
}

#[test]
fn an_index_built_by_another_analysis_is_rebuilt_from_its_corpus_or_refused() {
    let ws = Workspace::with_declaration();
    assert_eq!(ws.search("上合组织", &[]).1.code, 0);
    let age_manifest = |edit: &dyn Fn(&mut serde_json::Value)| {
        let generation = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();
        let manifest = ws
            .index()
            .join(generation.trim())
            .join("declsearch-manifest.json");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        edit(&mut value);
        std::fs::write(&manifest, value.to_string()).unwrap();
    };

    // Built from another corpus: refused, with the way out.
    age_manifest(&|m| m["analysis"] = "declsearch-analysis/0; an older table".into());
    let elsewhere = ws.root.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    ws.run(&[
        "search",
        "上合组织",
        "--corpus",
        elsewhere.to_str().unwrap(),
    ])
    .assert_error(&["declsearch index --full", "an older table"]);

    // Built from this corpus by an older version (another analysis, or an older manifest
    // format whose fields differ): rebuilt on the spot, with a note.
    let older_analysis = |m: &mut serde_json::Value| m["analysis"] = "an older table".into();
    let older_format = |m: &mut serde_json::Value| {
        m["format"] = 1.into();
        m["files"] = serde_json::json!([{"path": "x.txt"}]);
    };
    let olds: [&dyn Fn(&mut serde_json::Value); 2] = [&older_analysis, &older_format];
    for old in olds {
        age_manifest(old);
        let (hits, run) = ws.search("上合组织", &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("built the index"), "{}", run.stderr);
        assert_eq!(hits.len(), 8);
        assert_eq!(ws.search("上合组织", &[]).1.stderr, "", "rebuilt once");
    }
}

#[test]
fn index_command_rebuilds_into_a_new_generation_and_reports() {
    let ws = Workspace::with_declaration();
    let run = ws.run(&["index", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(report["passages"], 10);
    assert_eq!(report["documents"], 1);
    let first = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();

    ws.add_file("second.txt", "友城合作".as_bytes());
    assert_eq!(ws.run(&["index"]).code, 0);
    let second = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();
    assert_ne!(first, second);
    assert!(
        !ws.index().join(first.trim()).exists(),
        "old generation removed"
    );
    let (hits, _) = ws.search("友城合作", &[]);
    assert_eq!(hits[0].doc, "second");
}

/// The query syntax has one source, `declsearch::query::SYNTAX`: the search help prints it
/// and the README's table holds every row of it.
#[test]
fn query_syntax_help_and_readme_share_one_source() {
    let ws = Workspace::empty();
    let help = ws.run(&["search", "--help"]);
    assert_eq!(help.code, 0, "{}", help.stderr);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for (item, meaning) in declsearch::query::SYNTAX {
        let line = help
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(item))
            .unwrap_or_else(|| panic!("search --help lacks {item:?}"));
        assert!(line.ends_with(meaning), "help: {line:?}");
        let row = format!("| `{item}` | {meaning} |");
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
}
