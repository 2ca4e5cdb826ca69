//! A real HTTP server on 127.0.0.1 serving three kinds of paginated API, with switches for
//! latency and misbehaviour, and a log of every request it answered.
//!
//! - `/api/v3/repos/o/r/issues?page=N&per_page=M`: GitHub-style, a JSON array per page and
//!   a `Link` header (`first`, `prev`, `next`, `last`).
//! - `/cursor?cursor=C&limit=M`: `{"data": [...], "next_cursor": "..." | null}`.
//! - `/offset?offset=O&limit=L`: a JSON array of at most `L` items from `O`.
//!
//! Items are `{"id": i, "name": "item-i"}` for `i` in `0..total`. Page numbers start at 1
//! on every endpoint (the cursor and offset pages count `offset / page size + 1`).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

/// One item of every endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: u32,
    pub name: String,
}

impl Item {
    pub fn new(id: u32) -> Self {
        Item {
            id,
            name: format!("item-{id}"),
        }
    }
}

/// How the GitHub-style endpoint writes its link targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStyle {
    /// `<http://127.0.0.1:PORT/api/v3/repos/o/r/issues?page=2&per_page=M>`
    Absolute,
    /// `</api/v3/repos/o/r/issues?page=2&per_page=M>`
    RootRelative,
    /// `<?page=2&per_page=M>`
    QueryOnly,
}

/// What a `Retry-After` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Absent,
    Seconds(u64),
    /// An HTTP-date this far after the moment of the response (whole seconds, as
    /// HTTP-dates have no finer resolution).
    DateIn(Duration),
    /// An unreadable value.
    Garbage,
}

/// A misbehaviour served once, instead of the page, for a request of one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    TooManyRequests(RetryAfter),
    Unavailable(RetryAfter),
    Status(u16),
    /// A body that is not JSON.
    Malformed,
    /// JSON of the wrong shape: an object where an array belongs.
    WrongShape,
    /// The page, with this `Link` header instead of its own.
    Link(&'static str),
    /// The page, with a `Link` header of these bytes (which need not be ASCII, nor
    /// UTF-8) instead of its own.
    LinkBytes(&'static [u8]),
    /// The page, with its links sent as one `Link` header field each.
    SplitLinks,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub total: u32,
    pub per_page: u32,
    pub latency: Duration,
    pub link_style: LinkStyle,
    /// `(from, to)`: page `from` names page `to` as its next page, so a client sees a
    /// cursor again.
    pub loop_back: Option<(u32, u32)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            total: 10,
            per_page: 3,
            latency: Duration::ZERO,
            link_style: LinkStyle::Absolute,
            loop_back: None,
        }
    }
}

/// A request the server answered.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Path and query, e.g. `/offset?offset=3&limit=3`.
    pub uri: String,
    pub page: u32,
    pub status: u16,
    pub at: Instant,
    pub at_system: SystemTime,
    /// The HTTP-date sent in `Retry-After`, if the answer had one.
    pub retry_at: Option<SystemTime>,
}

struct Shared {
    addr: SocketAddr,
    options: Options,
    faults: Mutex<HashMap<u32, VecDeque<Fault>>>,
    hits: Mutex<Vec<Hit>>,
}

/// A running server; dropping it stops it.
pub struct Server {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub async fn start(options: Options) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            addr,
            options,
            faults: Mutex::default(),
            hits: Mutex::default(),
        });
        let app = Router::new()
            .route("/api/v3/repos/o/r/issues", get(github))
            .route("/cursor", get(cursor))
            .route("/offset", get(offset))
            .route("/moved", get(moved))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server { shared, task }
    }

    pub async fn with_defaults() -> Server {
        Server::start(Options::default()).await
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.shared.addr)
    }

    /// The GitHub-style endpoint's first page.
    pub fn github_url(&self) -> String {
        self.url(&format!(
            "/api/v3/repos/o/r/issues?per_page={}",
            self.shared.options.per_page
        ))
    }

    /// Serve `fault` (once) for the next request of `page`, after any already queued.
    pub fn fault(&self, page: u32, fault: Fault) -> &Self {
        let mut faults = self.shared.faults.lock().unwrap();
        faults.entry(page).or_default().push_back(fault);
        self
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    pub fn pages_requested(&self) -> Vec<u32> {
        self.hits().iter().map(|h| h.page).collect()
    }
}

