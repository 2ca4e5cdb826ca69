//! What a [`Paginator`] yields: items, or whole pages.

use super::Paginator;

/// A paginated listing as a stream of whole pages,
/// `Result<Page<T, C>, PaginateError<E>>`; made by [`Paginator::pages`].
///
/// It is a [`Paginator`] that yields [`WholePages`], so it has every builder method of
/// [`Paginator`], with the same meaning; they must be called before the first poll.
/// Fused, like the item stream. Each page keeps its `next` cursor, which is where a
/// later run can continue.
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
pub type Pages<C, F> = Paginator<C, F, WholePages>;

/// A [`Paginator`] that yields items, one by one: the default.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Items, Page, Paginator, FetchPage};
///
/// fn numbers() -> Paginator<u8, impl FetchPage<u8, Item = u8, Error = ()>, Items> {
///     paginate(0u8, |n| async move { Ok(Page::new(vec![n], None)) })
/// }
/// # let _ = numbers();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Items;

/// A [`Paginator`] that yields whole [`Page`](super::Page)s: a [`Pages`] stream.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Page, Paginator, FetchPage, WholePages};
///
/// fn pages() -> Paginator<u8, impl FetchPage<u8, Item = u8, Error = ()>, WholePages> {
///     paginate(0u8, |n| async move { Ok(Page::new(vec![n], None)) }).pages()
/// }
/// # let _ = pages();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct WholePages;
