//! The handle a generator body yields through, and how a yield finds its generator.
//!
//! While a generator polls its body, it hands the body a task context of its own: the
//! same waker behaviour (every clone or wake goes to the caller's waker), but the
//! waker's data points at a [`PollFrame`] on the generator's stack that says which
//! generator is polling and where its one-item slot is. A yield future checks both
//! before it writes, so a value can only ever land in the slot of the generator its
//! `Yielder` belongs to, while that generator is polling. Everything the hot path
//! touches is on the stack: no thread-local, no atomic, no heap access per item, so
//! the optimiser can see through a generator as it sees through a hand-written stream.
//!
//! The price: the waker a body sees is a different one at every poll, so a future in
//! the body that keeps a waker and compares it with `will_wake` (timers, channels)
//! clones the caller's waker again each time it returns `Pending`.

use core::cell::Cell;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::sync::atomic::{AtomicU64, Ordering};

/// A generator's identity: a number no other generator in this process ever gets, so
/// a yield can tell its own generator's frame from any other, with nothing to free and
/// nothing to keep alive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct GeneratorId(u64);

impl GeneratorId {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        // 2^64 generators would take centuries to create; reusing a number would let a
        // yield write into another generator's slot, so stop rather than wrap.
        if id == u64::MAX {
            std::process::abort();
        }
        GeneratorId(id)
    }
}

/// What a generator's wrapping waker points at, alive on the generator's stack for
/// exactly one poll of its body.
pub(crate) struct PollFrame {
    /// The caller's waker, to which every clone and wake is forwarded.
    caller: *const Waker,
    /// The polling generator's identity.
    owner: GeneratorId,
    /// Its `Option<T>` slot, for the `T` of the generator that `owner` names; null
    /// while the consumer closes the generator, when a yield stops the body instead.
    slot: *mut (),
    /// Null when the consumer resumed with `next()`; after `send`, the `Option<R>`
    /// holding the sent value, for the `R` of the generator that `owner` names; while
    /// closing, the `Cell<bool>` a yield sets when it stops the body (see
    /// `super::until_close`). One field, so that `next()` stores one word more per poll.
    resume: *mut (),
}

impl PollFrame {
    /// While closing, the flag a yield sets when it stops the body.
    fn stopped(&self) -> Option<&Cell<bool>> {
        // SAFETY: while closing (`slot` null), `resume` is the `&Cell<bool>` that
        // `with_resume_frame` was given, which outlives the frame.
        self.slot
            .is_null()
            .then(|| unsafe { &*self.resume.cast::<Cell<bool>>().cast_const() })
    }
}

/// The one vtable of wrapping wakers. A `static`, so its address identifies them.
static FRAME_WAKER_VTABLE: RawWakerVTable =
    RawWakerVTable::new(frame_clone, frame_wake, frame_wake_by_ref, frame_drop);

/// The caller's waker behind `waker`, if `waker` is a generator's wrapping waker.
fn frame_of(waker: &Waker) -> Option<&PollFrame> {
    if core::ptr::eq(waker.vtable(), &FRAME_WAKER_VTABLE) {
        // SAFETY: only `with_frame_context` makes wakers with this vtable, from a
        // `PollFrame` that outlives every borrow of that waker: the waker is never
        // handed out by value (a clone yields the caller's waker), and the borrow of
        // the context it sits in ends before `with_frame_context` returns.
        Some(unsafe { &*waker.data().cast::<PollFrame>() })
    } else {
        None
    }
}

/// The waker that wakes the task: the caller's, seen through any wrapping.
fn caller_waker(frame: &PollFrame) -> &Waker {
    // SAFETY: `caller` was taken from a `&Waker` that outlives the frame (see
    // `with_frame_context`).
    unsafe { &*frame.caller }
}

/// The waker of the task that polls the outermost generator `waker` belongs to, or
/// `waker` itself if it is not a generator's.
pub(crate) fn task_waker(waker: &Waker) -> &Waker {
    frame_of(waker).map_or(waker, caller_waker)
}

unsafe fn frame_clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live `PollFrame` (see `frame_of`).
    let frame = unsafe { &*data.cast::<PollFrame>() };
    // The clone outlives this poll, so it must be the caller's own waker.
    let clone = core::mem::ManuallyDrop::new(caller_waker(frame).clone());
    RawWaker::new(clone.data(), clone.vtable())
}

