//! What `async_gen!`, `try_async_gen!` and `comp!` expand to, reached through
//! `asyncgen::__private`. Not public API.

pub use super::enclosing::{
    CloseEnclosing, CloseOnStop, DropOnStop, NotAGenerator, Probe, YieldInLoops, yield_in_loops,
};
pub use super::{
    AsyncGenerator, YieldFuture, Yielder, generate, generate_with_send, try_generate,
    try_generate_with_send, until_close,
};
pub use core::iter::{IntoIterator, Iterator};
pub use core::pin::{Pin, pin};
pub use futures_core::Stream;
pub use futures_util::stream::StreamExt;

/// What a `for await` loop can iterate: any [`Stream`](futures_core::Stream). It only
/// exists to say so when the loop is given something else.
#[diagnostic::on_unimplemented(
    message = "`for await` needs a `Stream`, and `{Self}` is not one",
    label = "`for await` iterates a `Stream`",
    note = "iterate an `Iterator` with a plain `for` loop, or turn it into a stream with `futures::stream::iter`"
)]
pub trait ForAwait {}

impl<S: Stream + ?Sized> ForAwait for S {}

/// The pinned stream a `for await` loop iterates, checked to be one.
#[inline(always)]
pub fn for_await_stream<S: ForAwait + ?Sized>(stream: Pin<&mut S>) -> Pin<&mut S> {
    stream
}

/// What a `for` clause of `comp!` can iterate: any [`IntoIterator`]. It only exists to
/// point at `for await` when the clause is given a stream (or anything else).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an iterator",
    label = "not an iterator",
    note = "a `for` clause iterates an `IntoIterator`; to iterate a `Stream`, write `for await PAT in STREAM`"
)]
pub trait ForIn {}

// Not recommended: rustc then reports a failed `ForIn` bound with this trait's message,
// instead of looking through the impl to `Iterator`'s, which says nothing of streams.
#[diagnostic::do_not_recommend]
impl<I: IntoIterator> ForIn for I {}

/// The value a `for` clause of `comp!` iterates, checked to be iterable.
#[inline(always)]
pub fn for_in_iter<I: ForIn>(iter: I) -> I {
    iter
}

/// What `expr?` becomes in an `async_gen!` body, where the macro has already reported
/// it as an error: the `Ok` value's type, so that the operand is type-checked as `?`
/// would check it, without rustc reporting the `?` a second time. Never runs: the
/// expansion does not compile.
#[doc(hidden)]
pub fn question_mark_in_async_gen<T: QuestionMarkOperand>(operand: T) -> T::Output {
    let _ = operand;
    unreachable!("`?` in `async_gen!` is a compile error")
}

/// What `?` applies to: `Result` and `Option`.
pub trait QuestionMarkOperand {
    /// The value `?` gives when it goes on.
    type Output;
}

impl<T, E> QuestionMarkOperand for Result<T, E> {
    type Output = T;
}

impl<T> QuestionMarkOperand for Option<T> {
    type Output = T;
}

/// What a `#[try_generator]` fn returns: `Result<(), E>`, under any alias.
#[diagnostic::on_unimplemented(
    message = "a `#[try_generator]` fn returns `Result<(), E>`, not `{Self}`",
    label = "not `Result<(), E>`"
)]
pub trait TryOutput {
    /// `E`.
    type Error;
    /// The output itself.
    fn into_result(self) -> Result<(), Self::Error>;
}

impl<E> TryOutput for Result<(), E> {
    type Error = E;
    #[inline(always)]
    fn into_result(self) -> Self {
        self
    }
}

/// A yielded value on its way to [`yield_value`]: see there.
pub struct YieldValue<T> {
    /// The value.
    pub value: T,
}

/// What `yield value` becomes: `yielder.yield_(value)`, with the value passed in a
/// struct field, so that a value of the wrong type is reported as a mismatch at the
/// value itself, as for a `let` with a type, rather than as a wrong argument of a
/// method defined in this crate.
#[inline(always)]
pub fn yield_value<T, R>(
    yielder: &mut Yielder<T, R>,
    value: YieldValue<T>,
) -> YieldFuture<'_, T, R> {
    yielder.yield_(value.value)
}

/// The output of a `#[try_generator]` fn's body, as `try_generate` takes it.
#[inline(always)]
pub fn try_output<R: TryOutput>(output: R) -> Result<(), R::Error> {
    output.into_result()
}
