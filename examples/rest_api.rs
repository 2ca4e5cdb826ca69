//! A paginated REST API as a stream: `cargo run --example rest_api --features http`.
//!
//! Starts a small GitHub-style API on 127.0.0.1 (JSON pages, `Link: rel="next"`, some
//! latency, and one `429 Too Many Requests` with `Retry-After: 1`), then reads all of it
//! with `asyncgen::http::paginate_json`: throttled to 20 requests a second, prefetching
//! two pages ahead of a consumer that does some work per item, with a progress line.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use asyncgen::http::paginate_json;
use asyncgen::prelude::*;
use asyncgen::time::Quota;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Issue {
    number: u32,
    title: String,
}

const ISSUES: u32 = 200;
const PER_PAGE: u32 = 20;

/// One page of `/api/v3/repos/acme/widgets/issues`, after 40 ms of "database" time.
/// The first request for page 4 is refused with `429` and `Retry-After: 1`.
async fn issues(
    State(refused_once): State<Arc<AtomicBool>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    tokio::time::sleep(Duration::from_millis(40)).await;
    let page: u32 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    if page == 4 && !refused_once.swap(true, Ordering::SeqCst) {
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
    ([(header::LINK, links.join(", "))], axum::Json(body)).into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!(
        "http://{}/api/v3/repos/acme/widgets/issues",
        listener.local_addr()?
    );
    let app = Router::new()
        .route("/api/v3/repos/acme/widgets/issues", get(issues))
        .with_state(Arc::new(AtomicBool::new(false)));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let start = Instant::now();
    let mut issues = paginate_json::<Issue>(reqwest::Client::new(), &url)
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
        if seen % 10 != 0 {
            continue;
        }
        eprint!(
            "\r{seen:>3}/{ISSUES} issues  {:>5.2} s  last: {last_title:<32}",
            start.elapsed().as_secs_f64()
        );
        std::io::stderr().flush()?;
    }
    eprintln!();
    println!(
        "read {seen} issues in {:.2} s, waiting out one 429 (Retry-After: 1) on the way",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(seen, ISSUES);
    assert_eq!(last_title, format!("Widget breaks on input #{ISSUES}"));
    Ok(())
}
