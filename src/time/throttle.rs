use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;

use super::RateLimiter;
use super::common::{inner_stream_accessors, lossless_size_hint, poll_hold_one};
use super::limiter::Limiter;

pin_project! {
    /// The stream of [`throttle`](super::StreamTimeExt::throttle): every item, each let
    /// through when the rate limiter gives it a cell.
    ///
    /// `L` is the limiter: [`RateLimiter`] by default, or any other [`Limiter`]. While it
    /// holds an item it waits in the limiter's line, also when it is not being polled;
    /// see [`RateLimiter::until_ready`](crate::RateLimiter::until_ready).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::Throttle;
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let throttled: Throttle<_> = futures::stream::iter(1..=3).throttle(Quota::per_second(2));
    /// let items: Vec<_> = throttled.map(|x| (x, start.elapsed())).collect().await;
    /// assert_eq!(items, [
    ///     (1, Duration::ZERO),
    ///     (2, Duration::from_millis(500)),
    ///     (3, Duration::from_millis(1000)),
    /// ]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Throttle<S: Stream, L: Limiter = RateLimiter> {
        #[pin]
        stream: S,
        limiter: L,
        // Leaves the limiter's line when dropped.
        #[pin]
        waiter: L::Waiter,
        // The item waiting for its cell.
        pending: Option<S::Item>,
        done: bool,
    }
}

impl<S: Stream, L: Limiter> Throttle<S, L> {
    pub(crate) fn new(stream: S, limiter: L) -> Throttle<S, L> {
        Throttle {
            stream,
            limiter,
            waiter: L::Waiter::default(),
            pending: None,
            done: false,
        }
    }

    inner_stream_accessors!("futures::stream::iter([1, 2, 3]).throttle(Quota::per_second(10))");

    /// The rate limiter this stream waits on (a clone shares its budget).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    /// use asyncgen::prelude::*;
    ///
    /// let limiter = RateLimiter::new(Quota::per_second(5));
    /// let throttled = futures::stream::iter([1, 2]).throttle(&limiter);
    /// assert_eq!(throttled.limiter().quota(), Quota::per_second(5));
    /// ```
    pub fn limiter(&self) -> &L {
        &self.limiter
    }
}

impl<S: Stream, L: Limiter> Stream for Throttle<S, L> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        // The next item is pulled only once the previous one went through.
        if !ready!(poll_hold_one(this.stream, this.pending, this.done, cx)) {
            return Poll::Ready(None);
        }
        ready!(this.limiter.poll_cell(this.waiter, cx));
        Poll::Ready(this.pending.take())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done && self.pending.is_none() {
            return (0, Some(0));
        }
        lossless_size_hint(self.stream.size_hint(), self.pending.is_some())
    }
}

impl<S: Stream, L: Limiter> FusedStream for Throttle<S, L> {
    fn is_terminated(&self) -> bool {
        self.done && self.pending.is_none()
    }
}

impl<S: Stream + fmt::Debug, L: Limiter> fmt::Debug for Throttle<S, L>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("stream", &self.stream)
            .field("limiter", &self.limiter)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}
