//! The builder methods every listing of this module shares, written once for
//! [`paginate_json`](super::paginate_json) and [`paginate_cursor`](super::paginate_cursor),
//! items and pages alike.

use std::time::Duration;

use super::exchange::HttpSettings;
use super::rate_limit::Pacer;
use crate::paginate::{FetchPage, Paginator};

pub(crate) mod sealed {
    use super::HttpSettings;

    /// Gives the shared builder methods the settings of a fetcher of this module.
    // Public in a private module: the seal that keeps `HttpFetch` implemented here only.
    #[allow(unreachable_pub)]
    pub trait Sealed {
        fn http_settings(&mut self) -> &mut HttpSettings;
    }
}

/// The fetchers of this module, [`JsonFetch`](super::JsonFetch) and
/// [`CursorFetch`](super::CursorFetch): a [`Paginator`] over either has the builder
/// methods [`request_timeout`](Paginator::request_timeout),
/// [`max_page_bytes`](Paginator::max_page_bytes) and
/// [`rate_limit_pacing`](Paginator::rate_limit_pacing). Sealed: implemented by this
/// crate only.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::http::HttpFetch;
/// use asyncgen::paginate::{FetchPage, Paginator};
///
/// /// A stricter time limit for any REST listing.
/// fn impatient<C, F: FetchPage<C> + HttpFetch>(listing: Paginator<C, F>) -> Paginator<C, F> {
///     listing.request_timeout(Duration::from_secs(5))
/// }
/// # let _ = impatient(asyncgen::http::paginate_json::<u32>(reqwest::Client::new(), "http://127.0.0.1:1/"));
/// ```
pub trait HttpFetch: sealed::Sealed {}

impl<T: sealed::Sealed> HttpFetch for T {}

#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
impl<C, F: FetchPage<C> + HttpFetch, Y> Paginator<C, F, Y> {
    /// The time limit of each request, from sending it to the last byte of its body
    /// (default 30 s). A request that takes longer, because the server stalls after
    /// its headers or trickles its body, is an [`HttpError::Timeout`] item, and the
    /// end. It does not cover waits between requests (retries, throttling, pacing).
    ///
    /// [`HttpError::Timeout`]: super::HttpError::Timeout
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::http::paginate_json;
    ///
    /// # #[derive(serde::Deserialize)] struct Item {}
    /// let items = paginate_json::<Item>(reqwest::Client::new(), "http://127.0.0.1:8080/items")
    ///     .request_timeout(Duration::from_secs(5));
    /// # drop(items);
    /// ```
    ///
    /// # Panics
    ///
    /// If `limit` is zero, or if called after the stream was first polled.
    #[track_caller]
    pub fn request_timeout(mut self, limit: Duration) -> Self {
        assert!(
            !limit.is_zero(),
            "request_timeout: the limit must not be zero"
        );
        self.fetch_mut("request_timeout")
            .http_settings()
            .request_timeout = limit;
        self
    }

    /// The size cap of each page's body, in bytes (default 32 MiB). The body is read
    /// as it arrives and reading stops at the cap: a larger page is an
    /// [`HttpError::TooLarge`] item, and the end, after at most `max` bytes were held
    /// (none, when `Content-Length` announced more). Memory stays bounded by the cap
    /// whatever the server sends, an endless body included.
    ///
    /// [`HttpError::TooLarge`]: super::HttpError::TooLarge
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::paginate_json;
    ///
    /// # #[derive(serde::Deserialize)] struct Item {}
    /// let items = paginate_json::<Item>(reqwest::Client::new(), "http://127.0.0.1:8080/items")
    ///     .max_page_bytes(1 << 20);
    /// # drop(items);
    /// ```
    ///
    /// # Panics
    ///
    /// If `max` is zero, or if called after the stream was first polled.
    #[track_caller]
    pub fn max_page_bytes(mut self, max: usize) -> Self {
        assert!(max > 0, "max_page_bytes: the cap must not be zero");
        self.fetch_mut("max_page_bytes")
            .http_settings()
            .max_page_bytes = max;
        self
    }

    /// Whether to pace requests by the server's rate-limit headers (default `true`).
    ///
    /// Each answer's `RateLimit` / `RateLimit-Policy` fields (IETF drafts, every
    /// version) or `X-RateLimit-Remaining` / `X-RateLimit-Reset` (GitHub, GitLab) say
    /// how many requests are left before the budget is refilled. While more than a
    /// tenth of the limit is left (more than one request, when the limit is unknown),
    /// requests go out as fast as the listing asks. Below that, the time until the
    /// reset is shared evenly among the requests left, and a spent budget waits for
    /// the reset: the listing slows down instead of meeting a `429`. No pause is longer
    /// than 60 s, however distant the reset; the request is then made, and a `429`
    /// that follows is retried as [`retry_policy`](super::retry_policy) says.
    /// Unreadable values are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::http::paginate_json;
    ///
    /// # #[derive(serde::Deserialize)] struct Item {}
    /// // This server's headers describe a budget shared with other clients: ignore them.
    /// let items = paginate_json::<Item>(reqwest::Client::new(), "http://127.0.0.1:8080/items")
    ///     .rate_limit_pacing(false);
    /// # drop(items);
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[track_caller]
    pub fn rate_limit_pacing(mut self, on: bool) -> Self {
        self.fetch_mut("rate_limit_pacing").http_settings().pacer = on.then(Pacer::default);
        self
    }
}
