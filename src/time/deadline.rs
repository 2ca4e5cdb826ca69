use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;
use tokio::time::Instant;

use super::Elapsed;
use super::common::{after, inner_stream_accessors};
use super::lazy_sleep::LazySleep;

pin_project! {
    /// The stream of [`deadline`](super::StreamTimeExt::deadline): `Ok(item)` until
    /// `limit` has passed since the first poll, then one `Err(Elapsed)` and the end.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::Deadline;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let ticks = futures::stream::iter(1..).then(|x| async move {
    ///     tokio::time::sleep(Duration::from_millis(300)).await;
    ///     x
    /// });
    /// let items: Deadline<_> = ticks.deadline(Duration::from_secs(1));
    /// let items: Vec<_> = items.collect().await;
    /// assert_eq!(items.len(), 4);
    /// assert_eq!(items[..3], [Ok(1), Ok(2), Ok(3)]); // at 300, 600, 900 ms
    /// assert!(items[3].is_err()); // at 1 s, and the end
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Deadline<S> {
        #[pin]
        stream: S,
        #[pin]
        sleep: LazySleep,
        limit: Duration,
        done: bool,
    }
}

impl<S: Stream> Deadline<S> {
    pub(crate) fn new(stream: S, limit: Duration) -> Deadline<S> {
        Deadline {
            stream,
            sleep: LazySleep::new(),
            limit,
            done: false,
        }
    }

    inner_stream_accessors!("futures::stream::iter([1, 2, 3]).deadline(Duration::from_secs(1))");
}

impl<S: Stream> Stream for Deadline<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        if this.sleep.deadline().is_none() {
            this.sleep.as_mut().arm(after(Instant::now(), *this.limit));
        }
        // The deadline first: once it has passed, no more items, even ready ones.
        if this.sleep.as_mut().poll_fired(cx).is_ready() {
            *this.done = true;
            return Poll::Ready(Some(Err(Elapsed::new(*this.limit))));
        }
        let next = std::task::ready!(this.stream.as_mut().poll_next(cx));
        *this.done = next.is_none();
        Poll::Ready(next.map(Ok))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        // Cut short at any time, and possibly one error.
        (0, self.stream.size_hint().1.and_then(|h| h.checked_add(1)))
    }
}

impl<S: Stream> FusedStream for Deadline<S> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<S: fmt::Debug> fmt::Debug for Deadline<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("stream", &self.stream)
            .field("limit", &self.limit)
            .field("deadline", &self.sleep.deadline())
            .finish_non_exhaustive()
    }
}
