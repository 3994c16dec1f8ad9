//! `declsearch serve`: the JSON API against the CLI's answers, its errors and limits, the
//! OpenAPI document checked against real answers, live reload and reindexing over HTTP.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::Value;

use crate::common::{url_encode, Server, Workspace};

const ENGLISH_NOTE: &str = "Friendship cities link people across borders.\n\nThe forum \
     discussed education exchange and poverty reduction.\n";

fn search_path(query: &str, extra: &str) -> String {
    format!("/api/search?q={}{extra}", url_encode(query))
}

#[test]
fn search_answers_what_the_cli_answers_with_fragments() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    assert!(
        server.startup.contains("built the index"),
        "{}",
        server.startup
    );
    for (query, extra, cli_extra) in [
        ("上合组织", "", vec![]),
        (
            "友城",
            "&cross=true&lang=en",
            vec!["--cross", "--lang", "en"],
        ),
        (
            "合作 交流",
            "&limit=3&offset=2",
            vec!["--limit", "3", "--offset", "2"],
        ),
    ] {
        let (status, body) = server.get(&search_path(query, extra));
        assert_eq!(status, 200, "{query}: {body}");
        let (cli_hits, _) = ws.search(query, &cli_extra);
        let hits = body["hits"].as_array().expect("hits");
        assert!(!hits.is_empty(), "{query}");
        assert_eq!(hits.len(), cli_hits.len(), "{query}");
        assert_eq!(body["query"], query);
        assert!(body["took_ms"].as_f64().expect("took_ms") >= 0.0);
        assert!(body["total"].as_u64().expect("total") as usize >= hits.len());
        for (hit, cli) in hits.iter().zip(&cli_hits) {
            assert_eq!(hit["doc"], cli.doc.as_str());
            assert_eq!(hit["passage"], cli.passage);
            assert_eq!(hit["line"], cli.line);
            assert_eq!(hit["rank"], cli.rank);
            assert_eq!(hit["text"], cli.text.as_str());
            let highlights: Vec<(usize, usize)> =
                serde_json::from_value(hit["highlights"].clone()).expect("highlights");
            assert_eq!(highlights, cli.highlights);
            // The fragments are the text, cut at exactly the highlights.
            let fragments = hit["fragments"].as_array().expect("fragments");
            let joined: String = fragments
                .iter()
                .map(|f| f["text"].as_str().expect("text"))
                .collect();
            assert_eq!(joined, cli.text);
            let marked: Vec<&str> = fragments
                .iter()
                .filter(|f| f["hit"] == true)
                .map(|f| f["text"].as_str().expect("text"))
                .collect();
            assert_eq!(marked, crate::common::highlighted(cli));
        }
    }
    // Traditional passages answer a simplified query, highlighted as written.
    let (_, body) = server.get(&search_path("上合组织", ""));
    let first = &body["hits"][0]["fragments"];
    assert!(first
        .as_array()
        .expect("fragments")
        .iter()
        .any(|f| f["hit"] == true && f["text"] == "上合組織"));
}

#[test]
fn pages_agree_with_the_total() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    let (_, all) = server.get(&search_path("合作 交流", "&limit=1000"));
    let total = all["total"].as_u64().expect("total") as usize;
    assert_eq!(all["hits"].as_array().expect("hits").len(), total);
    assert!(total >= 4, "{all}");
    let mut paged = Vec::new();
    for offset in (0..total).step_by(3) {
        let (status, page) = server.get(&search_path(
            "合作 交流",
            &format!("&limit=3&offset={offset}"),
        ));
        assert_eq!(status, 200);
        assert_eq!(page["total"], total);
        assert_eq!(page["offset"], offset);
        paged.extend(
            page["hits"]
                .as_array()
                .expect("hits")
                .iter()
                .map(|h| h["passage"].clone()),
        );
    }
    let whole: Vec<Value> = all["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["passage"].clone())
        .collect();
    assert_eq!(paged, whole);
    let (status, past) = server.get(&search_path("合作 交流", "&offset=4294967295"));
    assert_eq!(status, 200);
    assert_eq!(past["hits"], serde_json::json!([]));
}

