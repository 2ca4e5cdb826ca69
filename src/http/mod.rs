//! REST adapters on reqwest (feature `http`): paginated JSON APIs as streams.
//!
//! - [`paginate_json`] follows `Link: <...>; rel="next"` headers (GitHub, GitLab, Jira
//!   and most REST APIs that paginate by links), within the origin of the first request
//!   unless told otherwise, and reads each page as a JSON array.
//! - [`paginate_cursor`] reads APIs whose next cursor is in the body or is a page token:
//!   Stripe, Slack, Notion, Google, GraphQL; a [`CursorApi`] says where the items and
//!   the cursor are, and how the cursor goes back (a query parameter, or a field of a
//!   POSTed JSON body).
//!
//! Both return a [`Paginator`] with every builder method (limits, prefetch, retry,
//! throttle, repeated-cursor policy, checkpoints), and share the safeguards against a
//! server that misbehaves, on by default:
//!
//! | safeguard | default | builder method |
//! |---|---|---|
//! | a time limit on each request, its whole body included (a server that stalls or trickles) | 30 s | [`request_timeout`](Paginator::request_timeout) |
//! | a size cap on each page, checked as the body streams in: memory stays bounded whatever the server sends | 32 MiB | [`max_page_bytes`](Paginator::max_page_bytes) |
//! | retries of `429` and `503` after the wait `Retry-After` asks for (up to 60 s) | 6 attempts | [`retry`](Paginator::retry) with [`retry_policy`] |
//! | pacing by rate-limit headers (`RateLimit`, `X-RateLimit-*`), so that the listing slows down before a `429` | on | [`rate_limit_pacing`](Paginator::rate_limit_pacing) |
//! | repeated cursors end the listing (a `#fragment` is never part of a next link) | error | [`on_repeated_cursor`](Paginator::on_repeated_cursor) |
//!
//! Every failure is an error item, [`HttpError`] inside a
//! [`PaginateError`](crate::PaginateError), and the end of the stream.
//!
//! # TLS
//!
//! This crate depends on reqwest without default features, so it brings no TLS stack of
//! its own: `https://` URLs need one enabled in your own reqwest dependency, e.g.
//! `reqwest = { version = "0.13", features = ["rustls"] }` (or `"native-tls"`). Cargo
//! unifies the features, and the `reqwest::Client` you pass in then speaks HTTPS.

mod builder;
mod cursor;
mod error;
mod exchange;
mod fetch;
mod json_fetch;
mod rate_limit;
mod retry_after;

pub use builder::HttpFetch;
pub use cursor::{CursorApi, CursorFetch, paginate_cursor};
pub use error::HttpError;
pub use json_fetch::JsonFetch;

use std::time::Duration;

use reqwest::{Client, IntoUrl};
use serde::de::DeserializeOwned;
use url::Url;

use crate::paginate::{Paginator, RetryPolicy};

