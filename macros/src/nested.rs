//! Recognising generator macros nested inside a generator body: their `yield`s and
//! `for await`s belong to their own stream, so the outer expansion leaves them alone.

use proc_macro2::TokenTree;

/// Macros whose bodies have their own `yield` (and `for await`) semantics.
const GENERATOR_MACROS: [&str; 3] = ["async_gen", "try_async_gen", "comp"];

pub(crate) fn is_generator_macro_name(name: &str) -> bool {
    GENERATOR_MACROS.contains(&name)
}

/// Whether `path` (e.g. `async_gen` or `asyncgen::async_gen`) names a generator macro.
pub(crate) fn is_generator_macro_path(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| is_generator_macro_name(&segment.ident.to_string()))
}

/// Length of a generator macro call (`NAME ! GROUP`) starting at `tokens[0]`, if any.
///
/// A path prefix (`asyncgen::`) needs no special handling: it is copied like any other
/// tokens, and the call proper starts at the last segment.
pub(crate) fn generator_call_len(tokens: &[TokenTree]) -> Option<usize> {
    match tokens {
        [
            TokenTree::Ident(name),
            TokenTree::Punct(bang),
            TokenTree::Group(_),
            ..,
        ] if bang.as_char() == '!' && is_generator_macro_name(&name.to_string()) => Some(3),
        _ => None,
    }
}
