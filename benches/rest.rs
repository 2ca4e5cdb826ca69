//! A whole `Link`-paginated listing (20 pages of 100 JSON items from a server on
//! 127.0.0.1) read with `http::paginate_json`, against the loop one writes by hand with
//! reqwest and `parse_link_header`. The difference is what the paginator costs.
//!
//! `cargo bench --bench rest --features http -- --warm-up-time 1 --measurement-time 3`

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
    let url = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/items", listener.local_addr().unwrap());
        let app = Router::new().route("/items", get(items));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    });
    let client = reqwest::Client::new();
    let expected = (PAGES * PER_PAGE) as usize;
    runtime.block_on(async {
        assert_eq!(with_paginate_json(&client, &url).await, expected);
        assert_eq!(by_hand(&client, &url).await, expected);
    });

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
    group.finish();
    c.final_summary();

    // Interleaved rounds, so both see the same machine load.
    let (mut ours, mut peer) = (Duration::ZERO, Duration::ZERO);
    let rounds = 10;
    runtime.block_on(async {
        for _ in 0..rounds {
            let start = Instant::now();
            black_box(with_paginate_json(&client, &url).await);
            ours += start.elapsed();
            let start = Instant::now();
            black_box(by_hand(&client, &url).await);
            peer += start.elapsed();
        }
    });
    let (ours, peer) = (ours / rounds, peer / rounds);
    println!(
        "summary listing/20_pages_of_100: paginate_json {ours:?}, by hand {peer:?}: \
         paginate_json takes {:.2}x the hand-written loop's time",
        ours.as_secs_f64() / peer.as_secs_f64()
    );
}
