//! A crawler: walks a site's link graph, each page once, at most `MAX_IN_FLIGHT` fetches
//! at a time, with progress on every page.
//!
//! The site is served by an in-process axum server on 127.0.0.1 (a random free port):
//! `PAGES` pages, each a JSON object with the links it shows. The links loop back on
//! each other, so a crawler that does not remember what it has seen would never end.
//!
//! Python writes this with a `TaskGroup` (or `asyncio.wait`) and a semaphore; here
//! `as_completed(..).limit(n)` is both, and `push` adds each newly found page to the
//! running set from inside the loop that consumes it.
//!
//! `cargo run --example crawl --features http`

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen::prelude::*;
use axum::extract::{Path, State};
use axum::{Json, Router, routing::get};
use serde::{Deserialize, Serialize};

const PAGES: usize = 40;
const MAX_IN_FLIGHT: usize = 4;

#[derive(Debug, Serialize, Deserialize)]
struct Page {
    title: String,
    links: Vec<String>,
}

/// What the server saw: requests per page, and the most it answered at once.
#[derive(Default)]
struct Log {
    hits: Mutex<HashMap<usize, usize>>,
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// Page `n` links to `2n`, `2n + 1`, back to its parent and to the home page.
async fn page(Path(n): Path<usize>, State(log): State<Arc<Log>>) -> Json<Page> {
    let now = log.now.fetch_add(1, Ordering::SeqCst) + 1;
    log.peak.fetch_max(now, Ordering::SeqCst);
    *log.hits.lock().unwrap().entry(n).or_default() += 1;
    tokio::time::sleep(Duration::from_millis(15)).await; // a slow page
    let links = [2 * n, 2 * n + 1, n / 2, 1]
        .into_iter()
        .filter(|&to| (1..=PAGES).contains(&to) && to != n)
        .map(|to| format!("/page/{to}"))
        .collect();
    log.now.fetch_sub(1, Ordering::SeqCst);
    Json(Page {
        title: format!("Page {n}"),
        links,
    })
}

async fn serve() -> (SocketAddr, Arc<Log>, tokio::task::JoinHandle<()>) {
    let log = Arc::new(Log::default());
    let app = Router::new()
        .route("/page/{n}", get(page))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (address, log, server)
}

/// One fetch: the page's path and what it says, or the error.
async fn fetch(
    client: reqwest::Client,
    base: String,
    path: String,
) -> (String, reqwest::Result<Page>) {
    let page = async {
        client
            .get(format!("{base}{path}"))
            .send()
            .await?
            .error_for_status()?
            .json::<Page>()
            .await
    }
    .await;
    (path, page)
}

#[tokio::main]
async fn main() {
    let (address, log, server) = serve().await;
    let base = format!("http://{address}");
    let client = reqwest::Client::new();

    let start = "/page/1".to_string();
    let mut seen = HashSet::from([start.clone()]);
    let mut crawl = as_completed([fetch(client.clone(), base.clone(), start)]).limit(MAX_IN_FLIGHT);
    let mut visited = 0;
    while let Some((path, page)) = crawl.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                eprintln!("{path}: {error}");
                continue;
            }
        };
        visited += 1;
        let mut found = 0;
        for link in page.links {
            // Each page once: only links never seen before are fetched.
            if seen.insert(link.clone()) {
                crawl.push(fetch(client.clone(), base.clone(), link));
                found += 1;
            }
        }
        println!(
            "[{visited:>2}/{:>2} known] {:<9} {:<8} +{found} new; {} fetching, {} queued",
            seen.len(),
            path,
            page.title,
            crawl.running(),
            crawl.waiting(),
        );
    }

    let hits = log.hits.lock().unwrap().clone();
    let peak = log.peak.load(Ordering::SeqCst);
    println!(
        "\ncrawled {visited} pages of {PAGES}; each requested once: {}; at most {peak} requests at a time (limit {MAX_IN_FLIGHT})",
        hits.values().all(|&count| count == 1)
    );
    assert_eq!(visited, PAGES);
    assert_eq!(hits.len(), PAGES);
    assert!(
        hits.values().all(|&count| count == 1),
        "a page was fetched twice"
    );
    assert!(peak <= MAX_IN_FLIGHT, "{peak} requests at once");
    server.abort();
}
