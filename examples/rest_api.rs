//! Paginated REST APIs as streams: `cargo run --example rest_api --features http`.
//!
//! Starts a small API on 127.0.0.1 with two listings, then reads both:
//!
//! - GitHub-style issues (JSON pages, `Link: rel="next"`, some latency), read with
//!   `asyncgen::http::paginate_json`, throttled, prefetching two pages ahead of a
//!   consumer that does some work per item; the first request for page 4 is refused
//!   with `429 Too Many Requests` and `Retry-After: 1`;
//! - Stripe-style charges (`has_more`, the last id sent back as `starting_after`), read
//!   with `asyncgen::http::paginate_cursor`.
//!
//! The server allows 5 requests a second, announces its budget with GitHub's
//! `X-RateLimit-*` headers and answers `429` beyond it; the client paces itself by
//! those headers. The summary reports what the server saw: retries, and the times the
//! budget ran out and the client waited for the reset instead of meeting a `429`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use asyncgen::http::{CursorApi, paginate_cursor, paginate_json};
use asyncgen::prelude::*;
use asyncgen::time::Quota;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Serialize, Deserialize)]
struct Issue {
    number: u32,
    title: String,
}

#[derive(Debug, Deserialize)]
struct Charge {
    id: String,
    amount: u64,
}

const ISSUES: u32 = 200;
const PER_PAGE: u32 = 20;
const CHARGES: u32 = 60;
const RATE_LIMIT: u32 = 5;

/// What the server counts.
#[derive(Default)]
struct Stats {
    refused_once: AtomicBool,
    // Requests answered `429`: the planned one, and any beyond the rate limit.
    retry_after_429s: AtomicU32,
    rate_limit_429s: AtomicU32,
    // One-second windows whose whole budget was used: the headers said so, and a
    // client that went on before the reset would have met a `429`.
    budgets_spent: AtomicU32,
    // (Unix second of the current window, requests in it)
    window: Mutex<(u64, u32)>,
}

/// Enforces and announces the rate limit on every route.
async fn rate_limit(State(stats): State<Arc<Stats>>, request: Request, next: Next) -> Response {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let used = {
        let mut window = stats.window.lock().unwrap();
        if window.0 != now {
            *window = (now, 0);
        }
        window.1 += 1;
        window.1
    };
    let mut response = if used > RATE_LIMIT {
        stats.rate_limit_429s.fetch_add(1, Ordering::SeqCst);
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "rate limit exceeded",
        )
            .into_response()
    } else {
        if used == RATE_LIMIT {
            stats.budgets_spent.fetch_add(1, Ordering::SeqCst);
        }
        next.run(request).await
    };
    let headers = response.headers_mut();
    let remaining = RATE_LIMIT.saturating_sub(used);
    headers.insert("x-ratelimit-limit", HeaderValue::from(RATE_LIMIT));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(now + 1));
    response
}

/// One page of `/api/v3/repos/acme/widgets/issues`, after 40 ms of "database" time.
async fn issues(
    State(stats): State<Arc<Stats>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    tokio::time::sleep(Duration::from_millis(40)).await;
    let page: u32 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    if page == 4 && !stats.refused_once.swap(true, Ordering::SeqCst) {
        stats.retry_after_429s.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            "slow down",
        )
            .into_response();
    }
    let first = (page - 1) * PER_PAGE + 1;
    let body: Vec<Issue> = (first..(first + PER_PAGE).min(ISSUES + 1))
        .map(|number| Issue {
            number,
            title: format!("Widget breaks on input #{number}"),
        })
        .collect();
    let last = ISSUES.div_ceil(PER_PAGE);
    let link =
        |p: u32, rel: &str| format!("</api/v3/repos/acme/widgets/issues?page={p}>; rel=\"{rel}\"");
    let mut links = vec![link(last, "last")];
    if page < last {
        links.insert(0, link(page + 1, "next"));
    }
    ([(header::LINK, links.join(", "))], Json(body)).into_response()
}

