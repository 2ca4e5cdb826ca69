//! What `async_gen!`, `try_async_gen!` and `comp!` expand to, reached through
//! `asyncgen::__private`. Not public API.

pub use super::{Yielder, generate, try_generate};
pub use core::pin::pin;
pub use futures_util::stream::StreamExt;

/// The stream a `for await` loop iterates, checked to be one so that a non-stream is
/// reported at the loop's stream expression.
#[inline(always)]
pub fn for_await_stream<S: futures_core::Stream>(stream: S) -> S {
    stream
}
