use core::fmt;
use core::time::Duration;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

type Predicate<E> = Arc<dyn Fn(&E) -> bool + Send + Sync>;
type DelayHint<E> = Arc<dyn Fn(&E) -> Option<Duration> + Send + Sync>;

/// When and how often a failed page fetch is tried again (feature `time`); set with
/// [`Paginator::retry`](super::Paginator::retry).
///
/// A retried page is fetched again with the same cursor, so a retry never skips or
/// repeats items. After attempt `k` fails (`k` from 1), the paginator waits
///
/// - exactly the delay the error asks for, if [`delay_from`](Self::delay_from) returns
///   `Some(d)` for it (e.g. an HTTP `Retry-After`), no jitter added; a requested delay
///   longer than [`max_delay`](Self::max_delay) is not waited for: the error is yielded
///   at once so the caller can resume later;
/// - otherwise `min(initial × multiplierᵏ⁻¹, max_delay)`, shortened by a random
///   fraction of up to [`jitter`](Self::jitter) of itself so that many clients that
///   failed together do not retry together.
///
/// It gives up, yielding the error, when [`retry_if`](Self::retry_if) rejects the error
/// or after [`max_attempts`](Self::max_attempts) attempts in all.
///
/// Defaults of [`exponential`](Self::exponential): 3 attempts, multiplier 2, maximum
/// delay 30 s, jitter 0.5 (each delay drawn from `(d/2, d]`), every error retried.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use asyncgen::paginate::{paginate, Page, RetryPolicy};
/// use futures::TryStreamExt;
///
/// #[derive(Debug)]
/// enum ApiError { Busy { retry_after: Duration }, Flaky, NotFound }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let calls = std::sync::atomic::AtomicU32::new(0);
/// let policy = RetryPolicy::exponential(Duration::from_millis(100))
///     .max_attempts(5)
///     .retry_if(|e: &ApiError| !matches!(e, ApiError::NotFound))
///     .delay_from(|e: &ApiError| match e {
///         ApiError::Busy { retry_after } => Some(*retry_after),
///         _ => None,
///     });
///
/// let start = tokio::time::Instant::now();
/// let items: Vec<u32> = paginate(0u32, |cursor| {
///     let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
///     async move {
///         match call {
///             0 => Err(ApiError::Busy { retry_after: Duration::from_secs(2) }),
///             1 => Err(ApiError::Flaky),
///             _ => Ok(Page::new(vec![cursor], None)),
///         }
///     }
/// })
/// .retry(policy)
/// .try_collect()
/// .await
/// .unwrap();
/// assert_eq!(items, [0]);
/// // 2 s as the server asked, then 100 ms to 200 ms of jittered backoff.
/// assert!((2_100..=2_201).contains(&start.elapsed().as_millis()));
/// # }
/// ```
pub struct RetryPolicy<E> {
    max_attempts: u32,
    initial: Duration,
    multiplier: f64,
    max_delay: Duration,
    jitter: f64,
    rng: u64,
    retry_if: Option<Predicate<E>>,
    delay_from: Option<DelayHint<E>>,
}

