//! [`MapUnordered`]: `f(item)` futures, at most `limit` at once, outputs as they finish.

use core::fmt;
use core::future::Future;
use core::num::NonZeroUsize;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_core::stream::{FusedStream, Stream};
use futures_util::stream::{Fuse, FuturesUnordered, StreamExt};
use pin_project_lite::pin_project;

use super::coop::poll_budget;
use super::driver::nonzero_limit;

pin_project! {
    /// The stream returned by
    /// [`map_unordered`](super::StreamConcurrentExt::map_unordered): the outputs of
    /// `f(item)` in the order the futures finish, with at most `limit` running at once.
    ///
    /// These are futures-util's `BufferUnordered` semantics (a finished future frees its
    /// place at once, so a slow one never holds back the others), built on the same
    /// `FuturesUnordered`; owning the mapping closure lets the type be named with its
    /// closure and future types instead of through futures-util's private `Map` bounds.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let finished: Vec<u64> = futures::stream::iter([30, 10, 20])
    ///     .map_unordered(3, |ms| async move {
    ///         tokio::time::sleep(Duration::from_millis(ms)).await;
    ///         ms
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(finished, [10, 20, 30]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct MapUnordered<S, F, Fut> {
        #[pin]
        stream: Fuse<S>,
        f: F,
        in_flight: FuturesUnordered<Fut>,
        limit: NonZeroUsize,
    }
}

impl<S, F, Fut> MapUnordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    #[track_caller]
    pub(super) fn new(stream: S, limit: usize, f: F) -> Self {
        let limit = nonzero_limit("map_unordered", limit);
        MapUnordered {
            stream: stream.fuse(),
            f,
            in_flight: FuturesUnordered::new(),
            limit,
        }
    }
}

impl<S, F, Fut> Stream for MapUnordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let budget = ready!(poll_budget(cx));
        let mut this = self.project();

        // Start new work while there is room, then drive what is running.
        while this.in_flight.len() < this.limit.get() {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => this.in_flight.push((this.f)(item)),
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        match this.in_flight.poll_next_unpin(cx) {
            Poll::Ready(Some(output)) => {
                budget.made_progress();
                Poll::Ready(Some(output))
            }
            Poll::Ready(None) if this.stream.is_done() => Poll::Ready(None),
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let running = self.in_flight.len();
        let (lower, upper) = self.stream.size_hint();
        (
            lower.saturating_add(running),
            upper.and_then(|upper| upper.checked_add(running)),
        )
    }
}

impl<S, F, Fut> FusedStream for MapUnordered<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    fn is_terminated(&self) -> bool {
        self.stream.is_done() && self.in_flight.is_empty()
    }
}

impl<S: fmt::Debug, F, Fut> fmt::Debug for MapUnordered<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapUnordered")
            .field("stream", &self.stream)
            .field("running", &self.in_flight.len())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}
