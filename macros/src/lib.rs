//! Procedural macros for `asyncgen`; use them through the `asyncgen` crate.
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod comp;

/// A stream from a block that yields. See the `asyncgen` crate.
#[proc_macro]
pub fn async_gen(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}

/// A fallible stream from a block that yields. See the `asyncgen` crate.
#[proc_macro]
pub fn try_async_gen(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}

/// An async comprehension (Python's PEP 530): a `Stream` built from `for`,
/// `for await` and `if` clauses. See `asyncgen::comp!` for the clauses and examples.
#[proc_macro]
pub fn comp(input: TokenStream) -> TokenStream {
    comp::expand(input.into()).into()
}
