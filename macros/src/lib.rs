//! Procedural macros for `asyncgen`; use them through the `asyncgen` crate, whose
//! documentation of `async_gen!`, `try_async_gen!` and `comp!` has runnable examples.
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod async_gen;
mod comp;
mod for_await;
mod nested;
mod rewrite;

use rewrite::Flavor;

/// A stream from a block that yields.
///
/// `yield EXPR;` hands an item to the stream, `yield;` yields `()`, `.await` works as
/// in any async block, `for await PAT in STREAM { ... }` iterates a stream (it need not
/// be `Unpin`), and `return;` ends the stream. Use it as `asyncgen::async_gen!`, whose
/// documentation has runnable examples.
///
/// ```ignore
/// let countdown = async_gen! {
///     for i in (1..=3).rev() {
///         yield i;
///     }
/// };
/// assert_eq!(countdown.collect::<Vec<_>>().await, [3, 2, 1]);
/// ```
#[proc_macro]
pub fn async_gen(input: TokenStream) -> TokenStream {
    async_gen::expand(input.into(), Flavor::Plain).into()
}

/// A fallible stream from a block that yields: items are `Result<T, E>`.
///
/// `yield x;` yields `Ok(x)`; `expr?` converts the error with `From`, yields it as the
/// last item and ends the stream; `return;` ends the stream. Use it as
/// `asyncgen::try_async_gen!`, whose documentation has runnable examples.
///
/// ```ignore
/// let numbers = try_async_gen! {
///     for text in ["1", "2", "x"] {
///         yield text.parse::<u32>()?;
///     }
/// };
/// ```
#[proc_macro]
pub fn try_async_gen(input: TokenStream) -> TokenStream {
    async_gen::expand(input.into(), Flavor::Try).into()
}

/// An async comprehension (Python's PEP 530): a `Stream` built from `for`,
/// `for await` and `if` clauses. See `asyncgen::comp!` for the clauses and examples.
#[proc_macro]
pub fn comp(input: TokenStream) -> TokenStream {
    comp::expand(input.into()).into()
}
