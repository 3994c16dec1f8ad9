//! Files in the encodings people have them in: GBK, GB18030, Big5, UTF-16 with a byte-order
//! mark, an HTML page declaring gb2312. Each gives exactly the hits of its UTF-8 original,
//! and the index records the encoding it read.

use crate::common::{shared_dir, shipped_declaration, Workspace, BINARY_FROM_LINE_2};
use declsearch::Hit;

/// A hit's answer: its score and where and what it is. Sorted: passages of equal score
/// follow the order of the index's addresses, which two builds of the same text need not share
/// (tantivy's writer threads take documents as they come).
type Answer = (u32, String, String, u32, u32, String, Vec<(usize, usize)>);

fn answers(hits: &[Hit]) -> Vec<Answer> {
    let mut answers: Vec<Answer> = hits
        .iter()
        .map(|h| {
            (
                h.score.to_bits(),
                h.doc.clone(),
                h.path.clone(),
                h.passage,
                h.line,
                h.text.clone(),
                h.highlights.clone(),
            )
        })
        .collect();
    answers.sort();
    answers
}

/// `text` as `encoding` can hold it: characters it cannot encode are written as encoding_rs
/// writes them (`&#NNNN;`), in the original too, so both files hold the same text. Returns
/// the text, its bytes, and how many characters could not be encoded.
fn in_encoding(text: &str, encoding: &'static encoding_rs::Encoding) -> (String, Vec<u8>, usize) {
    let (bytes, _, _) = encoding.encode(text);
    let (back, errors) = encoding.decode_without_bom_handling(&bytes);
    assert!(!errors, "{} round trip", encoding.name());
    let lost = text.chars().count().abs_diff(back.chars().count());
    (back.into_owned(), bytes.into_owned(), lost)
}

