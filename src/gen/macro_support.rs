//! What `async_gen!`, `try_async_gen!` and `comp!` expand to, reached through
//! `asyncgen::__private`. Not public API.

pub use super::{Yielder, generate, try_generate};
pub use core::pin::pin;
pub use futures_util::stream::StreamExt;

/// The stream of a `comp!` `for await` clause, checked to be a
/// [`Stream`](futures_core::stream::Stream).
///
/// `comp!` calls this with the span of the expression after `in`, so something that is
/// not a stream is reported at that expression, with a message about `for await`.
#[inline(always)]
pub fn comp_stream<S: CompStream>(stream: S) -> S {
    stream
}

/// [`Stream`](futures_core::stream::Stream), under a name whose error message speaks of
/// `comp!`'s `for await`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a stream, so `for await` cannot iterate it",
    label = "not a `Stream`",
    note = "`for await PAT in EXPR` needs a `Stream`; for a plain iterator write `for PAT in EXPR`"
)]
pub trait CompStream: futures_core::stream::Stream {}

impl<S: futures_core::stream::Stream> CompStream for S {}
