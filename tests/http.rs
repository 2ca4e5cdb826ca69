//! `asyncgen::http::paginate_json` against a real server on 127.0.0.1.
//!
//! These tests use real time (the server and client talk over real sockets); the waits
//! they provoke are a second at most, and their assertions are lower bounds that a
//! correct client always meets.
#![cfg(feature = "http")]

mod support;

use std::time::Duration;

use asyncgen::http::{CursorApi, HttpError, paginate_cursor, paginate_json, retry_policy};
use asyncgen::paginate::{Page, PaginateError, RepeatedCursor, paginate, paginate_offset};
use asyncgen::prelude::*;
use asyncgen::time::{Quota, RateLimiter};
use futures::TryStreamExt;
use support::apis::ApiServer;
use support::misbehaving::Misbehaving;
use support::rate_limited::{Announce, RateLimited};
use support::server::{CursorPage, Fault, Item, LinkStyle, Options, RetryAfter, Server};
use url::Url;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

fn ids(items: &[Item]) -> Vec<u32> {
    items.iter().map(|i| i.id).collect()
}

/// Collects a stream of results into the items before the first error, and that error.
async fn drain<S, T, E>(stream: S) -> (Vec<T>, Option<E>)
where
    S: Stream<Item = Result<T, E>>,
{
    let mut stream = std::pin::pin!(stream);
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(item) => items.push(item),
            Err(err) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (items, Some(err));
            }
        }
    }
    (items, None)
}

/// All of `paginate_json`'s items, and the HTTP error that ended it, if any.
async fn json_pages(url: String) -> (Vec<Item>, Option<HttpError>) {
    let (items, err) = drain(paginate_json::<Item>(client(), url)).await;
    let err = err.map(|e: PaginateError<HttpError>| e.into_fetch_error().expect("a fetch error"));
    (items, err)
}

#[tokio::test]
async fn follows_github_style_link_headers_to_the_last_page() {
    let server = Server::with_defaults().await;
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids(&items), (0..10).collect::<Vec<_>>());
    assert_eq!(items[7], Item::new(7));
    assert_eq!(server.pages_requested(), [1, 2, 3, 4]);
}

#[tokio::test]
async fn relative_links_resolve_under_the_api_prefix() {
    for style in [LinkStyle::RootRelative, LinkStyle::QueryOnly] {
        let server = Server::start(Options {
            link_style: style,
            ..Options::default()
        })
        .await;
        let (items, err) = json_pages(server.github_url()).await;
        assert!(err.is_none(), "{style:?}: {err:?}");
        assert_eq!(ids(&items), (0..10).collect::<Vec<_>>(), "{style:?}");
        let uris: Vec<String> = server.hits().into_iter().map(|h| h.uri).collect();
        assert_eq!(
            uris[1], "/api/v3/repos/o/r/issues?page=2&per_page=3",
            "{style:?}"
        );
    }
}

#[tokio::test]
async fn an_empty_collection_is_one_request_and_no_items() {
    let server = Server::start(Options {
        total: 0,
        ..Options::default()
    })
    .await;
    let (items, err) = json_pages(server.github_url()).await;
    assert!(items.is_empty() && err.is_none(), "{err:?}");
    assert_eq!(server.pages_requested(), [1]);
}

#[tokio::test]
async fn too_many_requests_waits_retry_after_seconds() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::TooManyRequests(RetryAfter::Seconds(1)));
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids(&items), (0..10).collect::<Vec<_>>());
    let hits = server.hits();
    let statuses: Vec<_> = hits.iter().map(|h| (h.page, h.status)).collect();
    assert_eq!(statuses, [(1, 200), (2, 429), (2, 200), (3, 200), (4, 200)]);
    assert_eq!(hits[1].uri, hits[2].uri, "the same URL is asked again");
    assert!(hits[2].at - hits[1].at >= Duration::from_secs(1));
}

#[tokio::test]
async fn unavailable_waits_until_the_retry_after_date() {
    let server = Server::with_defaults().await;
    server.fault(
        3,
        Fault::Unavailable(RetryAfter::DateIn(Duration::from_secs(1))),
    );
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items.len(), 10);
    let hits = server.hits();
    let statuses: Vec<_> = hits.iter().map(|h| (h.page, h.status)).collect();
    assert_eq!(statuses, [(1, 200), (2, 200), (3, 503), (3, 200), (4, 200)]);
    let date = hits[2].retry_at.expect("the 503 carried an HTTP-date");
    assert!(
        hits[3].at_system >= date,
        "retried before the date it was given"
    );
}

