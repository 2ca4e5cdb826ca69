//! `async_gen!`, `try_async_gen!` and `comp!`: `macro_rules!` wrappers around the proc
//! macros of `asyncgen-macros` that pass them `$crate`, so that the expansion reaches
//! this crate however the caller depends on it (renamed in `Cargo.toml`, or through a
//! re-export).
//!
//! They live in a file of their own because a generator's type names the place of its
//! `async` block, which is inside the wrapper: `{async block@src/gen/macros.rs:..}`.

/// A stream from a block that yields, like a Python `async def` with `yield`.
///
/// Inside the block:
///
/// - `yield EXPR;` hands `EXPR` to the stream and suspends the body until the consumer
///   asks for the next item; `yield;` yields `()`. All `yield`s of one generator must
///   have the same type, the stream's `Item`. `yield` also works inside the arguments
///   of other macros, such as `tokio::select!` arms or `vec![...]`.
/// - `.await` works as in any `async` block.
/// - `for await PAT in STREAM { ... }` iterates any [`Stream`](futures_core::Stream),
///   `Unpin` or not, with labels, `break` and `continue`.
/// - `return;` ends the stream.
/// - `type Item = T;` as the first line names the item type, where nothing else does
///   (a body with no `yield` at all makes a stream of `()`, as async-stream's `stream!`
///   does).
/// - `yield v` is an expression of type `Option<R>`: `None` when the consumer asked
///   with `next()`, `Some(r)` when it resumed the generator with
///   [`send(r)`](crate::AsyncGenerator::send). `R` is `()` where no yield's value is
///   used, else inferred from that use, or named with `type Resume = R;`. In the head of
///   an `if`, `while` or `match`, write `(yield v)`.
/// - `try { ... } finally { ... }` at the end of the body: cleanup that may `.await`, run
///   when the `try` part ends, returns, or is stopped at a `yield` by
///   [`close()`](crate::AsyncGenerator::close). See "The whole async generator protocol"
///   in the README.
///
/// The block is an `async move` block: it takes ownership of what it uses, which may be
/// references, so the stream may borrow data that outlives it. Nothing runs until the
/// stream is first polled, and each poll runs the body up to its next `yield`. The
/// result is a [`Generator`](crate::Generator): a [`Stream`](futures_core::Stream) and a
/// [`FusedStream`](futures_core::FusedStream), `Send` and `Sync` when the body's state
/// is. If the body panics, the panic reaches the poller and the stream ends.
///
/// `yield` inside a closure, a nested `fn` or a nested `async` block is a compile
/// error, as is `?` (use [`try_async_gen!`](crate::try_async_gen), whose items are `Result`s). A generator
/// macro nested inside another keeps its `yield`s to itself.
///
/// The macros (this one, [`try_async_gen!`](crate::try_async_gen) and [`comp!`](crate::comp)) reach this crate through
/// `$crate`, so they also work where it is a dependency renamed in `Cargo.toml` or is
/// re-exported by another crate.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use std::time::Duration;
///
/// // async def ticker(n):
/// //     for i in range(n):
/// //         await asyncio.sleep(0.5)
/// //         yield i
/// fn ticker(n: u32) -> impl Stream<Item = u32> {
///     async_gen! {
///         for i in 0..n {
///             tokio::time::sleep(Duration::from_millis(500)).await;
///             yield i;
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // [x async for x in ticker(3)]
/// assert_eq!(ticker(3).collect::<Vec<_>>().await, [0, 1, 2]);
/// # }
/// ```
///
/// Consuming other streams with `for await`, and ending early with `return;`:
///
/// ```
/// use asyncgen::prelude::*;
///
/// fn running_total(numbers: impl Stream<Item = i64>) -> impl Stream<Item = i64> {
///     async_gen! {
///         let mut total = 0;
///         for await n in numbers {
///             if n < 0 {
///                 return;
///             }
///             total += n;
///             yield total;
///         }
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let numbers = futures::stream::iter([1, 2, 3, -1, 5]);
/// assert_eq!(running_total(numbers).collect::<Vec<_>>().await, [1, 3, 6]);
/// # });
/// ```
///
/// Naming the item type of a stream that never yields, where nothing else tells it:
///
/// ```
/// use asyncgen::prelude::*;
///
/// # futures::executor::block_on(async {
/// let quiet = async_gen! {
///     type Item = String;
///     std::future::ready(()).await;
/// };
/// assert_eq!(quiet.collect::<Vec<String>>().await, Vec::<String>::new());
///
/// // Without a `yield` and without a name, the items are `()`.
/// let units = async_gen! {};
/// assert_eq!(units.collect::<Vec<()>>().await, []);
/// # });
/// ```
///
/// Yielding from a `tokio::select!` arm, here merging a channel with a timeout:
///
/// ```
/// use asyncgen::prelude::*;
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let (tx, mut rx) = tokio::sync::mpsc::channel::<&str>(8);
/// tx.send("hello").await.unwrap();
/// let events = async_gen! {
///     loop {
///         tokio::select! {
///             Some(message) = rx.recv() => yield format!("message: {message}"),
///             _ = tokio::time::sleep(Duration::from_secs(5)) => {
///                 yield "idle, stopping".to_string();
///                 return;
///             }
///         }
///     }
/// };
/// assert_eq!(events.collect::<Vec<_>>().await, ["message: hello", "idle, stopping"]);
/// # drop(tx);
/// # }
/// ```
#[macro_export]
macro_rules! async_gen {
    ($($body:tt)*) => {
        $crate::__private::async_gen! { @crate $crate; $($body)* }
    };
}

