//! The handle a generator body yields through, and the slot it yields into.

use core::cell::UnsafeCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll};
use std::sync::Arc;

/// The state one generator shares with its [`Yielder`]: a one-item slot and the
/// identity of the poll that may fill it.
///
/// The slot is written by [`YieldFuture::poll`] and read by the generator right after
/// it has polled its body. Both happen on the thread that polls the generator, inside
/// that one `poll_next` call, so a plain cell suffices; `polling_with` is what proves
/// that a write really happens there (see [`Shared::begin_poll`]).
pub(crate) struct Shared<T> {
    /// Address of the `Context` the generator is polling its body with right now, or 0
    /// when it is not polling. Only the generator's own thread ever stores to it.
    polling_with: AtomicUsize,
    slot: UnsafeCell<Option<T>>,
}

// SAFETY: `slot` is the only field that is not already `Sync`. It is written only by
// `YieldFuture::poll` after that poll has checked that `polling_with` holds the address
// of its own `Context`, and read only by `Shared::take_item`, which takes `&mut` to the
// generator that owns the poll. A `Context` address matches only inside the generator's
// `poll_next` on the thread running it: a poll on any other thread passes a `Context`
// that lives on that thread's stack at the same time as ours, so its address differs,
// and `polling_with` is reset to 0 (by a guard, so also on unwinding) before
// `poll_next` returns. All accesses to `slot` are therefore on one thread and never
// overlap; moving a `T` between threads that way needs `T: Send`.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    pub(crate) fn new() -> Self {
        Shared {
            polling_with: AtomicUsize::new(0),
            slot: UnsafeCell::new(None),
        }
    }

    /// Opens the slot to the yield futures polled with `cx`.
    #[inline]
    pub(crate) fn begin_poll(&self, cx: &Context<'_>) {
        self.polling_with.store(context_id(cx), Ordering::Relaxed);
    }

    /// Closes the slot again; called before the generator's poll returns or unwinds.
    #[inline]
    pub(crate) fn end_poll(&self) {
        self.polling_with.store(0, Ordering::Relaxed);
    }

    /// Takes the item the body yielded during the poll that just ended.
    ///
    /// Taking `&mut` to the generator's `Arc` would not prove exclusivity (the
    /// `Yielder` holds a clone), so this relies on `end_poll` having run: after it, no
    /// yield future can pass the check in `YieldFuture::poll` until the next
    /// `begin_poll`, which only the caller (the generator) can make.
    #[inline]
    pub(crate) fn take_item(&self) -> Option<T> {
        debug_assert_eq!(self.polling_with.load(Ordering::Relaxed), 0);
        // SAFETY: the slot is closed (`end_poll` ran), and only the generator, which is
        // the caller and is borrowed mutably for this poll, reopens it; every write
        // happened on this thread (see the `Sync` impl), so nothing else touches the
        // cell while we read it.
        unsafe { (*self.slot.get()).take() }
    }
}

fn context_id(cx: &Context<'_>) -> usize {
    core::ptr::from_ref(cx).addr()
}

/// The handle a generator body yields items through.
///
/// A `Yielder<T>` is handed to the closure given to [`generate`](crate::generate) or
/// [`try_generate`](crate::try_generate); `async_gen!` makes one for you and turns each
/// `yield v;` into `yielder.yield_(v).await`.
///
/// The `yield_` future must be awaited by the body of the generator the yielder
/// belongs to (directly, or through a wrapper that polls it with the same task
/// context, such as `tokio::select!` or a timeout). Awaited anywhere else it panics
/// with a clear message; it can never write into another stream.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::Yielder;
///
/// # futures::executor::block_on(async {
/// let squares = generate(|mut y: Yielder<u32>| async move {
///     for i in 1..=3 {
///         y.yield_(i * i).await;
///     }
/// });
/// assert_eq!(squares.collect::<Vec<_>>().await, [1, 4, 9]);
/// # });
/// ```
pub struct Yielder<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Yielder<T> {
    pub(crate) fn new(shared: Arc<Shared<T>>) -> Self {
        Yielder { shared }
    }

    /// Yields `value` as the stream's next item; the returned future completes when
    /// the consumer asks for the item after it.
    ///
    /// # Panics
    ///
    /// The future panics if it is polled anywhere but inside its own generator's poll:
    /// for instance after the `Yielder` was moved out of the body into another task.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    ///
    /// # futures::executor::block_on(async {
    /// let mut words = generate(|mut y| async move {
    ///     y.yield_("hello").await;
    ///     y.yield_("world").await;
    /// });
    /// assert_eq!(words.next().await, Some("hello"));
    /// assert_eq!(words.next().await, Some("world"));
    /// assert_eq!(words.next().await, None);
    /// # });
    /// ```
    pub fn yield_(&mut self, value: T) -> YieldFuture<'_, T> {
        YieldFuture {
            yielder: self,
            value: Some(value),
        }
    }
}

impl<T> fmt::Debug for Yielder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Yielder").finish_non_exhaustive()
    }
}

/// The future returned by [`Yielder::yield_`].
///
/// Its first poll hands the value to the stream and suspends the body; its second poll,
/// when the consumer asks for the next item, completes.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
///
/// # futures::executor::block_on(async {
/// let s = generate(|mut y| async move {
///     let pending_yield = y.yield_(7);
///     pending_yield.await;
/// });
/// assert_eq!(s.collect::<Vec<_>>().await, [7]);
/// # });
/// ```
#[must_use = "a yield does nothing unless awaited"]
pub struct YieldFuture<'a, T> {
    yielder: &'a mut Yielder<T>,
    value: Option<T>,
}

// The value is moved out on the first poll and never pinned.
impl<T> Unpin for YieldFuture<'_, T> {}

impl<T> Future for YieldFuture<'_, T> {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(value) = self.value.take() else {
            return Poll::Ready(());
        };
        let shared = &*self.yielder.shared;
        if shared.polling_with.load(Ordering::Relaxed) != context_id(cx) {
            misplaced_yield();
        }
        // SAFETY: `polling_with` holds our own `Context`'s address, so we are inside the
        // owning generator's body poll on its thread, where the generator does not touch
        // the slot (see the `Sync` impl of `Shared`); no other reference to the cell's
        // contents exists. An item left in the slot by a yield future that was dropped
        // without being resumed is simply replaced.
        unsafe { *shared.slot.get() = Some(value) };
        Poll::Pending
    }
}

#[cold]
#[inline(never)]
fn misplaced_yield() -> ! {
    panic!(
        "a Yielder's `yield_` future was polled outside the body of the generator it \
         belongs to (was the Yielder moved into another task or stream?)"
    )
}

impl<T> fmt::Debug for YieldFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldFuture")
            .field("yielded", &self.value.is_none())
            .finish_non_exhaustive()
    }
}
