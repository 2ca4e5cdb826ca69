//! Rate limiters whose budget lives in Redis, shared by every process that uses it.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::limiter::{BoxedWait, Limiter};
use super::{NotUntil, Quota};
use budget::Budget;
pub use error::{OutagePolicy, RedisLimitError};
pub use keyed::RedisKeyedRateLimiter;

mod budget;
mod error;
mod keyed;
#[cfg(test)]
mod tests;

/// A GCRA rate limiter whose budget lives in Redis (feature `redis`): one quota shared
/// by every process, task and stream that uses the same Redis, key and quota.
///
/// * One script, loaded once and run by its hash, takes a cell atomically on the
///   server, timed by the server's clock (`TIME`), so the workers' clocks need not
///   agree. The budget is kept in microseconds; the key expires once the burst is full
///   again, so an idle budget costs Redis nothing. Every user of a key must give the
///   same quota.
/// * Within a process, waiters are served first come, first served: one at a time asks
///   Redis, the others wait in line behind it, and a waiter that is dropped leaves the
///   line. Across processes, whoever asks first when a cell is free gets it; a process
///   that stops (or is killed) while waiting holds nothing up.
/// * While Redis is out of reach, the [`OutagePolicy`] decides: by default the limiter
///   fails closed, waiting and reconnecting.
/// * A cell costs a round trip to Redis (tens of microseconds on loopback; see the
///   README's figures). Use it where the quota belongs to a fleet (an API key shared by
///   workers); within one process, [`RateLimiter`](crate::RateLimiter) costs
///   nanoseconds.
///
/// Clones share the connection and the line. It implements [`Limiter`], so it goes
/// wherever a limiter does: `.throttle(&limiter)` on a stream or a paginator. A
/// throttled stream has no place for an error: it waits out an outage under the policy,
/// and an error reply (another program's data at the key) is asked again every 500 ms,
/// never let through. Call [`until_ready`](Self::until_ready) to see the errors.
///
/// # Examples
///
/// Runs against a Redis server when `REDIS_URL` names one; without one, connecting
/// fails with a clear error, which this example prints.
///
/// ```
/// use asyncgen::prelude::*;
/// use asyncgen::time::RedisRateLimiter;
/// use asyncgen::Quota;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:1/".into());
/// match RedisRateLimiter::connect(&url, "doc:example", Quota::per_second(50)).await {
///     Ok(limiter) => {
///         limiter.until_ready().await.unwrap();
///         let items: Vec<u32> = futures::stream::iter(1..=3).throttle(&limiter).collect().await;
///         assert_eq!(items, [1, 2, 3]);
///     }
///     Err(error) => eprintln!("no Redis here: {error}"),
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct RedisRateLimiter {
    inner: Arc<Single>,
}

struct Single {
    budget: Budget,
    key: String,
    /// The process's line: whoever holds it asks Redis, the others wait (FIFO).
    line: Mutex<()>,
}

impl RedisRateLimiter {
    /// Connects to Redis at `redis_url` (`redis://[:password@]host:port[/db]`) and loads
    /// the script; the budget is the one at `key`.
    ///
    /// # Errors
    ///
    /// [`RedisLimitError::Connect`] if the URL is malformed or Redis cannot be reached
    /// (a connection attempt gives up after 2 s).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::{RedisLimitError, RedisRateLimiter};
    /// use asyncgen::Quota;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // Nothing listens on port 1.
    /// let error = RedisRateLimiter::connect("redis://127.0.0.1:1/", "k", Quota::per_second(1))
    ///     .await
    ///     .unwrap_err();
    /// assert!(matches!(error, RedisLimitError::Connect { .. }));
    /// assert!(error.to_string().contains("127.0.0.1:1"));
    /// # }
    /// ```
    pub async fn connect(
        redis_url: &str,
        key: &str,
        quota: Quota,
    ) -> Result<RedisRateLimiter, RedisLimitError> {
        let budget = Budget::connect(redis_url, quota).await?;
        Ok(RedisRateLimiter {
            inner: Arc::new(Single {
                budget,
                key: key.to_owned(),
                line: Mutex::new(()),
            }),
        })
    }

