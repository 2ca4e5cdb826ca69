use core::any::Any;
use core::fmt;

/// Why a paginated stream stopped with an error; always its last item.
///
/// It says which page failed ([`page_index`](Self::page_index)) and holds the cursor
/// of that page ([`cursor`](Self::cursor)), so a caller can start a new run from
/// exactly there: no page is skipped and none is fetched twice.
///
/// The cursor is stored type-erased so that the error type only depends on the fetch
/// error `E`. Read it back with the cursor type of the paginator:
/// [`paginate`](super::paginate) uses the `C` of its first cursor,
/// [`paginate_offset`](super::paginate_offset) a `usize` offset and
/// [`paginate_pages`](super::paginate_pages) a `usize` page number.
///
/// # Examples
///
/// Resuming after a failure:
///
/// ```
/// use asyncgen::paginate::{paginate, Page, PaginateError};
/// use futures::{StreamExt, TryStreamExt};
///
/// # futures::executor::block_on(async {
/// let fails_once = std::cell::Cell::new(true);
/// let fetch = |cursor: u32| {
///     let fail = cursor == 2 && fails_once.replace(false);
///     async move {
///         if fail {
///             return Err("connection reset");
///         }
///         Ok(Page::new(vec![cursor * 10], (cursor < 3).then_some(cursor + 1)))
///     }
/// };
///
/// let first: Vec<Result<u32, PaginateError<&str>>> = paginate(0, &fetch).collect().await;
/// assert_eq!(first.len(), 3); // 0, 10, then the error
/// let error = first.into_iter().last().unwrap().unwrap_err();
/// assert_eq!(error.page_index(), 2);
/// assert_eq!(error.fetch_error(), Some(&"connection reset"));
///
/// let resumed: Vec<u32> = paginate(*error.cursor::<u32>().unwrap(), &fetch)
///     .try_collect()
///     .await
///     .unwrap();
/// assert_eq!(resumed, [20, 30]);
/// # });
/// ```
pub struct PaginateError<E> {
    page_index: usize,
    cursor: Box<dyn Any + Send + Sync>,
    kind: Kind<E>,
}

enum Kind<E> {
    Fetch {
        error: E,
        attempts: u32,
    },
    RepeatedCursor,
    // Only a prefetch task (feature `tokio`) can be cancelled.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    Cancelled,
}