/// A fallible stream from a block that yields: its items are `Result<T, E>`.
///
/// Works like [`async_gen!`], and besides:
///
/// - `yield x;` yields `Ok(x)`;
/// - `expr?` converts the error with [`From`] into `E`, yields it as the stream's last
///   item, and ends the stream (`yield fetch().await?;` works on one line);
/// - `return;` ends the stream without an error.
///
/// Unlike a [`try_generate`](crate::try_generate) body, the block does not end with `Ok(())`: reaching its
/// end is the success, and a trailing `Ok(())` is a type error (`expected ()`).
///
/// The result is a [`TryGenerator`](crate::TryGenerator). `T` and `E` are usually
/// inferred from how the stream is used, for example a function's
/// `impl Stream<Item = Result<T, E>>` return type. Where nothing says what they are,
/// the first lines of the block name them, as `TryStream` does: `type Ok = T;` and
/// `type Error = E;` (either or both).
///
/// `send`, `close`, `type Resume = R;` and `try { ... } finally { ... }` work as in
/// [`async_gen!`](crate::async_gen); a `?` in the `try` part runs the cleanup, then ends
/// the stream with the error.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
///
/// #[derive(Debug, PartialEq)]
/// enum ImportError {
///     BadNumber(String),
///     Negative(i64),
/// }
///
/// impl From<std::num::ParseIntError> for ImportError {
///     fn from(e: std::num::ParseIntError) -> Self {
///         ImportError::BadNumber(e.to_string())
///     }
/// }
///
/// fn import(lines: Vec<&str>) -> impl Stream<Item = Result<i64, ImportError>> + '_ {
///     try_async_gen! {
///         for line in lines {
///             if line.is_empty() {
///                 return;
///             }
///             let n: i64 = line.trim().parse()?;
///             if n < 0 {
///                 Err(ImportError::Negative(n))?;
///             }
///             yield n;
///         }
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let ok: Vec<_> = import(vec!["1", " 2", "", "3"]).collect().await;
/// assert_eq!(ok, [Ok(1), Ok(2)]);
///
/// let bad: Vec<_> = import(vec!["1", "-4", "5"]).collect().await;
/// assert_eq!(bad, [Ok(1), Err(ImportError::Negative(-4))]);
///
/// let ugly: Vec<_> = import(vec!["x"]).collect().await;
/// assert!(matches!(ugly[..], [Err(ImportError::BadNumber(_))]));
/// # });
/// ```
///
/// Naming the error type, which nothing else in this `let` tells:
///
/// ```
/// use asyncgen::prelude::*;
///
/// # futures::executor::block_on(async {
/// let text = "12";
/// let parsed = try_async_gen! {
///     type Error = std::num::ParseIntError;
///     yield text.parse::<i32>()?;
/// };
/// assert_eq!(parsed.collect::<Vec<_>>().await, [Ok(12)]);
/// # });
/// ```
///
/// Paging through an API until a page fails, with `?` on an awaited call:
///
/// ```
/// use asyncgen::prelude::*;
///
/// async fn fetch_page(page: u32) -> Result<Vec<String>, String> {
///     match page {
///         0 | 1 => Ok(vec![format!("item {page}a"), format!("item {page}b")]),
///         _ => Err(format!("page {page}: server error")),
///     }
/// }
///
/// fn all_items() -> impl Stream<Item = Result<String, String>> {
///     try_async_gen! {
///         for page in 0.. {
///             for item in fetch_page(page).await? {
///                 yield item;
///             }
///         }
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let items: Vec<_> = all_items().collect().await;
/// assert_eq!(items.len(), 5);
/// assert_eq!(items[4], Err("page 2: server error".to_string()));
/// # });
/// ```
#[macro_export]
macro_rules! try_async_gen {
    ($($body:tt)*) => {
        $crate::__private::try_async_gen! { @crate $crate; $($body)* }
    };
}

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
/// outermost iterable that uses `.await` is evaluated on the first poll instead. (An
/// outermost iterable that borrows a temporary, like `vec![1, 2].iter()`, therefore
/// lives only until the end of the statement.) The rest of the expressions are moved
/// into the stream, as in an `async move` block.
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
#[macro_export]
macro_rules! comp {
    ($($body:tt)*) => {
        $crate::__private::comp! { @crate $crate; $($body)* }
    };
}

