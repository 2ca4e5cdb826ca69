//! Async generators and the everyday tools around streams.
//!
//! Write a stream as a block that `yield`s, consume it with
//! `while let Some(x) = s.next().await`, and reach for the tools Python's asyncio gives
//! around async generators: comprehensions, `as_completed`/`gather`, paginated APIs as
//! streams, and rate limiting.
//!
// The example needs the `macros` feature (a default one).
#![cfg_attr(feature = "macros", doc = "```")]
#![cfg_attr(not(feature = "macros"), doc = "```ignore")]
//! use asyncgen::prelude::*;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // async def numbers(n):
//! //     for i in range(n):
//! //         await asyncio.sleep(0.1)
//! //         yield i
//! fn numbers(n: u32) -> impl Stream<Item = u32> {
//!     async_gen! {
//!         for i in 0..n {
//!             tokio::time::sleep(std::time::Duration::from_millis(100)).await;
//!             yield i;
//!         }
//!     }
//! }
//!
//! // async for x in numbers(3): print(x)
//! let mut s = std::pin::pin!(numbers(3));
//! while let Some(x) = s.next().await {
//!     println!("{x}");
//! }
//! // [x async for x in numbers(5)]
//! let all: Vec<u32> = numbers(5).collect().await;
//! assert_eq!(all, [0, 1, 2, 3, 4]);
//! # }
//! ```
//!
//! # Areas
//!
//! | module | what | Python |
//! |---|---|---|
//! | [`generators`] | `async_gen!`, `try_async_gen!`, `#[generator]`, [`generate`], [`try_generate`] | `async def` with `yield` |
//! | [`concurrent`] (feature `concurrent`) | bounded and unbounded concurrency over futures and streams | `asyncio.gather`, `asyncio.as_completed`, semaphores |
//! | `time` (feature `time`) | rate limits, throttling, timeouts | `asyncio.timeout`, `asyncio.wait_for` |
//! | [`paginate`] (feature `paginate`), `link` (feature `link`) | paginated APIs as streams | hand-written `while next_url:` loops |
//! | `http` (feature `http`) | REST pagination with reqwest | `httpx` + a paginator |
//!
//! # Cargo features
//!
//! | feature | default | enables |
//! |---|---|---|
//! | `macros` | yes | `async_gen!`, `try_async_gen!`, `comp!`, `#[generator]`, `#[try_generator]` |
//! | `concurrent` | yes | the `concurrent` module: `as_completed`, `gather`, `try_gather`, `gather!`, `try_gather!`, `.map_concurrent`, `.map_unordered`; turns on futures-util's `alloc` part |
//! | `paginate` | yes | the `paginate` module: `paginate`, `paginate_offset`, `paginate_pages`, `Page`, `Paginator` |
//! | `time` | yes | the `time` module (rate limits, throttling, timeouts) on tokio's timer, and `.retry` and `.throttle` on paginators; turns on `tokio` |
//! | `tokio` | with `time` | spawned modes that run futures as tokio tasks: `.spawned()`, `Paginator::prefetch`; `generators::CloseOnDrop` |
//! | `quanta` | no | `RateLimiter::with_quanta_clock`, a limiter on the CPU's time-stamp counter; turns on `time` |
//! | `link` | with `http` | the `link` module (RFC 8288 `Link` headers) and the `url` re-export; turns on `paginate` |
//! | `http` | no | the `http` module (reqwest, serde) and the `reqwest` re-export; turns on `time`, `link` and `paginate` |
//! | `serde` | no | `Serialize`/`Deserialize` for `paginate::Checkpoint`, to resume a listing in a later process; turns on `paginate` |
//! | `redis` | no | `time::RedisRateLimiter` and `time::RedisKeyedRateLimiter`: one quota shared by many processes through Redis; turns on `time` |
//!
//! With the default features every area but `link`, `http` and `redis` is there. Without
//! `time`, `http` and `redis` the crate needs no runtime: every stream here can be
//! driven by any executor. With `macros` alone (`default-features = false, features =
//! ["macros"]`) it compiles the generator engine, the macros and futures-util's
//! `StreamExt`, and nothing else: no concurrency or pagination code, no
//! `FuturesUnordered`, no URL, HTTP or Unicode-table code, one version of `syn`.
//!
//! # What you add yourself
//!
//! An executor (the examples use tokio); `futures` for combinators beyond the prelude's
//! `StreamExt` and `TryStreamExt`; and, for `http`, `reqwest` with the TLS you choose
//! (this crate builds it without TLS) and `serde` to derive your items' `Deserialize`.
//!
//! # Matching versions
//!
//! `http::paginate_json` takes the `reqwest::Client` of the reqwest this crate is
//! built with, and `link::next_url` returns its `url::Url`. Both crates are re-exported
//! (`asyncgen::reqwest`, `asyncgen::url`, with their features), so you can always name
//! the matching version. A client from another reqwest release in your `Cargo.toml`
//! (0.12, say) fails with `expected reqwest::Client, found Client` and "multiple
//! different versions of crate `reqwest`": depend on the same release, or build the
//! client through the re-export, `asyncgen::reqwest::Client::builder()`.
// The area table links to modules that exist only with their features; without one, its
// link goes to the feature table.
//!
#![cfg_attr(feature = "paginate", doc = "[`paginate`]: mod@paginate")]
#![cfg_attr(not(feature = "paginate"), doc = "[`paginate`]: #cargo-features")]
#![cfg_attr(not(feature = "concurrent"), doc = "[`concurrent`]: #cargo-features")]
#![deny(missing_docs)]
#![warn(unreachable_pub, rust_2018_idioms)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "concurrent")]
pub mod concurrent;
// The directory keeps its short name; the module reads as a word (`gen` is reserved in
// edition 2024, so it could only be reached as `r#gen`).
#[path = "gen/mod.rs"]
pub mod generators;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "paginate")]
pub mod paginate;
#[cfg(feature = "time")]
pub mod time;