/// One page of `/v1/charges`, Stripe's way: `data`, `has_more`, `starting_after`.
async fn charges(Query(query): Query<HashMap<String, String>>) -> Json<serde_json::Value> {
    let limit: u32 = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10);
    let after = query
        .get("starting_after")
        .and_then(|id| id.strip_prefix("ch_")?.parse::<u32>().ok())
        .map_or(0, |n| n + 1);
    let end = (after + limit).min(CHARGES);
    let data: Vec<_> = (after..end)
        .map(|n| json!({"id": format!("ch_{n}"), "amount": 100 + n}))
        .collect();
    Json(json!({"object": "list", "data": data, "has_more": end < CHARGES}))
}

/// A progress line: redrawn in place on a terminal, one line per update otherwise (a
/// log file or a pipe gets no carriage returns).
struct Progress {
    start: Instant,
    in_place: bool,
}

impl Progress {
    fn update(&self, what: &str) -> std::io::Result<()> {
        let line = format!("{what:<48} {:>5.2} s", self.start.elapsed().as_secs_f64());
        let mut stderr = std::io::stderr().lock();
        if self.in_place {
            write!(stderr, "\r{line}")?;
        } else {
            writeln!(stderr, "{line}")?;
        }
        stderr.flush()
    }

    fn finish(&self) {
        if self.in_place {
            eprintln!();
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let stats = Arc::new(Stats::default());
    let app = Router::new()
        .route("/api/v3/repos/acme/widgets/issues", get(issues))
        .route("/v1/charges", get(charges))
        .layer(middleware::from_fn_with_state(stats.clone(), rate_limit))
        .with_state(stats.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = reqwest::Client::new();
    let progress = Progress {
        start: Instant::now(),
        in_place: std::io::stderr().is_terminal(),
    };

    let mut issues = paginate_json::<Issue>(
        client.clone(),
        format!("{base}/api/v3/repos/acme/widgets/issues"),
    )
    // At most 20 requests a second, retries included: a polite client.
    .throttle(Quota::per_second(20))
    // Fetch up to two pages while the loop below works on the current one.
    .prefetch(2)
    .max_items(1_000);
    let mut seen = 0;
    let mut last_title = String::new();
    while let Some(issue) = issues.next().await {
        let issue = issue?;
        // Stands in for real work per item (a database write, say).
        tokio::time::sleep(Duration::from_millis(2)).await;
        seen += 1;
        last_title = issue.title;
        if seen % 20 == 0 {
            progress.update(&format!(
                "{seen:>3}/{ISSUES} issues  last: #{}",
                issue.number
            ))?;
        }
    }

    let stripe = CursorApi::query("starting_after")
        .items("/data")
        .next_from_last_item("/id")
        .has_more("/has_more");
    let mut charges =
        paginate_cursor::<Charge>(client, format!("{base}/v1/charges?limit=10"), stripe)
            .request_timeout(Duration::from_secs(10));
    let (mut count, mut total) = (0, 0);
    while let Some(charge) = charges.next().await {
        let charge = charge?;
        count += 1;
        total += charge.amount;
        if count % 10 == 0 {
            progress.update(&format!("{count:>3}/{CHARGES} charges last: {}", charge.id))?;
        }
    }
    progress.finish();

    let planned = stats.retry_after_429s.load(Ordering::SeqCst);
    let over_limit = stats.rate_limit_429s.load(Ordering::SeqCst);
    let spent = stats.budgets_spent.load(Ordering::SeqCst);
    println!(
        "read {seen} issues and {count} charges (total {total}) in {:.2} s",
        progress.start.elapsed().as_secs_f64()
    );
    println!("  retries: {planned} after a 429 with Retry-After: 1");
    println!(
        "  rate limit ({RATE_LIMIT}/s, announced in X-RateLimit headers): budget used up in \
         {spent} windows, and the client waited for each reset: 429s avoided {spent}, met {over_limit}"
    );
    assert_eq!(seen, ISSUES);
    assert_eq!(last_title, format!("Widget breaks on input #{ISSUES}"));
    assert_eq!(count, CHARGES);
    assert_eq!(
        over_limit, 0,
        "pacing by the rate-limit headers meets no 429"
    );
    Ok(())
}
