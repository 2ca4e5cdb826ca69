use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, RandomState};

/// What a paginator does when a page's `next` cursor equals a cursor already fetched
/// in the same run; set with [`Paginator::on_repeated_cursor`](super::Paginator::on_repeated_cursor).
///
/// A server that hands out a cursor it handed out before would make a naive loop fetch
/// the same pages forever. What counts as a repeat, precisely:
///
/// - the cursor is compared with *every* cursor fetched in this run, the first one
///   included, not only with the previous one, so cycles longer than one page are
///   caught too;
/// - the check runs only when the repeated cursor would actually be fetched: a last
///   page (`next: None`) never triggers it, and neither does a `next` cursor left
///   unfollowed because [`max_pages`](super::Paginator::max_pages) or
///   [`max_items`](super::Paginator::max_items) was reached;
/// - fetching the same cursor again after a failure ([`retry`](super::Paginator::retry))
///   is not a repeat, and a new run (resuming from a
///   [`PaginateError::cursor`](super::PaginateError::cursor)) starts with a clean slate.
///
/// Two cases look alike and are told apart only by the API's documentation, so the
/// fetch closure should settle them before handing the cursor over:
///
/// - an end-of-listing sentinel (an empty token, a `null`) must become `next: None`.
///   When the first cursor is that same sentinel (`""` meaning "from the start"),
///   passing the final `""` on as `Some` would look like a cycle back to the first
///   page;
/// - an API that signals "nothing more for now" by echoing the cursor it was called
///   with (log tails) wants [`Stop`](RepeatedCursor::Stop).
///
/// With the default, [`Error`](RepeatedCursor::Error), either mistake costs no data:
/// every page before the repeat is delivered, and the error carries the cursor.
///
/// Memory: a run keeps a 128-bit fingerprint of each cursor it fetched (two SipHash
/// digests with independent random keys), 16 bytes per page whatever the cursor's size,
/// never the cursors themselves. Two different cursors share a fingerprint with a
/// probability of about `pages² / 2¹²⁹`, i.e. never in practice.
/// [`Continue`](RepeatedCursor::Continue) keeps nothing.
///
/// # Examples
///
/// Some APIs signal "no more data for now" by returning the cursor they were just
/// called with; `Stop` turns that into a clean end:
///
/// ```
/// use asyncgen::paginate::{paginate, Page, RepeatedCursor};
/// use futures::TryStreamExt;
///
/// # futures::executor::block_on(async {
/// let events: Vec<u32> = paginate(0u32, |token| async move {
///     match token {
///         0 => Ok::<_, ()>(Page::new(vec![1, 2], Some(1))),
///         _ => Ok(Page::new(vec![3], Some(1))), // the same token again: caught up
///     }
/// })
/// .on_repeated_cursor(RepeatedCursor::Stop)
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(events, [1, 2, 3]);
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RepeatedCursor {
    /// End the stream quietly after the page that pointed back; the repeated cursor is
    /// not fetched.
    Stop,
    /// Yield a [`PaginateError`](super::PaginateError) (for which
    /// [`is_repeated_cursor`](super::PaginateError::is_repeated_cursor) is true,
    /// carrying the repeated cursor) after the page that pointed back, then end. The
    /// default: it never loops forever and never hides that data may be missing.
    #[default]
    Error,
    /// Fetch the cursor again, as often as the server hands it out: for APIs whose
    /// cursors legitimately recur (e.g. polling a feed). No memory is kept. Combine it
    /// with [`max_pages`](super::Paginator::max_pages) if the listing may cycle forever.
    Continue,
}

/// Fingerprints of the cursors fetched in one run.
pub(crate) struct CursorLog {
    keys: Option<(RandomState, RandomState)>,
    seen: HashSet<u128, RandomState>,
}

impl CursorLog {
    pub(crate) fn new(mode: RepeatedCursor) -> Self {
        CursorLog {
            keys: (mode != RepeatedCursor::Continue)
                .then(|| (RandomState::new(), RandomState::new())),
            seen: HashSet::default(),
        }
    }

    /// Records `cursor`; `false` if it was recorded before. Always `true` for
    /// [`RepeatedCursor::Continue`], which records nothing.
    pub(crate) fn insert<C: Hash>(&mut self, cursor: &C) -> bool {
        match &self.keys {
            None => true,
            Some((high, low)) => {
                let fingerprint =
                    (u128::from(high.hash_one(cursor)) << 64) | u128::from(low.hash_one(cursor));
                self.seen.insert(fingerprint)
            }
        }
    }
}
