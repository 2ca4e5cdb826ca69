//! Rate limiting, throttling and timeouts on tokio's timer (feature `time`).
//!
//! * [`Quota`] and [`RateLimiter`]: a GCRA rate limiter whose clones share one budget,
//!   with a fair (FIFO) [`until_ready`](RateLimiter::until_ready) and a non-waiting
//!   [`check`](RateLimiter::check).
//! * [`KeyedRateLimiter`]: a budget per key (host, token, tenant), idle keys forgotten.
//! * With the feature `redis`, `RedisRateLimiter` and `RedisKeyedRateLimiter`: the same
//!   budgets kept in Redis, shared by every process that uses them.
//! * [`Limiter`]: what [`throttle`](StreamTimeExt::throttle) and the paginators'
//!   `throttle` accept, so either limiter goes wherever a limiter is taken.
//!
//! # Which limiter
//!
//! | the quota belongs to | use | a cell costs |
//! |---|---|---|
//! | one process (its tasks, streams, threads) | [`RateLimiter`] | nanoseconds: one atomic compare-and-swap |
//! | each key (host, token, tenant) within one process | [`KeyedRateLimiter`] | a map lookup more |
//! | a fleet of processes or machines (one API key) | `RedisRateLimiter` | a round trip to Redis (tens of µs on loopback) |
//! | each key, across a fleet | `RedisKeyedRateLimiter` | the same |
//!
//! A fleet that splits its quota evenly and never rebalances can also give each worker a
//! [`RateLimiter`] with its share; Redis is for when the workers come and go, or their
//! load is uneven.
//! * [`StreamTimeExt`]: stream adapters, in scope through the prelude.
//!
//! "Throttle" means three different things across libraries (delay every item, drop
//! items, or keep the latest), so each behaviour here has its own name:
//!
//! | method | items lost? | items delayed? | errors? | what it does |
//! |---|---|---|---|---|
//! | [`throttle(limiter)`](StreamTimeExt::throttle) | no | yes | no | each item waits for a cell of a [`RateLimiter`] (shareable with other streams and tasks) |
//! | [`space_out(gap)`](StreamTimeExt::space_out) | no | yes | no | at least `gap` between items; the first is not delayed |
//! | [`timeout_each(limit)`](StreamTimeExt::timeout_each) | no | no | yes | `Ok(item)`, plus an `Err(Elapsed)` for each `limit` spent waiting; goes on |
//! | [`deadline(limit)`](StreamTimeExt::deadline) | the rest | no | once | `Ok(item)` until `limit` after the first poll, then one `Err(Elapsed)` and the end |
//! | [`sample(period)`](StreamTimeExt::sample) | yes | up to `period` | no | at each tick, the latest item since the last tick |
//! | [`debounce(quiet)`](StreamTimeExt::debounce) | yes | by `quiet` | no | an item once `quiet` has passed without a newer one |
//!
//! All of them use [`tokio::time`], so they run inside a tokio runtime with the timer
//! enabled, and tests can run them on a paused clock.
//!
//! # Examples
//!
//! ```
//! use asyncgen::prelude::*;
//! use asyncgen::{Quota, RateLimiter};
//! use std::time::Duration;
//! use tokio::time::Instant;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let start = Instant::now();
//! // Two streams share one budget of 10 per second.
//! let limiter = RateLimiter::new(Quota::per_second(10));
//! let a = futures::stream::iter(0..5).throttle(&limiter);
//! let b = futures::stream::iter(5..10).throttle(&limiter);
//! let all: Vec<_> = futures::stream::select(a, b).collect().await;
//! assert_eq!(all.len(), 10);
//! assert_eq!(start.elapsed(), Duration::from_millis(900));
//! # }
//! ```

use std::time::Duration;

use futures_core::stream::Stream;

mod clock;
mod common;
mod deadline;
mod debounce;
mod elapsed;
mod gcra;
mod keyed;
mod lazy_sleep;
mod limiter;
mod not_until;
mod quota;
mod rate_limiter;
#[cfg(feature = "redis")]
mod redis;
mod sample;
mod space_out;
mod state;
mod throttle;
mod timeout_each;
mod until_ready;
mod wait_queue;