#[test]
fn bad_requests_are_json_errors_with_their_status() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    let long = "合".repeat(1001);
    let cases: Vec<(String, u16, &str)> = vec![
        ("/api/search".into(), 400, "bad_query"),
        ("/api/search?q=".into(), 400, "bad_query"),
        ("/api/search?q=%22unclosed".into(), 400, "bad_query"),
        (search_path("上合", "&limit=1001"), 400, "bad_parameter"),
        (search_path("上合", "&limit=-1"), 400, "bad_parameter"),
        (search_path("上合", "&limit=abc"), 400, "bad_parameter"),
        (
            search_path("上合", "&offset=99999999999999999999999"),
            400,
            "bad_parameter",
        ),
        (search_path("上合", "&lang=fr"), 400, "bad_parameter"),
        (search_path("上合", "&cross=maybe"), 400, "bad_parameter"),
        (search_path("上合", "&context=5"), 400, "bad_parameter"),
        (search_path("上合", "&doc=a%20b"), 400, "bad_parameter"),
        (search_path(&long, ""), 400, "query_too_long"),
        (
            format!("/api/explain?q={}", url_encode(&long)),
            400,
            "query_too_long",
        ),
        // Bytes that are not UTF-8 decode to replacement characters: nothing to search.
        ("/api/search?q=%FF%FE".into(), 400, "bad_query"),
        ("/api/doc/no-such-document".into(), 404, "not_found"),
        ("/api/nothing".into(), 404, "not_found"),
        ("/nothing/here".into(), 404, "not_found"),
    ];
    for (path, status, code) in cases {
        let (got, body) = server.get(&path);
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            !message.is_empty() && !message.contains("panicked"),
            "{message}"
        );
    }
    let (status, body) = server.request("POST", "/api/reindex");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("reindex_disabled"))
    );
    let (status, body) = server.request("DELETE", "/api/search");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    // A request line far past any sensible query is refused, not read.
    let huge = format!("/api/search?q={}", "a".repeat(20 * 1024));
    let answer = raw_http(
        &server,
        &format!("GET {huge} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains("request_too_large"), "{answer}");
    let body = "x".repeat(100 * 1024);
    let answer = raw_http(
        &server,
        &format!("POST /api/reindex HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
    );
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    // The server is still up and answers.
    assert_eq!(server.get(&search_path("上合组织", "")).0, 200);
}

/// Send `request` as written and read the whole answer (for what an HTTP client refuses to send).
fn raw_http(server: &Server, request: &str) -> String {
    use std::io::{Read, Write};
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    // The server may answer and close before reading the whole request.
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_request_over_the_time_limit_is_503() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &["--timeout", "0.001"]);
    // Segmenting and expanding a long query takes well over a millisecond.
    let words: Vec<String> = (0..60).map(|i| format!("word{i} 合作")).collect();
    let (status, body) = server.get(&search_path(&words.join(" "), "&cross=true&pinyin=true"));
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "timeout");
}

#[test]
fn explain_doc_and_status_answer_as_the_cli() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    let (status, report) = server.get("/api/explain?q=%E4%B8%8A%E5%90%88%E7%BB%84%E7%BB%87");
    assert_eq!(status, 200);
    let cli = ws.run(&["explain", "上合组织", "--json"]);
    let cli: Value = serde_json::from_str(&cli.stdout).expect("explain json");
    assert_eq!(report, cli);

    let doc = "sco-qingdao-friendship-initiative";
    let (status, body) = server.get(&format!("/api/doc/{doc}"));
    assert_eq!(status, 200, "{body}");
    let cli = ws.run(&["show", doc, "--json"]).hits();
    let passages = body["passages"].as_array().expect("passages");
    assert_eq!(passages.len(), cli.len());
    assert_eq!(passages.len(), 10);
    for (passage, cli) in passages.iter().zip(&cli) {
        assert_eq!(passage["text"], cli.text.as_str());
        assert_eq!(passage["passage"], cli.passage);
    }
    assert_eq!(body["path"], "sco-qingdao-friendship-initiative.txt");

    let (status, status_body) = server.get("/api/status");
    assert_eq!(status, 200);
    assert_eq!(status_body["documents"], 1);
    assert_eq!(status_body["passages"], 10);
    assert_eq!(status_body["reindex"], false);
    assert!(status_body["generation"]
        .as_str()
        .expect("generation")
        .starts_with("gen-"));
    assert!(status_body["analysis"]
        .as_str()
        .expect("analysis")
        .contains("jieba"));
    assert!(status_body["last_update"]
        .as_str()
        .expect("last update")
        .ends_with('Z'));
}

