use core::fmt;
use core::future::Future;
use core::hash::Hash;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::vec;

use futures_core::stream::{FusedStream, Stream};

#[cfg(feature = "time")]
use super::RetryPolicy;
use super::source::Source;
use super::{FetchPage, Page, Pages, PaginateError, RepeatedCursor};
#[cfg(feature = "time")]
use crate::time::IntoLimiter;

/// Turns a cursor-paginated API into a stream of its items.
///
/// `fetch` is called with `first_cursor`, then with each page's `next` cursor, until a
/// page has `next: None`. An empty page with a `next` cursor is not the end. The items
/// come out in order as `Ok(item)`; a failed fetch (after any
/// [retries](Paginator::retry)) is yielded as a [`PaginateError`] naming the page and its
/// cursor, and is the last item.
///
/// The returned [`Paginator`] is the stream; configure it with its builder methods
/// before polling it. Nothing is fetched before the first poll.
///
/// The cursor type needs `Clone` (a page may be fetched again, and a failure reports
/// its cursor), `Hash` (to notice [repeated cursors](RepeatedCursor)) and
/// `Send + Sync + 'static` (it travels inside [`PaginateError`]).
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Page};
/// use futures::TryStreamExt;
///
/// // An API returning the numbers 0..7 three at a time, with the next offset as cursor.
/// async fn list(after: u32) -> Result<(Vec<u32>, Option<u32>), std::io::Error> {
///     let end = (after + 3).min(7);
///     Ok(((after..end).collect(), (end < 7).then_some(end)))
/// }
///
/// # futures::executor::block_on(async {
/// let numbers: Vec<u32> = paginate(0, |cursor| async move {
///     let (items, next) = list(cursor).await?;
///     Ok(Page::new(items, next))
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(numbers, [0, 1, 2, 3, 4, 5, 6]);
/// # Ok::<(), asyncgen::paginate::PaginateError<std::io::Error>>(())
/// # }).unwrap();
/// ```
pub fn paginate<C, T, E, F, Fut>(first_cursor: C, fetch: F) -> Paginator<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>, E>>,
{
    Paginator::new(first_cursor, fetch)
}

/// A paginated listing as a stream of `Result<item, PaginateError<E>>`; made by
/// [`paginate`], [`paginate_offset`](super::paginate_offset) or [`Paginator::new`].
///
/// The builder methods consume and return the paginator and must be called before it
/// is first polled. The stream is fused: after its last item (the last item of the
/// last page, or an error) it keeps returning `None`.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Page};
/// use futures::TryStreamExt;
///
/// # futures::executor::block_on(async {
/// let first_five: Vec<u64> = paginate(0u64, |page| async move {
///     Ok::<_, ()>(Page::new(vec![page * 2, page * 2 + 1], Some(page + 1))) // endless
/// })
/// .max_items(5)
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(first_five, [0, 1, 2, 3, 4]);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Paginator<C, F: FetchPage<C>> {
    source: Source<C, F>,
    current: vec::IntoIter<F::Item>,
}

// No field is ever pinned: the engine is boxed and items are moved out.
impl<C, F: FetchPage<C>> Unpin for Paginator<C, F> {}

impl<C, F: FetchPage<C>> Paginator<C, F> {
    /// A paginator over any [`FetchPage`] implementation, starting at `first_cursor`;
    /// [`paginate`] is this for closures.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{Page, Paginator};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let fetch = |n: u8| async move { Ok::<_, ()>(Page::new(vec![n], (n < 2).then_some(n + 1))) };
    /// let items: Vec<u8> = Paginator::new(0, fetch).try_collect().await.unwrap();
    /// assert_eq!(items, [0, 1, 2]);
    /// # });
    /// ```
    pub fn new(first_cursor: C, fetch: F) -> Self {
        Paginator {
            source: Source::new(first_cursor, fetch),
            current: Vec::new().into_iter(),
        }
    }

    /// The fetcher, for the builder methods of adapters that name their own
    /// [`FetchPage`] type.
    #[cfg(feature = "http")]
    #[track_caller]
    pub(crate) fn fetch_mut(&mut self, method: &str) -> &mut F {
        self.source.configure(method).fetch_mut()
    }

    /// A stream of whole pages (`Result<Page<T, C>, PaginateError<E>>`) instead of
    /// items, with the same settings. Each page keeps its `next` cursor, which is where
    /// a later run can continue.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let pages: Vec<Page<u8, u8>> = paginate(0u8, |n| async move {
    ///     Ok::<_, ()>(Page::new(vec![n; 2], (n < 1).then_some(n + 1)))
    /// })
    /// .pages()
    /// .try_collect()
    /// .await
    /// .unwrap();
    /// assert_eq!(pages, [Page::new(vec![0, 0], Some(1)), Page::new(vec![1, 1], None)]);
    /// # });
    /// ```
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    #[track_caller]
    pub fn pages(self) -> Pages<C, F> {
        self.source.assert_unstarted("pages");
        Pages::from_source(self.source)
    }

    /// Stops after `max_items` items in all (the last page is cut short); no page is
    /// fetched once the limit is reached. `0` yields nothing and fetches nothing. This
    /// is a limit on the whole run, not a page size.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let fetched = std::cell::Cell::new(0);
    /// let items: Vec<u32> = paginate(0u32, |n| {
    ///     fetched.set(fetched.get() + 1);
    ///     async move { Ok::<_, ()>(Page::new(vec![n; 10], Some(n + 1))) }
    /// })
    /// .max_items(15)
    /// .try_collect()
    /// .await
    /// .unwrap();
    /// assert_eq!(items.len(), 15);
    /// assert_eq!(fetched.get(), 2);
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

