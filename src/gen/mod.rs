//! Generators: streams written as async blocks that `yield`.
//!
//! [`generate`] and [`try_generate`] are the engine; `async_gen!` and `try_async_gen!`
//! (feature `macros`) are the same engine with `yield` syntax. Each yielded item is
//! handed from the body to the stream through a one-item slot allocated once per
//! stream, so yielding costs no allocation and no synchronisation beyond one relaxed
//! atomic store per poll.

mod core;
mod generator;
#[doc(hidden)]
pub mod macro_support;
mod try_generator;
mod yielder;

pub use generator::{Generator, generate};
pub use try_generator::{TryGenerator, try_generate};
pub use yielder::{YieldFuture, Yielder};