#[test]
fn a_generation_published_by_another_process_is_served_without_failing_requests() {
    let ws = Workspace::with_declaration();
    let server = Arc::new(Server::start(&ws, &[]));
    let (_, before) = server.get("/api/status");
    assert_eq!(server.get(&search_path("borders", "")).1["total"], 0);
    ws.add_file("note.en.txt", ENGLISH_NOTE.as_bytes());

    // Searches from two threads while another process rebuilds the index three times.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let (server, stop, answered) = (server.clone(), stop.clone(), answered.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let (status, body) = server.get(&search_path("上合组织 合作", "&limit=5"));
                    assert_eq!(status, 200, "{body}");
                    assert!(!body["hits"].as_array().expect("hits").is_empty());
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for _ in 0..3 {
        let run = ws.run(&["index", "--full"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().expect("no request failed");
    }
    assert!(answered.load(Ordering::SeqCst) > 10);

    let (_, after) = server.get("/api/status");
    assert_ne!(after["generation"], before["generation"]);
    assert_eq!(after["documents"], 2);
    let (_, found) = server.get(&search_path("borders", ""));
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["hits"][0]["path"], "note.en.txt");
}

#[test]
fn reindex_over_http_updates_and_a_second_request_waits_its_turn() {
    let ws = Workspace::with_declaration();
    let server = Arc::new(Server::start(&ws, &["--allow-reindex"]));
    assert_eq!(server.get("/api/status").1["reindex"], true);
    ws.add_file("note.en.txt", ENGLISH_NOTE.as_bytes());
    ws.add_file("broken.jsonl", b"{\"id\": \"x\", \"text\": \n");
    let requests: Vec<_> = (0..2)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || server.request("POST", "/api/reindex"))
        })
        .collect();
    let mut reports: Vec<Value> = requests
        .into_iter()
        .map(|r| {
            let (status, body) = r.join().expect("request");
            assert_eq!(status, 200, "{body}");
            body
        })
        .collect();
    reports.sort_by_key(|r| r["added"].as_u64());
    // One request added the note; the other, after it, found nothing new.
    assert_eq!(reports[0]["added"], 0, "{reports:?}");
    assert_eq!(reports[1]["added"], 1, "{reports:?}");
    assert_eq!(reports[1]["documents"], 2);
    let skipped = reports[1]["skipped_files"]
        .as_array()
        .expect("skipped files");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["failed"], true);
    assert!(skipped[0]["reason"]
        .as_str()
        .expect("reason")
        .contains("broken.jsonl"));
    let (_, found) = server.get(&search_path("borders", ""));
    assert_eq!(found["total"], 1, "{found}");
}

