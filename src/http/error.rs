use std::error::Error;
use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use crate::link::LinkError;

/// Why a page of a REST API could not be read. Each variant names the URL concerned.
///
/// It is the [`source`](Error::source) of the stream's
/// [`PaginateError`](crate::PaginateError), and its own causes (reqwest's, serde_json's)
/// are its source in turn: each message says its own part only, as std's errors do, so
/// a reporter that walks the chain (anyhow's `{:#}`) prints each cause once.
///
/// # Examples
///
/// ```
/// use std::error::Error;
/// use asyncgen::http::{HttpError, paginate_json};
/// use asyncgen::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Nothing listens on port 1: the first item is a transport error, and the end.
/// let mut users = paginate_json::<String>(reqwest::Client::new(), "http://127.0.0.1:1/users");
/// match users.next().await {
///     Some(Err(err)) => {
///         assert_eq!(err.to_string(), "fetching page 1 failed");
///         let http = err.fetch_error().unwrap();
///         assert!(matches!(http, HttpError::Transport { .. }), "{http}");
///         assert_eq!(http.to_string(), "request to http://127.0.0.1:1/users failed");
///         // The chain: page 1, then the request, then reqwest's causes.
///         let mut chain = vec![err.to_string()];
///         let mut cause = err.source();
///         while let Some(c) = cause {
///             chain.push(c.to_string());
///             cause = c.source();
///         }
///         assert!(chain.len() >= 3, "{chain:?}");
///     }
///     other => panic!("expected an error, got {other:?}"),
/// }
/// assert!(users.next().await.is_none());
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpError {
    /// The request could not be sent, or the response could not be received.
    Transport {
        /// The URL requested.
        url: Url,
        /// What reqwest reported.
        source: reqwest::Error,
    },
    /// The server answered with a status other than 2xx (redirects are followed before
    /// this). [`paginate_json`](super::paginate_json) retries `429` and `503` before
    /// yielding one, as [`retry_policy`](super::retry_policy) says.
    Status {
        /// The URL requested.
        url: Url,
        /// The status of the last answer.
        status: StatusCode,
        /// The wait the answer's `Retry-After` header asked for, if it had a readable one
        /// (an HTTP-date is counted from when the answer arrived).
        retry_after: Option<Duration>,
    },
    /// The body is not the JSON the listing expects: not JSON at all (an HTML error
    /// page, say), or JSON of another shape than the items.
    Body {
        /// The URL the body came from (after redirects; boxed to keep `HttpError`
        /// small).
        url: Box<Url>,
        /// The body's `Content-Type`, if it had a readable one.
        content_type: Option<Box<str>>,
        /// The start of the body (up to 64 characters, invalid UTF-8 replaced).
        start: Box<str>,
        /// What serde_json reported.
        source: serde_json::Error,
    },
    /// The body is JSON, but a part that [`CursorApi`](super::CursorApi) names is
    /// missing or of the wrong type (no array where the items belong, `has_more` true
    /// without a cursor).
    Shape {
        /// The URL the body came from (after redirects).
        url: Url,
        /// What is missing or wrong, naming the JSON pointer.
        reason: String,
    },
    /// The request, its body included, took longer than the
    /// [`request_timeout`](crate::paginate::Paginator::request_timeout).
    Timeout {
        /// The URL requested.
        url: Url,
        /// The time limit that ran out.
        limit: Duration,
    },
    /// The body is larger than
    /// [`max_page_bytes`](crate::paginate::Paginator::max_page_bytes); reading stopped at
    /// the limit (or before the body, when `Content-Length` said so).
    TooLarge {
        /// The URL requested.
        url: Url,
        /// The size limit, in bytes.
        limit: usize,
    },
    /// The `Link` header could not be read: it is malformed, or not UTF-8 (non-ASCII
    /// text in UTF-8, such as an IRI or a title, is read).
    Link {
        /// The URL the header came from (after redirects).
        url: Url,
        /// Where the header stopped making sense.
        source: LinkError,
    },
    /// A `next` link leads to another origin (scheme, host or port) than the first
    /// request's, e.g. from `https` to `http` or to another host. It is not followed
    /// unless allowed with
    /// [`allow_cross_origin(true)`](crate::paginate::Paginator::allow_cross_origin),
    /// because the client's default headers (an `Authorization`, say) would go along.
    CrossOriginNext {
        /// The URL of the page whose `Link` header named the next page (after
        /// redirects).
        from: Url,
        /// Where the link leads, resolved against `from` (boxed to keep `HttpError`
        /// small).
        to: Box<Url>,
    },
    /// A URL that cannot be requested: the starting URL, or a `next` link that does not
    /// resolve to an `http` or `https` URL.
    BadUrl {
        /// The URL as given, when it is known.
        url: Option<String>,
        /// Why it cannot be used.
        reason: String,
    },
}

