use core::future::Future;
use core::num::NonZeroUsize;
use core::ops::ControlFlow;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use futures_util::stream::{FuturesUnordered, StreamExt as _};

use super::coop::{Budget, poll_budget};
use super::item_shape::{Indexed, ItemShape};

/// A future as `in_flight` stores it: alone for the [`Plain`](super::Plain) shape, with
/// its input index for [`Indexed`], so the plain shape's stored futures are no bigger
/// than the user's.
pub(crate) struct Slot<K: ItemShape, F>(K::Running<F>);

impl<K: ItemShape, F: Future> Future for Slot<K, F> {
    type Output = K::Item<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the one field is pinned whenever the slot is (a plain projection; `Slot`
        // has no `Drop` and no `Unpin` impl of its own).
        let running = unsafe { self.map_unchecked_mut(|slot| &mut slot.0) };
        K::poll_running(running, cx)
    }
}

/// The engine shared by `as_completed`, `gather` and `try_gather`: pulls futures from the
/// input iterator (all at once, or lazily up to a limit), runs them in a
/// `FuturesUnordered` and hands out items of shape `K` (`(input_index, output)` for
/// [`Indexed`]) in completion order.
pub(crate) struct Driver<I: Iterator, K: ItemShape = Indexed> {
    input: I,
    /// Set when `input` returned `None`; it is not called again until
    /// [`resume`](Self::resume) says more was added to it.
    input_done: bool,
    in_flight: FuturesUnordered<Slot<K, I::Item>>,
    /// While a limit holds back the input, `in_flight.len()`, kept here because
    /// `FuturesUnordered::len` costs atomic loads and the limit reads this twice per
    /// item. Once the input has ended, or without a limit, nothing reads it and it is
    /// not kept up to date (that would cost instructions on every output):
    /// [`running`](Self::running) asks `in_flight`, and [`resume`](Self::resume) and
    /// [`set_limit`](Self::set_limit) count afresh.
    running: usize,
    limit: Option<NonZeroUsize>,
    next_index: usize,
}

// `FuturesUnordered` pins each future in its own allocation, and the iterator is only
// ever used through `&mut`, so nothing here relies on the driver staying put.
impl<I: Iterator, K: ItemShape> Unpin for Driver<I, K> {}

/// Panics with the one message every method that takes a limit gives for 0.
#[cold]
#[track_caller]
pub(crate) fn zero_limit(method: &str) -> ! {
    panic!("{method}: the limit must be at least 1, got 0 (nothing could ever run)")
}

/// `limit` as a `NonZeroUsize`, or the zero-limit panic naming `method`.
#[inline]
#[track_caller]
pub(crate) fn nonzero_limit(method: &str, limit: usize) -> NonZeroUsize {
    match NonZeroUsize::new(limit) {
        Some(limit) => limit,
        None => zero_limit(method),
    }
}

/// The runtime a spawned mode spawns on, or a panic naming `method`.
#[cfg(feature = "tokio")]
#[track_caller]
pub(crate) fn current_runtime(method: &str) -> tokio::runtime::Handle {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime,
        Err(_) => panic!("{method}: must be called inside a tokio runtime"),
    }
}

