use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::collections::VecDeque;
use std::vec;

use futures_core::stream::{FusedStream, Stream};

use super::PaginateError;
#[cfg(feature = "time")]
use super::RetryPolicy;
use super::attempt::{Attempt, FetchSettings};
#[cfg(feature = "time")]
use crate::time::IntoLimiter;

/// One page of a page-numbered listing, as returned by the closure of
/// [`paginate_pages`].
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::NumberedPage;
///
/// let page = NumberedPage { items: vec!["a", "b"], total_pages: Some(4) };
/// assert_eq!(page, NumberedPage::new(vec!["a", "b"], Some(4)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedPage<T> {
    /// The items of this page, in order.
    pub items: Vec<T>,
    /// How many pages the listing has, if the API says so (e.g. a `total_pages` field
    /// or `ceil(total_count / per_page)`); `None` when unknown. The first one given is
    /// used; an empty page ends the listing before it.
    pub total_pages: Option<usize>,
}

impl<T> NumberedPage<T> {
    /// A page with `items`, out of `total_pages` pages (`None`: unknown).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::NumberedPage;
    ///
    /// let unknown_total = NumberedPage::new(vec![1, 2, 3], None);
    /// assert_eq!(unknown_total.total_pages, None);
    /// ```
    pub fn new(items: Vec<T>, total_pages: Option<usize>) -> Self {
        NumberedPage { items, total_pages }
    }
}

/// Something that fetches the page with a given number: every
/// `FnMut(usize) -> impl Future<Output = Result<NumberedPage<T>, E>>` closure is one.
/// It lets a [`NumberedPaginator`] be named without naming the closure's future.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate_pages, FetchNumberedPage, NumberedPage, NumberedPaginator};
///
/// fn pages() -> NumberedPaginator<impl FetchNumberedPage<Item = usize, Error = ()>> {
///     paginate_pages(|n| async move { Ok(NumberedPage::new(vec![n], Some(3))) })
/// }
/// # let _ = pages();
/// ```
pub trait FetchNumberedPage {
    /// The type of the items on a page.
    type Item;
    /// The error a fetch can fail with.
    type Error;
    /// The future that fetches one page.
    type Future: Future<Output = Result<NumberedPage<Self::Item>, Self::Error>>;

    /// Starts fetching page number `page`.
    fn fetch_numbered_page(&mut self, page: usize) -> Self::Future;
}

impl<T, E, F, Fut> FetchNumberedPage for F
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    type Item = T;
    type Error = E;
    type Future = Fut;

    fn fetch_numbered_page(&mut self, page: usize) -> Fut {
        self(page)
    }
}

