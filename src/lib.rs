//! Async generators and the everyday tools around streams.
//!
//! PLACEHOLDER_CRATE_DOCS
#![deny(missing_docs)]
#![warn(unreachable_pub, rust_2018_idioms)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod concurrent;
pub mod r#gen;
#[cfg(feature = "http")]
pub mod http;
pub mod paginate;
#[cfg(feature = "time")]
pub mod time;

pub use paginate::link;

pub use crate::concurrent::{MapConcurrent, MapUnordered, StreamConcurrentExt};

pub use crate::r#gen::{Generator, TryGenerator, YieldFuture, Yielder, generate, try_generate};

#[cfg(feature = "macros")]
pub use asyncgen_macros::{async_gen, try_async_gen};

/// An async comprehension, Python's `[EXPR async for PAT in AITER if COND]` (PEP 530):
/// a [`Stream`](futures_core::stream::Stream) of `EXPR` for every combination the
/// clauses produce.
///
/// ```text
/// comp![EXPR for PAT in ITER (for PAT in ITER | for await PAT in STREAM | if COND)*]
/// ```
///
/// - `for PAT in ITER`: any `IntoIterator`, as in a `for` loop.
/// - `for await PAT in STREAM`: any `Stream` (Python's `async for`), `Unpin` or not;
///   the comprehension pins it on its own state.
/// - `if COND`: keeps the combinations for which `COND` (a `bool`) holds.
///
/// After the element expression the first clause is a `for` (or `for await`); any
/// number of clauses of each kind follow in any order and nest left to right exactly
/// as in Python: each clause runs inside the ones before it, so later clauses see the
/// variables bound by earlier ones. Patterns destructure: `for await (k, v) in pairs`.
/// `.await` may appear in the element expression, in conditions and in the iterated
/// expressions.
///
/// The comprehension expands into the same loops you would write by hand with
/// [`generate`](crate::generate), so it costs what such a loop costs. Like a Python
/// generator expression it is lazy: nothing runs until the stream is polled, except
/// that the outermost iterable is evaluated right away, where `comp!` is written (as
/// Python does), so it can borrow (`for u in urls.iter()`) rather than move. An
/// outermost iterable that uses `.await` is evaluated on the first poll instead. The
/// rest of the expressions are moved into the stream, as in an `async move` block.
///
/// Collecting the stream gives Python's list, dict, set and string comprehensions:
///
/// | Python | Rust |
/// |---|---|
/// | `[x * 2 async for x in s]` | `comp![x * 2 for await x in s].collect::<Vec<_>>().await` |
/// | `{k: v async for k, v in s}` | `comp![(k, v) for await (k, v) in s].collect::<HashMap<_, _>>().await` |
/// | `{x % 3 async for x in s}` | `comp![x % 3 for await x in s].collect::<HashSet<_>>().await` |
/// | `"".join([c.upper() async for c in s])` | `comp![c.to_ascii_uppercase() for await c in s].collect::<String>().await` |
/// | `(x async for x in s if x > 0)` | `comp![x for await x in s if x > 0]` (the stream itself) |
///
/// # Examples
///
/// A list comprehension over an async generator (`Vec`):
///
/// ```
/// use asyncgen::prelude::*;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // async def generate_numbers():
/// //     for i in range(5):
/// //         await asyncio.sleep(0.5)
/// //         yield i
/// let generate_numbers = || {
///     generate(|mut y| async move {
///         for i in 0..5 {
///             tokio::time::sleep(Duration::from_millis(500)).await;
///             y.yield_(i).await;
///         }
///     })
/// };
/// // results = [x async for x in generate_numbers()]
/// let results: Vec<u32> = comp![x for await x in generate_numbers()].collect().await;
/// assert_eq!(results, [0, 1, 2, 3, 4]);
///
/// // [x * x async for x in generate_numbers() if x % 2 == 0]
/// let even_squares: Vec<u32> =
///     comp![x * x for await x in generate_numbers() if x % 2 == 0].collect().await;
/// assert_eq!(even_squares, [0, 4, 16]);
/// # }
/// ```
///
/// A dict comprehension (`HashMap`), destructuring pairs and awaiting in the element:
///
/// ```
/// use asyncgen::prelude::*;
/// use std::collections::HashMap;
///
/// async fn price_of(item: &str) -> u32 {
///     item.len() as u32 * 10
/// }
///
/// # futures::executor::block_on(async {
/// let orders = futures::stream::iter([("apple", 2), ("kiwi", 5)]);
/// // {name: await price_of(name) * n async for name, n in orders}
/// let totals: HashMap<&str, u32> =
///     comp![(name, price_of(name).await * n) for await (name, n) in orders]
///         .collect()
///         .await;
/// assert_eq!(totals, HashMap::from([("apple", 100), ("kiwi", 200)]));
/// # });
/// ```
///
/// A set comprehension (`HashSet`) and a string built from characters (`String`):
///
/// ```
/// use asyncgen::prelude::*;
/// use std::collections::HashSet;
///
/// # futures::executor::block_on(async {
/// let words = futures::stream::iter(["pear", "plum", "fig"]);
/// // {len(w) async for w in words}
/// let lengths: HashSet<usize> = comp![w.len() for await w in words].collect().await;
/// assert_eq!(lengths, HashSet::from([3, 4]));
///
/// // "".join([c.upper() for c in "async" if c != "y"])
/// let shout: String = comp![c.to_ascii_uppercase() for c in "async".chars() if c != 'y']
///     .collect()
///     .await;
/// assert_eq!(shout, "ASNC");
/// # });
/// ```
///
/// Nested clauses, in Python's order:
///
/// ```
/// use asyncgen::prelude::*;
///
/// # futures::executor::block_on(async {
/// // [(x, y) for x in range(3) for y in range(x) if (x + y) % 2]
/// let pairs: Vec<(u32, u32)> =
///     comp![(x, y) for x in 0..3 for y in 0..x if (x + y) % 2 == 1].collect().await;
/// assert_eq!(pairs, [(1, 0), (2, 1)]);
///
/// // [(row, cell) async for row in rows() if row for cell in row.split(",")]
/// let rows = futures::stream::iter(["a,b", "", "c"]);
/// let cells: Vec<&str> =
///     comp![cell for await row in rows if !row.is_empty() for cell in row.split(',')]
///         .collect()
///         .await;
/// assert_eq!(cells, ["a", "b", "c"]);
/// # });
/// ```
#[cfg(feature = "macros")]
pub use asyncgen_macros::comp;

/// Everything a stream user needs in scope: the engine, the macros, futures-util's
/// `StreamExt` and this crate's own stream methods.
///
/// The extension traits are imported anonymously (`as _`), so the prelude never
/// collides with a `use futures::StreamExt` or `use tokio_stream::StreamExt` of yours.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
///
/// # futures::executor::block_on(async {
/// let doubled: Vec<u32> = futures::stream::iter([1, 2, 3]).map(|x| x * 2).collect().await;
/// assert_eq!(doubled, [2, 4, 6]);
/// # });
/// ```
pub mod prelude {
    pub use core::future::Future;
    pub use futures_core::stream::{FusedStream, Stream};
    pub use futures_util::stream::StreamExt as _;

    pub use crate::concurrent::StreamConcurrentExt as _;
    #[cfg(feature = "time")]
    pub use crate::time::StreamTimeExt as _;

    pub use crate::r#gen::{Generator, TryGenerator, Yielder, generate, try_generate};
    #[cfg(feature = "macros")]
    pub use asyncgen_macros::{async_gen, comp, try_async_gen};
}

/// What the macros expand to. Not public API: names and signatures here may change in
/// any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::r#gen::macro_support::*;
}