pub use deadline::Deadline;
pub use debounce::Debounce;
pub use elapsed::Elapsed;
pub use keyed::KeyedRateLimiter;
#[cfg(feature = "paginate")]
pub(crate) use limiter::AnyLimiter;
pub use limiter::{IntoLimiter, Limiter};
pub use not_until::NotUntil;
pub use quota::Quota;
pub use rate_limiter::RateLimiter;
#[cfg(feature = "redis")]
pub use redis::{OutagePolicy, RedisKeyedRateLimiter, RedisLimitError, RedisRateLimiter};
pub use sample::Sample;
pub use space_out::SpaceOut;
pub use throttle::Throttle;
pub use timeout_each::TimeoutEach;
pub use until_ready::UntilReady;

/// This crate's time-based methods on every [`Stream`]; in scope through the prelude.
///
/// See the [module documentation](self) for which of them drop, delay or error.
pub trait StreamTimeExt: Stream {
    /// Lossless rate limiting: each item is let through when `limiter` gives it a cell.
    ///
    /// Takes a [`RateLimiter`] (or `&RateLimiter`, sharing its budget with every other
    /// user of it), a [`Quota`] (a limiter of its own), or any other [`Limiter`], such
    /// as a `RedisRateLimiter` (feature `redis`) whose budget is shared by many processes. The inner stream is asked for
    /// the next item only after the previous one went through, so a lazy source (a
    /// request per item) runs at the limiter's pace too, and no cell is spent on the end
    /// of the stream. Nothing is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let quota = Quota::per_second(10).allow_burst(3);
    /// let times: Vec<u128> = futures::stream::iter(0..5)
    ///     .throttle(quota)
    ///     .map(|_| start.elapsed().as_millis())
    ///     .collect()
    ///     .await;
    /// assert_eq!(times, [0, 0, 0, 100, 200]);
    /// # }
    /// ```
    fn throttle<L: IntoLimiter>(self, limiter: L) -> Throttle<Self, L::Limiter>
    where
        Self: Sized,
    {
        Throttle::new(self, limiter.into_limiter())
    }

    /// Lossless spacing: at least `gap` between two items, measured from when the
    /// earlier one went out; the first item is not delayed. Nothing is dropped.
    ///
    /// Unlike [`throttle`](StreamTimeExt::throttle), this is private to the stream
    /// and has no burst: a slow item does not earn the next one an earlier slot.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let times: Vec<u128> = futures::stream::iter(0..3)
    ///     .space_out(Duration::from_millis(250))
    ///     .map(|_| start.elapsed().as_millis())
    ///     .collect()
    ///     .await;
    /// assert_eq!(times, [0, 250, 500]);
    /// # }
    /// ```
    fn space_out(self, gap: Duration) -> SpaceOut<Self>
    where
        Self: Sized,
    {
        SpaceOut::new(self, gap)
    }

    /// A time limit on each wait: items come as `Ok(item)`, and every `limit` spent
    /// waiting for the next one yields an `Err(Elapsed)`; the stream goes on (the item
    /// may still come later) and ends when the inner stream ends.
    ///
    /// A wait starts with the poll that finds no item ready (after an error, with the
    /// next poll). An item ready at the very instant the limit passes wins. Nothing is
    /// dropped or delayed. Python: `asyncio.wait_for(anext(it), limit)` in a loop that
    /// carries on after `TimeoutError`.
    ///
    /// # Panics
    ///
    /// If `limit` is zero (every wait would be an error at once, forever); the message
    /// names the method and points at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let replies = futures::stream::iter([10, 300, 20]).then(|ms| async move {
    ///     tokio::time::sleep(Duration::from_millis(ms)).await;
    ///     ms
    /// });
    /// let got: Vec<Result<u64, _>> = replies.timeout_each(Duration::from_millis(200)).collect().await;
    /// assert_eq!(got[0], Ok(10));
    /// assert!(got[1].is_err()); // 200 ms without a reply...
    /// assert_eq!(got[2..], [Ok(300), Ok(20)]); // ...but it came after all
    /// # }
    /// ```
    #[track_caller]
    fn timeout_each(self, limit: Duration) -> TimeoutEach<Self>
    where
        Self: Sized,
    {
        TimeoutEach::new(self, limit)
    }