    /// Stops after `max_pages` pages, even if the last one has a `next` cursor. `0`
    /// fetches nothing. This is a limit on the whole run, not a page size.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let items: Vec<u32> = paginate(0u32, |n| async move {
    ///     Ok::<_, ()>(Page::new(vec![n, n], Some(n + 1)))
    /// })
    /// .max_pages(2)
    /// .try_collect()
    /// .await
    /// .unwrap();
    /// assert_eq!(items, [0, 0, 1, 1]);
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

    /// Fetches a failed page again, with the same cursor, as `policy` says (feature
    /// `time`). Each retry goes through the [`throttle`](Self::throttle) as well.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::{paginate, Page, RetryPolicy};
    /// use futures::TryStreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let failures_left = std::cell::Cell::new(2);
    /// let items: Vec<u32> = paginate(0u32, |n| {
    ///     let fail = failures_left.get() > 0;
    ///     if fail { failures_left.set(failures_left.get() - 1) }
    ///     async move {
    ///         if fail { Err("flaky") } else { Ok(Page::new(vec![n], None)) }
    ///     }
    /// })
    /// .retry(RetryPolicy::exponential(Duration::from_millis(10)).jitter(0.0))
    /// .try_collect()
    /// .await
    /// .unwrap();
    /// assert_eq!(items, [0]);
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
    /// This limits requests, not items: it shadows the item-level
    /// [`StreamTimeExt::throttle`](crate::time::StreamTimeExt::throttle), which stays
    /// reachable as `StreamTimeExt::throttle(paginator, limiter)`.
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
    /// let items: Vec<u32> = paginate(0u32, |n| async move { Ok::<_, ()>(Page::new(vec![n], (n < 3).then_some(n + 1))) })
    ///     .throttle(Quota::per_second(2))
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(items, [0, 1, 2, 3]);
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

    /// What to do when a page's `next` cursor was already fetched in this run; the
    /// default, [`RepeatedCursor::Error`], yields an error item and ends. See
    /// [`RepeatedCursor`] for what counts as a repeat.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page, RepeatedCursor};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// // A buggy API whose third page points back to the second.
    /// let fetch = |n: u8| async move { Ok::<_, ()>(Page::new(vec![n], Some(if n == 2 { 1 } else { n + 1 }))) };
    /// let items: Vec<u8> = paginate(0, fetch)
    ///     .on_repeated_cursor(RepeatedCursor::Stop)
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(items, [0, 1, 2]);
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
impl<C, F> Paginator<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FetchPage<C> + Send + 'static,
    F::Future: Send + 'static,
    F::Item: Send + 'static,
    F::Error: Send + 'static,
{
    /// Fetches up to `pages` pages ahead of the page being consumed, on a tokio task
    /// (feature `tokio`), so that fetching overlaps with whatever the consumer does,
    /// its own `.await`s included. `0` (the default) fetches only on demand.
    ///
    /// The next page's cursor is known only when a page arrives, so fetches still run
    /// one after another; what prefetch hides is the consumer's time. Items keep their
    /// order. Dropping the stream aborts the task and the fetch in flight. The task is
    /// spawned at the first poll, which therefore needs a tokio runtime; the fetch
    /// closure and its futures must be `Send + 'static` for that. If that runtime shuts
    /// down while the stream is still read elsewhere, the task is gone before the end
    /// of the listing: the stream then yields an error for which
    /// [`is_cancelled`](PaginateError::is_cancelled) holds, with the cursor to resume
    /// from, rather than end as if the listing were complete.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    /// use tokio::time::{sleep, Instant};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let mut items = paginate(0u32, |n| async move {
    ///     sleep(Duration::from_millis(100)).await; // the request
    ///     Ok::<_, ()>(Page::new(vec![n], (n < 2).then_some(n + 1)))
    /// })
    /// .prefetch(1);
    /// while let Some(item) = items.next().await {
    ///     item.unwrap();
    ///     sleep(Duration::from_millis(100)).await; // the consumer's own work
    /// }
    /// // 3 requests and 3 rounds of work, overlapped: 400 ms instead of 600 ms.
    /// assert_eq!(start.elapsed(), Duration::from_millis(400));
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

impl<C, F> Stream for Paginator<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FetchPage<C>,
{
    type Item = Result<F::Item, PaginateError<F::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(this.source.poll_page(cx)) {
                Some(Ok(page)) => this.current = page.items.into_iter(),
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.current.len();
        if self.source.is_finished() {
            (buffered, Some(buffered))
        } else {
            (buffered, None)
        }
    }
}

impl<C, F> FusedStream for Paginator<C, F>
where
    C: Clone + Hash + Send + Sync + 'static,
    F: FetchPage<C>,
{
    fn is_terminated(&self) -> bool {
        self.source.is_finished() && self.current.len() == 0
    }
}

impl<C, F: FetchPage<C>> fmt::Debug for Paginator<C, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("buffered_items", &self.current.len())
            .field("finished", &self.source.is_finished())
            .finish_non_exhaustive()
    }
}
