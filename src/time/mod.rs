//! Rate limiting, throttling and timeouts on tokio's timer (feature `time`).

use futures_core::stream::Stream;

mod lazy_sleep;
mod not_until;
mod quota;
mod rate_limiter;
mod until_ready;

pub use not_until::NotUntil;
pub use quota::Quota;
pub use rate_limiter::RateLimiter;
pub use until_ready::UntilReady;

/// This crate's time-based methods on every [`Stream`]; in scope through the prelude.
pub trait StreamTimeExt: Stream {}

impl<S: Stream + ?Sized> StreamTimeExt for S {}
