//! Whole listings of 20 pages of 100 JSON items from a server on 127.0.0.1:
//! `Link`-paginated, read with `http::paginate_json` against the loop one writes by
//! hand with reqwest and `parse_link_header`; and Stripe-style (`has_more`, the last id
//! sent back as `starting_after`), read with `http::paginate_cursor` against a
//! hand-written reqwest loop over a typed page. The difference is what the paginator
//! costs, its safeguards (time limit, size cap, rate-limit pacing) included.
//!
//! `cargo bench --bench rest --features http -- --warm-up-time 1 --measurement-time 3`;
//! for instruction counts, see `REST_ONLY` in `main`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use asyncgen::prelude::*;
use axum::Router;
use axum::extract::Query;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use criterion::Criterion;
use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Serialize, Deserialize)]
struct Item {
    id: u32,
    name: String,
}

const PAGES: u32 = 20;
const PER_PAGE: u32 = 100;

async fn items(Query(query): Query<HashMap<String, String>>) -> impl IntoResponse {
    let page: u32 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let body: Vec<Item> = (0..PER_PAGE)
        .map(|i| {
            let id = (page - 1) * PER_PAGE + i;
            Item {
                id,
                name: format!("item-{id}"),
            }
        })
        .collect();
    let mut link = format!("</items?page={PAGES}>; rel=\"last\"");
    if page < PAGES {
        link = format!("</items?page={}>; rel=\"next\", {link}", page + 1);
    }
    ([(header::LINK, link)], axum::Json(body))
}

/// One page of `/charges`, Stripe's way.
async fn charges(Query(query): Query<HashMap<String, String>>) -> impl IntoResponse {
    let after = query
        .get("starting_after")
        .and_then(|id| id.strip_prefix("it_")?.parse::<u32>().ok())
        .map_or(0, |n| n + 1);
    let end = (after + PER_PAGE).min(PAGES * PER_PAGE);
    let data: Vec<serde_json::Value> = (after..end)
        .map(|id| serde_json::json!({"id": format!("it_{id}"), "name": format!("item-{id}")}))
        .collect();
    axum::Json(
        serde_json::json!({"object": "list", "data": data, "has_more": end < PAGES * PER_PAGE}),
    )
}

#[derive(Deserialize)]
struct Charge {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct ChargePage {
    data: Vec<Charge>,
    has_more: bool,
}

async fn with_paginate_cursor(client: &reqwest::Client, url: &str) -> usize {
    let stripe = asyncgen::http::CursorApi::query("starting_after")
        .items("/data")
        .next_from_last_item("/id")
        .has_more("/has_more");
    asyncgen::http::paginate_cursor::<Charge>(client.clone(), url, stripe)
        .fold(0, |n, item| async move {
            n + usize::from(item.is_ok_and(|c| !c.name.is_empty()))
        })
        .await
}

/// The Stripe loop without the library.
async fn cursor_by_hand(client: &reqwest::Client, url: &str) -> usize {
    let mut after: Option<String> = None;
    let mut n = 0;
    loop {
        let mut page_url = Url::parse(url).unwrap();
        if let Some(after) = &after {
            page_url
                .query_pairs_mut()
                .append_pair("starting_after", after);
        }
        let response = client.get(page_url).send().await.unwrap();
        let page: ChargePage = response.json().await.unwrap();
        n += page.data.iter().filter(|c| !c.name.is_empty()).count();
        match page.data.last() {
            Some(last) if page.has_more => after = Some(last.id.clone()),
            _ => return n,
        }
    }
}

/// Medians of `rounds` interleaved runs of `ours` and `peer`, so both see the same load.
fn interleaved<A, B>(
    runtime: &tokio::runtime::Runtime,
    rounds: usize,
    ours: A,
    peer: B,
) -> (Duration, Duration)
where
    A: AsyncFn() -> usize,
    B: AsyncFn() -> usize,
{
    let (mut a, mut b) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        for _ in 0..rounds {
            let start = Instant::now();
            black_box(ours().await);
            a.push(start.elapsed());
            let start = Instant::now();
            black_box(peer().await);
            b.push(start.elapsed());
        }
    });
    a.sort();
    b.sort();
    (a[rounds / 2], b[rounds / 2])
}