/// Makes an `async fn` whose body yields through a [`Yielder`](crate::Yielder)
/// parameter into a `fn` that returns `impl Stream<Item = T>`: the IDE-friendly form of
/// [`async_gen!`].
///
/// The body is ordinary Rust (no `yield` keyword, which stable Rust does not accept in
/// an attribute's input), so rustfmt formats it and rust-analyzer checks it as it
/// checks any `async fn`. It yields with `y.yield_(value).await`, through a parameter
/// of type `Yielder<T>` (in any position; `T` is the item type). That parameter is
/// removed from the signature: callers pass the others.
///
/// The function expands into [`generate`](crate::generate), the engine behind
/// `async_gen!`, so it costs what `async_gen!` costs. As with an `async fn`, nothing
/// runs until the stream is polled, every parameter moves into the stream, and the
/// stream borrows what the parameters borrow (`&self`, `&[T]`, elided lifetimes
/// included); a borrowed item type, as in `Yielder<&str>`, follows the elision rules
/// of a return type (name its lifetime when several parameters borrow).
///
/// `#[generator(crate = path)]` names this crate when it is renamed in `Cargo.toml`
/// or re-exported (`::asyncgen` by default), as `#[tokio::main(crate = ...)]` does.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
///
/// #[generator]
/// async fn countdown(from: u32, mut y: Yielder<u32>) {
///     for i in (1..=from).rev() {
///         y.yield_(i).await;
///     }
/// }
///
/// # futures::executor::block_on(async {
/// assert_eq!(countdown(3).collect::<Vec<_>>().await, [3, 2, 1]);
/// # });
/// ```
///
/// A method whose stream borrows `self`, consuming another stream:
///
/// ```
/// use asyncgen::prelude::*;
///
/// struct Catalog {
///     names: Vec<String>,
/// }
///
/// impl Catalog {
///     #[generator]
///     async fn matching(&self, prefixes: impl Stream<Item = char>, mut y: Yielder<&str>) {
///         let mut prefixes = std::pin::pin!(prefixes);
///         while let Some(prefix) = prefixes.next().await {
///             for name in self.names.iter().filter(|n| n.starts_with(prefix)) {
///                 y.yield_(name).await;
///             }
///         }
///     }
/// }
///
/// # futures::executor::block_on(async {
/// let catalog = Catalog { names: vec!["apple".into(), "avocado".into(), "kiwi".into()] };
/// let found: Vec<&str> = catalog.matching(futures::stream::iter(['k', 'a'])).collect().await;
/// assert_eq!(found, ["kiwi", "apple", "avocado"]);
/// # });
/// ```
#[doc(inline)]
pub use asyncgen_macros::generator;

/// The fallible twin of [`#[generator]`](macro@generator): the `async fn` returns
/// `Result<(), E>`, and the stream's items are `Result<T, E>`.
///
/// `y.yield_(value).await` yields `Ok(value)`; `?` (converting with [`From`]) and
/// `return Err(e)` end the stream with `Err(e)` as its last item; `Ok(())` ends it
/// without one. It expands into [`try_generate`](crate::try_generate), as
/// `try_async_gen!` does. The return type may be an alias such as `io::Result<()>`.
///
/// # Examples
///
/// ```
/// use asyncgen::prelude::*;
/// use std::num::ParseIntError;
///
/// #[try_generator]
/// async fn numbers(lines: &[&str], mut y: Yielder<i64>) -> Result<(), ParseIntError> {
///     for line in lines {
///         y.yield_(line.trim().parse()?).await;
///     }
///     Ok(())
/// }
///
/// # futures::executor::block_on(async {
/// let lines = ["1", " 2", "x", "4"];
/// let items: Vec<_> = numbers(&lines).collect().await;
/// assert_eq!(items[..2], [Ok(1), Ok(2)]);
/// assert!(items[2].is_err());
/// assert_eq!(items.len(), 3);
/// # });
/// ```
#[doc(inline)]
pub use asyncgen_macros::try_generator;
