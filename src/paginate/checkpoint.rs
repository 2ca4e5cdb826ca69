//! Where a listing stands, to resume it later (in another process, with feature
//! `serde`).

/// Where a listing stands between two pages: the cursor of the next page and what came
/// before it. [`Paginator::checkpoint`](super::Paginator::checkpoint) takes one,
/// [`Paginator::resume_from`](super::Paginator::resume_from) starts a run there. With
/// the feature `serde` it is `Serialize` and `Deserialize`, so a crawl can be resumed
/// in a later process (the cursor type must be serializable too: `url::Url` is, with
/// that feature).
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Checkpoint, Page};
/// use futures::StreamExt;
///
/// # futures::executor::block_on(async {
/// let fetch = |n: u32| async move { Ok::<_, ()>(Page::new(vec![n * 10, n * 10 + 1], (n < 4).then_some(n + 1))) };
/// let mut first_run = paginate(0, fetch).pages();
/// first_run.next().await;
/// first_run.next().await;
/// let saved = first_run.checkpoint();
/// assert_eq!(saved, Checkpoint { cursor: Some(2), pages: 2, items: 4 });
///
/// // Later, perhaps in another process:
/// let rest: Vec<u32> = paginate(0, fetch).resume_from(saved).map(Result::unwrap).collect().await;
/// assert_eq!(rest, [20, 21, 30, 31, 40, 41]);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Checkpoint<C> {
    /// The cursor of the next page to fetch; `None` when the listing is complete.
    pub cursor: Option<C>,
    /// How many pages came before it, in this run and the runs it resumed.
    pub pages: usize,
    /// How many items came before it, likewise.
    pub items: usize,
}

impl<C> Checkpoint<C> {
    /// The start of a listing: `cursor`, with nothing before it.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::Checkpoint;
    ///
    /// assert_eq!(Checkpoint::start("abc"), Checkpoint { cursor: Some("abc"), pages: 0, items: 0 });
    /// ```
    pub fn start(cursor: C) -> Self {
        Checkpoint {
            cursor: Some(cursor),
            pages: 0,
            items: 0,
        }
    }

    /// Whether the listing is complete: there is no next page.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::Checkpoint;
    ///
    /// assert!(Checkpoint::<u32> { cursor: None, pages: 3, items: 30 }.is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.cursor.is_none()
    }
}