impl<E> PaginateError<E> {
    pub(crate) fn fetch<C: Send + Sync + 'static>(
        page_index: usize,
        cursor: C,
        error: E,
        attempts: u32,
    ) -> Self {
        PaginateError {
            page_index,
            cursor: Box::new(cursor),
            kind: Kind::Fetch { error, attempts },
        }
    }

    pub(crate) fn repeated_cursor<C: Send + Sync + 'static>(page_index: usize, cursor: C) -> Self {
        PaginateError {
            page_index,
            cursor: Box::new(cursor),
            kind: Kind::RepeatedCursor,
        }
    }

    #[cfg(feature = "tokio")]
    pub(crate) fn cancelled<C: Send + Sync + 'static>(page_index: usize, cursor: C) -> Self {
        PaginateError {
            page_index,
            cursor: Box::new(cursor),
            kind: Kind::Cancelled,
        }
    }

    /// The position of the failed page in this run, counting from 0 for the page of the
    /// first cursor (the message counts from 1: index 0 is "page 1").
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut items = paginate(0u8, |_| async { Err::<Page<u8, u8>, _>("down") });
    /// assert_eq!(items.next().await.unwrap().unwrap_err().page_index(), 0);
    /// # });
    /// ```
    pub fn page_index(&self) -> usize {
        self.page_index
    }

    /// The cursor of the failed page, if `C` is the paginator's cursor type; start a new
    /// run with it to resume.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut items = paginate("a".to_string(), |_| async { Err::<Page<u8, String>, _>("down") });
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.cursor::<String>().map(String::as_str), Some("a"));
    /// assert_eq!(error.cursor::<u32>(), None); // not the cursor type
    /// # });
    /// ```
    pub fn cursor<C: Any>(&self) -> Option<&C> {
        self.cursor.downcast_ref()
    }

    /// Takes the cursor of the failed page out of the error; `Err(self)` when `C` is not
    /// the paginator's cursor type.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut items = paginate(3u64, |_| async { Err::<Page<u8, u64>, _>("down") });
    /// let error = items.next().await.unwrap().unwrap_err();
    /// assert_eq!(error.into_cursor::<u64>().ok(), Some(3));
    /// # });
    /// ```
    pub fn into_cursor<C: Any>(self) -> Result<C, Self> {
        match self.cursor.downcast::<C>() {
            Ok(cursor) => Ok(*cursor),
            Err(cursor) => Err(PaginateError { cursor, ..self }),
        }
    }

    /// The error of the last fetch attempt; `None` when the run stopped on a repeated
    /// cursor or was [cancelled](Self::is_cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut items = paginate(0u8, |_| async { Err::<Page<u8, u8>, _>(503) });
    /// assert_eq!(items.next().await.unwrap().unwrap_err().fetch_error(), Some(&503));
    /// # });
    /// ```
    pub fn fetch_error(&self) -> Option<&E> {
        match &self.kind {
            Kind::Fetch { error, .. } => Some(error),
            Kind::RepeatedCursor | Kind::Cancelled => None,
        }
    }

    /// Takes the fetch error out; `None` when the run stopped on a repeated cursor or
    /// was [cancelled](Self::is_cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut items = paginate(0u8, |_| async { Err::<Page<u8, u8>, _>(503) });
    /// assert_eq!(items.next().await.unwrap().unwrap_err().into_fetch_error(), Some(503));
    /// # });
    /// ```
    pub fn into_fetch_error(self) -> Option<E> {
        match self.kind {
            Kind::Fetch { error, .. } => Some(error),
            Kind::RepeatedCursor | Kind::Cancelled => None,
        }
    }

    /// How many times the failed page was fetched (1 without retries); 0 for a repeated
    /// cursor, which is never fetched, and for a [cancelled](Self::is_cancelled) run.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// let mut items = paginate(0u8, |_| async { Err::<Page<u8, u8>, _>("down") });
    /// assert_eq!(items.next().await.unwrap().unwrap_err().attempts(), 1);
    /// # });
    /// ```
    pub fn attempts(&self) -> u32 {
        match self.kind {
            Kind::Fetch { attempts, .. } => attempts,
            Kind::RepeatedCursor | Kind::Cancelled => 0,
        }
    }

    /// `true` when the run stopped because a page pointed back to a cursor already
    /// fetched in this run (see [`RepeatedCursor::Error`](super::RepeatedCursor::Error)).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// # futures::executor::block_on(async {
    /// // Every page points back to the first one.
    /// let items: Vec<_> = paginate(0u8, |_| async { Ok::<_, ()>(Page::new(vec![1], Some(0))) })
    ///     .collect()
    ///     .await;
    /// assert_eq!(items.len(), 2);
    /// assert!(items[1].as_ref().unwrap_err().is_repeated_cursor());
    /// # });
    /// ```
    pub fn is_repeated_cursor(&self) -> bool {
        matches!(self.kind, Kind::RepeatedCursor)
    }

    /// `true` when the run stopped because the task fetching ahead for
    /// [`prefetch`](super::Paginator::prefetch) was cancelled before the listing ended,
    /// as happens when the tokio runtime it was spawned on shuts down while the stream
    /// is still read from elsewhere. The [`cursor`](Self::cursor) is that of the first
    /// page not yielded, where a new run can resume.
    ///
    /// # Examples
    ///
    #[cfg_attr(feature = "tokio", doc = "```")]
    #[cfg_attr(not(feature = "tokio"), doc = "```ignore")]
    /// use asyncgen::paginate::{paginate, Page};
    /// use futures::StreamExt;
    ///
    /// let mut items = paginate(0u32, |n| async move {
    ///     Ok::<_, ()>(Page::new(vec![n], (n < 9).then_some(n + 1)))
    /// })
    /// .prefetch(1);
    /// // The prefetch task is spawned on the runtime of the first poll ...
    /// let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(runtime.block_on(items.next()).unwrap().unwrap(), 0);
    /// drop(runtime);
    /// // ... which is gone now: the rest of the listing is an error, not the end.
    /// let rest: Vec<_> = futures::executor::block_on(items.collect());
    /// let (error, yielded) = rest.split_last().unwrap();
    /// let error = error.as_ref().unwrap_err();
    /// assert!(error.is_cancelled());
    /// // Resuming there loses and repeats nothing.
    /// assert_eq!(*error.cursor::<u32>().unwrap(), 1 + yielded.len() as u32);
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, Kind::Cancelled)
    }
}

impl<E: fmt::Debug> fmt::Debug for PaginateError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("PaginateError");
        debug.field("page_index", &self.page_index);
        match &self.kind {
            Kind::Fetch { error, attempts } => {
                debug.field("error", error).field("attempts", attempts);
            }
            Kind::RepeatedCursor => {
                debug.field("repeated_cursor", &true);
            }
            Kind::Cancelled => {
                debug.field("cancelled", &true);
            }
        }
        debug.finish_non_exhaustive()
    }
}

/// Says which page failed, counting from 1 for the first page of the run, and how; the
/// fetch error itself is the [`source`](std::error::Error::source), which reporters
/// such as anyhow's `{:#}` print after this message, so it is not repeated here.
///
/// # Examples
///
/// ```
/// use asyncgen::paginate::{paginate, Page};
/// use futures::StreamExt;
///
/// # futures::executor::block_on(async {
/// let mut items = paginate(0u8, |_| async {
///     Err::<Page<u8, u8>, _>(std::io::Error::other("connection reset"))
/// });
/// let error = items.next().await.unwrap().unwrap_err();
/// assert_eq!(error.to_string(), "fetching page 1 failed");
/// let source = std::error::Error::source(&error).unwrap();
/// assert_eq!(source.to_string(), "connection reset");
/// # });
/// ```
impl<E> fmt::Display for PaginateError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let page = self.page_index.saturating_add(1);
        match &self.kind {
            Kind::Fetch { attempts: 1, .. } => write!(f, "fetching page {page} failed"),
            Kind::Fetch { attempts, .. } => {
                write!(f, "fetching page {page} failed after {attempts} attempts")
            }
            Kind::RepeatedCursor => write!(
                f,
                "page {page} would repeat a cursor already fetched in this run"
            ),
            Kind::Cancelled => write!(
                f,
                "page {page} was not fetched: the prefetch task was cancelled (its tokio \
                 runtime shut down?)"
            ),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for PaginateError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Fetch { error, .. } => Some(error),
            Kind::RepeatedCursor | Kind::Cancelled => None,
        }
    }
}
