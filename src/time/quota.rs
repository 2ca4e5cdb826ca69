use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

/// A rate: `cells` cells per `period`, of which up to `burst` may be taken at once.
///
/// A `Quota` is a plain value; it does nothing until it becomes a
/// [`RateLimiter`](super::RateLimiter) (directly, or through
/// [`throttle`](super::StreamTimeExt::throttle), which accepts either).
///
/// The rate is kept as the exact fraction `period / cells`, so a rate such as three per
/// second (a third of a second apart) does not drift however long it runs (for waiters
/// woken by a millisecond timer, given a burst that covers a millisecond: see
/// [`RateLimiter`](super::RateLimiter)).
///
/// # Examples
///
/// ```
/// use asyncgen::Quota;
/// use std::time::Duration;
///
/// let ten_per_second = Quota::per_second(10);
/// assert_eq!(ten_per_second.replenish_interval(), Duration::from_millis(100));
/// assert_eq!(ten_per_second.burst_size(), 1);
///
/// let bursty = Quota::per_minute(60).allow_burst(5);
/// assert_eq!(bursty.replenish_interval(), Duration::from_secs(1));
/// assert_eq!(bursty.burst_size(), 5);
///
/// let every_250ms = Quota::with_period(Duration::from_millis(250));
/// assert_eq!(every_250ms.replenish_interval(), Duration::from_millis(250));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    /// Length of one `period`, in nanoseconds (saturated at `u64::MAX`, 584 years).
    period_nanos: u64,
    cells: NonZeroU32,
    burst: NonZeroU32,
}

impl Quota {
    /// `n` cells per second, evenly spaced (`1/n` s apart), with a burst of one.
    ///
    /// # Panics
    ///
    /// If `n` is zero; the message names the method and points at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use std::time::Duration;
    ///
    /// assert_eq!(Quota::per_second(4).replenish_interval(), Duration::from_millis(250));
    /// ```
    #[track_caller]
    pub fn per_second(n: u32) -> Quota {
        Quota::per(n, Duration::from_secs(1), "Quota::per_second")
    }

    /// `n` cells per minute, evenly spaced (`60/n` s apart), with a burst of one.
    ///
    /// # Panics
    ///
    /// If `n` is zero; the message names the method and points at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use std::time::Duration;
    ///
    /// assert_eq!(Quota::per_minute(30).replenish_interval(), Duration::from_secs(2));
    /// ```
    #[track_caller]
    pub fn per_minute(n: u32) -> Quota {
        Quota::per(n, Duration::from_secs(60), "Quota::per_minute")
    }

    /// `n` cells per hour, evenly spaced (`3600/n` s apart), with a burst of one.
    ///
    /// # Panics
    ///
    /// If `n` is zero; the message names the method and points at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use std::time::Duration;
    ///
    /// assert_eq!(Quota::per_hour(60).replenish_interval(), Duration::from_secs(60));
    /// ```
    #[track_caller]
    pub fn per_hour(n: u32) -> Quota {
        Quota::per(n, Duration::from_secs(3600), "Quota::per_hour")
    }

    /// One cell every `period`, with a burst of one.
    ///
    /// # Panics
    ///
    /// If `period` is zero; the message names the method and points at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use std::time::Duration;
    ///
    /// let quota = Quota::with_period(Duration::from_millis(40));
    /// assert_eq!(quota.replenish_interval(), Duration::from_millis(40));
    /// ```
    #[track_caller]
    pub fn with_period(period: Duration) -> Quota {
        assert!(
            !period.is_zero(),
            "Quota::with_period: the period must be longer than zero"
        );
        Quota {
            period_nanos: saturating_nanos(period),
            cells: NonZeroU32::MIN,
            burst: NonZeroU32::MIN,
        }
    }

    #[track_caller]
    fn per(n: u32, period: Duration, name: &str) -> Quota {
        let Some(cells) = NonZeroU32::new(n) else {
            panic!("{name}: the number of cells must be at least 1, got 0");
        };
        Quota {
            period_nanos: saturating_nanos(period),
            cells,
            burst: NonZeroU32::MIN,
        }
    }

    /// The same rate, but up to `burst` cells may be taken at once after a quiet spell
    /// (the default is one: cells are evenly spaced).
    ///
    /// # Panics
    ///
    /// If `burst` is zero; the message names the method and points at the caller's line.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = RateLimiter::new(Quota::per_second(1).allow_burst(3));
    /// assert!(limiter.check().is_ok());
    /// assert!(limiter.check().is_ok());
    /// assert!(limiter.check().is_ok());
    /// assert!(limiter.check().is_err()); // the burst is spent
    /// # }
    /// ```
    #[track_caller]
    pub fn allow_burst(self, burst: u32) -> Quota {
        let Some(burst) = NonZeroU32::new(burst) else {
            panic!("Quota::allow_burst: the burst must be at least 1, got 0");
        };
        Quota { burst, ..self }
    }

    /// The time it takes to replenish one cell, rounded down to the nanosecond but never
    /// zero: a quota finer than a nanosecond says 1 ns (the limiter itself works with
    /// the exact fraction).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    /// use std::time::Duration;
    ///
    /// assert_eq!(Quota::per_second(3).replenish_interval(), Duration::from_nanos(333_333_333));
    /// assert_eq!(Quota::per_second(u32::MAX).replenish_interval(), Duration::from_nanos(1));
    /// ```
    pub fn replenish_interval(&self) -> Duration {
        Duration::from_nanos((self.period_nanos / u64::from(self.cells.get())).max(1))
    }

    /// How many cells may be taken at once after a quiet spell.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::Quota;
    ///
    /// assert_eq!(Quota::per_second(3).allow_burst(7).burst_size(), 7);
    /// ```
    pub fn burst_size(&self) -> u32 {
        self.burst.get()
    }

    pub(crate) fn period_nanos(&self) -> u64 {
        self.period_nanos
    }

    pub(crate) fn cells(&self) -> u32 {
        self.cells.get()
    }
}

impl fmt::Debug for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Quota")
            .field("cells", &self.cells.get())
            .field("period", &Duration::from_nanos(self.period_nanos))
            .field("burst", &self.burst.get())
            .finish()
    }
}

fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