/// Turns a page-numbered API (`?page=1`, `?page=2`, …) into a stream of its items.
///
/// Pages are numbered from 1, or from 0 with
/// [`numbered_from(0)`](NumberedPaginator::numbered_from), and the run starts at the
/// first page, or at a later one with [`start_at`](NumberedPaginator::start_at). The
/// first page of the run is fetched alone; once a response tells the total page count
/// of the listing, the remaining pages up to the last are fetched up to
/// [`concurrency`](NumberedPaginator::concurrency) at a time, and the items still come
/// out in page order. While the total is unknown, pages are fetched one by one. The
/// first empty page ends the listing, even before the last page of a stated total (the
/// listing shrank while it was read, or the total overstated it): no page after it is
/// requested, and the items of later pages already in flight are not yielded. A
/// failure is the last item; its [`cursor`](PaginateError::cursor) is the
/// `usize` page number, which [`start_at`](NumberedPaginator::start_at) resumes from.
///
/// Fetches make progress while the stream is polled for a new page.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate_pages, NumberedPage};
/// use futures::TryStreamExt;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = tokio::time::Instant::now();
/// let items: Vec<usize> = paginate_pages(|page| async move {
///     tokio::time::sleep(std::time::Duration::from_millis(100)).await;
///     Ok::<_, ()>(NumberedPage::new(vec![page * 10, page * 10 + 1], Some(5)))
/// })
/// .concurrency(4)
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(items, [10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
/// // Page 1 alone, then pages 2..=5 side by side.
/// assert_eq!(start.elapsed(), std::time::Duration::from_millis(200));
/// # }
/// ```
pub fn paginate_pages<T, E, F, Fut>(fetch: F) -> NumberedPaginator<F>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    NumberedPaginator {
        fetch,
        settings: FetchSettings::default(),
        first_page: 1,
        start_at: None,
        start_page: 1,
        concurrency: 1,
        max_pages: None,
        max_items: None,
        started: false,
        finished: false,
        end: None,
        no_more_pages: false,
        next_page: 1,
        in_flight: VecDeque::new(),
        current: Vec::new().into_iter(),
        items_received: 0,
    }
}

type PageResult<F> = Result<
    NumberedPage<<F as FetchNumberedPage>::Item>,
    PaginateError<<F as FetchNumberedPage>::Error>,
>;

struct Slot<F: FetchNumberedPage> {
    // Boxed: several pages are in flight at once and each must stay pinned while the
    // queue shifts.
    attempt: Pin<Box<Attempt<usize, F::Future>>>,
    done: Option<PageResult<F>>,
}

/// The stream of [`paginate_pages`]: items in page order, `Result<T, PaginateError<E>>`.
///
/// Builder methods consume and return it and must be called before the first poll.
/// Fused: after the last item or an error it keeps returning `None`.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate_pages, NumberedPage};
/// use futures::TryStreamExt;
///
/// # futures::executor::block_on(async {
/// // A listing whose total is unknown: it ends at the first empty page.
/// let items: Vec<usize> = paginate_pages(|page| async move {
///     let items = if page <= 3 { vec![page] } else { Vec::new() };
///     Ok::<_, ()>(NumberedPage::new(items, None))
/// })
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(items, [1, 2, 3]);
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct NumberedPaginator<F: FetchNumberedPage> {
    fetch: F,
    settings: FetchSettings<F::Error>,
    // The number the API gives its first page: what a total page count counts from.
    first_page: usize,
    // Where the run starts, if not at `first_page`.
    start_at: Option<usize>,
    // The page this run started at, once polled: what limits and page indexes count from.
    start_page: usize,
    concurrency: usize,
    max_pages: Option<usize>,
    max_items: Option<usize>,
    started: bool,
    finished: bool,
    // One past the last page number, once a response told the total.
    end: Option<usize>,
    // An empty page ended a listing of unknown length.
    no_more_pages: bool,
    next_page: usize,
    in_flight: VecDeque<Slot<F>>,
    current: vec::IntoIter<F::Item>,
    items_received: usize,
}

// No field is ever pinned in place: the attempts are boxed and items are moved out.
impl<F: FetchNumberedPage> Unpin for NumberedPaginator<F> {}

impl<F: FetchNumberedPage> NumberedPaginator<F> {
    #[track_caller]
    fn assert_unstarted(&self, method: &str) {
        assert!(
            !self.started,
            "NumberedPaginator::{method} must be called before the stream is first polled"
        );
    }

    /// Fetches up to `pages` pages at once once the total page count is known
    /// (default 1: one after another). Items stay in page order.
    ///
    /// # Panics
    ///
    /// If `pages` is 0, or if called after the stream was first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate_pages, NumberedPage};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let pages = paginate_pages(|n| async move { Ok::<_, ()>(NumberedPage::new(vec![n], Some(8))) })
    ///     .concurrency(3);
    /// assert_eq!(pages.count().await, 8);
    /// # });
    /// ```
    #[track_caller]
    pub fn concurrency(mut self, pages: usize) -> Self {
        assert!(
            pages > 0,
            "NumberedPaginator::concurrency: at least 1 page at a time"
        );
        self.assert_unstarted("concurrency");
        self.concurrency = pages;
        self
    }

    /// The number the API gives its first page: 1 (the default), or 0 for zero-based
    /// APIs. A total page count counts from here: with `numbered_from(0)` and a total of
    /// 3, the pages are 0, 1 and 2.
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate_pages, NumberedPage};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let numbers: Vec<usize> = paginate_pages(|n| async move { Ok::<_, ()>(NumberedPage::new(vec![n], Some(3))) })
    ///     .numbered_from(0)
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(numbers, [0, 1, 2]);
    /// # });
    /// ```
    #[track_caller]
    pub fn numbered_from(mut self, first_page: usize) -> Self {
        self.assert_unstarted("numbered_from");
        self.first_page = first_page;
        self
    }

    /// Starts the run at page number `page` instead of the first page, e.g. to resume
    /// from the [`cursor`](PaginateError::cursor) of an error: the pages before it are
    /// not fetched, and the run ends at the last page of the listing as before (the
    /// total page count still counts from [`numbered_from`](Self::numbered_from)).
    /// [`max_pages`](Self::max_pages) and [`PaginateError::page_index`] count from here.
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled. The first poll panics if `page` is
    /// below the number of the first page (1 unless set with
    /// [`numbered_from`](Self::numbered_from)).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate_pages, NumberedPage};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// // Five pages, 1 to 5; a previous run stopped before page 4.
    /// let numbers: Vec<usize> = paginate_pages(|n| async move { Ok::<_, ()>(NumberedPage::new(vec![n], Some(5))) })
    ///     .start_at(4)
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(numbers, [4, 5]);
    /// # });
    /// ```
    #[track_caller]
    pub fn start_at(mut self, page: usize) -> Self {
        self.assert_unstarted("start_at");
        self.start_at = Some(page);
        self
    }

    /// Fetches at most `max_pages` pages. `0` fetches nothing.
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate_pages, NumberedPage};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let numbers: Vec<usize> = paginate_pages(|n| async move { Ok::<_, ()>(NumberedPage::new(vec![n], Some(100))) })
    ///     .max_pages(2)
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(numbers, [1, 2]);
    /// # });
    /// ```
    #[track_caller]
    pub fn max_pages(mut self, max_pages: usize) -> Self {
        self.assert_unstarted("max_pages");
        self.max_pages = Some(max_pages);
        self
    }

    /// Stops after `max_items` items; no page is started once that many have arrived.
    /// `0` yields nothing and fetches nothing.
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate_pages, NumberedPage};
    /// use futures::TryStreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let items: Vec<usize> = paginate_pages(|n| async move { Ok::<_, ()>(NumberedPage::new(vec![n; 4], Some(9))) })
    ///     .max_items(6)
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(items, [1, 1, 1, 1, 2, 2]);
    /// # });
    /// ```
    #[track_caller]
    pub fn max_items(mut self, max_items: usize) -> Self {
        self.assert_unstarted("max_items");
        self.max_items = Some(max_items);
        self
    }

    /// Fetches a failed page again, with the same number, as `policy` says (feature
    /// `time`); see [`Paginator::retry`](super::Paginator::retry).
    ///
    /// # Panics
    ///
    /// If called after the stream was first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::{paginate_pages, NumberedPage, RetryPolicy};
    /// use futures::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let mut items = paginate_pages(|_| async { Err::<NumberedPage<u8>, _>("down") })
    ///     .retry(RetryPolicy::exponential(Duration::from_millis(10)).max_attempts(2));
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert_eq!((error.attempts(), error.cursor::<usize>()), (2, Some(&1)));
    /// # }
    /// ```
    #[cfg(feature = "time")]
    #[cfg_attr(docsrs, doc(cfg(feature = "time")))]
    #[track_caller]
    pub fn retry(mut self, policy: RetryPolicy<F::Error>) -> Self {
        self.assert_unstarted("retry");
        self.settings.retry = Some(policy);
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
    /// use asyncgen::paginate::{paginate_pages, NumberedPage};
    /// use asyncgen::time::Quota;
    /// use futures::TryStreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = tokio::time::Instant::now();
    /// let items: Vec<usize> = paginate_pages(|n| async move { Ok::<_, ()>(NumberedPage::new(vec![n], Some(4))) })
    ///     .concurrency(4)
    ///     .throttle(Quota::per_second(2))
    ///     .try_collect()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(items, [1, 2, 3, 4]);
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
        self.assert_unstarted("throttle");
        self.settings.limiter = Some(limiter.into());
        self
    }

    /// Settles where the run starts; called at the first poll, so that `numbered_from`
    /// and `start_at` may come in either order.
    fn begin(&mut self) {
        let start = self.start_at.unwrap_or(self.first_page);
        assert!(
            start >= self.first_page,
            "NumberedPaginator::start_at({start}) is before the first page, {}; \
             a zero-based API needs .numbered_from(0)",
            self.first_page
        );
        self.start_page = start;
        self.next_page = start;
    }

    fn may_start(&self) -> bool {
        let started = self.next_page - self.start_page;
        let width = if self.end.is_some() {
            self.concurrency
        } else {
            1
        };
        self.in_flight.len() < width
            && !self.no_more_pages
            && self.next_page < usize::MAX
            && self.end.is_none_or(|end| self.next_page < end)
            && self.max_pages.is_none_or(|max| started < max)
            && self.max_items.is_none_or(|max| self.items_received < max)
    }
}