    /// The same limiter under another [`OutagePolicy`] (the line and connection are this
    /// one's; clones made before keep theirs).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use asyncgen::time::{OutagePolicy, RedisRateLimiter};
    /// use asyncgen::Quota;
    ///
    /// # async fn f() -> Result<(), asyncgen::time::RedisLimitError> {
    /// let limiter = RedisRateLimiter::connect("redis://127.0.0.1/", "api", Quota::per_second(5))
    ///     .await?
    ///     .with_outage_policy(OutagePolicy::FailOpen);
    /// assert_eq!(limiter.outage_policy(), OutagePolicy::FailOpen);
    /// # Ok(()) }
    /// ```
    pub fn with_outage_policy(self, policy: OutagePolicy) -> RedisRateLimiter {
        let mut budget = self.inner.budget.clone();
        budget.policy = policy;
        RedisRateLimiter {
            inner: Arc::new(Single {
                budget,
                key: self.inner.key.clone(),
                line: Mutex::new(()),
            }),
        }
    }

    /// The outage policy in force.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisRateLimiter) {
    /// use asyncgen::time::OutagePolicy;
    /// assert_eq!(limiter.outage_policy(), OutagePolicy::default());
    /// # }
    /// ```
    pub fn outage_policy(&self) -> OutagePolicy {
        self.inner.budget.policy
    }

    /// Waits for a cell and takes it. Waiters in this process are served in the order
    /// in which they first polled; dropping the future gives its turn back.
    ///
    /// # Errors
    ///
    /// [`RedisLimitError::Unavailable`] when Redis stays out of reach longer than the
    /// [`OutagePolicy`] waits; [`RedisLimitError::Reply`] when it answers with an error.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use asyncgen::time::RedisRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # async fn f() -> Result<(), asyncgen::time::RedisLimitError> {
    /// let limiter = RedisRateLimiter::connect("redis://127.0.0.1/", "api", Quota::per_second(5)).await?;
    /// for _ in 0..10 {
    ///     limiter.until_ready().await?; // five a second, across every process on "api"
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn until_ready(&self) -> Result<(), RedisLimitError> {
        let inner = &*self.inner;
        let _turn = inner.line.lock().await;
        inner.budget.until_ready(&inner.key).await
    }

    /// Takes a cell if one is free now, without waiting (one round trip to Redis), also
    /// when others in this process wait in line. `Ok(Err(refusal))` says how long until
    /// the next cell.
    ///
    /// # Errors
    ///
    /// As [`until_ready`](Self::until_ready)'s, except that it does not wait out an
    /// outage: under [`OutagePolicy::FailClosed`] an unreachable Redis is
    /// [`RedisLimitError::Unavailable`] at once (under `FailOpen`, a cell).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use asyncgen::time::RedisRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # async fn f() -> Result<(), asyncgen::time::RedisLimitError> {
    /// let limiter = RedisRateLimiter::connect("redis://127.0.0.1/", "once", Quota::per_minute(1)).await?;
    /// if let Err(refused) = limiter.check().await? {
    ///     println!("next cell in {:?}", refused.wait_time());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn check(&self) -> Result<Result<(), NotUntil>, RedisLimitError> {
        let inner = &*self.inner;
        Ok(match inner.budget.try_take(&inner.key, false).await? {
            None => Ok(()),
            Some(wait) => {
                let now = Instant::now();
                Err(NotUntil::new(now + wait, now))
            }
        })
    }

    /// The quota this limiter enforces.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisRateLimiter) {
    /// println!("{:?}", limiter.quota());
    /// # }
    /// ```
    pub fn quota(&self) -> Quota {
        self.inner.budget.quota
    }

    /// The Redis key that holds the budget.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisRateLimiter) {
    /// println!("budget at {}", limiter.key());
    /// # }
    /// ```
    pub fn key(&self) -> &str {
        &self.inner.key
    }

    /// `until_ready` for `throttle`, which has no place for an error: a refused reply
    /// counts as an outage, waited out under the policy.
    async fn until_ready_for_throttle(self) {
        while self.until_ready().await.is_err() {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("key", &self.inner.key)
            .field("quota", &self.inner.budget.quota)
            .field("outage_policy", &self.inner.budget.policy)
            .finish_non_exhaustive()
    }
}

/// One wait of `throttle` on a [`RedisRateLimiter`].
#[derive(Default)]
pub struct RedisWaiter(Option<BoxFuture<'static, ()>>);

impl Limiter for RedisRateLimiter {
    type Waiter = RedisWaiter;

    fn poll_cell(&self, waiter: Pin<&mut RedisWaiter>, cx: &mut Context<'_>) -> Poll<()> {
        let waiter = waiter.get_mut();
        let wait = waiter
            .0
            .get_or_insert_with(|| Box::pin(self.clone().until_ready_for_throttle()));
        let ready = wait.as_mut().poll(cx);
        if ready.is_ready() {
            waiter.0 = None;
        }
        ready
    }

    fn boxed_wait(&self) -> Option<BoxedWait> {
        Some(Box::pin(self.clone().until_ready_for_throttle()))
    }
}
