//! Generators: streams written as async blocks that `yield`.
//!
//! Everything here is also at the crate root and in the prelude. The module was first
//! named `gen`, which edition 2024 reserves as a keyword, so that it had to be written
//! `asyncgen::r#gen`; that path still works, deprecated.
//!
//! [`generate`] and [`try_generate`] are the engine; `async_gen!` and `try_async_gen!`
//! (feature `macros`) are the same engine with `yield` syntax. Each yielded item is
//! handed from the body to the stream through a one-item slot on the stack of the
//! stream's `poll_next`, so yielding costs no allocation, no atomic operation and no
//! thread-local: the optimiser sees through a generator as through a hand-written
//! stream. Each stream gets a process-unique number as its identity, which its `Yielder`
//! checks, so a yield can only ever land in its own stream.
//!
//! # The waker a body sees
//!
//! While it polls its body, a generator passes it a task context of its own: every
//! wake and every clone of its waker goes to the polling task's waker, so timers,
//! channels, I/O and `will_wake` checks work on any executor. What differs is the
//! waker's identity: a future that reads the executor's own waker back out of the
//! context (embassy's `task_from_waker`, or anything that inspects `Waker::vtable` or
//! `Waker::data`) finds the generator's instead. Wrap such a future in
//! [`with_task_waker`], which polls it with the task's own waker.
//!
//! # Yields that lose a race
//!
//! A yield's future hands its item to the stream at its first poll if no other item is
//! waiting in that poll of the stream, and then completes at the next one. Once handed
//! over, the item is delivered even if the future is dropped before it completes (its
//! `select!` branch lost the race). A yield polled while another item of the same poll
//! is waiting keeps its item for a later poll, and drops it if it is dropped first. So
//! in a `select!` that races a yield, the yield is delivered if it was the first yield
//! polled in that resumption of the body: give `tokio::select!` the `biased;` mode to
//! make that order the written one.
//!
//! # What a poll costs, and what bounds it
//!
//! Instructions per item, counted with `benches/callgrind.sh yield` (callgrind, two run
//! lengths, the difference over the difference in items), for `for i in 0..n { yield i }`:
//!
//! | consumer | hand-written `Stream` | `async_gen!` / `generate` | async-stream | nightly `async gen` block |
//! |---|---|---|---|---|
//! | inlined (no-op waker) | 5 | 5 | 73 | - |
//! | opaque `poll_next` | 9 | 29 | 74 | 23 |
//! | tokio `while let` | 13 | 44 | 77 | 25 |
//! | `.boxed()` under tokio | 23 | 47 | 79 | - |
//!
//! (async-stream's count moves with the code around it, 49-55 in another layout; the
//! nightly column comes from a separate crate with the same drains.)
//!
//! Where the surplus goes, read off the machine code of the tokio row's `poll_next`
//! (which stays out of line there: 31 instructions per item, against a hand-written
//! stream inlined into the consumer's loop):
//!
//! | source | instructions per item |
//! |---|---|
//! | the call itself: prologue, epilogue, returning `Poll<Option<T>>` | 5 |
//! | the phase check (finished? returned?) | 3 |
//! | the async block's own state: jump-table dispatch, storing the next state | 6 |
//! | the resumed yield future's "already handed over?" check | 2 |
//! | the new yield future's fields written into the body's state, its "taken" mark | 5 |
//! | the identity check (the generator's number against the yielder's) | 4 |
//! | frame, raw waker and context construction, the waker-vtable check | 0 |
//! | writing and reading the one-item slot | 0 |
//! | the loop itself (`Range::next`), which the hand-written stream pays too | 6 |
//!
//! The frame, the waker and the slot cost nothing: they live on `poll_next`'s stack,
//! and the optimiser folds them away once the body's poll is inlined into it. With an
//! opaque consumer (the body's poll inlined, the state behind a pointer) the surplus is
//! the phase, state, yield-future and identity rows: 20 instructions.
//!
//! The bound is the shape of the lowering, not the engine's bookkeeping: a body that is
//! one long-lived state machine, resumed at a suspension point, pays a dispatch and
//! stores its live state back to memory at every item. The compiler's own coroutines
//! pay it too: a nightly `async gen` block costs 23 instructions per item with an
//! opaque consumer, 2.6x the hand-written stream's 9, although cheap, well-predicted
//! instructions bring it to about 1.3-1.5x in time. Without the phase and identity
//! checks, this engine would be at that count; with them, and with a yield future in
//! the body's state, it is 29 (about 3.2x in time).
//!
//! What would pass 1.5x in time is a lowering with no resumable state for the bodies
//! that allow it: a `for` (or `for await`) loop whose yield ends each iteration keeps
//! only the iterator as its state, and each item is one call (`iter.map(f)`), or one
//! small future when the loop body awaits (`iter.then(f)`). Measured in the same
//! benchmark (the `stream_iter` rows): 9 instructions per item for the plain loop
//! (1.0x), 15 for the awaiting one with an opaque consumer (1.7x; 1.4x under tokio).
//! The macro would recognise such loops and emit that form, falling back to this engine
//! for everything else. Sending values in and closing with async cleanup fit both
//! forms: a sent value reaches the pending yield through the poll frame (a field the
//! resumed yield reads, zero-sized when no yield's value is used), and a close is a
//! phase of its own whose frame tells the resumed yield to end the body. Only the yields
//! of bodies that have cleanup need to read that (the macro can pick their yield future
//! by the syntax), so `next()` on every other generator keeps today's path.

#[cfg(feature = "tokio")]
mod close_on_drop;
mod core;
mod enclosing;
mod generator;
#[doc(hidden)]
pub mod macro_support;
#[cfg(feature = "macros")]
mod macros;
mod protocol;
mod task_waker;
mod try_generator;
mod until_close;
mod yielder;

#[cfg(feature = "tokio")]
pub use close_on_drop::CloseOnDrop;
pub use generator::{Generator, generate};
#[cfg(feature = "macros")]
pub use macros::{generator, try_generator};
pub use protocol::{
    AsyncGenerator, CloseFuture, SendFuture, generate_with_send, try_generate_with_send,
};
pub use task_waker::{WithTaskWaker, with_task_waker};
pub use try_generator::{TryGenerator, try_generate};
pub use until_close::{UntilClose, until_close};
pub use yielder::{YieldFuture, Yielder};