#[tokio::test]
async fn missing_or_unreadable_retry_after_backs_off() {
    let server = Server::with_defaults().await;
    server
        .fault(1, Fault::TooManyRequests(RetryAfter::Absent))
        .fault(1, Fault::Unavailable(RetryAfter::Garbage));
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items.len(), 10);
    let hits = server.hits();
    let statuses: Vec<_> = hits.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [429, 503, 200, 200, 200, 200]);
    // 250 ms, then 500 ms, each shortened by up to half by the jitter.
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(125));
    assert!(hits[2].at - hits[1].at >= Duration::from_millis(250));
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Server::with_defaults().await;
    for _ in 0..6 {
        server.fault(2, Fault::TooManyRequests(RetryAfter::Seconds(0)));
    }
    let (items, err) = drain(paginate_json::<Item>(client(), server.github_url())).await;
    assert_eq!(ids(&items), [0, 1, 2]);
    let err = err.expect("an error after the retries");
    assert_eq!(err.attempts(), 6);
    assert_eq!(err.page_index(), 1);
    let resume_at = err.cursor::<Url>().expect("the failed page's URL").clone();
    assert!(
        resume_at
            .as_str()
            .ends_with("/api/v3/repos/o/r/issues?page=2&per_page=3")
    );
    let err = err.into_fetch_error().unwrap();
    match &err {
        HttpError::Status {
            url,
            status,
            retry_after,
        } => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(*retry_after, Some(Duration::ZERO));
            assert!(
                url.as_str()
                    .ends_with("/api/v3/repos/o/r/issues?page=2&per_page=3")
            );
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(server.pages_requested(), [1, 2, 2, 2, 2, 2, 2]);
}

#[tokio::test]
async fn a_retry_after_beyond_a_minute_is_an_error_not_a_wait() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::Unavailable(RetryAfter::Seconds(3600)));
    let (items, err) = json_pages(server.github_url()).await;
    assert_eq!(items.len(), 3);
    let err = err.unwrap();
    assert!(
        matches!(err, HttpError::Status { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("HTTP 503 Service Unavailable from http://127.0.0.1:")
    );
    assert!(
        err.to_string()
            .ends_with("page=2&per_page=3 (Retry-After: 3600s)")
    );
    assert_eq!(server.pages_requested(), [1, 2]);
}

#[tokio::test]
async fn other_statuses_are_errors_without_retries() {
    for code in [404, 500, 504] {
        let server = Server::with_defaults().await;
        server.fault(2, Fault::Status(code));
        let (items, err) = json_pages(server.github_url()).await;
        assert_eq!(items.len(), 3);
        let err = err.unwrap();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(code), "{err:?}");
        assert!(err.url().unwrap().ends_with("page=2&per_page=3"));
        assert_eq!(server.pages_requested(), [1, 2]);
    }
}

