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

mod core;
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