fn param(query: &HashMap<String, String>, name: &str, default: u32) -> u32 {
    query
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn items(shared: &Shared, from: u32, count: u32) -> Vec<Item> {
    (from..from.saturating_add(count).min(shared.options.total))
        .map(Item::new)
        .collect()
}

/// Waits the configured latency, serves a queued fault if there is one, and logs the hit.
/// `page` builds the normal answer.
async fn answer(
    shared: &Shared,
    uri: &Uri,
    page: u32,
    ok: impl FnOnce() -> (HeaderMap, String),
) -> Response {
    tokio::time::sleep(shared.options.latency).await;
    let fault = shared
        .faults
        .lock()
        .unwrap()
        .get_mut(&page)
        .and_then(VecDeque::pop_front);
    let now = SystemTime::now();
    let mut retry_at = None;
    let mut retry_after = |status: StatusCode, after: RetryAfter| {
        let mut headers = HeaderMap::new();
        let value = match after {
            RetryAfter::Absent => None,
            RetryAfter::Seconds(s) => Some(s.to_string()),
            RetryAfter::DateIn(d) => {
                let date = httpdate::fmt_http_date(now + d);
                retry_at = Some(httpdate::parse_http_date(&date).unwrap());
                Some(date)
            }
            RetryAfter::Garbage => Some("soon, maybe".to_owned()),
        };
        if let Some(value) = value {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_str(&value).unwrap());
        }
        (status, headers, "slow down").into_response()
    };
    let response = match fault {
        None => {
            let (mut headers, body) = ok();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            (headers, body).into_response()
        }
        Some(Fault::TooManyRequests(after)) => retry_after(StatusCode::TOO_MANY_REQUESTS, after),
        Some(Fault::Unavailable(after)) => retry_after(StatusCode::SERVICE_UNAVAILABLE, after),
        Some(Fault::Status(code)) => StatusCode::from_u16(code).unwrap().into_response(),
        Some(Fault::Malformed) => "[{\"id\": 1, \"name\": ".into_response(),
        Some(Fault::WrongShape) => "{\"items\": []}".into_response(),
        Some(Fault::SplitLinks) => {
            let (mut headers, body) = ok();
            let joined = headers.remove(header::LINK).unwrap();
            for link in joined.to_str().unwrap().split(", ") {
                headers.append(header::LINK, HeaderValue::from_str(link).unwrap());
            }
            (headers, body).into_response()
        }
        Some(Fault::LinkBytes(link)) => {
            let (mut headers, body) = ok();
            headers.insert(header::LINK, HeaderValue::from_bytes(link).unwrap());
            (headers, body).into_response()
        }
        Some(Fault::Link(link)) => {
            let (mut headers, body) = ok();
            headers.insert(header::LINK, HeaderValue::from_static(link));
            (headers, body).into_response()
        }
    };
    shared.hits.lock().unwrap().push(Hit {
        uri: uri.to_string(),
        page,
        status: response.status().as_u16(),
        at: Instant::now(),
        at_system: now,
        retry_at,
    });
    response
}

/// The page after `page`, or `None` for the last one (honouring `loop_back`).
fn next_page(shared: &Shared, page: u32, per_page: u32) -> Option<u32> {
    if let Some((from, to)) = shared.options.loop_back
        && page == from
    {
        return Some(to);
    }
    (page.saturating_mul(per_page) < shared.options.total).then_some(page + 1)
}

async fn github(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let page = param(&query, "page", 1).max(1);
    let per_page = param(&query, "per_page", 30).max(1);
    answer(&shared, &uri, page, || {
        let body = items(&shared, (page - 1).saturating_mul(per_page), per_page);
        let last = shared.options.total.div_ceil(per_page).max(1);
        let target = |p: u32| match shared.options.link_style {
            LinkStyle::Absolute => format!(
                "http://{}/api/v3/repos/o/r/issues?page={p}&per_page={per_page}",
                shared.addr
            ),
            LinkStyle::RootRelative => {
                format!("/api/v3/repos/o/r/issues?page={p}&per_page={per_page}")
            }
            LinkStyle::QueryOnly => format!("?page={p}&per_page={per_page}"),
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", target(page - 1)));
        }
        if let Some(next) = next_page(&shared, page, per_page) {
            links.push(format!("<{}>; rel=\"next\"", target(next)));
        }
        links.push(format!("<{}>; rel=\"last\"", target(last)));
        links.push(format!("<{}>; rel=\"first\"", target(1)));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::LINK,
            HeaderValue::from_str(&links.join(", ")).unwrap(),
        );
        (headers, serde_json::to_string(&body).unwrap())
    })
    .await
}

/// `/moved?...` redirects to the GitHub-style endpoint with the same query.
async fn moved(uri: Uri) -> Response {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    axum::response::Redirect::permanent(&format!("/api/v3/repos/o/r/issues{query}")).into_response()
}

#[derive(Serialize, Deserialize)]
pub struct CursorPage {
    pub data: Vec<Item>,
    pub next_cursor: Option<String>,
}

/// Cursors are opaque to clients; this one hides an offset.
fn encode_cursor(offset: u32) -> String {
    format!("c{:x}", offset ^ 0x5a5a)
}

fn decode_cursor(cursor: &str) -> Option<u32> {
    let hex = cursor.strip_prefix('c')?;
    u32::from_str_radix(hex, 16).ok().map(|v| v ^ 0x5a5a)
}

async fn cursor(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let limit = param(&query, "limit", shared.options.per_page).max(1);
    let Some(start) = query.get("cursor").map_or(Some(0), |c| decode_cursor(c)) else {
        return (StatusCode::BAD_REQUEST, "bad cursor").into_response();
    };
    let page = start / limit + 1;
    answer(&shared, &uri, page, || {
        let body = CursorPage {
            data: items(&shared, start, limit),
            next_cursor: next_page(&shared, page, limit).map(|p| encode_cursor((p - 1) * limit)),
        };
        (HeaderMap::new(), serde_json::to_string(&body).unwrap())
    })
    .await
}

async fn offset(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let offset = param(&query, "offset", 0);
    let limit = param(&query, "limit", shared.options.per_page).max(1);
    answer(&shared, &uri, offset / limit + 1, || {
        let body = items(&shared, offset, limit);
        (HeaderMap::new(), serde_json::to_string(&body).unwrap())
    })
    .await
}
