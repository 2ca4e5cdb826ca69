//! What `async_gen!`, `try_async_gen!` and `comp!` expand to, reached through
//! `asyncgen::__private`. Not public API.

pub use super::{Yielder, generate, try_generate};
pub use core::pin::pin;
pub use futures_util::stream::StreamExt;

/// What a `for await` loop can iterate: any [`Stream`](futures_core::Stream). It only
/// exists to say so when the loop is given something else.
#[diagnostic::on_unimplemented(
    message = "`for await` needs a `Stream`, and `{Self}` is not one",
    label = "not a `Stream`",
    note = "iterate an `Iterator` with a plain `for` loop, or turn it into a stream with `futures::stream::iter`"
)]
pub trait ForAwait {}

impl<S: futures_core::Stream> ForAwait for S {}

/// The stream a `for await` loop iterates, checked to be one.
#[inline(always)]
pub fn for_await_stream<S: ForAwait>(stream: S) -> S {
    stream
}
