use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use pin_project_lite::pin_project;
use tokio::time::Instant;

use super::common::{DRAIN_BUDGET, after, inner_stream_accessors, lossy_size_hint};
use super::lazy_sleep::LazySleep;

pin_project! {
    /// The stream of [`debounce`](super::StreamTimeExt::debounce): an item only once the
    /// inner stream has been quiet for `quiet` after it; items superseded sooner are
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::Debounce;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // Keystrokes: "r", "ru", "rus" 50 ms apart, a pause, then "rust".
    /// let keys = futures::stream::iter([(0, "r"), (50, "ru"), (50, "rus"), (500, "rust")])
    ///     .then(|(gap, text)| async move {
    ///         tokio::time::sleep(Duration::from_millis(gap)).await;
    ///         text
    ///     });
    /// let settled: Debounce<_> = keys.debounce(Duration::from_millis(200));
    /// let settled: Vec<&str> = settled.collect().await;
    /// // "rus" at 300 ms (200 ms after it came); "rust" when the stream ends.
    /// assert_eq!(settled, ["rus", "rust"]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Debounce<S: Stream> {
        #[pin]
        stream: S,
        #[pin]
        sleep: LazySleep,
        quiet: Duration,
        latest: Option<S::Item>,
        done: bool,
    }
}

impl<S: Stream> Debounce<S> {
    pub(crate) fn new(stream: S, quiet: Duration) -> Debounce<S> {
        Debounce {
            stream,
            sleep: LazySleep::new(),
            quiet,
            latest: None,
            done: false,
        }
    }

    inner_stream_accessors!("futures::stream::iter([1, 2, 3]).debounce(Duration::from_secs(1))");
}

impl<S: Stream> Stream for Debounce<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        // Items first: one that arrives at the very instant the quiet period ends
        // restarts it.
        for _ in 0..DRAIN_BUDGET {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => {
                    *this.latest = Some(item);
                    this.sleep.as_mut().arm(after(Instant::now(), *this.quiet));
                }
                Poll::Ready(None) => {
                    // The end: the pending item has nothing left to wait for.
                    *this.done = true;
                    return Poll::Ready(this.latest.take());
                }
                Poll::Pending => {
                    if this.latest.is_some() && this.sleep.as_mut().poll_fired(cx).is_ready() {
                        return Poll::Ready(this.latest.take());
                    }
                    return Poll::Pending;
                }
            }
        }
        // An always-ready stream is never quiet; let the task yield before going on.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        lossy_size_hint(self.stream.size_hint(), self.latest.is_some())
    }
}

impl<S: Stream> FusedStream for Debounce<S> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<S: Stream + fmt::Debug> fmt::Debug for Debounce<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Debounce")
            .field("stream", &self.stream)
            .field("quiet", &self.quiet)
            .field("latest", &self.latest)
            .finish_non_exhaustive()
    }
}
