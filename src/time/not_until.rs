use std::error::Error;
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

/// The answer of a [`RateLimiter::check`](super::RateLimiter::check) that found no free
/// cell: when one is expected.
///
/// The answer is exact when no one is waiting on the limiter. When tasks are queued in
/// [`until_ready`](super::RateLimiter::until_ready), it is the cell after all of theirs,
/// supposing each takes its own as soon as it is free: an estimate, since a waiter may be
/// polled late, but never a wait of zero.
///
/// # Examples
///
/// ```
/// use asyncgen::{Quota, RateLimiter};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let limiter = RateLimiter::new(Quota::per_second(4));
/// limiter.check().unwrap();
/// let refused = limiter.check().unwrap_err();
/// assert_eq!(refused.wait_time(), Duration::from_millis(250));
/// println!("{refused}"); // "rate limited: next cell in 250ms"
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotUntil {
    earliest: Instant,
    wait: Duration,
}

impl NotUntil {
    pub(crate) fn new(earliest: Instant, now: Instant) -> NotUntil {
        NotUntil {
            earliest,
            wait: earliest.saturating_duration_since(now),
        }
    }

    /// How long to wait, from the moment of the check, before a cell can be free.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = RateLimiter::new(Quota::per_minute(1));
    /// limiter.check().unwrap();
    /// tokio::time::sleep(Duration::from_secs(15)).await;
    /// assert_eq!(limiter.check().unwrap_err().wait_time(), Duration::from_secs(45));
    /// # }
    /// ```
    pub fn wait_time(&self) -> Duration {
        self.wait
    }

    /// The instant at which a cell can be free.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    /// use std::time::Duration;
    /// use tokio::time::Instant;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let start = Instant::now();
    /// let limiter = RateLimiter::new(Quota::per_second(2));
    /// limiter.check().unwrap();
    /// let refused = limiter.check().unwrap_err();
    /// assert_eq!(refused.earliest_possible(), start + Duration::from_millis(500));
    /// # }
    /// ```
    pub fn earliest_possible(&self) -> Instant {
        self.earliest
    }
}

impl fmt::Display for NotUntil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate limited: next cell in {:?}", self.wait)
    }
}

impl Error for NotUntil {}
