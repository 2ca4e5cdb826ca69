//! REST adapters on reqwest (feature `http`): paginated JSON APIs as streams.
//!
//! [`paginate_json`] follows `Link: <...>; rel="next"` headers (GitHub, GitLab, Jira and
//! most REST APIs that paginate by links), reads each page as a JSON array, and waits out
//! `429 Too Many Requests` and `503 Service Unavailable` as long as `Retry-After` asks.
//!
//! # TLS
//!
//! This crate depends on reqwest without default features, so it brings no TLS stack of
//! its own: `https://` URLs need one enabled in your own reqwest dependency, e.g.
//! `reqwest = { version = "0.13", features = ["rustls"] }` (or `"native-tls"`). Cargo
//! unifies the features, and the `reqwest::Client` you pass in then speaks HTTPS.

mod error;
mod fetch;
mod retry_after;

pub use error::HttpError;

use futures_core::Stream;
use reqwest::{Client, IntoUrl};
use serde::de::DeserializeOwned;

/// The items of a `Link`-paginated JSON API, page after page.
///
/// Requests `url`, reads the body as a JSON array of `T`, and goes on with the
/// `rel="next"` target of the `Link` header (resolved against the page's URL, after
/// redirects) until a page has none. On `429` or `503` it waits as long as `Retry-After`
/// says (delta-seconds or an HTTP-date; 250 ms, doubling, when the header is missing or
/// unreadable) and asks for the same URL again, at most 5 times per page and never
/// waiting more than 60 s at once; past that, the status is an error item.
///
/// Anything wrong is an [`HttpError`] item naming the URL, after which the stream ends:
/// a transport failure, another non-2xx status, a body that is not a JSON array of `T`,
/// a malformed `Link` header, or a URL that cannot be requested.
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
/// .map(|user| user.unwrap().login)
/// .collect()
/// .await;
/// assert_eq!(logins, ["ada", "grace", "linus"]);
/// # }
/// ```
pub fn paginate_json<T>(
    client: Client,
    url: impl IntoUrl,
) -> impl Stream<Item = Result<T, HttpError>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    let first = client.get(url).build().map(|request| request.url().clone());
    crate::try_generate(move |mut y| async move {
        let mut url = first.map_err(|e| HttpError::BadUrl {
            url: e.url().map(|u| u.to_string()),
            reason: error_chain(&e),
        })?;
        loop {
            let (items, next) = fetch::fetch_page::<T>(&client, url).await?;
            for item in items {
                y.yield_(item).await;
            }
            match next {
                Some(next) => url = next,
                None => return Ok(()),
            }
        }
    })
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
