//! Rate limiters whose budget lives in Redis, shared by every process that uses it.

use std::error::Error;
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

mod budget;
#[cfg(test)]
mod tests;

/// What a Redis limiter does while Redis is out of reach (connection refused or lost,
/// a timeout, a server still loading its data).
///
/// An error that asking again cannot fix (the key holds something else, the server
/// refuses the script) is returned at once under either policy.
///
/// # Examples
///
/// ```
/// use asyncgen::time::OutagePolicy;
/// use std::time::Duration;
///
/// assert_eq!(OutagePolicy::default(), OutagePolicy::FailClosed { give_up_after: None });
/// let patient = OutagePolicy::FailClosed { give_up_after: Some(Duration::from_secs(30)) };
/// # let _ = patient;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutagePolicy {
    /// The default: no cell is given without Redis. Waiters wait, asking again with a
    /// growing pause (20 ms, doubling up to 500 ms) while the connection is re-made;
    /// after `give_up_after` (if set) [`until_ready`](RedisRateLimiter::until_ready)
    /// returns [`RedisLimitError::Unavailable`]. `throttle` waits for as long as it
    /// takes.
    FailClosed {
        /// How long to wait for Redis before giving up; `None` waits for good.
        give_up_after: Option<Duration>,
    },
    /// Every cell asked for while Redis is out of reach is let through at once: the
    /// quota is not enforced until Redis is back. Choose it where being limited by
    /// the server is better than stopping.
    FailOpen,
}

impl Default for OutagePolicy {
    fn default() -> OutagePolicy {
        OutagePolicy::FailClosed {
            give_up_after: None,
        }
    }
}

/// Why a Redis limiter could not answer.
///
/// # Examples
///
/// ```
/// use asyncgen::time::{RedisLimitError, RedisRateLimiter};
/// use asyncgen::Quota;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let refused = RedisRateLimiter::connect("not a url", "key", Quota::per_second(1)).await;
/// assert!(matches!(refused, Err(RedisLimitError::Connect { .. })));
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum RedisLimitError {
    /// The URL is malformed, or the first connection (or loading the script) failed.
    Connect {
        /// The URL, its password masked.
        url: String,
        /// What the Redis client said.
        source: redis::RedisError,
    },
    /// Redis was out of reach for longer than
    /// [`OutagePolicy::FailClosed`]'s `give_up_after`.
    Unavailable {
        /// How long the limiter waited for it.
        waited: Duration,
        /// The last error.
        source: redis::RedisError,
    },
    /// Redis answered with an error, or with a reply the limiter does not understand
    /// (another program may be using the key).
    Reply {
        /// What the Redis client said.
        source: redis::RedisError,
    },
}

impl fmt::Display for RedisLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisLimitError::Connect { url, .. } => {
                write!(f, "could not connect the rate limiter to Redis at {url}")
            }
            RedisLimitError::Unavailable { waited, .. } => {
                write!(
                    f,
                    "Redis was out of reach for {waited:?}; no cell was taken"
                )
            }
            RedisLimitError::Reply { .. } => f.write_str("Redis refused the rate limiter's script"),
        }
    }
}

impl Error for RedisLimitError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RedisLimitError::Connect { source, .. }
            | RedisLimitError::Unavailable { source, .. }
            | RedisLimitError::Reply { source } => Some(source),
        }
    }
}

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
    /// As [`until_ready`](Self::until_ready)'s.
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
        Ok(match inner.budget.try_take(&inner.key).await? {
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

/// One quota per key, kept in Redis (feature `redis`): a budget per host, token or tenant
/// shared by every process, each key's budget at `prefix` + key. Idle keys expire in
/// Redis once their burst is full again, so forgotten keys cost nothing.
///
/// Each call is one script run, as for [`RedisRateLimiter`]; waiters on one key are not
/// put in line within the process (whoever asks first when a cell is free gets it).
///
/// # Examples
///
/// ```
/// use asyncgen::time::RedisKeyedRateLimiter;
/// use asyncgen::Quota;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:1/".into());
/// match RedisKeyedRateLimiter::connect(&url, "doc:tenant:", Quota::per_second(100)).await {
///     Ok(per_tenant) => {
///         per_tenant.until_ready("acme").await.unwrap();
///         per_tenant.until_ready("globex").await.unwrap();
///     }
///     Err(error) => eprintln!("no Redis here: {error}"),
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct RedisKeyedRateLimiter {
    budget: Arc<Budget>,
    prefix: String,
}

impl RedisKeyedRateLimiter {
    /// Connects to Redis at `redis_url`; key `k`'s budget is at `prefix` + `k`.
    ///
    /// # Errors
    ///
    /// As [`RedisRateLimiter::connect`]'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::time::RedisKeyedRateLimiter;
    /// use asyncgen::Quota;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let wrong = RedisKeyedRateLimiter::connect("http://x/", "p:", Quota::per_second(1)).await;
    /// assert!(wrong.is_err());
    /// # }
    /// ```
    pub async fn connect(
        redis_url: &str,
        prefix: &str,
        quota: Quota,
    ) -> Result<RedisKeyedRateLimiter, RedisLimitError> {
        Ok(RedisKeyedRateLimiter {
            budget: Arc::new(Budget::connect(redis_url, quota).await?),
            prefix: prefix.to_owned(),
        })
    }

    /// The same limiter under another [`OutagePolicy`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisKeyedRateLimiter) {
    /// use asyncgen::time::OutagePolicy;
    /// let open = limiter.with_outage_policy(OutagePolicy::FailOpen);
    /// # let _ = open;
    /// # }
    /// ```
    pub fn with_outage_policy(self, policy: OutagePolicy) -> RedisKeyedRateLimiter {
        let mut budget = (*self.budget).clone();
        budget.policy = policy;
        RedisKeyedRateLimiter {
            budget: Arc::new(budget),
            prefix: self.prefix,
        }
    }

    /// Waits for a cell of `key`'s budget and takes it.
    ///
    /// # Errors
    ///
    /// As [`RedisRateLimiter::until_ready`]'s.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisKeyedRateLimiter) -> Result<(), asyncgen::time::RedisLimitError> {
    /// limiter.until_ready("tenant-42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn until_ready(&self, key: &str) -> Result<(), RedisLimitError> {
        self.budget.until_ready(&self.redis_key(key)).await
    }

    /// Takes a cell of `key`'s budget if one is free now, without waiting.
    ///
    /// # Errors
    ///
    /// As [`RedisRateLimiter::check`]'s.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisKeyedRateLimiter) -> Result<(), asyncgen::time::RedisLimitError> {
    /// let allowed = limiter.check("203.0.113.7").await?.is_ok();
    /// # let _ = allowed;
    /// # Ok(()) }
    /// ```
    pub async fn check(&self, key: &str) -> Result<Result<(), NotUntil>, RedisLimitError> {
        Ok(match self.budget.try_take(&self.redis_key(key)).await? {
            None => Ok(()),
            Some(wait) => {
                let now = Instant::now();
                Err(NotUntil::new(now + wait, now))
            }
        })
    }

    /// The quota each key gets.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn f(limiter: asyncgen::time::RedisKeyedRateLimiter) {
    /// println!("{:?}", limiter.quota());
    /// # }
    /// ```
    pub fn quota(&self) -> Quota {
        self.budget.quota
    }

    fn redis_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

impl fmt::Debug for RedisKeyedRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisKeyedRateLimiter")
            .field("prefix", &self.prefix)
            .field("quota", &self.budget.quota)
            .field("outage_policy", &self.budget.policy)
            .finish_non_exhaustive()
    }
}