#[cfg(all(feature = "paginate", feature = "time"))]
pub use paginate::RetryPolicy;
#[cfg(feature = "link")]
pub use paginate::link;
#[cfg(feature = "paginate")]
pub use paginate::{
    FetchNumberedPage, FetchPage, NumberedPage, NumberedPaginator, Page, Pages, PaginateError,
    Paginator, RepeatedCursor, paginate, paginate_offset, paginate_pages,
};

#[cfg(feature = "concurrent")]
pub use crate::concurrent::{MapConcurrent, MapUnordered, StreamConcurrentExt};
#[cfg(feature = "concurrent")]
pub use crate::concurrent::{as_completed, gather, try_gather};

pub use crate::generators::{
    AsyncGenerator, Generator, TryGenerator, WithTaskWaker, YieldFuture, Yielder, generate,
    generate_with_send, try_generate, try_generate_with_send, with_task_waker,
};
#[cfg(feature = "macros")]
pub use crate::generators::{generator, try_generator};
#[cfg(feature = "time")]
pub use crate::time::{NotUntil, Quota, RateLimiter, UntilReady};

/// The `reqwest` this crate is built against (feature `http`), whose `Client` and
/// `IntoUrl` appear in [`http::paginate_json`]'s signature.
///
/// Name the client's type through it when your own `reqwest` dependency is another
/// version (see [Matching versions](crate#matching-versions)).
#[cfg(feature = "http")]
pub use reqwest;
/// The `url` this crate is built against (feature `link`), whose `Url` is what
/// [`link::next_url`] returns.
#[cfg(feature = "link")]
pub use url;

// The README's snippets run as doc tests (they use every area of the crate, so they
// are compiled when all the features they need are on, as `--all-features` does).
#[cfg(all(
    doctest,
    feature = "macros",
    feature = "concurrent",
    feature = "paginate",
    feature = "time",
    feature = "http",
    feature = "serde",
    feature = "redis"
))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Everything a stream user needs in scope: the engine, the macros, futures-util's
/// `StreamExt` and `TryStreamExt`, this crate's own stream methods and, with their
/// features (all on by default), `gather` and `as_completed` (`concurrent`), the
/// pagination entry points (`paginate`), and `Quota`, `RateLimiter` and `RetryPolicy`
/// (`time`).
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
///
/// // `try_collect` comes from `TryStreamExt`.
/// let numbers = futures::stream::iter(["1", "x"]).map(str::parse::<u32>);
/// let parsed: Result<Vec<u32>, _> = numbers.try_collect().await;
/// assert!(parsed.is_err());
/// # });
/// ```
pub mod prelude {
    pub use core::future::Future;
    pub use futures_core::stream::{FusedStream, Stream};
    pub use futures_util::stream::{StreamExt as _, TryStreamExt as _};

