//! A `Link`-paginated API on 127.0.0.1 that enforces the rate limit it advertises: at
//! most `limit` requests per wall-clock second (windows aligned to Unix seconds), a
//! `429` with `Retry-After: 1` beyond that, and the budget announced on every answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// How the server announces its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// GitHub's `X-RateLimit-Limit` / `-Remaining` / `-Reset` (a Unix time).
    GitHub,
    /// The IETF draft's `RateLimit: "default";r=N;t=S` and `RateLimit-Policy`.
    Ietf,
}

struct Shared {
    limit: u32,
    pages: u32,
    announce: Announce,
    // (the Unix second of the current window, requests in it)
    window: Mutex<(u64, u32)>,
    refused: AtomicU32,
    served: AtomicU32,
}

pub struct RateLimited {
    served: super::Served,
    shared: Arc<Shared>,
}

async fn page(State(s): State<Arc<Shared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let (remaining, allowed) = {
        let mut window = s.window.lock().unwrap();
        if window.0 != now.as_secs() {
            *window = (now.as_secs(), 0);
        }
        window.1 += 1;
        (s.limit.saturating_sub(window.1), window.1 <= s.limit)
    };
    let mut headers = Vec::<(HeaderName, HeaderValue)>::new();
    let mut add = |name: &'static str, value: String| {
        headers.push((
            HeaderName::from_static(name),
            HeaderValue::from_str(&value).unwrap(),
        ));
    };
    match s.announce {
        Announce::GitHub => {
            add("x-ratelimit-limit", s.limit.to_string());
            add("x-ratelimit-remaining", remaining.to_string());
            add("x-ratelimit-reset", (now.as_secs() + 1).to_string());
        }
        Announce::Ietf => {
            add("ratelimit-policy", format!("\"default\";q={};w=1", s.limit));
            // Whole seconds, rounded up: the window ends within the next second.
            add("ratelimit", format!("\"default\";r={remaining};t=1"));
        }
    }
    if !allowed {
        s.refused.fetch_add(1, Ordering::SeqCst);
        headers.push((header::RETRY_AFTER, HeaderValue::from_static("1")));
        let mut response = (StatusCode::TOO_MANY_REQUESTS, "rate limit exceeded").into_response();
        response.headers_mut().extend(headers);
        return response;
    }
    s.served.fetch_add(1, Ordering::SeqCst);
    let n: u32 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    if n < s.pages {
        let link = format!("</items?page={}>; rel=\"next\"", n + 1);
        headers.push((header::LINK, HeaderValue::from_str(&link).unwrap()));
    }
    let mut response = axum::Json(vec![n * 10, n * 10 + 1]).into_response();
    response.headers_mut().extend(headers);
    response
}

impl RateLimited {
    pub async fn start(limit: u32, pages: u32, announce: Announce) -> RateLimited {
        let shared = Arc::new(Shared {
            limit,
            pages,
            announce,
            window: Mutex::new((0, 0)),
            refused: AtomicU32::new(0),
            served: AtomicU32::new(0),
        });
        let app = Router::new()
            .route("/items", get(page))
            .with_state(shared.clone());
        let served = super::Served::start(app).await;
        RateLimited { served, shared }
    }

    pub fn url(&self) -> String {
        self.served.url("/items")
    }

    /// How many requests were answered with `429`.
    pub fn refused(&self) -> u32 {
        self.shared.refused.load(Ordering::SeqCst)
    }

    pub fn served(&self) -> u32 {
        self.shared.served.load(Ordering::SeqCst)
    }
}