#[tokio::test]
async fn a_malformed_page_is_an_error_item_naming_the_url() {
    let server = Server::with_defaults().await;
    server.fault(3, Fault::Malformed);
    let (items, err) = json_pages(server.github_url()).await;
    assert_eq!(ids(&items), [0, 1, 2, 3, 4, 5]);
    let err = err.unwrap();
    assert!(matches!(err, HttpError::Body { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with("the page from http://127.0.0.1:"));
    assert!(
        message.contains("/api/v3/repos/o/r/issues?page=3&per_page=3 is not the expected JSON"),
        "{message}"
    );
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("EOF while parsing"), "{source}");
    assert!(
        !message.contains(&source),
        "the cause is not repeated: {message}"
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_an_error_item() {
    let server = Server::with_defaults().await;
    server.fault(1, Fault::WrongShape);
    let (items, err) = json_pages(server.github_url()).await;
    assert!(items.is_empty());
    let source = std::error::Error::source(&err.unwrap())
        .unwrap()
        .to_string();
    assert!(source.contains("expected a sequence"), "{source}");
}

#[tokio::test]
async fn a_malformed_link_header_is_an_error_item() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::Link("<http://127.0.0.1/?page=9; rel=\"next\""));
    let (items, err) = json_pages(server.github_url()).await;
    assert_eq!(
        items.len(),
        3,
        "page 2's items are not trusted without its link"
    );
    let err = err.unwrap();
    assert!(matches!(err, HttpError::Link { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("unreadable Link header from "),
        "{err}"
    );
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(
        source.contains("malformed Link header at byte 26"),
        "{source}"
    );
}

#[tokio::test]
async fn a_link_header_with_non_ascii_utf8_is_read() {
    let server = Server::with_defaults().await;
    server.fault(
        2,
        Fault::LinkBytes(
            "<?page=3&per_page=3&tag=grün>; rel=\"next\"; title=\"Seite 3 – Übersicht ☕\""
                .as_bytes(),
        ),
    );
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(ids(&items), (0..10).collect::<Vec<_>>());
    assert_eq!(server.pages_requested(), [1, 2, 3, 4]);
    // The IRI target is requested as a URI.
    assert_eq!(
        server.hits()[2].uri,
        "/api/v3/repos/o/r/issues?page=3&per_page=3&tag=gr%C3%BCn"
    );
}

#[tokio::test]
async fn a_link_header_that_is_not_utf8_is_a_link_error() {
    let server = Server::with_defaults().await;
    // A Latin-1 "é": byte 0xE9 at offset 44 is not UTF-8.
    server.fault(
        2,
        Fault::LinkBytes(b"<?page=3&per_page=3>; rel=\"next\"; title=\"caf\xe9\""),
    );
    let (items, err) = json_pages(server.github_url()).await;
    assert_eq!(
        items.len(),
        3,
        "page 2's items are not trusted without its link"
    );
    let err = err.unwrap();
    match &err {
        HttpError::Link { url, source } => {
            assert!(url.as_str().ends_with("page=2&per_page=3"), "{url}");
            assert_eq!(source.offset(), 44);
        }
        other => panic!("expected a Link error, got {other:?}"),
    }
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert_eq!(source, "malformed Link header at byte 44: expected UTF-8");
    assert_eq!(server.pages_requested(), [1, 2]);
}

#[tokio::test]
async fn a_next_link_that_is_not_http_is_a_bad_url() {
    let server = Server::with_defaults().await;
    server.fault(1, Fault::Link("<ftp://127.0.0.1/x>; rel=next"));
    let (items, err) = json_pages(server.github_url()).await;
    assert!(items.is_empty());
    match err.unwrap() {
        HttpError::BadUrl { url, reason } => {
            assert_eq!(url.as_deref(), Some("ftp://127.0.0.1/x"));
            assert!(reason.ends_with("is not http or https"), "{reason}");
        }
        other => panic!("expected a bad URL, got {other:?}"),
    }
}

/// A `Link` header naming `target` as the next page, for `Fault::Link`.
fn next_link_to(target: String) -> &'static str {
    Box::leak(format!("<{target}>; rel=\"next\"").into_boxed_str())
}

#[tokio::test]
async fn a_next_link_to_another_port_is_refused_unless_allowed() {
    let (api, elsewhere) = (Server::with_defaults().await, Server::with_defaults().await);
    let target = elsewhere.url("/api/v3/repos/o/r/issues?page=2&per_page=3");
    api.fault(1, Fault::Link(next_link_to(target.clone())));
    let (items, err) = drain(paginate_json::<Item>(client(), api.github_url())).await;
    assert!(
        items.is_empty(),
        "page 1's items are not trusted without its link"
    );
    let err = err.unwrap();
    assert_eq!(err.cursor::<Url>().unwrap().as_str(), api.github_url());
    let err = err.into_fetch_error().unwrap();
    match &err {
        HttpError::CrossOriginNext { from, to } => {
            assert_eq!(from.as_str(), api.github_url());
            assert_eq!(to.as_str(), target);
        }
        other => panic!("expected a cross-origin error, got {other:?}"),
    }
    assert_eq!(err.url(), Some(api.github_url().as_str()));
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        format!(
            "not following the next link from {} to {target}: it leaves the origin of the \
             first request (see allow_cross_origin)",
            api.github_url()
        )
    );
    assert_eq!(api.pages_requested(), [1]);
    assert!(
        elsewhere.pages_requested().is_empty(),
        "nothing went elsewhere"
    );

    // Allowed: the listing goes on at the other server.
    let (api, elsewhere) = (Server::with_defaults().await, Server::with_defaults().await);
    api.fault(
        1,
        Fault::Link(next_link_to(
            elsewhere.url("/api/v3/repos/o/r/issues?page=2&per_page=3"),
        )),
    );
    let items: Vec<Item> = paginate_json::<Item>(client(), api.github_url())
        .allow_cross_origin(true)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), (0..10).collect::<Vec<_>>());
    assert_eq!(api.pages_requested(), [1]);
    assert_eq!(elsewhere.pages_requested(), [2, 3, 4]);

    // The page stream has the same switch.
    let (api, elsewhere) = (Server::with_defaults().await, Server::with_defaults().await);
    api.fault(
        1,
        Fault::Link(next_link_to(
            elsewhere.url("/api/v3/repos/o/r/issues?page=2&per_page=3"),
        )),
    );
    let pages: Vec<Page<Item, Url>> = paginate_json::<Item>(client(), api.github_url())
        .pages()
        .allow_cross_origin(true)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 4);
}

#[tokio::test]
async fn a_next_link_to_another_scheme_on_the_same_host_and_port_is_refused() {
    let server = Server::with_defaults().await;
    let https = server
        .url("/api/v3/repos/o/r/issues?page=2&per_page=3")
        .replacen("http://", "https://", 1);
    server.fault(1, Fault::Link(next_link_to(https.clone())));
    let (items, err) = json_pages(server.github_url()).await;
    assert!(items.is_empty());
    match err.unwrap() {
        HttpError::CrossOriginNext { to, .. } => assert_eq!(to.as_str(), https),
        other => panic!("expected a cross-origin error, got {other:?}"),
    }
    assert_eq!(server.pages_requested(), [1]);
}

