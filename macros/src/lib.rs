//! Procedural macros for `asyncgen`; use them through the `asyncgen` crate.
#![deny(missing_docs)]

use proc_macro::TokenStream;

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

/// An async comprehension. See the `asyncgen` crate.
#[proc_macro]
pub fn comp(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
