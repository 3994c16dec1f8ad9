//! `declsearch serve`: the HTTP JSON API and the search page, a thin shell over the library's
//! [`Searcher`](declsearch::Searcher).
//!
//! Searching is blocking, CPU-bound work: each request runs on tokio's blocking pool, at most
//! [`WORKERS_PER_CORE`] per core at a time (the rest queue), and is answered with 503 once it
//! has taken longer than the time limit. Every request first looks at the index folder's
//! `CURRENT`: when another process has published a new generation, the server opens it and
//! serves it from then on. A request in flight keeps the [`Index`] it started with; its
//! files stay readable (memory-mapped) even after the writer removes the old generation.

mod api;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use declsearch::index::{DirState, GenerationStore};
use declsearch::Index;

pub use api::ApiError;

/// Searches run at once per core; more requests wait their turn (inside the time limit).
const WORKERS_PER_CORE: usize = 2;

/// Largest request body accepted (no endpoint takes one; this bounds what is read).
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Longest path and query string accepted: room for a query of
/// [`declsearch::query::MAX_QUERY_CHARS`] characters, percent-encoded, and its parameters.
const MAX_TARGET_BYTES: usize = 16 * 1024;

const PAGE_HTML: &str = include_str!("page/index.html");
const PAGE_JS: &str = include_str!("page/app.js");
const PAGE_CSS: &str = include_str!("page/style.css");
pub const OPENAPI: &str = include_str!("openapi.json");

/// What the page may load and run: its own script and style, nothing inline, nothing from
/// elsewhere. Passage text is inserted as text; this makes a mistake there harmless too.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// How the server runs.
pub struct Settings {
    pub dir: PathBuf,
    pub corpus: Vec<PathBuf>,
    pub addr: SocketAddr,
    pub allow_reindex: bool,
    pub timeout: Duration,
    /// Searches at once; `None`: [`WORKERS_PER_CORE`] per core.
    pub workers: Option<usize>,
}

/// The state every request shares.
pub struct Server {
    dir: PathBuf,
    corpus: Vec<PathBuf>,
    allow_reindex: bool,
    timeout: Duration,
    live: RwLock<Arc<Index>>,
    /// Held while a newly published generation is opened, so it is opened once.
    reopening: Mutex<()>,
    workers: tokio::sync::Semaphore,
}

impl Server {
    /// The index to answer with: the one open now, or the generation published since.
    fn current(&self) -> Arc<Index> {
        let live = self.live.read().expect("live index lock").clone();
        let published = match GenerationStore::new(&self.dir).state() {
            Ok(DirState::Live(generation)) if generation != live.generation() => generation,
            _ => return live,
        };
        let _reopening = self.reopening.lock().expect("reopen lock");
        let live = self.live.read().expect("live index lock").clone();
        if live.generation() == published {
            return live;
        }
        match Index::open(&self.dir) {
            Ok(index) => {
                let index = Arc::new(index);
                eprintln!(
                    "declsearch: serving {} ({} documents)",
                    index.generation().display(),
                    index.manifest().documents()
                );
                *self.live.write().expect("live index lock") = index.clone();
                index
            }
            Err(err) => {
                eprintln!("declsearch: warning: keeping the open generation: {err}");
                live
            }
        }
    }

    /// Run `answer` on the blocking pool against the current index, within the time limit;
    /// its value is serialised there too (a page of hits is tens of kilobytes of JSON).
    async fn answer<T, F>(self: &Arc<Self>, answer: F) -> Response
    where
        T: serde::Serialize,
        F: FnOnce(&Index) -> Result<T, ApiError> + Send + 'static,
    {
        let server = self.clone();
        let work = async move {
            let _permit = server.workers.acquire().await.map_err(ApiError::internal)?;
            let server = server.clone();
            tokio::task::spawn_blocking(move || {
                let value = answer(&server.current())?;
                serde_json::to_vec(&value).map_err(ApiError::internal)
            })
            .await
            .map_err(ApiError::internal)?
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(Ok(body)) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Ok(Err(err)) => err.into_response(),
            Err(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the request took longer than the time limit of {} s",
                    self.timeout.as_secs_f64()
                ),
            )
            .into_response(),
        }
    }
}

/// The routes: the API under `/api/`, the page at `/` and `/doc/{id}`.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/doc/{*id}", get(page))
        .route("/static/app.js", get(script))
        .route("/static/style.css", get(style))
        .route("/api/search", get(api::search))
        .route("/api/explain", get(api::explain))
        .route("/api/doc/{*id}", get(api::document))
        .route("/api/status", get(api::status))
        .route("/api/reindex", post(api::reindex))
        .route("/api/openapi.json", get(openapi))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::middleware::from_fn(refuse_large_requests))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(server)
}

/// 413 for a request target or declared body over the limits, before any work is done.
async fn refuse_large_requests(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    let body = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(0);
    if target > MAX_TARGET_BYTES || body > MAX_BODY_BYTES as u64 {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            format!(
                "the request is too large: at most {MAX_TARGET_BYTES} bytes of path and query \
                 and {MAX_BODY_BYTES} of body are accepted"
            ),
        )
        .into_response();
    }
    next.run(request).await
}

/// Serve `index` until the process is stopped.
pub fn run(index: Index, settings: Settings) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let server = Arc::new(Server {
        dir: settings.dir,
        corpus: settings.corpus,
        allow_reindex: settings.allow_reindex,
        timeout: settings.timeout,
        live: RwLock::new(Arc::new(index)),
        reopening: Mutex::new(()),
        workers: tokio::sync::Semaphore::new(settings.workers.unwrap_or(cores * WORKERS_PER_CORE)),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let addr = listener.local_addr()?;
        eprintln!("declsearch: listening on http://{addr}/ (Ctrl-C stops)");
        axum::serve(listener, router(server))
            .await
            .context("serving")
    })
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", PAGE_HTML)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", PAGE_JS)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", PAGE_CSS)
}

async fn openapi() -> Response {
    asset("application/json", OPENAPI)
}