impl<F: FetchNumberedPage> Stream for NumberedPaginator<F> {
    type Item = Result<F::Item, PaginateError<F::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if !this.started {
            this.started = true;
            this.begin();
        }
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.finished {
                return Poll::Ready(None);
            }
            while this.may_start() {
                let page = this.next_page;
                this.next_page += 1;
                this.in_flight.push_back(Slot {
                    attempt: Box::pin(Attempt::new(page, page - this.start_page)),
                    done: None,
                });
            }
            let fetch = &mut this.fetch;
            for slot in this.in_flight.iter_mut().filter(|slot| slot.done.is_none()) {
                let start = &mut |page| fetch.fetch_numbered_page(page);
                if let Poll::Ready(done) =
                    slot.attempt
                        .as_mut()
                        .poll_fetch(cx, start, &mut this.settings)
                {
                    slot.done = Some(done);
                }
            }
            match this.in_flight.front_mut().and_then(|slot| slot.done.take()) {
                Some(Ok(mut page)) => {
                    this.in_flight.pop_front();
                    if this.end.is_none()
                        && let Some(total) = page.total_pages
                    {
                        this.end = Some(this.first_page.saturating_add(total));
                    }
                    if page.items.is_empty() {
                        // The end, even before a stated total is reached: a listing that
                        // shrank while it was read, or a total that overstates it, must
                        // not cost a request per page up to that total. Later pages in
                        // flight are dropped, so what is yielded never depends on timing.
                        this.no_more_pages = true;
                        this.in_flight.clear();
                    }
                    if let Some(max) = this.max_items {
                        page.items.truncate(max.saturating_sub(this.items_received));
                    }
                    this.items_received += page.items.len();
                    this.current = page.items.into_iter();
                }
                Some(Err(error)) => {
                    this.finished = true;
                    this.in_flight.clear();
                    return Poll::Ready(Some(Err(error)));
                }
                None if this.in_flight.is_empty() => {
                    this.finished = true;
                    return Poll::Ready(None);
                }
                None => return Poll::Pending,
            }
        }
    }
}

impl<F: FetchNumberedPage> FusedStream for NumberedPaginator<F> {
    fn is_terminated(&self) -> bool {
        self.finished && self.current.len() == 0
    }
}

impl<F: FetchNumberedPage> fmt::Debug for NumberedPaginator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NumberedPaginator")
            .field("concurrency", &self.concurrency)
            .field("next_page", &self.next_page)
            .field("in_flight", &self.in_flight.len())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}
