use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::collections::VecDeque;
use std::vec;

use futures_core::stream::{FusedStream, Stream};

use super::PaginateError;
use super::attempt::Attempt;
use super::settings::{RunSettings, assert_unstarted, run_settings_methods};

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
        settings: Settings {
            run: RunSettings::default(),
            first_page: 1,
            start_at: None,
            concurrency: 1,
        },
        run: Run {
            phase: Phase::Unstarted,
            start_page: 1,
            next_page: 1,
            end: None,
            in_flight: VecDeque::new(),
            current: Vec::new().into_iter(),
            items_received: 0,
        },
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
    settings: Settings<F::Error>,
    run: Run<F>,
}

/// What the builder methods set.
struct Settings<E> {
    run: RunSettings<E>,
    // The number the API gives its first page: what a total page count counts from.
    first_page: usize,
    // Where the run starts, if not at `first_page`.
    start_at: Option<usize>,
    concurrency: usize,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not polled yet: the builder methods may still be called.
    Unstarted,
    /// Requesting pages as long as the listing, the limits and the concurrency allow.
    Listing,
    /// An empty page ended a listing: no page is requested any more, and the items
    /// already received are still yielded.
    NoMorePages,
    /// After the last item, or after an error.
    Finished,
}

/// The state of a run, settled at the first poll.
struct Run<F: FetchNumberedPage> {
    phase: Phase,
    // The page this run started at: what limits and page indexes count from.
    start_page: usize,
    next_page: usize,
    // One past the last page number, once a response told the total.
    end: Option<usize>,
    in_flight: VecDeque<Slot<F>>,
    current: vec::IntoIter<F::Item>,
    items_received: usize,
}

// No field is ever pinned in place: the attempts are boxed and items are moved out.
impl<F: FetchNumberedPage> Unpin for NumberedPaginator<F> {}

impl<F: FetchNumberedPage> NumberedPaginator<F> {
    #[track_caller]
    fn assert_unstarted(&self, method: &str) {
        assert_unstarted(
            self.run.phase != Phase::Unstarted,
            "NumberedPaginator",
            method,
        );
    }

    /// The settings the shared builder methods change.
    #[track_caller]
    fn run_settings(&mut self, method: &str) -> &mut RunSettings<F::Error> {
        self.assert_unstarted(method);
        &mut self.settings.run
    }

    run_settings_methods! {
        error = F::Error;
        max_items {
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
        }
        max_pages {
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
        }
        retry {
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
        }
        throttle {
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
        }
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
        self.settings.concurrency = pages;
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
        self.settings.first_page = first_page;
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
        self.settings.start_at = Some(page);
        self
    }

    /// Settles where the run starts; called at the first poll, so that `numbered_from`
    /// and `start_at` may come in either order.
    fn begin(&mut self) {
        let first_page = self.settings.first_page;
        let start = self.settings.start_at.unwrap_or(first_page);
        assert!(
            start >= first_page,
            "NumberedPaginator::start_at({start}) is before the first page, {first_page}; \
             a zero-based API needs .numbered_from(0)",
        );
        self.run.start_page = start;
        self.run.next_page = start;
        self.run.phase = Phase::Listing;
    }

    fn may_start(&self) -> bool {
        let run = &self.run;
        let started = run.next_page - run.start_page;
        let width = if run.end.is_some() {
            self.settings.concurrency
        } else {
            1
        };
        run.phase == Phase::Listing
            && run.in_flight.len() < width
            && run.next_page < usize::MAX
            && run.end.is_none_or(|end| run.next_page < end)
            && !self.settings.run.limit_reached(run.items_received, started)
    }
}

impl<F: FetchNumberedPage> Stream for NumberedPaginator<F> {
    type Item = Result<F::Item, PaginateError<F::Error>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.run.phase == Phase::Unstarted {
            this.begin();
        }
        loop {
            if let Some(item) = this.run.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.run.phase == Phase::Finished {
                return Poll::Ready(None);
            }
            while this.may_start() {
                let run = &mut this.run;
                let page = run.next_page;
                run.next_page += 1;
                run.in_flight.push_back(Slot {
                    attempt: Box::pin(Attempt::new(page, page - run.start_page)),
                    done: None,
                });
            }
            let fetch = &mut this.fetch;
            let settings = &mut this.settings.run.fetch;
            for slot in this
                .run
                .in_flight
                .iter_mut()
                .filter(|slot| slot.done.is_none())
            {
                let start = &mut |page| fetch.fetch_numbered_page(page);
                if let Poll::Ready(done) = slot.attempt.as_mut().poll_fetch(cx, start, settings) {
                    slot.done = Some(done);
                }
            }
            let run = &mut this.run;
            match run.in_flight.front_mut().and_then(|slot| slot.done.take()) {
                Some(Ok(mut page)) => {
                    run.in_flight.pop_front();
                    if run.end.is_none()
                        && let Some(total) = page.total_pages
                    {
                        run.end = Some(this.settings.first_page.saturating_add(total));
                    }
                    if page.items.is_empty() {
                        // The end, even before a stated total is reached: a listing that
                        // shrank while it was read, or a total that overstates it, must
                        // not cost a request per page up to that total. Later pages in
                        // flight are dropped, so what is yielded never depends on timing.
                        run.phase = Phase::NoMorePages;
                        run.in_flight.clear();
                    }
                    if let Some(max) = this.settings.run.max_items {
                        page.items.truncate(max.saturating_sub(run.items_received));
                    }
                    run.items_received += page.items.len();
                    run.current = page.items.into_iter();
                }
                Some(Err(error)) => {
                    run.phase = Phase::Finished;
                    run.in_flight.clear();
                    return Poll::Ready(Some(Err(error)));
                }
                None if run.in_flight.is_empty() => {
                    run.phase = Phase::Finished;
                    return Poll::Ready(None);
                }
                None => return Poll::Pending,
            }
        }
    }
}

impl<F: FetchNumberedPage> FusedStream for NumberedPaginator<F> {
    fn is_terminated(&self) -> bool {
        self.run.phase == Phase::Finished && self.run.current.len() == 0
    }
}

impl<F: FetchNumberedPage> fmt::Debug for NumberedPaginator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NumberedPaginator")
            .field("concurrency", &self.settings.concurrency)
            .field("phase", &self.run.phase)
            .field("next_page", &self.run.next_page)
            .field("in_flight", &self.run.in_flight.len())
            .finish_non_exhaustive()
    }
}
