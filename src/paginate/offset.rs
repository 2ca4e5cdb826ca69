use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use pin_project_lite::pin_project;

use super::{FetchPage, Page, Paginator};

/// Turns an offset/limit API into a stream of its items: `fetch(offset, limit)` is
/// called with offsets `0`, `page_size`, `2 × page_size`, … and `limit = page_size`.
///
/// A page shorter than `page_size` (an empty one included) is the last. A page longer
/// than `page_size` is taken whole and the next offset counts all its items. The
/// result is a [`Paginator`] with every builder method; the cursor reported by a
/// [`PaginateError`](super::PaginateError) is the `usize` offset of the failed page.
///
/// # Panics
///
/// If `page_size` is 0.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::paginate_offset;
/// use futures::TryStreamExt;
///
/// let table: Vec<u32> = (0..25).collect();
/// # futures::executor::block_on(async {
/// let rows: Vec<u32> = paginate_offset(10, |offset, limit| {
///     let rows = table.iter().skip(offset).take(limit).copied().collect::<Vec<_>>();
///     async move { Ok::<_, ()>(rows) }
/// })
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(rows, table);
/// # });
/// ```
#[track_caller]
pub fn paginate_offset<T, E, F, Fut>(page_size: usize, fetch: F) -> Paginator<usize, OffsetFetch<F>>
where
    F: FnMut(usize, usize) -> Fut,
    Fut: Future<Output = Result<Vec<T>, E>>,
{
    assert!(
        page_size > 0,
        "paginate_offset: page_size must be at least 1"
    );
    Paginator::new(0, OffsetFetch { fetch, page_size })
}

/// The [`FetchPage`] of [`paginate_offset`]: calls an `(offset, limit)` closure.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate_offset, OffsetFetch, Paginator};
///
/// fn fetch_rows(offset: usize, limit: usize) -> std::future::Ready<Result<Vec<usize>, ()>> {
///     std::future::ready(Ok((offset..(offset + limit).min(42)).collect()))
/// }
/// let rows: Paginator<usize, OffsetFetch<_>> = paginate_offset(10, fetch_rows);
/// # let _ = rows;
/// ```
pub struct OffsetFetch<F> {
    fetch: F,
    page_size: usize,
}

impl<F> fmt::Debug for OffsetFetch<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffsetFetch")
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl<T, E, F, Fut> FetchPage<usize> for OffsetFetch<F>
where
    F: FnMut(usize, usize) -> Fut,
    Fut: Future<Output = Result<Vec<T>, E>>,
{
    type Item = T;
    type Error = E;
    type Future = OffsetPageFuture<Fut>;

    fn fetch_page(&mut self, offset: usize) -> Self::Future {
        OffsetPageFuture {
            fut: (self.fetch)(offset, self.page_size),
            offset,
            page_size: self.page_size,
        }
    }
}

pin_project! {
    /// The future of one [`OffsetFetch`] page: the closure's rows, with the next offset.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate_offset, FetchPage, OffsetFetch, OffsetPageFuture};
    ///
    /// fn first_page<F: FetchPage<usize>>(fetch: &mut F) -> F::Future { fetch.fetch_page(0) }
    /// # let _ = first_page::<OffsetFetch<fn(usize, usize) -> std::future::Ready<Result<Vec<u8>, ()>>>>;
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct OffsetPageFuture<Fut> {
        #[pin]
        fut: Fut,
        offset: usize,
        page_size: usize,
    }
}

impl<Fut> fmt::Debug for OffsetPageFuture<Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OffsetPageFuture")
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl<T, E, Fut> Future for OffsetPageFuture<Fut>
where
    Fut: Future<Output = Result<Vec<T>, E>>,
{
    type Output = Result<Page<T, usize>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let items = ready!(this.fut.poll(cx))?;
        let full = !items.is_empty() && items.len() >= *this.page_size;
        let next = full.then(|| this.offset.saturating_add(items.len()));
        Poll::Ready(Ok(Page::new(items, next)))
    }
}