/// The items of a `Link`-paginated JSON API, page after page, as a [`Paginator`].
///
/// Requests `url`, reads the body as a JSON array of `T`, and goes on with the
/// `rel="next"` target of the `Link` header (resolved against the page's URL, after
/// redirects) until a page has none. The cursor of each page is its URL, so a
/// [`PaginateError`](crate::PaginateError) tells where to resume
/// (`err.cursor::<url::Url>()`).
///
/// `429 Too Many Requests` and `503 Service Unavailable` are retried with the same URL
/// as [`retry_policy`] says: after exactly the wait `Retry-After` asks for
/// (delta-seconds or an HTTP-date), or with a jittered backoff from 250 ms when it is
/// missing or unreadable; 6 attempts per page at most, and a `Retry-After` beyond 60 s
/// is yielded as an error at once rather than waited out. `.retry(policy)` replaces
/// this policy; build yours from [`retry_policy`] to keep honouring `Retry-After`.
///
/// A `#fragment` in `url` or in a next link is dropped: it is never sent, so a link
/// that differs from the page just fetched only by its fragment is that page again, a
/// [repeated cursor](crate::RepeatedCursor).
///
/// Each request is limited in time (its whole body included, 30 s by default,
/// [`request_timeout`](Paginator::request_timeout)) and in size (checked as the body
/// streams in, 32 MiB by default, [`max_page_bytes`](Paginator::max_page_bytes)), and
/// paced by the server's rate-limit headers
/// ([`rate_limit_pacing`](Paginator::rate_limit_pacing)).
///
/// `next` links are followed within the origin (scheme, host and port) of `url` only:
/// a link elsewhere, such as from `https` down to `http` or to another host, would take
/// the client's default headers (an `Authorization`, say) along, so it is an
/// [`HttpError::CrossOriginNext`] item unless
/// [`.allow_cross_origin(true)`](Paginator::allow_cross_origin) allows it.
///
/// Every other builder method of [`Paginator`] applies: `.max_items(n)`,
/// `.max_pages(n)`, `.prefetch(n)`, `.throttle(limiter)`, `.pages()`,
/// `.on_repeated_cursor(..)`, `.resume_from(checkpoint)`.
///
/// Anything wrong is an error item naming the URL, after which the stream ends: a
/// transport failure, a timeout, a page over the size cap, a non-2xx status, a body
/// that is not a JSON array of `T` (the error names its content type and start), a
/// malformed `Link` header, a `next` link to another origin, or a URL that cannot be
/// requested (for a bad starting URL, the error's cursor is `about:invalid`). An error
/// about a page's `Link` header drops that page's items too; the error's cursor is that
/// page's URL. See [`HttpError`].
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// # use axum::{Router, routing::get, http::header::LINK, extract::Query};
/// # use std::collections::HashMap;
///
/// #[derive(serde::Deserialize)]
/// struct User {
///     login: String,
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// # let base = format!("http://{}", listener.local_addr().unwrap());
/// # let app = Router::new().route("/users", get(|Query(q): Query<HashMap<String, String>>| async move {
/// #     match q.get("page").map(String::as_str) {
/// #         None => ([(LINK, "</users?page=2>; rel=\"next\"")], r#"[{"login":"ada"},{"login":"grace"}]"#),
/// #         _ => ([(LINK, "</users>; rel=\"first\"")], r#"[{"login":"linus"}]"#),
/// #     }
/// # }));
/// # tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
/// // `base` is the address of a server answering like GitHub's API.
/// let logins: Vec<String> = asyncgen::http::paginate_json::<User>(
///     reqwest::Client::new(),
///     format!("{base}/users"),
/// )
/// .prefetch(1)
/// .max_items(100)
/// .map(|user| user.unwrap().login)
/// .collect()
/// .await;
/// assert_eq!(logins, ["ada", "grace", "linus"]);
/// # }
/// ```
pub fn paginate_json<T>(client: Client, url: impl IntoUrl) -> Paginator<Url, JsonFetch<T>>
where
    T: DeserializeOwned + Send + 'static,
{
    let (first, bad_start) = first_url(&client, url);
    let fetch = JsonFetch::new(client, &first, bad_start);
    Paginator::new(first, fetch).retry(retry_policy())
}

/// The retry policy [`paginate_json`] starts with: `429` and `503` are retried
/// ([`HttpError::is_retryable`]) after the wait `Retry-After` asks for
/// ([`HttpError::retry_after`]), up to 60 s, or with exponential backoff from 250 ms
/// (jittered) when there is none; 6 attempts per page in all.
///
/// Adjust it and hand it back to keep these rules:
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::http::{paginate_json, retry_policy};
///
/// # #[derive(serde::Deserialize)] struct Repo {}
/// let repos = paginate_json::<Repo>(reqwest::Client::new(), "http://127.0.0.1:8080/repos")
///     .retry(retry_policy().max_attempts(10).max_delay(Duration::from_secs(300)));
/// # drop(repos);
/// ```
pub fn retry_policy() -> RetryPolicy<HttpError> {
    RetryPolicy::exponential(Duration::from_millis(250))
        .max_attempts(6)
        .max_delay(Duration::from_secs(60))
        .retry_if(HttpError::is_retryable)
        .delay_from(HttpError::retry_after)
}

/// The URL a listing starts at, without its fragment (never sent); for a URL that
/// cannot be requested, `about:invalid` and the error the first fetch reports, so that
/// building the stream never fails.
fn first_url(client: &Client, url: impl IntoUrl) -> (Url, Option<HttpError>) {
    match client.get(url).build() {
        Ok(request) => {
            let mut first = request.url().clone();
            first.set_fragment(None);
            (first, None)
        }
        Err(e) => {
            let bad = HttpError::BadUrl {
                url: e.url().map(Url::to_string),
                reason: error_chain(&e),
            };
            (Url::parse("about:invalid").expect("a valid URL"), Some(bad))
        }
    }
}

/// An error and its causes on one line: reqwest's builder errors say only "builder
/// error" and keep the reason in their source.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
