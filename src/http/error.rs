use std::error::Error;
use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use crate::link::LinkError;

/// Why a page of a REST API could not be read. Each variant names the URL concerned.
///
/// # Examples
///
/// ```
/// use asyncgen::http::{HttpError, paginate_json};
/// use asyncgen::prelude::*;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Nothing listens on port 1: the first item is a transport error, and the end.
/// let mut users = paginate_json::<String>(reqwest::Client::new(), "http://127.0.0.1:1/users");
/// match users.next().await {
///     Some(Err(err)) => {
///         assert!(matches!(err.fetch_error(), Some(HttpError::Transport { .. })), "{err}");
///         assert!(err.to_string().contains("http://127.0.0.1:1/users"));
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
    /// The body was not a JSON array of the expected items.
    Body {
        /// The URL the body came from (after redirects).
        url: Url,
        /// What serde_json reported.
        source: serde_json::Error,
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
            | HttpError::Body { url, .. }
            | HttpError::Link { url, .. }
            | HttpError::CrossOriginNext { from: url, .. } => Some(url.as_str()),
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
            HttpError::Transport { url, source } => {
                write!(f, "request to {url} failed: {source}")?;
                // reqwest's own message is terse ("error sending request"); the cause
                // (connection refused, timeout) is what a reader needs.
                let mut cause = source.source();
                while let Some(c) = cause {
                    write!(f, ": {c}")?;
                    cause = c.source();
                }
                Ok(())
            }
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
            HttpError::Body { url, source } => {
                write!(f, "malformed JSON page from {url}: {source}")
            }
            HttpError::Link { url, source } => write!(f, "from {url}: {source}"),
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
            | HttpError::CrossOriginNext { .. }
            | HttpError::BadUrl { .. } => None,
        }
    }
}