    #[cfg(feature = "concurrent")]
    pub use crate::concurrent::StreamConcurrentExt as _;
    #[cfg(feature = "time")]
    pub use crate::time::StreamTimeExt as _;
    // From the crate root, where each name is both the function and the macro
    // (`gather([..])` for one type, `gather!(a, b)` for different types).
    #[cfg(feature = "concurrent")]
    pub use crate::{as_completed, gather, try_gather};

    pub use crate::generators::{
        AsyncGenerator, Generator, TryGenerator, Yielder, generate, generate_with_send,
        try_generate, try_generate_with_send,
    };
    #[cfg(all(feature = "paginate", feature = "time"))]
    pub use crate::paginate::RetryPolicy;
    #[cfg(feature = "paginate")]
    pub use crate::paginate::{
        NumberedPage, Page, PaginateError, Paginator, RepeatedCursor, paginate, paginate_offset,
        paginate_pages,
    };
    #[cfg(feature = "time")]
    pub use crate::time::{Quota, RateLimiter};
    #[cfg(feature = "macros")]
    pub use crate::{async_gen, comp, generator, try_async_gen, try_generator};
}

/// The former name of [`generators`], which `gen` being a reserved word in edition 2024
/// made `r#gen`.
#[deprecated(since = "0.1.0", note = "renamed `asyncgen::generators`")]
#[doc(hidden)]
pub mod r#gen {
    pub use crate::generators::*;
}

/// What the macros expand to. Not public API: names and signatures here may change in
/// any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::generators::macro_support::*;
    // What `gather!` and `try_gather!` expand to.
    #[cfg(feature = "concurrent")]
    pub use core::future::{Future, IntoFuture, poll_fn};
    #[cfg(feature = "concurrent")]
    pub use core::pin::pin;
    #[cfg(feature = "concurrent")]
    pub use core::task::Poll;
    #[cfg(feature = "concurrent")]
    pub use futures_util::future::{maybe_done, try_maybe_done};
    // Invoked by the `macro_rules!` wrappers of the same names, which pass `$crate` so
    // that the expansion reaches this crate however the caller depends on it.
    #[cfg(feature = "macros")]
    pub use asyncgen_macros::{async_gen, comp, try_async_gen};
}

// The feature table is written twice, in these docs and in the README; both must list
// every feature of Cargo.toml, with the same words and the right defaults.
#[cfg(test)]
mod feature_table {
    /// The rows of the table under the `| feature | default | enables |` header.
    fn rows(text: &str) -> Vec<String> {
        let lines: Vec<&str> = text
            .lines()
            .map(|line| line.trim_start_matches("//!").trim())
            .collect();
        let header = lines
            .iter()
            .position(|line| *line == "| feature | default | enables |")
            .expect("a `| feature | default | enables |` table");
        lines[header + 2..]
            .iter()
            .take_while(|line| line.starts_with('|'))
            .map(|line| line.to_string())
            .collect()
    }

    /// Each feature of Cargo.toml, and whether `default` turns it on.
    fn cargo_features() -> Vec<(String, bool)> {
        let manifest = include_str!("../Cargo.toml");
        let section = manifest
            .split("\n[features]\n")
            .nth(1)
            .expect("a [features] table");
        let section = section.split("\n[").next().unwrap_or(section);
        let mut defaults = "";
        let mut names = Vec::new();
        for line in section.lines() {
            let Some((name, value)) = line.split_once(" = ") else {
                continue;
            };
            if line.starts_with('#') {
                continue;
            }
            if name == "default" {
                defaults = value;
            } else {
                names.push(name.to_string());
            }
        }
        names
            .into_iter()
            .map(|name| {
                let on = defaults.contains(&format!("\"{name}\""));
                (name, on)
            })
            .collect()
    }

    #[test]
    fn the_readme_and_the_crate_docs_have_the_same_table() {
        assert_eq!(
            rows(include_str!("../README.md")),
            rows(include_str!("lib.rs"))
        );
    }

    #[test]
    fn the_table_lists_every_feature_with_its_default() {
        let rows = rows(include_str!("lib.rs"));
        let features = cargo_features();
        assert_eq!(rows.len(), features.len(), "one row per feature: {rows:#?}");
        for (name, on) in features {
            let row = rows
                .iter()
                .find(|row| row.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("no row for feature `{name}`"));
            let default = row.split('|').nth(2).unwrap().trim();
            assert_eq!(
                default == "yes",
                on,
                "feature `{name}`: default column `{default}`"
            );
        }
    }
}
