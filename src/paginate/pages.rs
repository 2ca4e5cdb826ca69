use core::fmt;
use core::hash::Hash;
use core::pin::Pin;
use core::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

#[cfg(feature = "time")]
use super::RetryPolicy;
use super::source::Source;
use super::{FetchPage, Page, PaginateError, RepeatedCursor};
#[cfg(feature = "time")]
use crate::time::IntoLimiter;

/// A paginated listing as a stream of whole pages; made by
/// [`Paginator::pages`](super::Paginator::pages).
///
/// It has the same builder methods as [`Paginator`](super::Paginator), with the same
/// meaning; they must be called before the first poll. Fused, like the item stream.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Page};
/// use futures::StreamExt;
///
/// # futures::executor::block_on(async {
/// let sizes: Vec<usize> = paginate(0u8, |n| async move {
///     Ok::<_, ()>(Page::new(vec![(); usize::from(n)], Some(n + 1)))
/// })
/// .pages()
/// .max_pages(4)
/// .map(|page| page.unwrap().items.len())
/// .collect()
/// .await;
/// assert_eq!(sizes, [0, 1, 2, 3]);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Pages<C, F: FetchPage<C>> {
    source: Source<C, F>,
}

impl<C, F: FetchPage<C>> Unpin for Pages<C, F> {}

impl<C, F: FetchPage<C>> Pages<C, F> {
    pub(crate) fn from_source(source: Source<C, F>) -> Self {
        Pages { source }
    }

    /// See [`Paginator::fetch_mut`](super::Paginator): the fetcher, for adapters.
    #[cfg(feature = "http")]
    #[track_caller]
    pub(crate) fn fetch_mut(&mut self, method: &str) -> &mut F {
        self.source.configure(method).fetch_mut()
    }

    /// See [`Paginator::max_items`](super::Paginator::max_items): the page that reaches
    /// the limit is cut short.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let pages: Vec<Page<u8, u8>> = paginate(0u8, |n| async move {
    ///     Ok::<_, ()>(Page::new(vec![n; 3], Some(n + 1)))
    /// })
    /// .pages()
    /// .max_items(4)
    /// .try_collect()
    /// .await
    /// .unwrap();
    /// assert_eq!(pages, [Page::new(vec![0; 3], Some(1)), Page::new(vec![1], Some(2))]);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[track_caller]
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.source.configure("max_items").set_max_items(max_items);
        self
    }

    /// See [`Paginator::max_pages`](super::Paginator::max_pages).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let pages = paginate(0u8, |n| async move { Ok::<_, ()>(Page::new(vec![n], Some(n + 1))) })
    ///     .pages()
    ///     .max_pages(3);
    /// assert_eq!(pages.count().await, 3);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[track_caller]
    pub fn max_pages(mut self, max_pages: usize) -> Self {
        self.source.configure("max_pages").set_max_pages(max_pages);
        self
    }

    /// See [`Paginator::retry`](super::Paginator::retry) (feature `time`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::{paginate, Page, RetryPolicy};
    /// use futures::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let mut pages = paginate(0u8, |_| async { Err::<Page<u8, u8>, _>("down") })
    ///     .pages()
    ///     .retry(RetryPolicy::exponential(Duration::from_millis(10)).max_attempts(4));
    /// assert_eq!(pages.next().await.unwrap().unwrap_err().attempts(), 4);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[cfg(feature = "time")]
    #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
    #[track_caller]
    pub fn retry(mut self, policy: RetryPolicy<F::Error>) -> Self {
        self.source.configure("retry").settings_mut().retry = Some(policy);
        self
    }

    /// Makes every fetch, retries included, wait for a cell of `limiter` (feature
    /// `time`); a [`Quota`](crate::time::Quota) makes a limiter of its own, and a clone
    /// of a [`RateLimiter`](crate::time::RateLimiter) shares its budget with other streams and tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::{paginate, Page};
    /// use asyncgen::time::Quota;
    /// use futures::TryStreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = tokio::time::Instant::now();
    /// let items: Vec<Page<u32, u32>> = paginate(0u32, |n| async move { Ok::<_, ()>(Page::new(vec![n], (n < 3).then_some(n + 1))) })
    ///     .pages()
    ///     .throttle(Quota::per_second(2))
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(items.len(), 4);
    /// // Four requests at 0, 0.5, 1 and 1.5 s.
    /// assert_eq!(start.elapsed(), Duration::from_millis(1500));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[cfg(feature = "time")]
    #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
    #[track_caller]
    pub fn throttle(mut self, limiter: impl IntoLimiter) -> Self {
        self.source.configure("throttle").settings_mut().limiter = Some(limiter.into());
        self
    }

    /// See [`Paginator::on_repeated_cursor`](super::Paginator::on_repeated_cursor).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page, RepeatedCursor};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let pages = paginate(0u8, |_| async { Ok::<_, ()>(Page::new(vec![1], Some(0))) })
    ///     .pages()
    ///     .on_repeated_cursor(RepeatedCursor::Continue)
    ///     .max_pages(5);
    /// assert_eq!(pages.count().await, 5);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[track_caller]
    pub fn on_repeated_cursor(mut self, mode: RepeatedCursor) -> Self {
        self.source
            .configure("on_repeated_cursor")
            .set_on_repeat(mode);
        self
    }
}

#[cfg(feature = "tokio")]
impl<C, F> Pages<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FetchPage<C> + Send + 'static,
    F::Future: Send + 'static,
    F::Item: Send + 'static,
    F::Error: Send + 'static,
{
    /// See [`Paginator::prefetch`](super::Paginator::prefetch) (feature `tokio`).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pages = paginate(0u8, |n| async move { Ok::<_, ()>(Page::new(vec![n], (n < 3).then_some(n + 1))) })
    ///     .pages()
    ///     .prefetch(2);
    /// assert_eq!(pages.count().await, 4);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled. Polling the stream outside a tokio
    /// runtime panics when `pages > 0`.
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    #[track_caller]
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.source.assert_unstarted("prefetch");
        self.source.prefetch = (pages > 0).then(|| super::prefetch::Prefetch::new(pages));
        self
    }
}

impl<C, F> Stream for Pages<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FetchPage<C>,
{
    type Item = Result<Page<F::Item, C>, PaginateError<F::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().source.poll_page(cx)
    }
}

impl<C, F> FusedStream for Pages<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FetchPage<C>,
{
    fn is_terminated(&self) -> bool {
        self.source.is_finished()
    }
}

impl<C, F: FetchPage<C>> fmt::Debug for Pages<C, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("finished", &self.source.is_finished())
            .finish_non_exhaustive()
    }
}