#[tokio::test]
async fn a_page_without_a_link_header_is_the_last() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::Link("<?page=1&per_page=3>; rel=\"first\""));
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none());
    assert_eq!(ids(&items), [0, 1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn bad_starting_urls_are_error_items() {
    for url in ["not a url", "/relative/path", "http://[::1"] {
        let (items, err) = json_pages(url.to_owned()).await;
        assert!(items.is_empty());
        let err = err.unwrap();
        assert!(matches!(err, HttpError::BadUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().starts_with("bad URL"), "{err}");
    }
}

#[tokio::test]
async fn connection_failures_are_transport_errors() {
    // A port that was just free: nothing listens there now.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (items, err) = json_pages(format!("http://{addr}/items")).await;
    assert!(items.is_empty());
    let err = err.unwrap();
    assert!(matches!(err, HttpError::Transport { .. }), "{err:?}");
    assert_eq!(err.url(), Some(format!("http://{addr}/items").as_str()));
}

#[tokio::test]
async fn resuming_from_the_failed_page_url_completes_the_listing() {
    let server = Server::with_defaults().await;
    server.fault(3, Fault::Status(500));
    let (first, err) = drain(paginate_json::<Item>(client(), server.github_url())).await;
    let resume_at = err.unwrap().into_cursor::<Url>().unwrap();
    let (rest, err) = json_pages(resume_at.to_string()).await;
    assert!(err.is_none());
    let all: Vec<u32> = ids(&first).into_iter().chain(ids(&rest)).collect();
    assert_eq!(all, (0..10).collect::<Vec<_>>());
    assert_eq!(server.pages_requested(), [1, 2, 3, 3, 4]);
}

#[tokio::test]
async fn max_items_and_max_pages_stop_requesting() {
    let server = Server::with_defaults().await;
    let items: Vec<Item> = paginate_json::<Item>(client(), server.github_url())
        .max_items(4)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), [0, 1, 2, 3]);
    assert_eq!(server.pages_requested(), [1, 2]);

    let server = Server::with_defaults().await;
    let pages: Vec<Page<Item, Url>> = paginate_json::<Item>(client(), server.github_url())
        .max_pages(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 9);
    assert!(
        pages[2]
            .next
            .as_ref()
            .unwrap()
            .as_str()
            .ends_with("page=4&per_page=3")
    );
    assert_eq!(server.pages_requested(), [1, 2, 3]);
}

#[tokio::test]
async fn prefetch_overlaps_requests_with_the_consumer() {
    let server = Server::start(Options {
        latency: Duration::from_millis(50),
        ..Options::default()
    })
    .await;
    let mut items = paginate_json::<Item>(client(), server.github_url()).prefetch(2);
    let first = items.next().await.unwrap().unwrap();
    assert_eq!(first.id, 0);
    // While the consumer is busy, the next two pages are fetched without being asked,
    // and no more than two.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.pages_requested().len() < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.pages_requested(), [1, 2, 3]);
    let rest: Vec<Item> = items.try_collect().await.unwrap();
    assert_eq!(rest.len(), 9);
    assert_eq!(server.pages_requested(), [1, 2, 3, 4]);
}

#[tokio::test]
async fn a_repeated_next_link_is_an_error_by_default_and_can_stop() {
    let options = Options {
        loop_back: Some((3, 2)),
        ..Options::default()
    };
    let server = Server::start(options.clone()).await;
    let (items, err) = drain(paginate_json::<Item>(client(), server.github_url())).await;
    assert_eq!(ids(&items), (0..9).collect::<Vec<_>>());
    let err = err.unwrap();
    assert!(err.is_repeated_cursor(), "{err}");
    assert!(
        err.cursor::<Url>()
            .unwrap()
            .as_str()
            .ends_with("page=2&per_page=3")
    );
    assert_eq!(server.pages_requested(), [1, 2, 3]);

    let server = Server::start(options).await;
    let items: Vec<Item> = paginate_json::<Item>(client(), server.github_url())
        .on_repeated_cursor(RepeatedCursor::Stop)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 9);
}

#[tokio::test]
async fn a_custom_retry_policy_built_from_the_default_keeps_retry_after() {
    let server = Server::with_defaults().await;
    for _ in 0..3 {
        server.fault(1, Fault::TooManyRequests(RetryAfter::Seconds(0)));
    }
    let (items, err) = drain(
        paginate_json::<Item>(client(), server.github_url()).retry(retry_policy().max_attempts(2)),
    )
    .await;
    assert!(items.is_empty());
    let err = err.unwrap();
    assert_eq!(err.attempts(), 2);
    assert_eq!(err.to_string(), "fetching page 1 failed after 2 attempts");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.starts_with("HTTP 429 Too Many Requests"), "{source}");
    assert_eq!(server.pages_requested(), [1, 1]);
}