/// Index `name` holding `utf8` in one workspace and `encoded` in another; every query gives
/// the same hits in both, at least one each. Returns the encoded workspace's index run.
fn same_hits(name: &str, utf8: &str, encoded: &[u8], queries: &[&str]) -> crate::common::Run {
    let original = Workspace::empty();
    original.add_file(name, utf8.as_bytes());
    let other = Workspace::empty();
    other.add_file(name, encoded);
    assert_eq!(original.run(&["index"]).code, 0);
    let run = other.run(&["index", "--verbose", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for query in queries {
        let (expected, _) = original.search(query, &["--limit", "100"]);
        let (got, search) = other.search(query, &["--limit", "100"]);
        assert!(
            !expected.is_empty(),
            "{name}: {query} finds nothing in the original"
        );
        let (got, expected) = (answers(&got), answers(&expected));
        let first_difference = got.iter().zip(&expected).position(|(a, b)| a != b);
        assert!(
            got.len() == expected.len() && first_difference.is_none(),
            "{name}: {query}: {} hits against {}; first difference at {first_difference:?}: {:?} against {:?}\n{}",
            got.len(),
            expected.len(),
            first_difference.map(|i| &got[i]),
            first_difference.map(|i| &expected[i]),
            search.stderr
        );
    }
    run
}

fn udhr(script: &str) -> String {
    let path = shared_dir().join(format!("data/udhr/udhr_cmn_{script}.txt"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const UDHR_QUERIES: &[&str] = &[
    "人人",
    "自由",
    "尊严",
    "权利",
    "教育",
    "奴役",
    "國籍",
    "婚姻 家庭",
];

#[test]
#[ignore = "needs ../shared/data"]
fn the_udhr_in_gbk_gb18030_and_big5_gives_the_hits_of_its_utf8_original() {
    let simplified = udhr("hans");
    let traditional = udhr("hant");
    for (name, text, encoding, expected) in [
        ("udhr-hans.txt", &simplified, encoding_rs::GBK, "GBK"),
        // GB18030 holds these characters in GBK's two bytes; GBK's decoder reads GB18030.
        ("udhr-hant.txt", &traditional, encoding_rs::GB18030, "GBK"),
        ("udhr-hant.txt", &traditional, encoding_rs::BIG5, "Big5"),
    ] {
        let (text, bytes, lost) = in_encoding(text, encoding);
        // Big5 lacks two characters of the traditional text (痩, 覑); the others hold all.
        assert!(lost <= 3 * 8, "{name} in {expected}: {lost}");
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "{name} in {expected} is no UTF-8"
        );
        let run = same_hits(name, &text, &bytes, UDHR_QUERIES);
        assert!(
            run.stderr.contains(&format!("{name}  txt  {expected}  ")),
            "--verbose names the encoding: {}",
            run.stderr
        );
        let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        assert_eq!(summary["formats"], serde_json::json!({"txt": 1}));
    }
}

#[test]
fn the_seed_in_gb18030_and_utf16_gives_the_hits_of_its_utf8_original() {
    let seed = std::fs::read_to_string(shipped_declaration()).expect("the shipped corpus");
    let queries = ["上合组织", "友城", "倡导", "friendship cities", "减贫 合作"];
    let (text, gb18030, lost) = in_encoding(&seed, encoding_rs::GB18030);
    assert_eq!(lost, 0);
    assert_eq!(text, seed);
    same_hits("seed.txt", &seed, &gb18030, &queries);
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(seed.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let run = same_hits("seed.txt", &seed, &le, &queries);
    assert!(
        run.stderr.contains("seed.txt  txt  UTF-16LE  10 passages"),
        "{}",
        run.stderr
    );
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(seed.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    same_hits("seed.txt", &seed, &be, &queries);
}

#[test]
fn an_html_page_declaring_gb2312_gives_the_hits_of_its_utf8_original() {
    let seed = std::fs::read_to_string(shipped_declaration()).expect("the shipped corpus");
    let paragraphs: String = seed
        .split("\n\n")
        .map(|p| format!("<p>{}</p>\n", p.trim()))
        .collect();
    let page = |charset: &str| {
        format!(
            "<html><head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset={charset}\">\n\
             <title>倡议</title></head>\n<body>\n{paragraphs}</body></html>\n"
        )
    };
    let utf8 = page("utf-8");
    let declared = page("gb2312");
    let (text, bytes, lost) = in_encoding(&declared, encoding_rs::GBK);
    assert_eq!((lost, &text), (0, &declared));
    // Only the declaration differs, in the head: the passages and their lines are the same.
    let run = same_hits(
        "page.html",
        &utf8,
        &bytes,
        &["上合组织", "友城合作", "poverty reduction"],
    );
    assert!(
        run.stderr.contains("page.html  html  GBK  "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_forced_encoding_and_a_file_no_encoding_reads_are_reported() {
    let ws = Workspace::empty();
    let (bytes, _, _) = encoding_rs::GBK.encode("二是加强友城合作。\n");
    ws.add_file("gbk.txt", &bytes);
    let run = ws.run(&["index", "--encoding", "no-such-label"]);
    run.assert_error(&["unknown encoding", "no-such-label"]);
    assert!(!ws.index().join("CURRENT").exists(), "nothing was written");
    let run = ws.run(&["index", "--encoding", "GB2312", "--verbose"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("gbk.txt  txt  GBK  1 passages"),
        "{}",
        run.stderr
    );
    // Forced to read it as UTF-8, it is read again and found not to be.
    let run = ws.run(&["index", "--encoding", "utf-8"]);
    run.assert_error(&["gbk.txt", "is not UTF-8 text", "line 1"]);
    let (hits, _) = ws.search("友城", &[]);
    assert_eq!(hits.len(), 1, "the GBK reading stays indexed");

    let ws = Workspace::with_declaration();
    ws.add_file("binary.txt", BINARY_FROM_LINE_2);
    let run = ws.run(&["index"]);
    run.assert_error(&[
        "binary.txt",
        "not UTF-8",
        "line 2",
        "best guess",
        "control characters",
    ]);
    let (hits, _) = ws.search("友城", &[]);
    assert!(!hits.is_empty(), "the rest is indexed");
}
