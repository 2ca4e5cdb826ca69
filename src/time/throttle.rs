use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;

use super::RateLimiter;
use super::rate_limiter::Waiter;

pin_project! {
    /// The stream of [`throttle`](super::StreamTimeExt::throttle): every item, each let
    /// through when the rate limiter gives it a cell.
    ///
    /// While it holds an item it waits in the limiter's line, also when it is not being
    /// polled; see [`RateLimiter::until_ready`](crate::RateLimiter::until_ready).
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
    pub struct Throttle<S: Stream> {
        #[pin]
        stream: S,
        limiter: RateLimiter,
        #[pin]
        waiter: Waiter,
        // The item waiting for its cell.
        pending: Option<S::Item>,
        done: bool,
    }

    impl<S: Stream> PinnedDrop for Throttle<S> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            this.waiter.cancel(this.limiter.shared());
        }
    }
}

impl<S: Stream> Throttle<S> {
    pub(crate) fn new(stream: S, limiter: RateLimiter) -> Throttle<S> {
        Throttle {
            stream,
            limiter,
            waiter: Waiter::new(),
            pending: None,
            done: false,
        }
    }

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
    pub fn limiter(&self) -> &RateLimiter {
        &self.limiter
    }
}

impl<S: Stream> Stream for Throttle<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if this.pending.is_none() {
            if *this.done {
                return Poll::Ready(None);
            }
            // The next item is pulled only once the previous one went through.
            match ready!(this.stream.as_mut().poll_next(cx)) {
                Some(item) => *this.pending = Some(item),
                None => {
                    *this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
        ready!(this.waiter.poll_acquire(this.limiter.shared(), cx));
        Poll::Ready(this.pending.take())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done && self.pending.is_none() {
            return (0, Some(0));
        }
        super::lossless_size_hint(self.stream.size_hint(), self.pending.is_some())
    }
}

impl<S: Stream> FusedStream for Throttle<S> {
    fn is_terminated(&self) -> bool {
        self.done && self.pending.is_none()
    }
}

impl<S: Stream + fmt::Debug> fmt::Debug for Throttle<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("stream", &self.stream)
            .field("limiter", &self.limiter)
            .field("pending", &self.pending)
            .finish()
    }
}
