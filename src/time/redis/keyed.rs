use std::fmt;
use std::sync::Arc;

use tokio::time::Instant;

use super::budget::Budget;
use super::{OutagePolicy, RedisLimitError};
use crate::time::{NotUntil, Quota};

/// One quota per key, kept in Redis (feature `redis`): a budget per host, token or tenant
/// shared by every process, each key's budget at `prefix` + key. Idle keys expire in
/// Redis once their burst is full again, so forgotten keys cost nothing.
///
/// Each call is one script run, as for [`RedisRateLimiter`](super::RedisRateLimiter); waiters on one key are not
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
    /// As [`RedisRateLimiter::connect`](super::RedisRateLimiter::connect)'s.
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
    /// As [`RedisRateLimiter::until_ready`](super::RedisRateLimiter::until_ready)'s.
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
    /// As [`RedisRateLimiter::check`](super::RedisRateLimiter::check)'s.
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
        Ok(
            match self.budget.try_take(&self.redis_key(key), false).await? {
                None => Ok(()),
                Some(wait) => {
                    let now = Instant::now();
                    Err(NotUntil::new(now + wait, now))
                }
            },
        )
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