unsafe fn frame_wake(data: *const ()) {
    // SAFETY: as in `frame_clone`. Only reachable through `Waker::wake` on a value that
    // nobody can own; forwarding by reference keeps it harmless anyway.
    unsafe { frame_wake_by_ref(data) }
}

unsafe fn frame_wake_by_ref(data: *const ()) {
    // SAFETY: `data` is a live `PollFrame` (see `frame_of`).
    let frame = unsafe { &*data.cast::<PollFrame>() };
    caller_waker(frame).wake_by_ref();
}

unsafe fn frame_drop(_: *const ()) {}

/// How the consumer resumes a generator.
#[derive(Clone, Copy)]
pub(crate) enum Resumption {
    /// `next()`.
    Next,
    /// `send(value)`: the pending yield takes the value out of this `Option<R>`, for the
    /// generator's `R`.
    Send(*mut ()),
    /// `close()`: the pending yield, and any yield reached, stops the body, and sets
    /// this flag.
    Close(*const Cell<bool>),
}

/// Polls `poll` with a context whose waker leads yields of generator `owner` to
/// `slot` (and hands them what `resumption` says), and wakes `cx`'s waker.
///
/// The pointers in `resumption` must be valid for the whole call.
#[inline]
pub(crate) fn with_resume_frame<T, R>(
    cx: &mut Context<'_>,
    owner: GeneratorId,
    slot: &mut Option<T>,
    resumption: Resumption,
    poll: impl FnOnce(&mut Context<'_>) -> R,
) -> R {
    let slot: *mut () = core::ptr::from_mut(slot).cast();
    let (slot, resume) = match resumption {
        Resumption::Next => (slot, core::ptr::null_mut()),
        Resumption::Send(value) => (slot, value),
        Resumption::Close(stopped) => (core::ptr::null_mut(), stopped.cast_mut().cast()),
    };
    let caller: &Waker = match frame_of(cx.waker()) {
        // Nested generators forward straight to the outermost caller's waker.
        Some(outer) => caller_waker(outer),
        None => cx.waker(),
    };
    let frame = PollFrame {
        caller,
        owner,
        slot,
        resume,
    };
    let raw = RawWaker::new(core::ptr::from_ref(&frame).cast(), &FRAME_WAKER_VTABLE);
    // SAFETY: the vtable's functions uphold the `RawWaker` contract: clones are the
    // caller's real waker (valid for as long as its owner keeps it), wakes forward to
    // it, and this waker and its context are dropped before `frame` and `slot`.
    let waker = core::mem::ManuallyDrop::new(unsafe { Waker::from_raw(raw) });
    let mut frame_cx = Context::from_waker(&waker);
    poll(&mut frame_cx)
}

/// Whether a yield stopped the closing generator whose body `waker` polls, clearing
/// the mark: the caller then runs the cleanup that follows.
pub(crate) fn take_stopped(waker: &Waker) -> bool {
    frame_of(waker)
        .and_then(PollFrame::stopped)
        .is_some_and(|stopped| stopped.replace(false))
}

/// What a yield's second poll (its resumption) gives: the sent value, if any.
#[inline]
fn resumed<R>(cx: &Context<'_>, owner: GeneratorId) -> Poll<Option<R>> {
    let Some(frame) = frame_of(cx.waker()) else {
        return Poll::Ready(None);
    };
    // `next()`: the common path, decided without touching the generator's identity.
    if frame.resume.is_null() || frame.owner != owner {
        return Poll::Ready(None);
    }
    if let Some(stopped) = frame.stopped() {
        stopped.set(true);
        return Poll::Pending;
    }
    // SAFETY: `frame` is live for this poll and belongs to this yield's generator (just
    // checked), whose `resume` is a `&mut Option<R>` for this very `R`: the generator's
    // `send` made it from its own `R`, the same `R` its `Yielder<T, R>` was made with, and
    // nothing else borrows it during this poll.
    let value = unsafe { &mut *frame.resume.cast::<Option<R>>() };
    Poll::Ready(value.take())
}

/// The handle a generator body yields items through.
///
/// A `Yielder<T>` is handed to the closure given to [`generate`](crate::generate) or
/// [`try_generate`](crate::try_generate); `async_gen!` makes one for you and turns each
/// `yield v;` into `yielder.yield_(v).await`.
///
/// The `yield_` future must be awaited by the body of the generator the yielder
/// belongs to (directly, or through a wrapper that polls it with the same task
/// context, such as `tokio::select!`, `futures::join!` or a timeout). Awaited anywhere
/// else, it panics with a clear message; it can never write into another stream.
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
pub struct Yielder<T, R = ()> {
    owner: GeneratorId,
    // Yielding moves a `T` into the generator, possibly from another thread, so
    // `Send`/`Sync` follow `T`.
    _item: PhantomData<T>,
    // The generator's slot has exactly this `T`: were `Yielder<&'static str>` usable as
    // `Yielder<&'a str>`, a body could yield a borrow of its own locals into a stream of
    // `&'static str`. `fn(T) -> T` makes the yielder invariant in `T`.
    _invariant: PhantomData<fn(T) -> T>,
    // What `send` hands in: exactly the generator's `R`, for the same reason.
    _resume: PhantomData<fn(R) -> R>,
}

impl<T, R> Yielder<T, R> {
    pub(crate) fn new(owner: GeneratorId) -> Self {
        Yielder {
            owner,
            _item: PhantomData,
            _invariant: PhantomData,
            _resume: PhantomData,
        }
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
    /// let words = generate(|mut y| async move {
    ///     y.yield_("hello").await;
    ///     y.yield_("world").await;
    /// });
    /// let mut words = std::pin::pin!(words);
    /// assert_eq!(words.next().await, Some("hello"));
    /// assert_eq!(words.next().await, Some("world"));
    /// assert_eq!(words.next().await, None);
    /// # });
    /// ```
    pub fn yield_(&mut self, value: T) -> YieldFuture<'_, T, R> {
        YieldFuture {
            owner: self.owner,
            value: Some(value),
            _exclusive: PhantomData,
        }
    }
}

impl<T, R> fmt::Debug for Yielder<T, R> {
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
pub struct YieldFuture<'a, T, R = ()> {
    // The generator's identity rather than `&'a mut Yielder<T>`: the body's state
    // machine then holds no pointer into itself, which lets the optimiser keep a
    // generator's state in registers (measured: several times faster per item).
    owner: GeneratorId,
    value: Option<T>,
    // One yield at a time per yielder.
    _exclusive: PhantomData<&'a mut Yielder<T, R>>,
}

// The value is moved out on the first poll and never pinned.
impl<T, R> Unpin for YieldFuture<'_, T, R> {}

impl<T, R> Future for YieldFuture<'_, T, R> {
    /// `None` when the consumer resumed the generator with `next()`, the value when it
    /// resumed it with `send`.
    type Output = Option<R>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<R>> {
        // The value is taken before the checks and put back only where it stays: the
        // common path then writes nothing into the future but "taken", so the body's
        // state machine need not store the value at all before handing it over.
        if self.value.is_none() {
            return resumed(cx, self.owner);
        }
        let Some(value) = self.value.take() else {
            unreachable!()
        };
        let Some(frame) = frame_of(cx.waker()).filter(|f| f.owner == self.owner) else {
            self.value = Some(value);
            misplaced_yield()
        };
        if let Some(stopped) = frame.stopped() {
            // Reached while closing: never delivered, and the body stops here.
            drop(value);
            stopped.set(true);
            return Poll::Pending;
        }
        // SAFETY: `frame` is live for this poll (see `frame_of`), and its owner is this
        // yielder's generator, which is a `Core<T, _>` for this very `T` (a
        // `GeneratorId` is never given to two generators), so `slot` is that
        // generator's `&mut Option<T>`, which it does not touch while its body is being
        // polled, and which nothing else borrows now.
        let slot = unsafe { &mut *frame.slot.cast::<Option<T>>() };
        if slot.is_none() {
            *slot = Some(value);
        } else {
            // An earlier yield in this same poll filled the slot (see "Yields that lose
            // a race" in the module docs): wait for the next poll and yield then.
            self.value = Some(value);
        }
        Poll::Pending
    }
}

#[cold]
#[inline(never)]
fn misplaced_yield() -> ! {
    panic!(
        "a Yielder's `yield_` future was polled outside the body of the generator it \
         belongs to (was the Yielder moved into another task or stream, or the yield \
         polled by a combinator that uses its own waker?)"
    )
}

impl<T, R> fmt::Debug for YieldFuture<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YieldFuture")
            .field("yielded", &self.value.is_none())
            .finish_non_exhaustive()
    }
}
