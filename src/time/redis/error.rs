//! What a Redis limiter does when Redis is out of reach, and what it reports.

use std::error::Error;
use std::fmt;
use std::time::Duration;

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
    /// after `give_up_after` (if set) [`until_ready`](super::RedisRateLimiter::until_ready)
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