async fn with_paginate_json(client: &reqwest::Client, url: &str) -> usize {
    asyncgen::http::paginate_json::<Item>(client.clone(), url)
        .fold(0, |n, item| async move { n + usize::from(item.is_ok()) })
        .await
}

/// What one writes without the library: request, decode, find the next link, repeat.
async fn by_hand(client: &reqwest::Client, url: &str) -> usize {
    let mut url = Url::parse(url).unwrap();
    let mut n = 0;
    loop {
        let response = client.get(url.clone()).send().await.unwrap();
        let next = response
            .headers()
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_link_header::parse_with_rel(v).ok())
            .and_then(|links| Some(url.join(&links.get("next")?.raw_uri).unwrap()));
        let page: Vec<Item> = response.json().await.unwrap();
        n += page.len();
        match next {
            Some(next) => url = next,
            None => return n,
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (url, charges_url) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/items", get(items))
            .route("/charges", get(charges));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("{base}/items"), format!("{base}/charges"))
    });
    let client = reqwest::Client::new();
    let expected = (PAGES * PER_PAGE) as usize;
    runtime.block_on(async {
        assert_eq!(with_paginate_json(&client, &url).await, expected);
        assert_eq!(by_hand(&client, &url).await, expected);
        assert_eq!(with_paginate_cursor(&client, &charges_url).await, expected);
        assert_eq!(cursor_by_hand(&client, &charges_url).await, expected);
    });

    // `REST_ONLY=NAME REST_ROUNDS=N`: run one listing N times and nothing else, for
    // instruction counts under `valgrind --tool=callgrind` (repeatable on a busy
    // machine, unlike wall-clock time): the difference between N and 0 rounds is what
    // N listings cost, server included.
    if let Ok(only) = std::env::var("REST_ONLY") {
        let rounds: usize = std::env::var("REST_ROUNDS").map_or(10, |n| n.parse().unwrap());
        runtime.block_on(async {
            for _ in 0..rounds {
                black_box(match only.as_str() {
                    "paginate_json" => with_paginate_json(&client, &url).await,
                    "json_by_hand" => by_hand(&client, &url).await,
                    "paginate_cursor" => with_paginate_cursor(&client, &charges_url).await,
                    "cursor_by_hand" => cursor_by_hand(&client, &charges_url).await,
                    other => panic!("REST_ONLY={other}: no such listing"),
                });
            }
        });
        return;
    }

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("listing/20_pages_of_100");
    group.sample_size(20);
    group.bench_function("paginate_json", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(with_paginate_json(&client, &url).await) })
    });
    group.bench_function("reqwest_loop_by_hand", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(by_hand(&client, &url).await) })
    });
    group.bench_function("paginate_cursor", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(with_paginate_cursor(&client, &charges_url).await) })
    });
    group.bench_function("cursor_loop_by_hand", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(cursor_by_hand(&client, &charges_url).await) })
    });
    group.finish();
    c.final_summary();

    let rounds = 21;
    let (ours, peer) = interleaved(
        &runtime,
        rounds,
        async || with_paginate_json(&client, &url).await,
        async || by_hand(&client, &url).await,
    );
    println!(
        "summary listing/20_pages_of_100 (medians of {rounds} interleaved rounds): \
         paginate_json {ours:?}, by hand {peer:?}: {:.2}x",
        ours.as_secs_f64() / peer.as_secs_f64()
    );
    let (ours, peer) = interleaved(
        &runtime,
        rounds,
        async || with_paginate_cursor(&client, &charges_url).await,
        async || cursor_by_hand(&client, &charges_url).await,
    );
    println!(
        "summary listing/20_pages_of_100 (medians of {rounds} interleaved rounds): \
         paginate_cursor {ours:?}, by hand {peer:?}: {:.2}x",
        ours.as_secs_f64() / peer.as_secs_f64()
    );
}