/// A cursor API read with `paginate` and reqwest, the way a user would write it.
fn cursor_listing(base: String) -> impl Stream<Item = Result<Item, PaginateError<reqwest::Error>>> {
    let client = client();
    paginate(None::<String>, move |cursor: Option<String>| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let mut url = Url::parse(&format!("{base}/cursor?limit=4")).unwrap();
            if let Some(cursor) = &cursor {
                url.query_pairs_mut().append_pair("cursor", cursor);
            }
            let response = client.get(url).send().await?.error_for_status()?;
            let page: CursorPage = response.json().await?;
            Ok(Page::new(page.data, page.next_cursor.map(Some)))
        }
    })
}

#[tokio::test]
async fn a_cursor_json_api_with_paginate() {
    let server = Server::with_defaults().await;
    let items: Vec<Item> = cursor_listing(server.url("")).try_collect().await.unwrap();
    assert_eq!(ids(&items), (0..10).collect::<Vec<_>>());
    assert_eq!(server.pages_requested(), [1, 2, 3]);
    let uris: Vec<String> = server.hits().into_iter().map(|h| h.uri).collect();
    assert_eq!(uris[0], "/cursor?limit=4");
    assert!(
        uris[1].starts_with("/cursor?limit=4&cursor=c"),
        "{}",
        uris[1]
    );
}

#[tokio::test]
async fn a_cursor_api_that_repeats_a_cursor_is_caught() {
    let server = Server::start(Options {
        loop_back: Some((3, 2)),
        ..Options::default()
    })
    .await;
    let (items, err) = drain(cursor_listing(server.url(""))).await;
    assert_eq!(ids(&items), (0..10).collect::<Vec<_>>());
    assert!(err.unwrap().is_repeated_cursor());
    assert_eq!(server.pages_requested(), [1, 2, 3]);
}

#[tokio::test]
async fn a_malformed_cursor_page_is_an_error_item() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::Malformed);
    let (items, err) = drain(cursor_listing(server.url(""))).await;
    assert_eq!(items.len(), 4);
    let err = err.unwrap();
    assert!(err.fetch_error().unwrap().is_decode(), "{err:?}");
    assert_eq!(err.page_index(), 1);
}

#[tokio::test]
async fn an_offset_api_with_paginate_offset() {
    let server = Server::start(Options {
        total: 12,
        ..Options::default()
    })
    .await;
    let base = server.url("/offset");
    let client = client();
    let items: Vec<Item> = paginate_offset(4, move |offset, limit| {
        let request = client.get(format!("{base}?offset={offset}&limit={limit}"));
        async move {
            request
                .send()
                .await?
                .error_for_status()?
                .json::<Vec<Item>>()
                .await
        }
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(ids(&items), (0..12).collect::<Vec<_>>());
    // 12 items in pages of 4: the fourth, empty page is what ends the listing.
    let uris: Vec<String> = server.hits().into_iter().map(|h| h.uri).collect();
    assert_eq!(
        uris,
        [
            "/offset?offset=0&limit=4",
            "/offset?offset=4&limit=4",
            "/offset?offset=8&limit=4",
            "/offset?offset=12&limit=4"
        ]
    );
}

#[tokio::test]
async fn throttle_spaces_the_requests() {
    let server = Server::with_defaults().await;
    let start = std::time::Instant::now();
    let items: Vec<Item> = paginate_json::<Item>(client(), server.github_url())
        .throttle(Quota::per_second(20))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 10);
    // One request at once, then one per 50 ms: request k cannot arrive before k × 50 ms.
    for (k, hit) in server.hits().iter().enumerate() {
        assert!(
            hit.at - start >= Duration::from_millis(50) * k as u32,
            "request {k}"
        );
    }
}

#[tokio::test]
async fn one_rate_limiter_shared_by_two_listings() {
    let server = Server::with_defaults().await;
    let limiter = RateLimiter::new(Quota::per_second(20));
    let start = std::time::Instant::now();
    let (a, b) = tokio::join!(
        paginate_json::<Item>(client(), server.github_url())
            .throttle(limiter.clone())
            .try_collect::<Vec<_>>(),
        paginate_json::<Item>(client(), server.github_url())
            .throttle(limiter)
            .try_collect::<Vec<_>>(),
    );
    assert_eq!((a.unwrap().len(), b.unwrap().len()), (10, 10));
    // Eight requests from one budget: the last cannot arrive before 7 × 50 ms.
    let hits = server.hits();
    assert_eq!(hits.len(), 8);
    let last = hits.iter().map(|h| h.at).max().unwrap();
    assert!(last - start >= Duration::from_millis(350));
}

#[tokio::test]
async fn links_split_over_several_header_fields_are_read_as_one_list() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::SplitLinks);
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items.len(), 10);
    assert_eq!(server.pages_requested(), [1, 2, 3, 4]);
}

