//! Procedural macros for `asyncgen`; use them through the `asyncgen` crate, whose
//! documentation of `async_gen!`, `try_async_gen!` and `comp!` has runnable examples.
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod async_gen;
mod attribute;
mod comp;
mod crate_path;
mod for_await;
mod hidden;
mod nested;
mod rewrite;
mod try_finally;

use crate_path::split_crate_path;
use rewrite::Flavor;

/// A stream from a block that yields; the `asyncgen` crate wraps it, with runnable
/// examples.
///
/// The wrapper passes `@crate $crate;` before the block, and the expansion names the
/// runtime crate by that path (`::asyncgen` without it), so that a caller who renamed
/// the dependency or reaches it through a re-export can still use the macro.
///
/// # Expansion
///
/// The block becomes the body of [`asyncgen::generate`]; each `yield v` becomes an
/// awaited yield on the generator's yielder, a variable that the block cannot name,
/// and each `for await` becomes a `while let` over the pinned stream. Leading
/// `type Item = T;` lines are not part of the body: they type the yielder
/// (`Yielder<T>`), as `Yielder<()>` does for a body that never yields:
///
/// ```ignore
/// async_gen! {
///     for await page in pages {
///         yield page.len();
///     }
/// }
/// // expands to (with hygienic names; `$crate` is the path the wrapper passed):
/// $crate::__private::generate(move |mut yielder| async move {
///     use $crate::__private as private;
///     {
///         let mut stream = private::pin!(pages);
///         let mut stream = private::for_await_stream(stream); // checks it is a `Stream`
///         while let Some(item) = private::StreamExt::next(&mut stream).await {
///             let page = item;
///             // `yielder.yield_(page.len())`, which, if the consumer closes the
///             // generator here, first closes `pages` if it is a generator:
///             private::yield_in_loops(
///                 &mut yielder,
///                 private::YieldValue { value: page.len() },
///                 (private::Probe(private::Pin::as_mut(&mut stream)).closer(), ()),
///             )
///             .await;
///         }
///     }
/// })
/// ```
///
/// A `yield` outside `for await` loops is `yielder.yield_(v)`, inlined:
/// `private::yield_value(&mut yielder, private::YieldValue { value: v }).await`.
///
/// [`asyncgen::generate`]: https://docs.rs/asyncgen/latest/asyncgen/fn.generate.html
#[proc_macro]
pub fn async_gen(input: TokenStream) -> TokenStream {
    let (krate, body) = split_crate_path(input.into());
    async_gen::expand(body, Flavor::Plain, &krate).into()
}

/// A fallible stream from a block that yields: items are `Result<T, E>`; the `asyncgen`
/// crate wraps it, with runnable examples.
///
/// # Expansion
///
/// As for `async_gen!`, but into [`asyncgen::try_generate`], whose body returns
/// `Result<(), E>`: so `?` returns the error, which the stream yields as its last item,
/// and a bare `return;` in the body becomes `return Ok(())`:
///
/// ```ignore
/// try_async_gen! {
///     yield fetch().await?;
/// }
/// // expands to (with hygienic names; `yield_value` is `yielder.yield_`, inlined):
/// $crate::__private::try_generate(move |mut yielder| async move {
///     use $crate::__private as private;
///     { private::yield_value(&mut yielder, private::YieldValue { value: fetch().await? }).await; }
///     return Ok::<(), _>(());
/// })
/// ```
///
/// Leading `type Ok = T;` and `type Error = E;` lines type the yielder (`Yielder<T>`)
/// and the final `Ok::<(), E>(())`.
///
/// [`asyncgen::try_generate`]: https://docs.rs/asyncgen/latest/asyncgen/fn.try_generate.html
#[proc_macro]
pub fn try_async_gen(input: TokenStream) -> TokenStream {
    let (krate, body) = split_crate_path(input.into());
    async_gen::expand(body, Flavor::Try, &krate).into()
}

/// An async comprehension (Python's PEP 530): a `Stream` built from `for`,
/// `for await` and `if` clauses. See `asyncgen::comp!` for the clauses and examples.
#[proc_macro]
pub fn comp(input: TokenStream) -> TokenStream {
    let (krate, body) = split_crate_path(input.into());
    comp::expand(body, &krate).into()
}

/// Makes an `async fn` that yields through a `Yielder` parameter into a `fn` returning
/// `impl Stream`; the `asyncgen` crate re-exports it, with runnable examples.
///
/// `#[generator(crate = path)]` names the runtime crate for a caller that renamed it
/// (`::asyncgen` by default).
#[proc_macro_attribute]
pub fn generator(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute::expand(args.into(), item.into(), Flavor::Plain).into()
}

/// The fallible twin of `#[generator]`: the `async fn` returns `Result<(), E>`, and the
/// stream's items are `Result<T, E>`; the `asyncgen` crate re-exports it, with runnable
/// examples.
#[proc_macro_attribute]
pub fn try_generator(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute::expand(args.into(), item.into(), Flavor::Try).into()
}