impl<I, K> Driver<I, K>
where
    I: Iterator,
    I::Item: Future,
    K: ItemShape,
{
    pub(crate) fn new(input: I) -> Self {
        Self {
            input,
            input_done: false,
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
    pub(crate) fn map_input<J, L>(self, method: &str, wrap: impl FnOnce(I) -> J) -> Driver<J, L>
    where
        J: Iterator,
        J::Item: Future,
        L: ItemShape,
    {
        if self.next_index != 0 {
            panic!(
                "{method}: must be called before the first poll (futures already running cannot be moved into tasks)"
            );
        }
        Driver {
            input: wrap(self.input),
            input_done: self.input_done,
            in_flight: FuturesUnordered::new(),
            running: 0,
            limit: self.limit,
            next_index: 0,
        }
    }

    /// The same driver handing out items of shape `L`.
    ///
    /// # Panics
    ///
    /// If futures run: they are stored in this shape and cannot be moved into another.
    #[track_caller]
    pub(crate) fn reshape<L: ItemShape>(self, method: &str) -> Driver<I, L> {
        if !self.in_flight.is_empty() {
            panic!(
                "{method}: must be called before the first poll or once nothing runs (running futures cannot be renumbered)"
            );
        }
        Driver {
            input: self.input,
            input_done: self.input_done,
            in_flight: FuturesUnordered::new(),
            running: 0,
            limit: self.limit,
            next_index: self.next_index,
        }
    }

    #[track_caller]
    pub(crate) fn set_limit(&mut self, method: &str, limit: usize) {
        self.limit = Some(nonzero_limit(method, limit));
        // Not kept without a limit.
        self.running = self.in_flight.len();
    }

    pub(crate) fn input(&self) -> &I {
        &self.input
    }

    pub(crate) fn input_mut(&mut self) -> &mut I {
        &mut self.input
    }

    /// Says that the input, which returned `None`, may have more now.
    pub(crate) fn resume(&mut self) {
        self.input_done = false;
        // Not kept while the input was done.
        self.running = self.in_flight.len();
    }

    pub(crate) fn is_terminated(&self) -> bool {
        self.input_done && self.in_flight.is_empty()
    }

    pub(crate) fn size_hint(&self) -> (usize, Option<usize>) {
        let running = self.running();
        if self.input_done {
            return (running, Some(running));
        }
        let (low, high) = self.input.size_hint();
        (
            running.saturating_add(low),
            high.and_then(|high| high.checked_add(running)),
        )
    }

    /// Starts `future` with the next input index.
    #[inline]
    fn start(&mut self, future: I::Item) {
        self.in_flight.push(Slot(K::run(self.next_index, future)));
        self.next_index += 1;
        self.running += 1;
    }

    /// Takes futures from the input until the limit is reached or the input ends.
    #[cfg(feature = "tokio")]
    #[inline]
    pub(crate) fn fill(&mut self) {
        match self.limit {
            Some(limit) => self.top_up(limit),
            None if !self.input_done => self.start_all(drain_all),
            None => {}
        }
    }

    /// Without a limit, starts what the input has, by `drain`, which must start every
    /// future the input has, in order, until it returns `None` (one internal iteration
    /// costs less per future than a call to `next` each).
    #[inline]
    fn start_all(&mut self, drain: impl FnOnce(&mut I, &mut Starter<'_, I::Item, K>)) {
        drain(
            &mut self.input,
            &mut Starter {
                in_flight: &mut self.in_flight,
                next_index: self.next_index,
                issued: &mut self.next_index,
            },
        );
        self.input_done = true;
    }

    /// Under `limit`, takes futures from the input until the limit is reached or the
    /// input ends.
    #[inline]
    fn top_up(&mut self, limit: NonZeroUsize) {
        if self.input_done {
            return;
        }
        while self.running < limit.get() {
            match self.input.next() {
                Some(future) => self.start(future),
                None => {
                    self.input_done = true;
                    return;
                }
            }
        }
    }

    /// Starts the next future of the input, if it has one, in the place of an output
    /// just taken.
    #[inline]
    fn start_successor(&mut self) {
        if self.input_done {
            return;
        }
        match self.input.next() {
            Some(future) => self.start(future),
            None => self.input_done = true,
        }
    }

    /// The next item in completion order; the input is topped up before the futures are
    /// polled.
    ///
    /// Everything inlined, unlike [`poll_next_with`](Self::poll_next_with): `gather`
    /// calls this in a loop of its own, which takes many outputs per poll and keeps its
    /// registers saved across them, so a call per output would cost more.
    #[inline]
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        if self.input_done {
            self.poll_bare(cx)
        } else {
            self.poll_starting::<false>(cx, drain_all)
        }
    }

    /// As [`poll_next`](Self::poll_next), starting the input without a limit by `drain`
    /// (see [`start_all`](Self::start_all)).
    /// With `REFILL`, the successor of an output is taken at once rather than on the
    /// next poll: a spawned successor then runs while the consumer handles the output.
    #[inline]
    pub(crate) fn poll_next_with<const REFILL: bool>(
        &mut self,
        cx: &mut Context<'_>,
        drain: impl FnOnce(&mut I, &mut Starter<'_, I::Item, K>),
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        // Once the input has ended (the usual state of a stream without a limit, from
        // its first poll on), one test leads to the bare `FuturesUnordered`: nothing to
        // start and, as `running` is not kept then, nothing to count. Both ways are
        // functions of their own: were either inlined here, every poll would save and
        // restore the registers that the other one needs.
        if self.input_done {
            self.poll_bare_out_of_line(cx)
        } else {
            self.poll_starting_out_of_line::<REFILL>(cx, drain)
        }
    }

    #[inline(never)]
    fn poll_bare_out_of_line(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        self.poll_bare(cx)
    }

    #[inline(never)]
    fn poll_starting_out_of_line<const REFILL: bool>(
        &mut self,
        cx: &mut Context<'_>,
        drain: impl FnOnce(&mut I, &mut Starter<'_, I::Item, K>),
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        self.poll_starting::<REFILL>(cx, drain)
    }

    /// Polls the running futures once the input has ended.
    #[inline]
    fn poll_bare(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        let budget = ready!(poll_budget(cx));
        self.poll_in_flight(cx, budget)
    }

    /// Polls the running futures, charging the budget for an output.
    #[inline]
    fn poll_in_flight(
        &mut self,
        cx: &mut Context<'_>,
        budget: Budget,
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        let polled = self.in_flight.poll_next_unpin(cx);
        if let Poll::Ready(Some(_)) = polled {
            budget.made_progress();
        }
        polled
    }

    /// [`poll_next_with`](Self::poll_next_with) while the input has not ended: starts
    /// all of it without a limit; under a limit, what the limit allows, keeping
    /// `running`.
    #[inline]
    fn poll_starting<const REFILL: bool>(
        &mut self,
        cx: &mut Context<'_>,
        drain: impl FnOnce(&mut I, &mut Starter<'_, I::Item, K>),
    ) -> Poll<Option<K::Item<<I::Item as Future>::Output>>> {
        let budget = ready!(poll_budget(cx));
        let Some(limit) = self.limit else {
            self.start_all(drain);
            return self.poll_in_flight(cx, budget);
        };
        // A poll of `in_flight` ends in one of three ways: an output (one future fewer),
        // nothing (as many as before), or a panic, after which `FuturesUnordered` has
        // dropped the panicking future (one fewer). Counting the one out before polling
        // keeps `running` exact even when the panic unwinds through here and the
        // consumer catches it and polls on; an overcount would shrink the limit for
        // good.
        self.top_up(limit);
        let running = self.running;
        self.running = running.saturating_sub(1);
        let polled = self.in_flight.poll_next_unpin(cx);
        match polled {
            Poll::Ready(Some(_)) => {
                budget.made_progress();
                // The top-up above left `running` at the limit (or ended the input),
                // or above it where a limit was set on futures already running: one
                // successor fills the limit again, unless there is no room even then.
                if REFILL && running <= limit.get() {
                    self.start_successor();
                }
            }
            Poll::Ready(None) | Poll::Pending => self.running = running,
        }
        debug_assert!(
            !matches!(polled, Poll::Ready(None)) || (self.in_flight.is_empty() && self.input_done),
            "the driver ended with futures or input left",
        );
        polled
    }
}

impl<I> Driver<I, Indexed>
where
    I: Iterator,
    I::Item: Future,
{
    /// Drives every future to its end, putting each output that `split` keeps into
    /// `slots` at its input index: `Ready(Continue)` once all are done, `Ready(Break)`
    /// as soon as `split` breaks on an output, `Pending` meanwhile.
    pub(crate) fn poll_into_slots<T, B>(
        &mut self,
        cx: &mut Context<'_>,
        slots: &mut Vec<Option<T>>,
        mut split: impl FnMut(<I::Item as Future>::Output) -> ControlFlow<B, T>,
    ) -> Poll<ControlFlow<B>> {
        loop {
            match ready!(self.poll_next(cx)) {
                Some((index, output)) => match split(output) {
                    ControlFlow::Continue(kept) => {
                        if slots.len() < self.next_index {
                            slots.resize_with(self.next_index, || None);
                        }
                        slots[index] = Some(kept);
                    }
                    ControlFlow::Break(stop) => return Poll::Ready(ControlFlow::Break(stop)),
                },
                None => return Poll::Ready(ControlFlow::Continue(())),
            }
        }
    }
}

/// Starts the futures a drain takes from the input, numbering them in input order.
///
/// The index is counted in a field of its own and written back to the driver's count
/// when the starter is dropped (also when the input panics halfway): stores through a
/// reference on every future would cost a few instructions each.
pub(crate) struct Starter<'a, F, K: ItemShape> {
    in_flight: &'a mut FuturesUnordered<Slot<K, F>>,
    next_index: usize,
    issued: &'a mut usize,
}

impl<F, K: ItemShape> Drop for Starter<'_, F, K> {
    #[inline]
    fn drop(&mut self) {
        *self.issued = self.next_index;
    }
}

impl<F: Future, K: ItemShape> Starter<'_, F, K> {
    #[inline]
    pub(crate) fn start(&mut self, future: F) {
        self.in_flight.push(Slot(K::run(self.next_index, future)));
        self.next_index += 1;
    }
}

/// The drain of any input: every future it has, by one internal iteration.
#[inline]
pub(crate) fn drain_all<I, K>(input: &mut I, starter: &mut Starter<'_, I::Item, K>)
where
    I: Iterator,
    I::Item: Future,
    K: ItemShape,
{
    input.for_each(|future| starter.start(future));
}

impl<I: Iterator, K: ItemShape> Driver<I, K> {
    /// How many futures run now.
    pub(crate) fn running(&self) -> usize {
        match self.limit {
            Some(_) if !self.input_done => self.running,
            _ => self.in_flight.len(),
        }
    }
}

impl<I: Iterator, K: ItemShape> core::fmt::Debug for Driver<I, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Driver")
            .field("in_flight", &self.running())
            .field("limit", &self.limit)
            .field("issued", &self.next_index)
            .field("input_exhausted", &self.input_done)
            .finish()
    }
}