#[tokio::test]
async fn relative_links_resolve_against_the_url_after_redirects() {
    let server = Server::start(Options {
        link_style: LinkStyle::QueryOnly,
        ..Options::default()
    })
    .await;
    let (items, err) = json_pages(server.url("/moved?per_page=3")).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items.len(), 10);
    let uris: Vec<String> = server.hits().into_iter().map(|h| h.uri).collect();
    assert_eq!(
        uris,
        [
            "/api/v3/repos/o/r/issues?per_page=3",
            "/api/v3/repos/o/r/issues?page=2&per_page=3",
            "/api/v3/repos/o/r/issues?page=3&per_page=3",
            "/api/v3/repos/o/r/issues?page=4&per_page=3",
        ]
    );
}

// Body-cursor and page-token APIs.

fn stripe() -> CursorApi {
    CursorApi::query("starting_after")
        .items("/data")
        .next_from_last_item("/id")
        .has_more("/has_more")
}

fn slack() -> CursorApi {
    CursorApi::query("cursor")
        .items("/channels")
        .next_cursor("/response_metadata/next_cursor")
}

fn google() -> CursorApi {
    CursorApi::query("pageToken")
        .items("/things")
        .next_cursor("/nextPageToken")
}

const THINGS: &str = "query($after: String) { things(first: 3, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } } }";

fn graphql() -> CursorApi {
    CursorApi::graphql(THINGS, serde_json::json!({}))
        .items("/data/things/nodes")
        .next_cursor("/data/things/pageInfo/endCursor")
        .has_more("/data/things/pageInfo/hasNextPage")
}

#[derive(Debug, serde::Deserialize)]
struct Customer {
    id: String,
    name: String,
}

fn names(customers: &[Customer]) -> Vec<String> {
    customers.iter().map(|c| c.name.clone()).collect()
}

fn item_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("item-{i}")).collect()
}

#[tokio::test]
async fn cursor_apis_of_every_shape_are_read_to_the_end() {
    let shapes = [
        ("stripe", "/v1/customers?limit=3", stripe()),
        ("slack", "/api/conversations.list?limit=3", slack()),
        ("google", "/v1/projects/p/things?pageSize=3", google()),
        ("graphql", "/graphql", graphql()),
    ];
    for (name, path, api) in shapes {
        for total in [0, 3, 8] {
            let server = ApiServer::start(total).await;
            let listing = paginate_cursor::<Customer>(client(), server.url(path), api.clone());
            let (customers, err) = drain(listing).await;
            assert!(err.is_none(), "{name}, {total} items: {err:?}");
            assert_eq!(
                names(&customers),
                item_names(total),
                "{name}, {total} items"
            );
            // One request per page, plus, for APIs that only learn of the end from an
            // empty page, nothing more: every page but the last names a next cursor.
            let cursors = server.cursors();
            assert_eq!(
                cursors.len(),
                total.div_ceil(3).max(1),
                "{name}, {total} items"
            );
            assert_eq!(cursors[0], None, "{name}: the first page carries no cursor");
            if total == 8 {
                let expected = match name {
                    "stripe" => ["cus_2", "cus_5"].map(String::from).to_vec(),
                    _ => [ApiServer::token(3), ApiServer::token(6)].to_vec(),
                };
                let sent: Vec<String> = cursors[1..].iter().flatten().cloned().collect();
                assert_eq!(sent, expected, "{name}");
                assert_eq!(customers[7].id, "cus_7");
            }
        }
    }
}

#[tokio::test]
async fn a_cursor_listing_resumes_from_its_error_cursor() {
    let server = ApiServer::start(8).await;
    // A cursor the server never handed out: a 400, whose cursor is the one sent.
    let listing = paginate_cursor::<Customer>(
        client(),
        server.url("/api/conversations.list"),
        slack().starting_at("bogus"),
    );
    let (items, err) = drain(listing).await;
    assert!(items.is_empty());
    let err = err.unwrap();
    assert_eq!(
        err.cursor::<Option<String>>(),
        Some(&Some("bogus".to_owned()))
    );
    assert_eq!(
        err.fetch_error().unwrap().status().map(|s| s.as_u16()),
        Some(400)
    );

    let resumed: Vec<Customer> = paginate_cursor(
        client(),
        server.url("/api/conversations.list"),
        slack().starting_at(ApiServer::token(6)),
    )
    .try_collect()
    .await
    .unwrap();
    assert_eq!(names(&resumed), ["item-6", "item-7"]);
}

