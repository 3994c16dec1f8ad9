//! Formats beyond plain text: PDF (fixtures printed by Chromium from the shipped declaration,
//! see `tests/fixtures/make-pdf.sh`), and damaged or hostile files of each, which are skipped
//! with their name and the cause while the rest is indexed.

use std::path::{Path, PathBuf};

use crate::common::{shipped_declaration, Workspace};
use declsearch::corpus::{CorpusFile, Document, Format};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The documents the library reads from `bytes` as a file called `name`.
fn read(name: &str, bytes: Vec<u8>) -> declsearch::Result<Vec<Document>> {
    let path = PathBuf::from(name);
    let file = CorpusFile {
        format: Format::of(&path).expect("a format declsearch reads"),
        key: name.to_owned(),
        relative: name.to_owned(),
        path,
    };
    file.documents(bytes)
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The paragraphs of the shipped declaration, the source of the PDF fixtures.
fn source_paragraphs() -> Vec<String> {
    std::fs::read_to_string(shipped_declaration())
        .expect("shipped corpus")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(without_whitespace)
        .collect()
}

/// A PDF's passages hold its source text exactly (after whitespace is taken out), in reading
/// order: each is a whole paragraph of the source, or the part of one on its page when the
/// paragraph runs across a page break. Returns the passages.
fn assert_extracts(name: &str, paragraphs: &[String]) -> Vec<declsearch::corpus::passage::Passage> {
    let documents = read(name, std::fs::read(fixture(name)).expect("fixture")).expect(name);
    assert_eq!(documents.len(), 1);
    let passages = documents.into_iter().next().unwrap().passages;
    let extracted: String = passages
        .iter()
        .map(|p| without_whitespace(&p.text))
        .collect();
    assert_eq!(
        extracted,
        paragraphs.concat(),
        "{name}: the text of its pages"
    );
    let mut pieces = passages.iter().peekable();
    let mut pages_seen = Vec::new();
    for paragraph in paragraphs {
        let mut rebuilt = String::new();
        let mut pages = Vec::new();
        while rebuilt.len() < paragraph.len() {
            let piece = pieces.next().expect("a passage for each paragraph");
            rebuilt.push_str(&without_whitespace(&piece.text));
            pages.push(piece.page.expect("a PDF passage has its page"));
        }
        assert_eq!(&rebuilt, paragraph, "{name}: a passage a paragraph");
        assert!(
            pages.windows(2).all(|w| w[1] == w[0] + 1),
            "{name}: a paragraph is cut only where a page ends: {pages:?}"
        );
        pages_seen.extend(pages);
    }
    assert!(pieces.next().is_none());
    assert!(pages_seen.windows(2).all(|w| w[0] <= w[1]));
    passages
}

#[test]
fn pdf_text_in_a_cid_font_is_its_source_text_paragraph_by_paragraph() {
    let passages = assert_extracts("seed.pdf", &source_paragraphs());
    let pages: Vec<u32> = passages.iter().filter_map(|p| p.page).collect();
    assert_eq!(pages[0], 1);
    assert!(pages[pages.len() - 1] >= 3, "several A5 pages: {pages:?}");
    assert!(
        passages.len() > source_paragraphs().len(),
        "some paragraphs run across pages"
    );
    // Lines count from the top of each page.
    assert_eq!((passages[0].line, passages[0].page), (1, Some(1)));
    let first_of_page_2 = passages.iter().find(|p| p.page == Some(2)).unwrap();
    assert_eq!(first_of_page_2.line, 1);
    let english: String = passages
        .iter()
        .filter(|p| p.lang == declsearch::Lang::En)
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "people-to-people friendship",
        "People-to-People Friendship & the Forum",
    ] {
        assert!(
            english.contains(words),
            "words hyphenated across a line break keep the hyphen and no space: {english}"
        );
    }
}

