//! Paginated APIs as streams.
//!
//! [`paginate`] follows cursors (tokens, URLs, ids) from page to page and yields the
//! items; [`paginate_offset`] does the same for offset/limit APIs and
//! [`paginate_pages`] for page-numbered ones (fetching several pages at once when the
//! total is known). The resulting
//! [`Paginator`] is a `Stream` with builder methods for limits
//! ([`max_items`](Paginator::max_items), [`max_pages`](Paginator::max_pages)), retries
//! ([`retry`](Paginator::retry) with a [`RetryPolicy`]), prefetching
//! ([`prefetch`](Paginator::prefetch)) and protection against servers that hand out a
//! cursor twice ([`on_repeated_cursor`](Paginator::on_repeated_cursor)). A failure is
//! the stream's last item, a [`PaginateError`] that holds the failed page's cursor, so
//! a new run can resume exactly there.
//!
//! # Building an adapter on top (e.g. an HTTP client)
//!
//! An adapter returns a [`Paginator`] so that every builder method stays available to
//! its caller. The contract, for a listing that follows URLs:
//!
//! - The cursor is the URL of the page to fetch (`url::Url`: `Clone + Hash + Send +
//!   Sync + 'static`). The first cursor is the request URL; each page's `next` is the
//!   next URL (for `Link: rel="next"`, `asyncgen::link::next_url` resolved against the URL just
//!   fetched), `None` on the last page.
//! - The fetch closure owns what it needs (e.g. a cloned client) and returns a
//!   `Send + 'static` future, so that [`prefetch`](Paginator::prefetch) is available:
//!   `paginate(first_url, move |url: Url| { let client = client.clone(); async move { … } })`.
//!   The return type can be written
//!   `Paginator<Url, impl FetchPage<Url, Item = T, Error = MyError, Future: Send> + Send + 'static>`;
//!   the `Send + 'static` bounds keep [`prefetch`](Paginator::prefetch) callable on it.
//! - Server-requested delays (HTTP `429`/`503` with `Retry-After`) travel in the fetch
//!   error: the error type exposes them (e.g. `fn retry_after(&self) -> Option<Duration>`),
//!   and the adapter installs a default policy built with
//!   [`RetryPolicy::retry_if`] (which errors are worth retrying) and
//!   [`RetryPolicy::delay_from`] (the requested delay, waited exactly, with no jitter).
//!   Because [`Paginator::retry`] replaces the whole policy, the adapter documents
//!   both functions so a caller's own policy can reuse them.
//!
// The example needs the `time` feature (a default one) for retries and prefetching, and
// `link` for `url`.
#![cfg_attr(all(feature = "time", feature = "link"), doc = "```")]
#![cfg_attr(not(all(feature = "time", feature = "link")), doc = "```ignore")]
//! use std::time::Duration;
//! use asyncgen::paginate::{paginate, FetchPage, Page, Paginator, RetryPolicy};
//! use asyncgen::url::Url;
//!
//! #[derive(Debug)]
//! struct HttpError { status: u16, retry_after: Option<Duration> }
//!
//! impl HttpError {
//!     fn is_retryable(&self) -> bool { matches!(self.status, 429 | 500..=599) }
//!     fn retry_after(&self) -> Option<Duration> { self.retry_after }
//! }
//!
//! // Stands in for one HTTP request: the page's items and the `rel="next"` target.
//! async fn get(url: Url) -> Result<(Vec<String>, Option<Url>), HttpError> {
//!     let next = (url.path() == "/items").then(|| url.join("/items/2").unwrap());
//!     Ok((vec![url.path().to_string()], next))
//! }
//!
//! fn list(
//!     first: Url,
//! ) -> Paginator<Url, impl FetchPage<Url, Item = String, Error = HttpError, Future: Send> + Send + 'static>
//! {
//!     paginate(first, |url: Url| async move {
//!         let (items, next) = get(url).await?;
//!         Ok(Page::new(items, next))
//!     })
//!     .retry(
//!         RetryPolicy::exponential(Duration::from_millis(250))
//!             .retry_if(HttpError::is_retryable)
//!             .delay_from(HttpError::retry_after),
//!     )
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use futures::TryStreamExt;
//! let first = Url::parse("https://api.example/items").unwrap();
//! let paths: Vec<String> = list(first).prefetch(1).max_items(10).try_collect().await.unwrap();
//! assert_eq!(paths, ["/items", "/items/2"]);
//! # }
//! ```

mod attempt;
mod checkpoint;
mod core;
mod error;
mod fetch;
#[cfg(feature = "link")]
pub mod link;
mod numbered;
mod offset;
mod page;
mod pages;
mod paginator;
#[cfg(feature = "tokio")]
mod prefetch;
mod repeated_cursor;
#[cfg(feature = "time")]
mod retry;
mod settings;
mod source;

pub use checkpoint::Checkpoint;
pub use error::PaginateError;
pub use fetch::FetchPage;
pub use numbered::{FetchNumberedPage, NumberedPage, NumberedPaginator, paginate_pages};
pub use offset::{OffsetFetch, OffsetPageFuture, paginate_offset};
pub use page::Page;
pub use pages::{Items, Pages, WholePages};
pub use paginator::{Paginator, paginate};
pub use repeated_cursor::RepeatedCursor;
#[cfg(feature = "time")]
pub use retry::RetryPolicy;