#[tokio::test]
async fn a_graphql_error_body_is_a_shape_error_quoting_it() {
    let server = ApiServer::start(8).await;
    let listing = paginate_cursor::<Customer>(
        client(),
        server.url("/graphql"),
        graphql().starting_at("bogus"),
    );
    let (_, err) = drain(listing).await;
    let err = err.unwrap().into_fetch_error().unwrap();
    assert!(matches!(err, HttpError::Shape { .. }), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("the body's first error: \"invalid cursor\""),
        "{err}"
    );
}

#[tokio::test]
async fn cursor_listings_share_the_builder() {
    let server = ApiServer::start(8).await;
    let pages: Vec<Page<Customer, Option<String>>> =
        paginate_cursor(client(), server.url("/v1/customers"), stripe())
            .max_pages(2)
            .prefetch(1)
            .throttle(Quota::per_second(100))
            .request_timeout(Duration::from_secs(5))
            .max_page_bytes(1 << 16)
            .pages()
            .try_collect()
            .await
            .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].next, Some(Some("cus_5".to_owned())));
}

// Servers that misbehave: every case ends with a typed error item, soon.

/// Runs `listing` to its end, failing the test rather than hanging.
async fn within<T>(limit: Duration, listing: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, listing)
        .await
        .expect("the listing hung")
}