impl<E> RetryPolicy<E> {
    /// Exponential backoff starting at `initial`, doubling after each failure, with the
    /// defaults listed on [`RetryPolicy`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let policy = RetryPolicy::<std::io::Error>::exponential(Duration::from_millis(50));
    /// # let _ = policy;
    /// ```
    pub fn exponential(initial: Duration) -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial,
            multiplier: 2.0,
            max_delay: Duration::from_secs(30),
            jitter: 0.5,
            rng: RandomState::new().hash_one(0x5eed_u64),
            retry_if: None,
            delay_from: None,
        }
    }

    /// Gives up after `attempts` fetches of the same page in all (the first included);
    /// `1` disables retries.
    ///
    /// # Panics
    ///
    /// If `attempts` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let policy = RetryPolicy::<()>::exponential(Duration::from_millis(50)).max_attempts(6);
    /// # let _ = policy;
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        assert!(
            attempts > 0,
            "RetryPolicy::max_attempts: at least 1 attempt is needed"
        );
        self.max_attempts = attempts;
        self
    }

    /// The longest wait between two attempts: caps the exponential backoff, and a
    /// delay requested by the error ([`delay_from`](Self::delay_from)) longer than this
    /// ends the retries. `Duration::MAX` leaves the backoff uncapped: a backoff too large
    /// for a `Duration` waits `Duration::MAX` (tokio sleeps that long as "for ever").
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let policy = RetryPolicy::<()>::exponential(Duration::from_millis(50))
    ///     .max_delay(Duration::from_secs(5));
    /// # let _ = policy;
    /// ```
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The growth factor of the backoff between consecutive retries (default 2).
    ///
    /// # Panics
    ///
    /// If `multiplier` is below 1 or not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let policy = RetryPolicy::<()>::exponential(Duration::from_millis(50)).multiplier(1.5);
    /// # let _ = policy;
    /// ```
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        assert!(
            multiplier.is_finite() && multiplier >= 1.0,
            "RetryPolicy::multiplier: the factor must be finite and at least 1"
        );
        self.multiplier = multiplier;
        self
    }

    /// How much of each backoff delay may be randomly taken off: each delay `d` becomes
    /// a uniform draw from `((1 - fraction) × d, d]`. `0.0` waits exactly `d` (useful in
    /// tests), `1.0` is "full jitter". Default 0.5.
    ///
    /// # Panics
    ///
    /// If `fraction` is not within `0.0..=1.0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let exact = RetryPolicy::<()>::exponential(Duration::from_millis(50)).jitter(0.0);
    /// # let _ = exact;
    /// ```
    pub fn jitter(mut self, fraction: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&fraction),
            "RetryPolicy::jitter: the fraction must be within 0.0..=1.0"
        );
        self.jitter = fraction;
        self
    }

    /// Seeds the jitter's random numbers, making the delays reproducible (by default
    /// each policy is seeded randomly).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let reproducible = RetryPolicy::<()>::exponential(Duration::from_millis(50)).jitter_seed(7);
    /// # let _ = reproducible;
    /// ```
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.rng = seed;
        self
    }

    /// Retries only the errors for which `predicate` returns `true` (default: every
    /// error), e.g. timeouts and 5xx but not 404.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// let policy = RetryPolicy::exponential(Duration::from_millis(50))
    ///     .retry_if(|status: &u16| *status == 429 || *status >= 500);
    /// # let _ = policy;
    /// ```
    pub fn retry_if(mut self, predicate: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.retry_if = Some(Arc::new(predicate));
        self
    }

    /// Lets an error name the delay before the next attempt, e.g. from an HTTP
    /// `Retry-After` header on a 429 or 503. `Some(d)` waits exactly `d` (no backoff,
    /// no jitter) if `d` is at most [`max_delay`](Self::max_delay), and gives up
    /// otherwise; `None` uses the backoff. The error must still pass
    /// [`retry_if`](Self::retry_if) and the attempt budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use asyncgen::paginate::RetryPolicy;
    ///
    /// struct HttpError { status: u16, retry_after: Option<Duration> }
    ///
    /// let policy = RetryPolicy::exponential(Duration::from_millis(200))
    ///     .retry_if(|e: &HttpError| matches!(e.status, 429 | 500..=599))
    ///     .delay_from(|e: &HttpError| e.retry_after);
    /// # let _ = policy;
    /// ```
    pub fn delay_from(
        mut self,
        delay: impl Fn(&E) -> Option<Duration> + Send + Sync + 'static,
    ) -> Self {
        self.delay_from = Some(Arc::new(delay));
        self
    }

    /// The wait before attempt `failed_attempts + 1`, or `None` to give up.
    pub(crate) fn delay_after(&mut self, error: &E, failed_attempts: u32) -> Option<Duration> {
        if failed_attempts >= self.max_attempts {
            return None;
        }
        if self
            .retry_if
            .as_ref()
            .is_some_and(|retry_if| !retry_if(error))
        {
            return None;
        }
        if let Some(requested) = self.delay_from.as_ref().and_then(|delay| delay(error)) {
            return (requested <= self.max_delay).then_some(requested);
        }
        let exponent = i32::try_from(failed_attempts - 1).unwrap_or(i32::MAX);
        let backoff = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = backoff.min(self.max_delay.as_secs_f64());
        let jittered = capped * (1.0 - self.jitter * self.next_unit());
        // A cap near `Duration::MAX` (no cap at all) rounds up as an `f64` to more
        // seconds than a `Duration` holds; that is the cap itself, not a reason to panic.
        let delay = Duration::try_from_secs_f64(jittered).unwrap_or(self.max_delay);
        Some(delay.min(self.max_delay))
    }

    /// A uniform draw from `[0, 1)`. SplitMix64 written out rather than a `rand`
    /// dependency: one number per retry needs neither quality nor speed beyond this.
    fn next_unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl<E> Clone for RetryPolicy<E> {
    fn clone(&self) -> Self {
        RetryPolicy {
            max_attempts: self.max_attempts,
            initial: self.initial,
            multiplier: self.multiplier,
            max_delay: self.max_delay,
            jitter: self.jitter,
            rng: self.rng,
            retry_if: self.retry_if.clone(),
            delay_from: self.delay_from.clone(),
        }
    }
}

impl<E> fmt::Debug for RetryPolicy<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("initial", &self.initial)
            .field("multiplier", &self.multiplier)
            .field("max_delay", &self.max_delay)
            .field("jitter", &self.jitter)
            .field("retry_if", &self.retry_if.is_some())
            .field("delay_from", &self.delay_from.is_some())
            .finish()
    }
}
