//! The JSON API: parameters in, the library's answers out, every failure as
//! `{"error":{"code","message"}}` with its status. `openapi.json` describes each of these
//! shapes; a test checks the answers against it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use declsearch::{Hit, Index, Lang, SearchOptions};
use serde::Serialize;

use super::Server;

/// Most hits a page may ask for.
pub const MAX_LIMIT: usize = 1000;

/// A failure, as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_parameter", message)
    }

    /// A failure of the server itself: logged in full, answered with its message only.
    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        eprintln!("declsearch: error: {err}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            err.to_string(),
        )
    }
}

impl From<declsearch::Error> for ApiError {
    fn from(err: declsearch::Error) -> ApiError {
        use declsearch::Error;
        match err {
            Error::EmptyQuery | Error::InvalidQuery { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_query", err.to_string())
            }
            Error::NoModel { .. } | Error::NoVectors { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "no_semantic", err.to_string())
            }
            Error::UnknownDocument { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", err.to_string())
            }
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (self.status, axum::Json(body)).into_response()
    }
}

/// The query string as name → value; a malformed one is a 400 like any bad parameter.
type Params = Result<Query<HashMap<String, String>>, QueryRejection>;

fn params(params: Params) -> Result<HashMap<String, String>, ApiError> {
    params
        .map(|Query(map)| map)
        .map_err(|rejection| ApiError::bad_parameter(rejection.body_text()))
}

/// `name` as a switch: absent, empty, `false`, `0`, `off`, `no` are off; `true`, `1`, `on`,
/// `yes` are on.
fn switch(params: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match params.get(name).map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("" | "false" | "0" | "off" | "no") => Ok(false),
        Some("true" | "1" | "on" | "yes") => Ok(true),
        Some(other) => Err(ApiError::bad_parameter(format!(
            "{name}={other:?}: use true or false"
        ))),
    }
}

/// `name` as a whole number in `range`, or `default` when absent or empty.
fn number(
    params: &HashMap<String, String>,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ApiError> {
    let value = match params.get(name).map(|v| v.trim()) {
        None | Some("") => return Ok(default),
        Some(v) => v,
    };
    match value.parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ApiError::bad_parameter(format!(
            "{name}={value:?}: give a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

/// The query of `q` (with `doc` as a `doc:` filter), checked for size and syntax.
fn query_text(params: &HashMap<String, String>) -> Result<String, ApiError> {
    let mut query = params.get("q").cloned().unwrap_or_default();
    let chars = query.chars().count();
    if chars > declsearch::query::MAX_QUERY_CHARS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "query_too_long",
            format!(
                "the query has {chars} characters; at most {} are accepted",
                declsearch::query::MAX_QUERY_CHARS
            ),
        ));
    }
    if let Some(doc) = params
        .get("doc")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
    {
        if doc.contains(char::is_whitespace) || doc.contains('"') {
            return Err(ApiError::bad_parameter(format!(
                "doc={doc:?}: a document id has no spaces or quotes"
            )));
        }
        query.push_str(" doc:");
        query.push_str(doc);
    }
    if query.trim().is_empty() {
        return Err(declsearch::Error::EmptyQuery.into());
    }
    declsearch::Query::check_syntax(&query)?;
    Ok(query)
}

/// The options the query string sets: `lang`, `all`, `cross`, `pinyin`, `semantic` (and for a search
/// `limit`, `offset`, `context`, `parallel`).
fn options(params: &HashMap<String, String>) -> Result<SearchOptions, ApiError> {
    let lang = match params.get("lang").map(|l| l.trim()) {
        None | Some("") => None,
        Some(l) => Some(l.parse::<Lang>().map_err(ApiError::bad_parameter)?),
    };
    Ok(SearchOptions {
        limit: number(params, "limit", 10, 0..=MAX_LIMIT)?,
        offset: number(params, "offset", 0, 0..=u32::MAX as usize)?,
        context: number(
            params,
            "context",
            declsearch::search::snippet::DEFAULT_WIDTH,
            20..=100_000,
        )?,
        lang,
        all: switch(params, "all")?,
        cross: switch(params, "cross")?,
        pinyin: switch(params, "pinyin")?,
        semantic: switch(params, "semantic")?,
        parallel: switch(params, "parallel")?,
        explain: false,
    })
}

/// The query and options of a search or explain request.
fn query_and_options(raw: Params) -> Result<(String, SearchOptions), ApiError> {
    let params = params(raw)?;
    Ok((query_text(&params)?, options(&params)?))
}

/// A piece of text, matched or not: the page shows text without handling byte offsets.
#[derive(Serialize)]
struct Fragment<'a> {
    text: &'a str,
    hit: bool,
}

/// `text` cut at its highlights (sorted, non-overlapping byte ranges).
fn fragments<'a>(text: &'a str, highlights: &[(usize, usize)]) -> Vec<Fragment<'a>> {
    let mut pieces = Vec::with_capacity(highlights.len() * 2 + 1);
    let mut shown = 0;
    for &(start, end) in highlights {
        if start > shown {
            pieces.push(Fragment {
                text: &text[shown..start],
                hit: false,
            });
        }
        pieces.push(Fragment {
            text: &text[start..end],
            hit: true,
        });
        shown = end;
    }
    if shown < text.len() {
        pieces.push(Fragment {
            text: &text[shown..],
            hit: false,
        });
    }
    pieces
}