/// The OpenAPI document: every path it names answers, and every answer, of success and of
/// each error, is of the shape it gives for that status.
#[test]
fn the_openapi_document_describes_the_answers() {
    let ws = Workspace::with_declaration();
    ws.add_file("note.en.txt", ENGLISH_NOTE.as_bytes());
    ws.add_file(
        "pair.tsv",
        "id\tzh\ten\n1\t友好城市合作\tfriendship city cooperation\n".as_bytes(),
    );
    let pdf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed.pdf");
    ws.add_file("printed.pdf", &std::fs::read(pdf).unwrap());
    let server = Server::start(&ws, &["--allow-reindex"]);
    // PDF hits carry their page: the schema must allow it.
    let (_, found) = server.get(&search_path("友城", "&limit=50"));
    let pages: Vec<_> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["page"].as_u64())
        .collect();
    assert!(
        !pages.is_empty() && pages.iter().all(|&p| p >= 1),
        "{found}"
    );
    let (status, spec) = server.get("/api/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(spec["openapi"], "3.0.3");
    let requests = [
        ("GET", search_path("上合组织", "")),
        (
            "GET",
            search_path("友城", "&cross=true&parallel=true&pinyin=true&limit=50"),
        ),
        ("GET", search_path("youcheng", "&pinyin=1")),
        ("GET", search_path("doc:1", "&parallel=true")),
        ("GET", search_path("doc:nothing", "")),
        ("GET", search_path("合作", "&limit=0")),
        ("GET", "/api/search?q=".to_owned()),
        ("GET", search_path(&"合".repeat(1001), "")),
        (
            "GET",
            "/api/explain?q=%2B%E4%B8%8A%E5%90%88%20-the%20%22a%20b%22".to_owned(),
        ),
        ("GET", "/api/explain?q=".to_owned()),
        (
            "GET",
            "/api/doc/sco-qingdao-friendship-initiative".to_owned(),
        ),
        ("GET", "/api/doc/none".to_owned()),
        ("GET", "/api/doc/printed".to_owned()),
        ("GET", "/api/status".to_owned()),
        ("POST", "/api/reindex".to_owned()),
    ];
    let mut documented = Vec::new();
    for (method, path) in &requests {
        let (status, body) = server.request(method, path);
        let route = path.split('?').next().expect("path");
        let template = match route.strip_prefix("/api/doc/") {
            Some(_) => "/api/doc/{id}",
            None => route,
        };
        let operation = &spec["paths"][template][method.to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        documented.push((template, method.to_ascii_lowercase()));
        let schema =
            &operation["responses"][status.to_string()]["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path}: status {status} is not documented"
        );
        if let Err(err) = conforms(&body, schema, &spec, "$") {
            panic!("{method} {path} ({status}) does not match the document: {err}\n{body}");
        }
    }
    // Every documented operation was exercised.
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            assert!(
                documented.contains(&(path.as_str(), method.clone())),
                "{method} {path} is documented but not checked"
            );
        }
    }
}

/// Whether `value` has the shape `schema` gives (the part of JSON Schema the document uses:
/// `$ref`, type, properties, required, additionalProperties, items, enum, nullable, bounds).
fn conforms(value: &Value, schema: &Value, spec: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().expect("a name");
        return conforms(value, &spec["components"]["schemas"][name], spec, at);
    }
    if value.is_null() && schema["nullable"] == true {
        return Ok(());
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let fits = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_u64() || value.is_i64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some(other) => return Err(format!("{at}: unknown type {other}")),
    };
    if !fits {
        return Err(format!("{at}: {value} is not of type {}", schema["type"]));
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64()) {
        if n < min {
            return Err(format!("{at}: {n} < {min}"));
        }
    }
    if let Some(object) = value.as_object() {
        let properties = schema["properties"].as_object();
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().expect("a name");
            if !object.contains_key(name) {
                return Err(format!("{at}: lacks {name}"));
            }
        }
        for (name, field) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(field_schema) => conforms(field, field_schema, spec, &format!("{at}.{name}"))?,
                None if schema["additionalProperties"] == false => {
                    return Err(format!("{at}: {name} is not documented"))
                }
                None if schema["additionalProperties"].is_object() => conforms(
                    field,
                    &schema["additionalProperties"],
                    spec,
                    &format!("{at}.{name}"),
                )?,
                None => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(n) = schema["minItems"].as_u64() {
            if (items.len() as u64) < n {
                return Err(format!("{at}: fewer than {n} items"));
            }
        }
        if let Some(n) = schema["maxItems"].as_u64() {
            if (items.len() as u64) > n {
                return Err(format!("{at}: more than {n} items"));
            }
        }
        for (i, item) in items.iter().enumerate() {
            conforms(item, &schema["items"], spec, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_page_and_its_assets_are_served_self_contained() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    for (path, kind) in [
        ("/", "text/html"),
        ("/doc/sco-qingdao-friendship-initiative", "text/html"),
        ("/static/app.js", "text/javascript"),
        ("/static/style.css", "text/css"),
    ] {
        let (status, content_type, body) = server.raw("GET", path);
        assert_eq!(status, 200, "{path}");
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        // Nothing is fetched from elsewhere: no absolute URL to another host.
        for line in body.lines() {
            assert!(
                !line.contains("http://") && !line.contains("https://") && !line.contains("//cdn"),
                "{path} loads from elsewhere: {line}"
            );
        }
    }
    let (_, _, html) = server.raw("GET", "/");
    assert!(html.contains("/static/app.js") && html.contains("id=\"q\""));
}