    /// A time limit on the whole stream: items come as `Ok(item)` until `limit` has
    /// passed since the first poll; then one `Err(Elapsed)`, and the end (the rest of the
    /// inner stream is never asked for). A stream that ends in time ends without an error.
    ///
    /// An item that becomes ready at the very instant the deadline passes is not
    /// delivered. Python: `async with asyncio.timeout(limit): async for x in it: ...`.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let slow = futures::stream::iter(1..=10).then(|x| async move {
    ///     tokio::time::sleep(Duration::from_millis(400)).await;
    ///     x
    /// });
    /// let got: Vec<_> = slow.deadline(Duration::from_secs(1)).collect().await;
    /// assert_eq!(got[..2], [Ok(1), Ok(2)]); // at 400 and 800 ms
    /// assert_eq!(got[2].unwrap_err().limit(), Duration::from_secs(1));
    /// assert_eq!(got.len(), 3);
    /// # }
    /// ```
    fn deadline(self, limit: Duration) -> Deadline<Self>
    where
        Self: Sized,
    {
        Deadline::new(self, limit)
    }

    /// Lossy: at each tick (every `period`, the first one `period` after the first poll),
    /// the latest item received since the previous tick, if any; earlier ones are
    /// dropped, and a tick with no new item emits nothing.
    ///
    /// An item that arrives at the very instant of a tick belongs to that tick. When the
    /// inner stream ends, the item the next tick would have carried (if any) is emitted
    /// at once, then the stream ends. If the consumer is late for ticks, the missed
    /// ticks are skipped, not caught up.
    ///
    /// # Panics
    ///
    /// If `period` is zero; the message names the method and points at the caller's
    /// line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // A reading every 30 ms, sampled every 100 ms: readings at 90 ms and 180 ms
    /// // are the latest before the ticks at 100 and 200 ms; 210 ms is flushed at the end.
    /// let readings = futures::stream::iter(1..=7).then(|x| async move {
    ///     tokio::time::sleep(Duration::from_millis(30)).await;
    ///     x * 30
    /// });
    /// let got: Vec<u64> = readings.sample(Duration::from_millis(100)).collect().await;
    /// assert_eq!(got, [90, 180, 210]);
    /// # }
    /// ```
    #[track_caller]
    fn sample(self, period: Duration) -> Sample<Self>
    where
        Self: Sized,
    {
        Sample::new(self, period)
    }

    /// Lossy: an item is emitted only once `quiet` has passed without a newer one (at
    /// its arrival + `quiet`); an item superseded sooner is dropped. When the inner
    /// stream ends, the pending item (if any) is emitted at once, then the stream ends.
    ///
    /// An item that arrives at the very instant the quiet period ends supersedes the
    /// pending one.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::prelude::*;
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// // Bursts of events: 1, 2, 3 close together, then 4 alone, then the end.
    /// let events = futures::stream::iter([(0, 1), (10, 2), (10, 3), (300, 4), (100, 0)])
    ///     .then(|(gap, x)| async move {
    ///         tokio::time::sleep(Duration::from_millis(gap)).await;
    ///         x
    ///     })
    ///     .filter(|&x| std::future::ready(x != 0));
    /// let got: Vec<_> = events
    ///     .debounce(Duration::from_millis(50))
    ///     .map(|x| (x, start.elapsed().as_millis()))
    ///     .collect()
    ///     .await;
    /// assert_eq!(got, [(3, 70), (4, 370)]);
    /// # }
    /// ```
    fn debounce(self, quiet: Duration) -> Debounce<Self>
    where
        Self: Sized,
    {
        Debounce::new(self, quiet)
    }
}

impl<S: Stream + ?Sized> StreamTimeExt for S {}
