//! `asyncgen::http::paginate_json` against a real server on 127.0.0.1.
//!
//! These tests use real time (the server and client talk over real sockets); the waits
//! they provoke are a second at most, and their assertions are lower bounds that a
//! correct client always meets.
#![cfg(feature = "http")]

mod support;

use std::time::Duration;

use asyncgen::http::{HttpError, paginate_json};
use asyncgen::prelude::*;
use support::server::{Fault, Item, LinkStyle, Options, RetryAfter, Server};

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
                assert!(stream.next().await.is_none(), "the stream ends after an error");
                return (items, Some(err));
            }
        }
    }
    (items, None)
}

async fn json_pages(url: String) -> (Vec<Item>, Option<HttpError>) {
    drain(paginate_json::<Item>(client(), url)).await
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
    server.fault(3, Fault::Unavailable(RetryAfter::DateIn(Duration::from_secs(1))));
    let (items, err) = json_pages(server.github_url()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(items.len(), 10);
    let hits = server.hits();
    let statuses: Vec<_> = hits.iter().map(|h| (h.page, h.status)).collect();
    assert_eq!(statuses, [(1, 200), (2, 200), (3, 503), (3, 200), (4, 200)]);
    let date = hits[2].retry_at.expect("the 503 carried an HTTP-date");
    assert!(hits[3].at_system >= date, "retried before the date it was given");
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
    // 250 ms, then 500 ms.
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(250));
    assert!(hits[2].at - hits[1].at >= Duration::from_millis(500));
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Server::with_defaults().await;
    for _ in 0..6 {
        server.fault(2, Fault::TooManyRequests(RetryAfter::Seconds(0)));
    }
    let (items, err) = json_pages(server.github_url()).await;
    assert_eq!(ids(&items), [0, 1, 2]);
    let err = err.expect("an error after the retries");
    match &err {
        HttpError::Status {
            url,
            status,
            retry_after,
        } => {
            assert_eq!(status.as_u16(), 429);
            assert_eq!(*retry_after, Some(Duration::ZERO));
            assert!(url.as_str().ends_with("/api/v3/repos/o/r/issues?page=2&per_page=3"));
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
    assert!(err.to_string().starts_with("HTTP 503 Service Unavailable from http://127.0.0.1:"));
    assert!(err.to_string().ends_with("page=2&per_page=3 (Retry-After: 3600s)"));
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
    assert!(message.starts_with("malformed JSON page from http://127.0.0.1:"));
    assert!(message.contains("/api/v3/repos/o/r/issues?page=3&per_page=3: "));
    assert!(message.contains("EOF while parsing"), "{message}");
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_an_error_item() {
    let server = Server::with_defaults().await;
    server.fault(1, Fault::WrongShape);
    let (items, err) = json_pages(server.github_url()).await;
    assert!(items.is_empty());
    let message = err.unwrap().to_string();
    assert!(message.contains("expected a sequence"), "{message}");
}

#[tokio::test]
async fn a_malformed_link_header_is_an_error_item() {
    let server = Server::with_defaults().await;
    server.fault(2, Fault::Link("<http://127.0.0.1/?page=9; rel=\"next\""));
    let (items, err) = json_pages(server.github_url()).await;
    assert_eq!(items.len(), 3, "page 2's items are not trusted without its link");
    let err = err.unwrap();
    assert!(matches!(err, HttpError::Link { .. }), "{err:?}");
    assert!(err.to_string().contains("malformed Link header at byte 26"), "{err}");
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