impl HttpError {
    /// The URL concerned, as text, when it is known.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::HttpError;
    ///
    /// let err = HttpError::Status {
    ///     url: url::Url::parse("https://api.example.com/items?page=4").unwrap(),
    ///     status: reqwest::StatusCode::NOT_FOUND,
    ///     retry_after: None,
    /// };
    /// assert_eq!(err.url(), Some("https://api.example.com/items?page=4"));
    /// assert_eq!(err.to_string(), "HTTP 404 Not Found from https://api.example.com/items?page=4");
    /// ```
    pub fn url(&self) -> Option<&str> {
        match self {
            HttpError::Transport { url, .. }
            | HttpError::Status { url, .. }
            | HttpError::Shape { url, .. }
            | HttpError::Timeout { url, .. }
            | HttpError::TooLarge { url, .. }
            | HttpError::Link { url, .. }
            | HttpError::CrossOriginNext { from: url, .. } => Some(url.as_str()),
            HttpError::Body { url, .. } => Some(url.as_str()),
            HttpError::BadUrl { url, .. } => url.as_deref(),
        }
    }

    /// Whether asking again may help: `429 Too Many Requests` and `503 Service
    /// Unavailable`. The default [`retry_policy`](super::retry_policy) retries these.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::HttpError;
    ///
    /// let status = |code| HttpError::Status {
    ///     url: url::Url::parse("https://api.example.com/items").unwrap(),
    ///     status: reqwest::StatusCode::from_u16(code).unwrap(),
    ///     retry_after: None,
    /// };
    /// assert!(status(429).is_retryable() && status(503).is_retryable());
    /// assert!(!status(404).is_retryable() && !status(500).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.status(),
            Some(StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
        )
    }

    /// The wait the server asked for with `Retry-After`, for [`HttpError::Status`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::http::HttpError;
    ///
    /// let err = HttpError::Status {
    ///     url: url::Url::parse("https://api.example.com/items").unwrap(),
    ///     status: reqwest::StatusCode::TOO_MANY_REQUESTS,
    ///     retry_after: Some(Duration::from_secs(2)),
    /// };
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, for [`HttpError::Status`].
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::HttpError;
    ///
    /// let err = HttpError::BadUrl { url: None, reason: "relative URL without a base".into() };
    /// assert_eq!(err.status(), None);
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The causes are the `source()` chain, which reporters such as anyhow's
            // `{:#}` print after this line: repeating them here would print them twice.
            HttpError::Transport { url, .. } => write!(f, "request to {url} failed"),
            HttpError::Status {
                url,
                status,
                retry_after,
            } => {
                write!(f, "HTTP {status} from {url}")?;
                if let Some(wait) = retry_after {
                    write!(f, " (Retry-After: {}s)", wait.as_secs_f64())?;
                }
                Ok(())
            }
            HttpError::Body {
                url,
                content_type,
                start,
                ..
            } => {
                let content_type = content_type.as_deref().unwrap_or("no content type");
                write!(
                    f,
                    "the page from {url} is not the expected JSON ({content_type}, \
                     starting {start:?})"
                )
            }
            HttpError::Shape { url, reason } => {
                write!(f, "the JSON page from {url} is not as expected: {reason}")
            }
            HttpError::Timeout { url, limit } => write!(
                f,
                "request to {url} took longer than {}s (request_timeout)",
                limit.as_secs_f64()
            ),
            HttpError::TooLarge { url, limit } => write!(
                f,
                "the page from {url} is larger than {limit} bytes (max_page_bytes)"
            ),
            HttpError::Link { url, .. } => write!(f, "unreadable Link header from {url}"),
            HttpError::CrossOriginNext { from, to } => write!(
                f,
                "not following the next link from {from} to {to}: it leaves the origin \
                 of the first request (see allow_cross_origin)"
            ),
            HttpError::BadUrl {
                url: Some(url),
                reason,
            } => {
                write!(f, "bad URL {url:?}: {reason}")
            }
            HttpError::BadUrl { url: None, reason } => write!(f, "bad URL: {reason}"),
        }
    }
}

impl Error for HttpError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            HttpError::Transport { source, .. } => Some(source),
            HttpError::Body { source, .. } => Some(source),
            HttpError::Link { source, .. } => Some(source),
            HttpError::Status { .. }
            | HttpError::Shape { .. }
            | HttpError::Timeout { .. }
            | HttpError::TooLarge { .. }
            | HttpError::CrossOriginNext { .. }
            | HttpError::BadUrl { .. } => None,
        }
    }
}
