use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;
use tokio::time::Instant;

use super::Elapsed;
use super::common::{after, inner_stream_accessors};
use super::lazy_sleep::LazySleep;

pin_project! {
    /// The stream of [`timeout_each`](super::StreamTimeExt::timeout_each): `Ok(item)` for
    /// each item, and an `Err(Elapsed)` for each `limit` spent waiting in vain.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::TimeoutEach;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let slow = futures::stream::iter([1, 2]).then(|x| async move {
    ///     tokio::time::sleep(Duration::from_millis(250)).await;
    ///     x
    /// });
    /// let items: TimeoutEach<_> = slow.timeout_each(Duration::from_millis(100));
    /// let oks: Vec<bool> = items.map(|r| r.is_ok()).collect().await;
    /// // Two timeouts (at 100 and 200 ms), then the item at 250 ms; again for item 2.
    /// assert_eq!(oks, [false, false, true, false, false, true]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct TimeoutEach<S> {
        #[pin]
        stream: S,
        #[pin]
        sleep: LazySleep,
        limit: Duration,
        // Whether the timer measures the current wait.
        waiting: bool,
        done: bool,
    }
}

impl<S: Stream> TimeoutEach<S> {
    #[track_caller]
    pub(crate) fn new(stream: S, limit: Duration) -> TimeoutEach<S> {
        assert!(
            !limit.is_zero(),
            "StreamTimeExt::timeout_each: the time limit must be longer than zero"
        );
        TimeoutEach {
            stream,
            sleep: LazySleep::new(),
            limit,
            waiting: false,
            done: false,
        }
    }

    inner_stream_accessors!(
        "futures::stream::iter([1, 2, 3]).timeout_each(Duration::from_secs(1))"
    );
}

impl<S: Stream> Stream for TimeoutEach<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        // The stream first: an item that is ready when the limit passes still wins.
        if let Poll::Ready(next) = this.stream.as_mut().poll_next(cx) {
            *this.waiting = false;
            *this.done = next.is_none();
            return Poll::Ready(next.map(Ok));
        }
        if !*this.waiting {
            *this.waiting = true;
            this.sleep.as_mut().arm(after(Instant::now(), *this.limit));
        }
        ready!(this.sleep.as_mut().poll_fired(cx));
        // The next wait starts with the next poll.
        *this.waiting = false;
        Poll::Ready(Some(Err(Elapsed::new(*this.limit))))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        // Any number of errors may come between the items.
        (self.stream.size_hint().0, None)
    }
}

impl<S: Stream> FusedStream for TimeoutEach<S> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<S: fmt::Debug> fmt::Debug for TimeoutEach<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutEach")
            .field("stream", &self.stream)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}
