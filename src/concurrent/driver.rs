use core::future::Future;
use core::num::NonZeroUsize;
use core::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt as _};

use super::tagged::Tagged;

/// The engine shared by `as_completed`, `gather` and `try_gather`: pulls futures from the
/// input iterator (all at once, or lazily up to a limit), runs them in a
/// `FuturesUnordered` and hands out `(input_index, output)` in completion order.
pub(crate) struct Driver<I: Iterator> {
    /// `None` once the iterator has returned `None`, so it is never called again.
    input: Option<I>,
    in_flight: FuturesUnordered<Tagged<I::Item>>,
    /// `in_flight.len()`, kept here because `FuturesUnordered::len` costs atomic loads
    /// and this is read twice per item.
    running: usize,
    limit: Option<NonZeroUsize>,
    next_index: usize,
}

// `FuturesUnordered` pins each future in its own allocation, and the iterator is only
// ever used through `&mut`, so nothing here relies on the driver staying put.
impl<I: Iterator> Unpin for Driver<I> {}

impl<I> Driver<I>
where
    I: Iterator,
    I::Item: Future,
{
    pub(crate) fn new(input: I) -> Self {
        Self {
            input: Some(input),
            in_flight: FuturesUnordered::new(),
            running: 0,
            limit: None,
            next_index: 0,
        }
    }

    /// Swaps the input iterator for `wrap(input)`, keeping the limit.
    ///
    /// # Panics
    ///
    /// If futures were already taken from the input: they run inside this driver and
    /// cannot be moved into the new one.
    #[cfg(feature = "tokio")]
    #[track_caller]
    pub(crate) fn map_input<J>(self, wrap: impl FnOnce(I) -> J) -> Driver<J>
    where
        J: Iterator,
        J::Item: Future,
    {
        assert!(
            self.next_index == 0,
            "spawned() must be called before the first poll: futures already running cannot be moved into tasks",
        );
        Driver {
            input: self.input.map(wrap),
            in_flight: FuturesUnordered::new(),
            running: 0,
            limit: self.limit,
            next_index: 0,
        }
    }

    #[track_caller]
    pub(crate) fn set_limit(&mut self, limit: usize) {
        let Some(limit) = NonZeroUsize::new(limit) else {
            panic!("limit must be at least 1, got 0");
        };
        self.limit = Some(limit);
    }

    /// How many futures have been taken from the input so far.
    pub(crate) fn issued(&self) -> usize {
        self.next_index
    }

    pub(crate) fn is_terminated(&self) -> bool {
        self.input.is_none() && self.running == 0
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        let running = self.running;
        match &self.input {
            None => (running, Some(running)),
            Some(input) => {
                let (low, high) = input.size_hint();
                (
                    running.saturating_add(low),
                    high.and_then(|high| high.checked_add(running)),
                )
            }
        }
    }

    /// Takes futures from the input until the limit is reached or the input ends.
    pub(crate) fn fill(&mut self) {
        let Some(input) = &mut self.input else { return };
        let room = match self.limit {
            Some(limit) => limit.get().saturating_sub(self.running),
            None => usize::MAX,
        };
        for _ in 0..room {
            match input.next() {
                Some(future) => {
                    self.in_flight.push(Tagged::new(self.next_index, future));
                    self.next_index += 1;
                    self.running += 1;
                }
                None => {
                    self.input = None;
                    return;
                }
            }
        }
    }

    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(usize, <I::Item as Future>::Output)>> {
        // Under tokio, every item costs one unit of the task's cooperative budget: a
        // flood of ready futures would otherwise never return `Pending` and starve every
        // other task on the worker. The budget is checked before any inner future is
        // polled, so an exhausted budget never makes the inner futures spin.
        #[cfg(feature = "tokio")]
        let coop = core::task::ready!(tokio::task::coop::poll_proceed(cx));

        self.fill();
        // A poll of `in_flight` ends in one of three ways: an output (one future fewer),
        // nothing (as many as before), or a panic, after which `FuturesUnordered` has
        // dropped the panicking future (one fewer). Counting the one out before polling
        // keeps `running` exact even when the panic unwinds through here and the
        // consumer catches it and polls on; an overcount would shrink the limit for
        // good.
        let running = self.running;
        self.running = running.saturating_sub(1);
        let polled = self.in_flight.poll_next_unpin(cx);
        match polled {
            Poll::Ready(Some(_)) => {
                #[cfg(feature = "tokio")]
                coop.made_progress();
            }
            Poll::Ready(None) | Poll::Pending => self.running = running,
        }
        debug_assert!(
            !matches!(polled, Poll::Ready(None)) || (self.running == 0 && self.input.is_none()),
            "the driver ended with futures or input left",
        );
        polled
    }
}

impl<I: Iterator> core::fmt::Debug for Driver<I> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver")
            .field("in_flight", &self.running)
            .field("limit", &self.limit)
            .field("issued", &self.next_index)
            .field("input_exhausted", &self.input.is_none())
            .finish()
    }
}