#[test]
fn pdf_text_in_type3_fonts_reads_radicals_as_ideographs() {
    let paragraphs = source_paragraphs();
    let first_and_last = [
        paragraphs[0].clone(),
        paragraphs[paragraphs.len() - 1].clone(),
    ];
    let passages = assert_extracts("type3.pdf", &first_and_last);
    // The font's ToUnicode map names Kangxi radicals (U+2F42 ⽂) for 文, 大, 小.
    assert!(passages[0].text.contains("多元文明") && passages[0].text.contains("大小國家"));
    assert!(!passages.iter().any(|p| p.text.contains('\u{2F42}')));
}

#[test]
fn pdf_hits_carry_their_page_in_json_and_in_the_human_output() {
    let ws = Workspace::empty();
    ws.add_file(
        "initiative.pdf",
        &std::fs::read(fixture("seed.pdf")).unwrap(),
    );
    ws.add_file("notes.txt", "二是加强友城合作。\n".as_bytes());
    let run = ws.run(&["index", "--json", "--verbose"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(r#""pdf":1"#), "{}", run.stdout);
    let (hits, _) = ws.search("友城合作", &["--limit", "100"]);
    let pdf: Vec<_> = hits.iter().filter(|h| h.path == "initiative.pdf").collect();
    let text: Vec<_> = hits.iter().filter(|h| h.path == "notes.txt").collect();
    assert!(pdf.len() >= 3 && text.len() == 1, "{hits:?}");
    assert!(text[0].page.is_none());
    assert!(pdf
        .iter()
        .all(|h| h.page.is_some_and(|p| (1..=3).contains(&p))));
    assert!(
        pdf.iter().any(|h| h.page == Some(2)),
        "the passage on page 2"
    );
    for hit in &pdf {
        assert!(!hit.highlights.is_empty());
        for &(start, end) in &hit.highlights {
            assert!(["友城", "合作", "友城合作"].contains(&&hit.text[start..end]));
        }
    }
    let raw = ws.run(&["search", "友城合作", "--json", "--limit", "100"]);
    for line in raw.stdout.lines() {
        assert_eq!(
            line.contains(r#""page":"#),
            line.contains(r#""path":"initiative.pdf""#),
            "page only for the PDF: {line}"
        );
    }
    let human = ws.run(&["search", "友城合作", "--limit", "100", "--color", "never"]);
    let first = &pdf[0];
    let header = format!("initiative.pdf:p{}:{}  ", first.page.unwrap(), first.line);
    assert!(
        human.stdout.contains(&header),
        "{header} in {}",
        human.stdout
    );
    assert!(human.stdout.contains("notes.txt:1  "));
}

/// A minimal PDF written by lopdf: one page whose content draws the form XObjects `forms`
/// builds (given the document, they return the page's resources), then shows "hello".
fn pdf_with_forms(forms: impl FnOnce(&mut lopdf::Document) -> lopdf::Dictionary) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut resources = forms(&mut doc);
    resources.set("Font", dictionary! { "F1" => font });
    let content = b"/X0 Do BT /F1 12 Tf 72 720 Td (hello) Tj ET".to_vec();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("save");
    bytes
}

fn form(
    doc: &mut lopdf::Document,
    draws: &str,
    resources: Option<lopdf::Dictionary>,
) -> lopdf::ObjectId {
    use lopdf::{dictionary, Stream};
    let mut dict = dictionary! { "Type" => "XObject", "Subtype" => "Form",
    "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()] };
    if let Some(resources) = resources {
        dict.set("Resources", resources);
    }
    doc.add_object(Stream::new(dict, draws.as_bytes().to_vec()))
}

#[test]
fn hostile_pdfs_are_skipped_with_their_cause() {
    use lopdf::dictionary;
    // The guard's baseline: a form drawn once is read.
    let plain = pdf_with_forms(|doc| {
        let x0 = form(doc, "0 0 m 1 1 l S", None);
        dictionary! { "XObject" => dictionary! { "X0" => x0 } }
    });
    let documents = read("plain.pdf", plain).expect("a page with one form");
    assert_eq!(documents[0].passages[0].text, "hello");

    // A form that draws itself (through the page's resources, which it inherits): pdf-extract
    // would recurse until the stack overflows.
    let looping = pdf_with_forms(|doc| {
        let x0 = form(doc, "/X0 Do", None);
        dictionary! { "XObject" => dictionary! { "X0" => x0 } }
    });
    let err = read("loop.pdf", looping).unwrap_err().to_string();
    assert!(
        err.contains("loop.pdf") && err.contains("draws itself"),
        "{err}"
    );

    // Forms drawing forms 20 deep, each 10 times: 10^20 drawings.
    let exponential = pdf_with_forms(|doc| {
        let mut inner = form(doc, "0 0 m 1 1 l S", Some(dictionary! {}));
        for _ in 0..20 {
            let draws = "/X0 Do ".repeat(10);
            inner = form(
                doc,
                &draws,
                Some(dictionary! { "XObject" => dictionary! { "X0" => inner } }),
            );
        }
        dictionary! { "XObject" => dictionary! { "X0" => inner } }
    });
    let err = read("bomb.pdf", exponential).unwrap_err().to_string();
    assert!(
        err.contains("bomb.pdf") && err.contains("draws forms"),
        "{err}"
    );

    // A page whose parent is itself.
    let mut doc = lopdf::Document::load_mem(&pdf_with_forms(|_| dictionary! {})).unwrap();
    let page = doc.page_iter().next().unwrap();
    doc.get_dictionary_mut(page).unwrap().set("Parent", page);
    doc.get_dictionary_mut(page).unwrap().remove(b"MediaBox");
    let mut parent_loop = Vec::new();
    doc.save_to(&mut parent_loop).unwrap();
    let err = read("parents.pdf", parent_loop).unwrap_err().to_string();
    assert!(
        err.contains("parents.pdf") && err.contains("parents"),
        "{err}"
    );
}

#[test]
fn encrypted_scanned_and_damaged_pdfs_are_skipped_and_the_rest_indexed() {
    let ws = Workspace::empty();
    let seed = std::fs::read(fixture("seed.pdf")).unwrap();
    ws.add_file("good.pdf", &seed);
    ws.add_file(
        "locked.pdf",
        &std::fs::read(fixture("encrypted.pdf")).unwrap(),
    );
    ws.add_file("scan.pdf", &std::fs::read(fixture("scanned.pdf")).unwrap());
    ws.add_file("cut.pdf", &seed[..seed.len() / 3]);
    ws.add_file(
        "noise.pdf",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n",
    );
    let run = ws.run(&["index"]);
    assert_eq!(
        run.code, 2,
        "a file that could not be read is an error: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for (file, cause) in [
        ("locked.pdf", "encrypted PDF that needs a password"),
        ("scan.pdf", "no text in any of its 1 pages"),
        ("noise.pdf", "PDF"),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} is named: {}", run.stderr));
        assert!(line.contains(cause), "{line}");
    }
    // A cut file is either skipped with its name or read in part (lopdf rebuilds what it
    // can), never a crash.
    let (hits, search) = ws.search("友城合作", &[]);
    assert_eq!(search.code, 0, "{}", search.stderr);
    assert!(hits.iter().any(|h| h.path == "good.pdf"));
}

/// The passages the Word fixtures must give (see `tests/fixtures/make-office.sh`): the title
/// heading with the first paragraph, two paragraphs, the second heading with the three list
/// items, the table's two rows, the English paragraph. Whitespace taken out.
fn office_passages() -> Vec<String> {
    let p = source_paragraphs();
    vec![
        format!("上合組織友好城市倡議{}", p[0]),
        p[1].clone(),
        p[2].clone(),
        format!("五點倡議{}{}{}", p[3], p[4], p[5]),
        "論壇|青島".into(),
        "友城合作|地方政府間友好交往".into(),
        p[p.len() - 1].clone(),
    ]
}

#[test]
fn word_and_opendocument_files_give_headings_lists_tables_and_paragraphs() {
    for name in ["initiative.docx", "initiative.odt"] {
        let documents = read(name, std::fs::read(fixture(name)).unwrap()).expect(name);
        let passages = &documents[0].passages;
        let texts: Vec<String> = passages
            .iter()
            .map(|p| without_whitespace(&p.text))
            .collect();
        assert_eq!(texts, office_passages(), "{name}");
        // A heading stays on its own line above its paragraph; lines count paragraphs.
        assert!(
            passages[0]
                .text
                .starts_with("上合組織友好城市倡議\n論壇贊同"),
            "{name}"
        );
        let lines: Vec<u32> = passages.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            [1, 3, 4, 5, 9, 11, 13],
            "{name}: the paragraph each starts at"
        );
        assert!(passages.iter().all(|p| p.page.is_none()));
        assert_eq!(passages[6].lang, declsearch::Lang::En);
    }
}

#[test]
fn word_files_are_searched_and_reported_by_format() {
    let ws = Workspace::empty();
    ws.add_file(
        "a/initiative.docx",
        &std::fs::read(fixture("initiative.docx")).unwrap(),
    );
    ws.add_file(
        "b/initiative.odt",
        &std::fs::read(fixture("initiative.odt")).unwrap(),
    );
    ws.add_file(
        "old.doc",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 a legacy Word file",
    );
    let run = ws.run(&["index", "--json", "--verbose"]);
    assert_eq!(
        run.code, 0,
        "a legacy .doc is skipped, not an error: {}",
        run.stderr
    );
    assert!(run.stdout.contains(r#""docx":1"#) && run.stdout.contains(r#""odt":1"#));
    assert!(
        run.stderr.contains("old.doc") && run.stderr.contains("legacy Word .doc"),
        "{}",
        run.stderr
    );
    let (hits, _) = ws.search("地方政府間友好交往", &["--limit", "3"]);
    let rows: Vec<_> = hits
        .iter()
        .filter(|h| h.text == "友城合作 | 地方政府間友好交往")
        .collect();
    assert_eq!(rows.len(), 2, "the table row of each: {hits:?}");
    assert!(rows.iter().all(|h| h.line == 11 && h.page.is_none()));
}

/// A zip holding `members` (name, bytes), deflated.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn damaged_and_hostile_word_files_are_skipped_with_their_cause() {
    // A body that unpacks to 200 MB from a few hundred kilobytes.
    let bomb = zip_of(&[("word/document.xml", &vec![b' '; 200 << 20])]);
    assert!(bomb.len() < 1 << 20);
    let err = read("bomb.docx", bomb).unwrap_err().to_string();
    assert!(
        err.contains("bomb.docx") && err.contains("zip bomb"),
        "{err}"
    );

    let err = read("plain.docx", b"just text".to_vec())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("plain.docx") && err.contains("not a zip archive"),
        "{err}"
    );

    let err = read("empty.odt", zip_of(&[("mimetype", b"x")]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("empty.odt") && err.contains("without content.xml"),
        "{err}"
    );

    let broken = b"<w:document><w:body><w:p><w:r><w:t>ok</w:t></w:r></w:p></w:bod";
    let err = read("broken.docx", zip_of(&[("word/document.xml", broken)])).unwrap_err();
    assert!(err.to_string().contains("damaged XML"), "{err}");

    // Deeply nested paragraphs (a text box in a text box ...) read in one pass, no recursion.
    let deep = format!(
        "<w:document><w:body>{}<w:r><w:t>深處</w:t></w:r>{}</w:body></w:document>",
        "<w:p>".repeat(100_000),
        "</w:p>".repeat(100_000)
    );
    let documents = read(
        "deep.docx",
        zip_of(&[("word/document.xml", deep.as_bytes())]),
    )
    .unwrap();
    assert_eq!(documents[0].passages[0].text, "深處");
}
