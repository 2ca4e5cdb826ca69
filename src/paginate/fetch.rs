use core::future::Future;

use super::Page;

/// Something that fetches one page for a cursor: every
/// `FnMut(C) -> impl Future<Output = Result<Page<T, C>, E>>` closure is one.
///
/// [`paginate`](super::paginate) takes closures; this trait exists so that a
/// [`Paginator`](super::Paginator) can be named in a signature without naming the
/// closure's future, e.g. `Paginator<Url, impl FetchPage<Url, Item = Repo, Error = MyError>>`.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, FetchPage, Page, Paginator};
///
/// // A listing of 0..5 in pages of two, named by its item and error types only.
/// fn numbers() -> Paginator<u32, impl FetchPage<u32, Item = u32, Error = String>> {
///     paginate(0, |start: u32| async move {
///         let end = (start + 2).min(5);
///         Ok(Page::new((start..end).collect(), (end < 5).then_some(end)))
///     })
/// }
///
/// # futures::executor::block_on(async {
/// use futures::TryStreamExt;
/// let all: Vec<u32> = numbers().try_collect().await.unwrap();
/// assert_eq!(all, [0, 1, 2, 3, 4]);
/// # });
/// ```
pub trait FetchPage<C> {
    /// The type of the items on a page.
    type Item;
    /// The error a fetch can fail with.
    type Error;
    /// The future that fetches one page.
    type Future: Future<Output = Result<Page<Self::Item, C>, Self::Error>>;

    /// Starts fetching the page at `cursor`.
    fn fetch_page(&mut self, cursor: C) -> Self::Future;
}

impl<C, T, E, F, Fut> FetchPage<C> for F
where
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>, E>>,
{
    type Item = T;
    type Error = E;
    type Future = Fut;

    fn fetch_page(&mut self, cursor: C) -> Fut {
        self(cursor)
    }
}