/// A hit as the API gives it: the CLI's JSON fields, and the text and snippet as fragments.
#[derive(Serialize)]
struct ApiHit<'a> {
    #[serde(flatten)]
    hit: &'a Hit,
    fragments: Vec<Fragment<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet_fragments: Option<Vec<Fragment<'a>>>,
}

impl<'a> ApiHit<'a> {
    fn of(hit: &'a Hit) -> ApiHit<'a> {
        ApiHit {
            hit,
            fragments: fragments(&hit.text, &hit.highlights),
            snippet_fragments: hit
                .snippet
                .as_ref()
                .map(|s| fragments(&s.text, &s.highlights)),
        }
    }
}

fn api_hits<S: serde::Serializer>(hits: &[Hit], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(hits.iter().map(ApiHit::of))
}

/// The answer of `GET /api/search`.
#[derive(Serialize)]
struct SearchPage {
    query: String,
    took_ms: f64,
    total: usize,
    offset: usize,
    limit: usize,
    #[serde(serialize_with = "api_hits")]
    hits: Vec<Hit>,
}

/// `GET /api/search`: a page of hits, the total, and the time taken.
pub async fn search(State(server): State<Arc<Server>>, raw: Params) -> Response {
    let (query, options) = match query_and_options(raw) {
        Ok(request) => request,
        Err(err) => return err.into_response(),
    };
    server
        .answer(move |index: &Index| {
            let started = Instant::now();
            let searcher = index.searcher();
            let parsed = searcher.parse_query(&query, &options)?;
            let hits = searcher.search_parsed(&parsed, &options)?;
            let total = searcher.total(&parsed, &options, &hits)?;
            let took = started.elapsed().as_secs_f64() * 1000.0;
            Ok(SearchPage {
                query,
                took_ms: (took * 1000.0).round() / 1000.0,
                total,
                offset: options.offset,
                limit: options.limit,
                hits,
            })
        })
        .await
}

/// `GET /api/explain`: what the query becomes (the JSON of `declsearch explain --json`).
pub async fn explain(State(server): State<Arc<Server>>, raw: Params) -> Response {
    let (query, options) = match query_and_options(raw) {
        Ok(request) => request,
        Err(err) => return err.into_response(),
    };
    server
        .answer(move |index: &Index| Ok(index.explain_query(&query, &options)?))
        .await
}

/// `GET /api/doc/{id}`: a document's passages in order.
pub async fn document(State(server): State<Arc<Server>>, Path(id): Path<String>) -> Response {
    server
        .answer(move |index: &Index| {
            #[derive(Serialize)]
            struct Document {
                doc: String,
                path: String,
                passages: Vec<Hit>,
            }
            let passages = index.searcher().document(&id)?;
            let path = passages.first().map(|p| p.path.clone()).unwrap_or_default();
            Ok(Document {
                doc: id,
                path,
                passages,
            })
        })
        .await
}

/// `GET /api/status`: which generation is served, its size, analysis and age.
pub async fn status(State(server): State<Arc<Server>>) -> Response {
    let allow_reindex = server.allow_reindex;
    server
        .answer(move |index: &Index| {
            let manifest = index.manifest();
            let generation = index.generation();
            let updated = std::fs::metadata(generation.join(declsearch::index::MANIFEST_FILE))
                .and_then(|m| m.modified())
                .map(|t| humantime::format_rfc3339_seconds(t).to_string())
                .ok();
            Ok(serde_json::json!({
                "generation": generation.file_name().map(|n| n.to_string_lossy()),
                "documents": manifest.documents(),
                "passages": manifest.passages(),
                "files": manifest.files.len(),
                "analysis": manifest.analysis,
                "format": manifest.format,
                "corpus": manifest.corpus,
                "last_update": updated,
                "reindex": allow_reindex,
                "semantic": manifest.semantic,
            }))
        })
        .await
}

/// `POST /api/reindex` (with `--allow-reindex`): an incremental update of the index from its
/// corpus. A second request waits for the first (the writer lock); searches go on meanwhile
/// and see the new generation once it is published.
pub async fn reindex(State(server): State<Arc<Server>>) -> Response {
    if !server.allow_reindex {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "reindex_disabled",
            "reindexing over HTTP is off; start the server with --allow-reindex",
        )
        .into_response();
    }
    let (dir, corpus) = (server.dir.clone(), server.corpus.clone());
    let update = tokio::task::spawn_blocking(move || {
        Index::update(
            &dir,
            &corpus,
            &declsearch::UpdateOptions::default(),
            &declsearch::index::Silent,
        )
    })
    .await;
    match update {
        Ok(Ok(report)) => {
            /// The `index --json` summary, with each skipped file and why.
            #[derive(Serialize)]
            struct Reindexed<'a> {
                #[serde(flatten)]
                report: &'a declsearch::UpdateReport,
                skipped_files: &'a [declsearch::corpus::Skipped],
            }
            axum::Json(Reindexed {
                report: &report,
                skipped_files: &report.skipped_files,
            })
            .into_response()
        }
        Ok(Err(err)) => ApiError::from(err).into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

pub async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such page or endpoint",
    )
    .into_response()
}

pub async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_cover_the_text_in_order() {
        let text = "上合組織 and 上合組織";
        let start = text.rfind('上').unwrap();
        let pieces = fragments(text, &[(0, 12), (start, text.len())]);
        let joined: String = pieces.iter().map(|f| f.text).collect();
        assert_eq!(joined, text);
        let hits: Vec<&str> = pieces.iter().filter(|f| f.hit).map(|f| f.text).collect();
        assert_eq!(hits, ["上合組織", "上合組織"]);
        assert_eq!(pieces.len(), 3);
    }
}
