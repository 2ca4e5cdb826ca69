use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;
use tokio::time::Instant;

use super::common::{after, inner_stream_accessors, lossless_size_hint, poll_hold_one};
use super::lazy_sleep::LazySleep;

pin_project! {
    /// The stream of [`space_out`](super::StreamTimeExt::space_out): every item, at least
    /// `gap` after the one before.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::SpaceOut;
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let spaced: SpaceOut<_> = futures::stream::iter(["a", "b", "c"]).space_out(Duration::from_secs(1));
    /// let times: Vec<_> = spaced.map(|_| start.elapsed().as_secs()).collect().await;
    /// assert_eq!(times, [0, 1, 2]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct SpaceOut<S: Stream> {
        #[pin]
        stream: S,
        #[pin]
        sleep: LazySleep,
        gap: Duration,
        // When the next item may go out: `gap` after the last one did.
        not_before: Option<Instant>,
        pending: Option<S::Item>,
        done: bool,
    }
}

impl<S: Stream> SpaceOut<S> {
    pub(crate) fn new(stream: S, gap: Duration) -> SpaceOut<S> {
        SpaceOut {
            stream,
            sleep: LazySleep::new(),
            gap,
            not_before: None,
            pending: None,
            done: false,
        }
    }

    inner_stream_accessors!("futures::stream::iter([1, 2, 3]).space_out(Duration::from_secs(1))");
}

impl<S: Stream> Stream for SpaceOut<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if !ready!(poll_hold_one(this.stream, this.pending, this.done, cx)) {
            return Poll::Ready(None);
        }
        let mut now = Instant::now();
        if let Some(not_before) = *this.not_before
            && now < not_before
        {
            this.sleep.as_mut().arm(not_before);
            ready!(this.sleep.as_mut().poll_fired(cx));
            now = Instant::now();
        }
        // Measured from when the item actually went out, so the gap holds even when the
        // timer fires late. A gap beyond what `Instant` can hold means "never again".
        *this.not_before = Some(after(now, *this.gap));
        Poll::Ready(this.pending.take())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done && self.pending.is_none() {
            return (0, Some(0));
        }
        lossless_size_hint(self.stream.size_hint(), self.pending.is_some())
    }
}

impl<S: Stream> FusedStream for SpaceOut<S> {
    fn is_terminated(&self) -> bool {
        self.done && self.pending.is_none()
    }
}

impl<S: Stream + fmt::Debug> fmt::Debug for SpaceOut<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpaceOut")
            .field("stream", &self.stream)
            .field("gap", &self.gap)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}
