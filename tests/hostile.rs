//! Hostile input: odd encodings and line ends, NUL bytes, empty files, symlink loops, and
//! queries of junk. Each gives a clear error or a sensible result, exit 0, 1 or 2, never a
//! panic, and the index keeps answering.

use crate::common::{passages, Workspace};

fn assert_no_panic(run: &crate::common::Run) {
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.code <= 2, "exit {}: {}", run.code, run.stderr);
}

#[test]
fn odd_encodings_and_line_ends_index_sensibly() {
    let ws = Workspace::with_declaration();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "友城合作\n減貧交流\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    ws.add_file("utf16.txt", &utf16);
    ws.add_file(
        "bom.txt",
        "\u{feff}上合組織減貧\r\n第二行\r第三行 友城\r".as_bytes(),
    );
    ws.add_file("nul.txt", "a\0b 上合\0組織\n".as_bytes());
    ws.add_file("empty.txt", b"");
    ws.add_file("ext-b.txt", "𠀀𠀁 😀 上合組織\n".as_bytes());
    let run = ws.run(&["index", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let (hits, _) = ws.search("减贫交流", &[]);
    assert!(
        hits.iter().any(|h| h.doc == "utf16" && h.line == 2),
        "{hits:?}"
    );
    let (hits, _) = ws.search("友城", &["--limit", "50"]);
    let bom = hits
        .iter()
        .find(|h| h.doc == "bom")
        .expect("lone CR ends a line");
    assert_eq!((bom.line, bom.text.as_str()), (3, "第三行 友城"));
    let (hits, _) = ws.search("𠀀", &[]);
    assert_eq!(hits[0].doc, "ext-b");
    let (hits, _) = ws.search("上合组织", &["--limit", "50"]);
    assert!(
        hits.iter().any(|h| h.doc == "nul"),
        "NUL bytes are no word, the rest indexes"
    );
}

#[test]
fn a_symlink_loop_is_a_warning_and_a_corpus_file_is_a_corpus() {
    let ws = Workspace::with_declaration();
    std::os::unix::fs::symlink("..", ws.corpus().join("loop")).unwrap();
    let run = ws.run(&["index"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("loop") && run.stderr.contains("warning"),
        "{}",
        run.stderr
    );

    let single = ws.corpus().join("sco-qingdao-friendship-initiative.txt");
    let run = ws.run(&["index", "--full", "--corpus", single.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(passages(&ws.search("减贫", &[]).0), [8]);
}

#[test]
fn junk_queries_are_errors_or_no_hits_and_the_index_survives() {
    let ws = Workspace::with_declaration();
    assert_eq!(ws.search("减贫", &[]).1.code, 0);
    let long = "上".repeat(10_000);
    for query in [
        "、。！？",
        "\u{1}\u{2}\u{7f}",
        "😀🎉",
        "\"",
        "\"\"",
        "+",
        "- -",
        &long,
        "lang:",
        "doc:",
    ] {
        let run = ws.run(&["search", query, "--json"]);
        assert_no_panic(&run);
        assert_eq!(run.code, 2, "{query:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with("declsearch: error:"),
            "{}",
            run.stderr
        );
    }
    for query in ["𠀀", "zzzzqqq", "ＳＣＯ"] {
        let run = ws.run(&["search", query, "--json"]);
        assert_no_panic(&run);
    }
    assert_eq!(
        passages(&ws.search("ＳＣＯ", &[]).0),
        [10],
        "full-width folds to SCO"
    );
    assert_eq!(
        passages(&ws.search("减贫", &[]).0),
        [8],
        "the index still answers"
    );
}

/// A 50 MB file of one line is cut into passages of at most 16 KiB at sentence ends: it
/// indexes (in bounded memory; see the README), and hits show readable passages.
#[test]
fn a_50_mb_single_line_file_indexes_as_bounded_passages() {
    use declsearch::corpus::passage::MAX_PASSAGE_BYTES;

    let ws = Workspace::with_declaration();
    let line = std::fs::read_to_string(crate::common::shipped_declaration())
        .unwrap()
        .replace('\n', " ");
    let big = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    assert!(big.len() >= 50 * 1024 * 1024 && !big.contains('\n'));
    ws.add_file("big.txt", big.as_bytes());
    let run = ws.run(&["index", "--json"]);
    assert_no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let (hits, run) = ws.search("友城合作", &["--limit", "20"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let from_big: Vec<_> = hits.iter().filter(|h| h.doc == "big").collect();
    assert!(!from_big.is_empty(), "{hits:?}");
    for hit in from_big {
        assert_eq!(hit.line, 1);
        assert!(hit.text.len() <= MAX_PASSAGE_BYTES && big.contains(&hit.text));
    }
    let (hits, _) = ws.search("减贫 doc:sco-qingdao-friendship-initiative", &[]);
    assert_eq!(passages(&hits), [8]);
}

/// One line of 5 MB of the markup that made the old readers quadratic: Markdown with
/// unmatched `[`, `<` and `(`, HTML with tags that never close and a text run between every
/// two tags. A quadratic reader would take hours here (a 300 KB line of the Markdown took
/// 2.6 s, a 400 KB line of the HTML 4.5 s); a linear one takes about a second.
#[test]
fn five_mb_one_line_markdown_and_html_index_in_linear_time() {
    const SIZE: usize = 5 * 1024 * 1024;
    let fill = |unit: &str| unit.repeat(SIZE / unit.len() + 1);
    let ws = Workspace::empty();
    ws.add_file(
        "brackets.md",
        fill("[友城 <合作 (交流 *上合*组织 ").as_bytes(),
    );
    ws.add_file(
        "tags.html",
        format!(
            "{}<a href=\"x\" <b <i",
            fill("<p>减贫</p><span class=\"a\">上合组织</span><br>交流 &amp; 合作 ")
        )
        .as_bytes(),
    );
    let started = std::time::Instant::now();
    let run = ws.run(&["index", "--json"]);
    assert_no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("summary");
    assert_eq!(summary["formats"], serde_json::json!({"html": 1, "md": 1}));
    eprintln!("indexed 2 x 5 MB of one line in {:?}", started.elapsed());
    for (query, doc) in [("友城", "brackets"), ("减贫", "tags")] {
        let (hits, run) = ws.search(&format!("{query} doc:{doc}"), &["--limit", "3"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(hits.len(), 3, "{query}");
        for hit in &hits {
            assert_eq!(hit.line, 1);
            assert!(!hit.text.contains('<') || doc == "brackets", "{}", hit.text);
        }
    }
}

/// A file that cannot be read (a dangling symlink; also a file without read permission when
/// the tests do not run as root, who may read anything) is named as skipped, exit 2, and the
/// rest is indexed.
#[test]
fn an_unreadable_file_is_named_and_the_rest_indexes() {
    use std::os::unix::fs::PermissionsExt;

    let ws = Workspace::with_declaration();
    std::os::unix::fs::symlink("nowhere.txt", ws.corpus().join("dangling.txt")).unwrap();
    let locked = ws.add_file("locked.txt", "友城合作。".as_bytes());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read(&locked).is_ok();

    let run = ws.run(&["index"]);
    assert_no_panic(&run);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("dangling.txt"), "{}", run.stderr);
    assert_eq!(
        run.stderr.contains("locked.txt"),
        !privileged,
        "{}",
        run.stderr
    );
    assert_eq!(
        passages(&ws.search("减贫", &[]).0),
        [8],
        "the rest is indexed"
    );
}

/// Limits and offsets at their extremes answer (tantivy once allocated for the whole
/// `--limit`, and aborted at 4294967295).
#[test]
fn extreme_limits_and_offsets_answer_without_aborting() {
    let ws = Workspace::with_declaration();
    for (args, hits) in [
        (&["--limit", "4294967295"][..], 8),
        (&["--limit", "1"][..], 1),
        (&["--offset", "4294967295"][..], 0),
        (&["--limit", "4294967295", "--offset", "7"][..], 1),
    ] {
        let (found, run) = ws.search("上合组织", args);
        assert_no_panic(&run);
        assert_eq!(found.len(), hits, "{args:?}: {}", run.stderr);
    }
    let (index, _) = declsearch::Index::open_or_build(&ws.index(), &[ws.corpus()]).unwrap();
    for (limit, offset, hits) in [
        (usize::MAX, 0, 8),
        (usize::MAX, usize::MAX, 0),
        (0, 0, 0),
        (3, usize::MAX - 1, 0),
    ] {
        let options = declsearch::SearchOptions {
            limit,
            offset,
            ..Default::default()
        };
        assert_eq!(index.search("上合组织", &options).unwrap().len(), hits);
        let query = index.parse_query("上合组织", &options).unwrap();
        let documents = index.search_documents(&query, &options).unwrap();
        assert!(documents.len() <= limit.min(1), "{limit}");
    }
}

/// The first search builds the index; a bad file it meets is named, and the search still
/// answers from everything else.
#[test]
fn a_first_search_that_meets_a_bad_file_still_answers() {
    let ws = Workspace::with_declaration();
    ws.add_file("broken.txt", crate::common::BINARY_FROM_LINE_2);
    let (hits, run) = ws.search("减贫", &[]);
    assert_no_panic(&run);
    assert!(run.stderr.contains("broken.txt"), "{}", run.stderr);
    assert_eq!(passages(&hits), [8], "{}", run.stderr);
    assert_eq!(run.code, 0);
}

/// A tmpfs of `size` mounted at `dir` for the test's life (root only: `None` otherwise).
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: mounting a tmpfs needs root (the full-disk case is not checked)");
        }
        mounted.then(|| Tmpfs(dir.to_path_buf()))
    }

    fn remount_read_only(&self) {
        let status = std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Indexing into a filesystem that fills up, or that is read-only, fails with one clear error
/// and leaves the previous index live, whole and searchable.
#[test]
fn a_full_or_read_only_disk_fails_clearly_and_keeps_the_index() {
    let ws = Workspace::with_declaration();
    let Some(disk) = Tmpfs::mount(&ws.index(), "1M") else {
        return;
    };
    let (hits, run) = ws.search("减贫", &[]);
    assert_eq!((run.code, passages(&hits)), (0, vec![8]), "{}", run.stderr);
    let live = std::fs::read_to_string(ws.index().join("CURRENT")).unwrap();

    let text = std::fs::read(crate::common::shipped_declaration()).unwrap();
    for i in 0..3000 {
        let mut marked = text.clone();
        marked.extend_from_slice(format!("\n\n第{i}份文件。fullmarker{i}\n").as_bytes());
        ws.add_file(&format!("batch/decl-{i:04}.txt"), &marked);
    }
    let run = ws.run(&["index"]);
    assert_no_panic(&run);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("no space left"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.lines().filter(|l| l.contains("error")).count(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(ws.index().join("CURRENT")).unwrap(),
        live
    );
    let (hits, run) = ws.search("减贫", &[]);
    assert_eq!((run.code, passages(&hits)), (0, vec![8]), "{}", run.stderr);
    let (hits, _) = ws.search("fullmarker7", &[]);
    assert!(hits.is_empty(), "nothing of the failed run is visible");

    std::fs::remove_dir_all(ws.corpus().join("batch")).unwrap();
    ws.add_file("more.txt", "友城合作的新篇章。".as_bytes());
    disk.remount_read_only();
    let run = ws.run(&["index"]);
    assert_no_panic(&run);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("Read-only"), "{}", run.stderr);
    let (hits, run) = ws.search("减贫", &[]);
    assert_eq!((run.code, passages(&hits)), (0, vec![8]), "{}", run.stderr);
}

/// A document title is bounded (a text column taken for a title once made every passage
/// carry it whole), stored once per document, still indexed with every passage, shown on
/// every hit, and kept when a full run carries over a file that no longer reads.
#[test]
fn a_huge_title_is_bounded_stored_once_and_shown_on_every_passage() {
    let ws = Workspace::empty();
    // 200 KB of pseudo-random ideographs after the title's first words: incompressible, so
    // the stored field's size tells how often it is stored.
    let mut state = 12345u32;
    let noise: String = (0..70_000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4E00 + (state >> 8) % 20_000).unwrap()
        })
        .collect();
    let title = format!("倡议汇编 {noise}");
    let text: Vec<String> = (1..=2_000).map(|i| format!("第{i}段 友城合作。")).collect();
    let record = serde_json::json!({"id": "b1", "title": title, "text": text.join("\n\n")});
    let other = serde_json::json!({"id": "b2", "text": "友城合作，减贫交流。"});
    let file = ws.add_file("books.jsonl", format!("{record}\n{other}\n").as_bytes());

    let run = ws.run(&["index"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored: u64 = walk_files(&ws.index())
        .filter(|p| p.extension().is_some_and(|e| e == "store"))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    // Stored with each of 2,000 passages, the 1 KB title would take 2 MB.
    assert!(stored < 300_000, "stored fields take {stored} bytes");

    let check = |ws: &Workspace| {
        // A title's words rank a passage, they do not make it a hit: every passage of b1
        // outranks b2's by its title, so the title is indexed with each of them.
        let (hits, run) = ws.search("友城合作 汇编", &["--limit", "3000"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(hits.len(), 2_001);
        for hit in &hits[..2_000] {
            assert_eq!(hit.doc, "b1");
            let shown = hit.title.as_deref().expect("every hit shows its title");
            assert!(shown.len() <= 1024 && title.starts_with(shown), "{shown}");
            assert!(shown.len() > 512, "cut near the bound: {}", shown.len());
        }
        assert_eq!(
            (hits[2_000].doc.as_str(), &hits[2_000].title),
            ("b2", &None)
        );
    };
    check(&ws);

    // The file no longer reads: a full run keeps its old version, titles included.
    std::fs::write(&file, b"{not json\n").unwrap();
    let run = ws.run(&["index", "--full"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("books.jsonl"), "{}", run.stderr);
    check(&ws);
}

fn walk_files(dir: &std::path::Path) -> impl Iterator<Item = std::path::PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            match entry.file_type().unwrap().is_dir() {
                true => folders.push(entry.path()),
                false => files.push(entry.path()),
            }
        }
    }
    files.into_iter()
}
