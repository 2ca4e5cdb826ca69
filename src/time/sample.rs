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
    /// The stream of [`sample`](super::StreamTimeExt::sample): at each tick of a fixed
    /// period, the latest item received since the previous tick; the others are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use asyncgen::time::Sample;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // One reading every 10 ms, sampled every 100 ms.
    /// let readings = futures::stream::iter(1..=25).then(|x| async move {
    ///     tokio::time::sleep(Duration::from_millis(10)).await;
    ///     x
    /// });
    /// let sampled: Sample<_> = readings.sample(Duration::from_millis(100));
    /// let sampled: Vec<u32> = sampled.collect().await;
    /// // Ticks at 100 and 200 ms; the end at 250 ms flushes the last reading.
    /// assert_eq!(sampled, [10, 20, 25]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct Sample<S: Stream> {
        #[pin]
        stream: S,
        #[pin]
        sleep: LazySleep,
        period: Duration,
        latest: Option<S::Item>,
        inner_done: bool,
        done: bool,
    }
}

impl<S: Stream> Sample<S> {
    #[track_caller]
    pub(crate) fn new(stream: S, period: Duration) -> Sample<S> {
        assert!(
            !period.is_zero(),
            "StreamTimeExt::sample: the period must be longer than zero"
        );
        Sample {
            stream,
            sleep: LazySleep::new(),
            period,
            latest: None,
            inner_done: false,
            done: false,
        }
    }

    inner_stream_accessors!("futures::stream::iter([1, 2, 3]).sample(Duration::from_secs(1))");
}

impl<S: Stream> Stream for Sample<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        if this.sleep.deadline().is_none() {
            this.sleep.as_mut().arm(after(Instant::now(), *this.period));
        }
        // Items first: one that arrives at the very instant of a tick belongs to it.
        let mut exhausted_budget = true;
        for _ in 0..DRAIN_BUDGET {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(item)) => *this.latest = Some(item),
                Poll::Ready(None) => {
                    *this.inner_done = true;
                    exhausted_budget = false;
                    break;
                }
                Poll::Pending => {
                    exhausted_budget = false;
                    break;
                }
            }
        }
        if *this.inner_done {
            // The end flushes the item the next tick would have carried.
            *this.done = true;
            return Poll::Ready(this.latest.take());
        }
        loop {
            if this.sleep.as_mut().poll_fired(cx).is_pending() {
                if exhausted_budget {
                    cx.waker().wake_by_ref();
                }
                return Poll::Pending;
            }
            // Ticks stay on the grid `first poll + k * period`; ticks missed while
            // no one polled are skipped, not caught up.
            let tick = this.sleep.deadline().unwrap_or_else(Instant::now);
            let next_tick = next_on_grid(tick, *this.period, Instant::now());
            this.sleep.as_mut().arm(next_tick);
            if let Some(item) = this.latest.take() {
                return Poll::Ready(Some(item));
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            return (0, Some(0));
        }
        lossy_size_hint(self.stream.size_hint(), self.latest.is_some())
    }
}

/// The first `tick + k * period` (k >= 1) after `now`.
///
/// Computed as `now` plus what is left of the current period, so that no multiple of
/// the period is formed: however long the stream sat unpolled, the grid goes on.
fn next_on_grid(tick: Instant, period: Duration, now: Instant) -> Instant {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    if now < tick {
        return after(tick, period);
    }
    let behind = now.duration_since(tick).as_nanos();
    let left = period.as_nanos() - behind % period.as_nanos();
    // At most `period`, so its whole seconds fit in a `u64`.
    let left = Duration::new((left / NANOS_PER_SEC) as u64, (left % NANOS_PER_SEC) as u32);
    after(now, left)
}

impl<S: Stream> FusedStream for Sample<S> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<S: Stream + fmt::Debug> fmt::Debug for Sample<S>
where
    S::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sample")
            .field("stream", &self.stream)
            .field("period", &self.period)
            .field("latest", &self.latest)
            .finish_non_exhaustive()
    }
}
