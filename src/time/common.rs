//! What the time adapters share: a stand-in for "never", the budget of a draining poll,
//! size hints, the "hold one pending item" step, and the inner-stream accessors.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::stream::Stream;
use tokio::time::Instant;

/// How many ready items one poll takes from the inner stream before it lets the task
/// yield, so that an always-ready stream cannot starve the rest of the runtime.
pub(crate) const DRAIN_BUDGET: usize = 128;

/// A deadline for a limit too long to add to the clock: about thirty years away.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(30 * 365 * 86_400)
}

/// `now + d`, or [`far_future`] where that is beyond what `Instant` holds.
pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or_else(far_future)
}

/// The step of an adapter that delays items but never drops them: makes sure one item is
/// held in `pending`, pulling it from the inner stream only when none is. `Ready(true)`
/// with an item held, `Ready(false)` at the end (and after it, without polling again).
pub(crate) fn poll_hold_one<S: Stream + ?Sized>(
    stream: Pin<&mut S>,
    pending: &mut Option<S::Item>,
    done: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<bool> {
    if pending.is_some() {
        return Poll::Ready(true);
    }
    if *done {
        return Poll::Ready(false);
    }
    match ready!(stream.poll_next(cx)) {
        Some(item) => {
            *pending = Some(item);
            Poll::Ready(true)
        }
        None => {
            *done = true;
            Poll::Ready(false)
        }
    }
}

/// The size hint of an adapter that delays but never drops: what the inner stream has
/// left, plus the item it holds back, if any.
pub(crate) fn lossless_size_hint(
    inner: (usize, Option<usize>),
    holds_item: bool,
) -> (usize, Option<usize>) {
    let held = usize::from(holds_item);
    (
        inner.0.saturating_add(held),
        inner.1.and_then(|high| high.checked_add(held)),
    )
}

/// The size hint of an adapter that may drop items: at least one more item if anything
/// is left at all (the last one always comes out), at most everything.
pub(crate) fn lossy_size_hint(
    inner: (usize, Option<usize>),
    holds_item: bool,
) -> (usize, Option<usize>) {
    let held = usize::from(holds_item);
    (
        usize::from(inner.0 > 0 || holds_item),
        inner.1.and_then(|high| high.checked_add(held)),
    )
}

/// `get_ref`, `get_mut`, `get_pin_mut` and `into_inner` for an adapter whose inner stream
/// is the pinned field `stream`, and whose type has no `Drop` of its own.
macro_rules! inner_stream_accessors {
    ($make:literal) => {
        /// The inner stream.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[allow(unused_imports)]
        /// use asyncgen::prelude::*;
        /// # #[allow(unused_imports)]
        /// use asyncgen::Quota;
        /// # #[allow(unused_imports)]
        /// use std::time::Duration;
        ///
        #[doc = concat!("let mut adapted = ", $make, ";")]
        /// assert_eq!(adapted.get_ref().size_hint(), (3, Some(3)));
        /// assert_eq!(adapted.get_mut().size_hint(), (3, Some(3)));
        /// let inner = adapted.into_inner();
        /// assert_eq!(inner.size_hint(), (3, Some(3)));
        ///
        #[doc = concat!("let mut pinned = Box::pin(", $make, ");")]
        /// assert_eq!(pinned.as_mut().get_pin_mut().size_hint(), (3, Some(3)));
        /// ```
        pub fn get_ref(&self) -> &S {
            &self.stream
        }

        /// The inner stream, mutably. Taking items from it directly skips the adapter.
        pub fn get_mut(&mut self) -> &mut S {
            &mut self.stream
        }

        /// The pinned inner stream, mutably.
        pub fn get_pin_mut(self: std::pin::Pin<&mut Self>) -> std::pin::Pin<&mut S> {
            self.project().stream
        }

        /// The inner stream, giving up the adapter's state (an item held back is
        /// dropped).
        pub fn into_inner(self) -> S {
            self.stream
        }
    };
}

pub(crate) use inner_stream_accessors;