#[tokio::test]
async fn a_server_that_stalls_after_its_headers_is_a_timeout() {
    let server = Misbehaving::start().await;
    let start = std::time::Instant::now();
    let listing = paginate_json::<u32>(client(), server.url("/stall"))
        .request_timeout(Duration::from_millis(300));
    let (items, err) = within(Duration::from_secs(10), drain(listing)).await;
    assert!(items.is_empty());
    let err = err.unwrap().into_fetch_error().unwrap();
    match &err {
        HttpError::Timeout { url, limit } => {
            assert_eq!(*limit, Duration::from_millis(300));
            assert!(url.as_str().ends_with("/stall"));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(
        err.to_string()
            .ends_with("/stall took longer than 0.3s (request_timeout)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_slowloris_body_is_a_timeout() {
    let server = Misbehaving::start().await;
    let start = std::time::Instant::now();
    // Each byte comes 20 ms after the last: no single read is slow, the whole body is.
    let listing = paginate_json::<u32>(client(), server.url("/slowloris"))
        .request_timeout(Duration::from_millis(500));
    let (items, err) = within(Duration::from_secs(10), drain(listing)).await;
    assert!(items.is_empty());
    let err = err.unwrap().into_fetch_error().unwrap();
    assert!(matches!(err, HttpError::Timeout { .. }), "{err:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(server.bytes_sent() > 0, "the body had started");
}

#[tokio::test]
async fn a_page_just_over_the_cap_is_too_large_and_one_at_the_cap_is_read() {
    let server = Misbehaving::start().await;
    for path in ["/sized", "/chunked"] {
        let listing = paginate_json::<u32>(client(), server.url(path)).max_page_bytes(1000);
        let (items, err) = within(Duration::from_secs(10), drain(listing)).await;
        assert!(items.is_empty(), "{path}");
        match err.unwrap().into_fetch_error().unwrap() {
            HttpError::TooLarge { url, limit } => {
                assert_eq!(limit, 1000);
                assert!(url.as_str().ends_with(path));
            }
            other => panic!("{path}: expected too large, got {other:?}"),
        }
        let items: Vec<u32> = paginate_json::<u32>(client(), server.url(path))
            .max_page_bytes(1001)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 500, "{path}");
    }
}

#[tokio::test]
async fn an_endless_body_stops_at_the_cap() {
    let server = Misbehaving::start().await;
    let listing = paginate_json::<u32>(client(), server.url("/endless")).max_page_bytes(1 << 20);
    let (items, err) = within(Duration::from_secs(10), drain(listing)).await;
    assert!(items.is_empty());
    let err = err.unwrap().into_fetch_error().unwrap();
    assert!(
        matches!(
            err,
            HttpError::TooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the page from {} is larger than 1048576 bytes (max_page_bytes)",
            server.url("/endless")
        )
    );
    // The connection was dropped at the cap: what the server got out is the cap plus
    // what the socket buffers held, not an ever-growing stream.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = server.bytes_sent();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.bytes_sent(), sent, "the server is still sending");
    assert!(sent < 64 << 20, "{sent} bytes sent");
}

/// Peak resident memory of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The memory an endless body costs with the default 32 MiB cap, measured in a process
/// of its own (this test binary, run again for this test alone) so that no other test
/// moves the peak.
#[tokio::test]
async fn memory_under_an_endless_body_is_bounded_by_the_default_cap() {
    const CHILD: &str = "ASYNCGEN_ENDLESS_BODY_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let server = Misbehaving::start().await;
        let before = peak_rss_kib().unwrap();
        let (_, err) = drain(paginate_json::<u32>(client(), server.url("/endless"))).await;
        let err = err.unwrap().into_fetch_error().unwrap();
        assert!(
            matches!(
                err,
                HttpError::TooLarge {
                    limit: 33_554_432,
                    ..
                }
            ),
            "{err:?}"
        );
        let after = peak_rss_kib().unwrap();
        println!(
            "peak-rss-growth-kib={} sent={}",
            after - before,
            server.bytes_sent()
        );
        return;
    }
    if peak_rss_kib().is_none() {
        return; // Not Linux: no /proc to read the peak from.
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "memory_under_an_endless_body_is_bounded_by_the_default_cap",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("peak-rss-growth-kib="))
        .expect(&stdout);
    let growth: u64 = line["peak-rss-growth-kib=".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    println!("{line}");
    // The body buffer never passes the cap (32 MiB); allow for the allocator and the
    // socket's buffers, far below what an unbounded read would take.
    assert!(growth < 48 * 1024, "peak RSS grew by {growth} KiB");
}

#[tokio::test]
async fn a_body_that_is_not_json_names_its_content_type_and_start() {
    let server = Server::with_defaults().await;
    server.fault(1, Fault::Malformed);
    let (_, err) = json_pages(server.github_url()).await;
    let err = err.unwrap();
    match &err {
        HttpError::Body {
            content_type,
            start,
            ..
        } => {
            assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"));
            assert_eq!(&**start, "[{\"id\": 1, \"name\": ");
        }
        other => panic!("expected a body error, got {other:?}"),
    }
    assert!(
        err.to_string().ends_with(
            "is not the expected JSON (text/plain; charset=utf-8, starting \"[{\\\"id\\\": 1, \\\"name\\\": \")"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_fragment_in_a_next_link_is_the_same_page() {
    // The page names itself with a new fragment each time: not a new page.
    let server = Server::with_defaults().await;
    server.fault(1, Fault::Link("<#p2>; rel=\"next\""));
    let (items, err) = drain(paginate_json::<Item>(client(), server.github_url())).await;
    assert_eq!(ids(&items), [0, 1, 2]);
    let err = err.unwrap();
    assert!(err.is_repeated_cursor(), "{err}");
    assert_eq!(err.cursor::<Url>().unwrap().as_str(), server.github_url());
    assert_eq!(server.pages_requested(), [1]);

    // A fragment on another page's link is dropped, and the listing goes on.
    let server = Server::with_defaults().await;
    server.fault(1, Fault::Link("<?page=2&per_page=3#top>; rel=\"next\""));
    let (items, err) = json_pages(server.github_url() + "#start").await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items.len(), 10);
    assert_eq!(server.pages_requested(), [1, 2, 3, 4]);
}

// Rate-limit headers.

#[tokio::test]
async fn pacing_by_rate_limit_headers_meets_no_429() {
    // 4 requests a second; 10 pages need at least two waits for a new window.
    let run = |announce, pacing: bool| async move {
        let server = RateLimited::start(4, 10, announce).await;
        let items: Vec<u32> = paginate_json::<u32>(client(), server.url())
            .rate_limit_pacing(pacing)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(items.len(), 20, "{announce:?}");
        assert_eq!(server.served(), 10);
        server.refused()
    };
    let (github, ietf, unpaced) = tokio::join!(
        run(Announce::GitHub, true),
        run(Announce::Ietf, true),
        run(Announce::GitHub, false),
    );
    assert_eq!((github, ietf), (0, 0), "paced listings never meet a 429");
    // The server does enforce its limit: without pacing, the listing runs into it
    // (and waits out its Retry-After).
    assert!(unpaced > 0);
}

#[cfg(feature = "serde")]
#[tokio::test]
async fn a_crawl_resumes_from_a_serialized_checkpoint() {
    use asyncgen::paginate::Checkpoint;

    let server = Server::with_defaults().await;
    server.fault(3, Fault::Status(500));
    let mut first = paginate_json::<Item>(client(), server.github_url());
    let mut seen = Vec::new();
    while let Some(item) = first.next().await {
        match item {
            Ok(item) => seen.push(item.id),
            Err(err) => assert_eq!(err.to_string(), "fetching page 3 failed"),
        }
    }
    let json = serde_json::to_string(&first.checkpoint()).unwrap();
    assert!(
        json.ends_with(r#"page=3&per_page=3","pages":2,"items":6}"#),
        "{json}"
    );

    // Another process would read it back from disk.
    let saved: Checkpoint<Url> = serde_json::from_str(&json).unwrap();
    let rest: Vec<Item> = paginate_json::<Item>(client(), server.github_url())
        .resume_from(saved)
        .try_collect()
        .await
        .unwrap();
    seen.extend(ids(&rest));
    assert_eq!(seen, (0..10).collect::<Vec<_>>());
    assert_eq!(server.pages_requested(), [1, 2, 3, 3, 4]);
}
