//! [`MapConcurrent`]: `f(item)` futures, at most `limit` at once, outputs in input order.

use core::fmt;
use core::future::Future;
use core::num::NonZeroUsize;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::collections::VecDeque;

use futures_core::stream::{FusedStream, Stream};
use futures_util::stream::{Fuse, FuturesUnordered, StreamExt};
use pin_project_lite::pin_project;

use super::coop::{OUTPUTS_PER_POLL, poll_budget};
use super::driver::nonzero_limit;
use super::tagged::Tagged;

pin_project! {
    /// The stream returned by
    /// [`map_concurrent`](super::StreamConcurrentExt::map_concurrent): the outputs of
    /// `f(item)` in input order, with at most `limit` futures running at once.
    ///
    /// `limit` counts running futures only. An output that finishes before an earlier
    /// one is kept until that one is out, and its place goes to the next input right
    /// away, so one slow future never keeps the others from starting. (futures-util's
    /// `buffered(n)` counts such finished-but-waiting outputs against `n`, so behind a
    /// slow first item it runs fewer and fewer futures; that is why this type pairs
    /// `FuturesUnordered` with its own reorder queue instead of wrapping `Buffered`.)
    /// The price is memory: while an early future is stuck, the outputs finished after
    /// it pile up, one per input started since.
    ///
    /// # Panics
    ///
    /// A panic in a future, in `f` or in the input stream passes through the poll to
    /// the consumer. A consumer that catches it and polls again gets `None`: the stream
    /// has ended, and the futures still running are dropped. Outputs are in input
    /// order but carry no index, so handing out the ones after the future that
    /// panicked would put each one place early.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let in_order: Vec<u64> = futures::stream::iter([30, 10, 20])
    ///     .map_concurrent(3, |ms| async move {
    ///         tokio::time::sleep(Duration::from_millis(ms)).await;
    ///         ms
    ///     })
    ///     .collect()
    ///     .await;
    /// assert_eq!(in_order, [30, 10, 20]);
    /// # }
    /// ```
    #[must_use = "streams do nothing unless polled"]
    pub struct MapConcurrent<S, F, Fut: Future> {
        #[pin]
        stream: Fuse<S>,
        f: F,
        in_flight: FuturesUnordered<Tagged<Fut>>,
        // Slot `k` holds the output of input number `next_out + k` once it has
        // finished; `None` while that future still runs.
        finished: VecDeque<Option<Fut::Output>>,
        // Input number of the next output to hand out.
        next_out: usize,
        // Input number the next started future gets.
        next_in: usize,
        limit: NonZeroUsize,
        // Set while a poll runs, so still set if it unwound; from then on the stream
        // has ended.
        unwound: bool,
    }
}

impl<S, F, Fut> MapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    #[track_caller]
    pub(super) fn new(stream: S, limit: usize, f: F) -> Self {
        let limit = nonzero_limit("map_concurrent", limit);
        MapConcurrent {
            stream: stream.fuse(),
            f,
            in_flight: FuturesUnordered::new(),
            finished: VecDeque::new(),
            next_out: 0,
            next_in: 0,
            limit,
            unwound: false,
        }
    }

    fn poll_in_order(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let mut this = self.project();
        let mut parked = 0;
        loop {
            // Every output taken from the running futures costs one unit of tokio's
            // budget, parked or handed out, so a long run of outputs parked behind a
            // slow one still lets the task yield.
            let budget = ready!(poll_budget(cx));
            // Start new work while fewer than `limit` futures run.
            while this.in_flight.len() < this.limit.get() {
                match this.stream.as_mut().poll_next(cx) {
                    Poll::Ready(Some(item)) => {
                        let future = (this.f)(item);
                        this.in_flight.push(Tagged::new(*this.next_in, future));
                        *this.next_in += 1;
                    }
                    Poll::Ready(None) | Poll::Pending => break,
                }
            }

            match this.in_flight.poll_next_unpin(cx) {
                // The output next in line goes straight out, skipping the queue.
                Poll::Ready(Some((index, output))) if index == *this.next_out => {
                    budget.made_progress();
                    *this.next_out += 1;
                    this.finished.pop_front();
                    return Poll::Ready(Some(output));
                }
                Poll::Ready(Some((index, output))) => {
                    budget.made_progress();
                    let slot = index - *this.next_out;
                    if slot >= this.finished.len() {
                        this.finished.resize_with(slot + 1, || None);
                    }
                    this.finished[slot] = Some(output);
                }
                // Nothing finished this time (or nothing runs): hand out what waits.
                Poll::Ready(None) | Poll::Pending => {
                    return match take_next(this.finished, this.next_out) {
                        Some(output) => {
                            budget.made_progress();
                            Poll::Ready(Some(output))
                        }
                        None if this.in_flight.is_empty() && this.stream.is_done() => {
                            Poll::Ready(None)
                        }
                        None => Poll::Pending,
                    };
                }
            }

            // An output parked earlier may be next in line by now.
            if let Some(output) = take_next(this.finished, this.next_out) {
                return Poll::Ready(Some(output));
            }
            // Outside tokio there is no budget to run out of: stop after as many outputs
            // as tokio would allow, so that any executor gets control back.
            parked += 1;
            if parked == OUTPUTS_PER_POLL {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }
}

impl<S, F, Fut> Stream for MapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    type Item = Fut::Output;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Fut::Output>> {
        let this = self.as_mut().project();
        if *this.unwound {
            // A future that panicked was dropped by `FuturesUnordered`, so its output
            // never comes. Waiting for it would park every later output until the input
            // ends (an endless input: for ever), and skipping it would hand each later
            // output out one place early. The stream ends, as a generator does after a
            // panic.
            this.in_flight.clear();
            this.finished.clear();
            return Poll::Ready(None);
        }
        *this.unwound = true;
        let polled = self.as_mut().poll_in_order(cx);
        *self.project().unwound = false;
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.unwound {
            return (0, Some(0));
        }
        let waiting = self.next_in - self.next_out;
        let (lower, upper) = self.stream.size_hint();
        (
            lower.saturating_add(waiting),
            upper.and_then(|upper| upper.checked_add(waiting)),
        )
    }
}

/// Pops the output next in line if it has finished.
fn take_next<T>(finished: &mut VecDeque<Option<T>>, next_out: &mut usize) -> Option<T> {
    if !matches!(finished.front(), Some(Some(_))) {
        return None;
    }
    *next_out += 1;
    finished.pop_front().flatten()
}

impl<S, F, Fut> FusedStream for MapConcurrent<S, F, Fut>
where
    S: Stream,
    F: FnMut(S::Item) -> Fut,
    Fut: Future,
{
    fn is_terminated(&self) -> bool {
        self.unwound || (self.stream.is_done() && self.next_in == self.next_out)
    }
}

impl<S: fmt::Debug, F, Fut: Future> fmt::Debug for MapConcurrent<S, F, Fut> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapConcurrent")
            .field("stream", &self.stream)
            .field("running", &self.in_flight.len())
            .field("waiting", &(self.next_in - self.next_out))
            .field("limit", &self.limit)
            .field("unwound", &self.unwound)
            .finish_non_exhaustive()
    }
}
