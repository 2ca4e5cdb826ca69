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

#[cfg(feature = "time")]
pub use paginate::RetryPolicy;
pub use paginate::link;
pub use paginate::{
    FetchNumberedPage, FetchPage, NumberedPage, NumberedPaginator, Page, Pages, PaginateError,
    Paginator, RepeatedCursor, paginate, paginate_offset, paginate_pages,
};

pub use crate::r#gen::{Generator, TryGenerator, YieldFuture, Yielder, generate, try_generate};
#[cfg(feature = "time")]
pub use crate::time::{NotUntil, Quota, RateLimiter, UntilReady};

#[cfg(feature = "macros")]
pub use asyncgen_macros::{async_gen, comp, try_async_gen};

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
    #[cfg(feature = "time")]
    pub use crate::paginate::RetryPolicy;
    pub use crate::paginate::{
        NumberedPage, Page, PaginateError, Paginator, RepeatedCursor, paginate, paginate_offset,
        paginate_pages,
    };
    #[cfg(feature = "macros")]
    pub use asyncgen_macros::{async_gen, comp, try_async_gen};
}

/// What the macros expand to. Not public API: names and signatures here may change in
/// any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::r#gen::macro_support::*;
}
