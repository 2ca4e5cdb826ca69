use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::clock::LimiterClock;
use super::gcra::{Gcra, Ticks};
use super::state::StateWord;
use super::wait_queue::WaitQueue;
use super::{NotUntil, Quota, UntilReady};

/// A GCRA (generic cell rate algorithm) rate limiter on tokio's clock.
///
/// Each call of [`until_ready`](RateLimiter::until_ready) or [`check`](RateLimiter::check)
/// takes one *cell*; the [`Quota`] says how fast cells come back and how many may be taken
/// at once. Clones share one budget, across tasks, streams and threads.
///
/// * Exact: it never lets through more than the quota allows, `burst` plus one cell per
///   interval in any span of time, whatever the quota, to `check` and `until_ready`
///   alike: every cell is charged from the instant it is taken. The schedule is kept as
///   an integer count of (fractions of) nanoseconds since the limiter was created,
///   advanced by the interval `period / cells`. The interval is kept exactly when it is a
///   multiple of 1/16 ns or its exact fraction of a nanosecond has a denominator up to 16
///   (`per_second(n)` for every n whose prime factors other than 2 and 5 multiply to at
///   most 16, such as 3, 7, 12, 60, 120 or 1,000; likewise per minute); otherwise it is
///   rounded up to 1/16 ns, behind by less than 1 ms per 16 million cells.
/// * Waiters and tokio's timer: a waiter is woken on the first tick of tokio's timer (a
///   millisecond) at or after its cell is free, so it may take the cell up to a
///   millisecond late. When the quota's burst covers a millisecond's worth of cells
///   (`burst >= 1 + 1 ms / interval`), that lateness comes out of the burst's slack and
///   the schedule keeps to `k * period / cells` without drift however long it runs:
///   `Quota::per_second(3).allow_burst(2)`, or `Quota::per_second(10_000).allow_burst(11)`
///   for a rate finer than the timer. With a smaller burst, each wait may fall up to a
///   millisecond behind (three per second, burst 1, gives a cell every 334 ms), and a
///   quota finer than one cell a millisecond gives waiters one cell a millisecond. A
///   limiter that charged a late waiter from when its cell became free would keep the
///   schedule, but two cells could then come closer together than the quota allows.
/// * Fair: tasks waiting in `until_ready` are served strictly in the order they started
///   waiting; while anyone waits, a newcomer (and `check`) queues behind them. A waiter
///   that is dropped leaves the queue without taking a cell, and the next one moves up.
/// * Cheap: when no one waits, taking a cell is one compare-and-swap on one `AtomicU64`.
///
/// The limiter's clock is [`tokio::time::Instant`], so tests on a paused clock
/// (`#[tokio::test(start_paused = true)]`) see exact instants. Where limiter calls are
/// hot, [`with_quanta_clock`](RateLimiter::with_quanta_clock) (feature `quanta`) reads
/// the CPU's time-stamp counter instead, which is cheaper. A limiter's schedule is
/// measured from its creation and is good for 13 years of uptime (longer for slow quotas).
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
/// let limiter = RateLimiter::new(Quota::per_second(10));
/// for _ in 0..3 {
///     limiter.until_ready().await;
/// }
/// // Cells at 0, 100 and 200 ms.
/// assert_eq!(start.elapsed(), Duration::from_millis(200));
///
/// // Clones share the budget: another task's cell comes 100 ms later.
/// let shared = limiter.clone();
/// tokio::spawn(async move { shared.until_ready().await }).await.unwrap();
/// assert_eq!(start.elapsed(), Duration::from_millis(300));
/// # }
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<Shared>,
}

impl RateLimiter {
    /// A limiter with a full burst available now.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = RateLimiter::new(Quota::per_second(5).allow_burst(2));
    /// assert!(limiter.check().is_ok());
    /// assert!(limiter.check().is_ok());
    /// assert!(limiter.check().is_err());
    /// # }
    /// ```
    pub fn new(quota: Quota) -> RateLimiter {
        RateLimiter {
            shared: Arc::new(Shared::new(quota, LimiterClock::tokio(quota))),
        }
    }

    /// A limiter that reads [quanta](https://docs.rs/quanta)'s clock instead of tokio's
    /// (feature `quanta`).
    ///
    /// quanta reads the CPU's time-stamp counter where it is reliable, which makes a
    /// [`check`](RateLimiter::check) that need not wait cheaper: a few nanoseconds
    /// instead of the tens that [`Instant::now`](std::time::Instant::now) costs. Waits
    /// still sleep on tokio's timer, for the time that quanta's clock says is left.
    /// The schedule is kept in the counter's own units, so that taking a cell converts
    /// nothing to nanoseconds; the interval is rounded down to a whole unit (a fraction
    /// of a nanosecond on today's CPUs, and a nanosecond on
    /// [`quanta::Clock::mock`]).
    /// Choose it where limiter calls are hot; keep [`new`](RateLimiter::new) for tests on
    /// a paused tokio clock, which quanta's clock does not see (use
    /// [`quanta::Clock::mock`] there).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    /// use std::time::Duration;
    ///
    /// let (clock, time) = quanta::Clock::mock();
    /// let limiter = RateLimiter::with_quanta_clock(Quota::per_second(10), clock);
    /// assert!(limiter.check().is_ok());
    /// assert_eq!(limiter.check().unwrap_err().wait_time(), Duration::from_millis(100));
    ///
    /// time.increment(Duration::from_millis(100));
    /// assert!(limiter.check().is_ok());
    /// ```
    #[cfg(feature = "quanta")]
    #[cfg_attr(docsrs, doc(cfg(feature = "quanta")))]
    pub fn with_quanta_clock(quota: Quota, clock: quanta::Clock) -> RateLimiter {
        RateLimiter {
            shared: Arc::new(Shared::new(quota, LimiterClock::quanta(clock, quota))),
        }
    }

    /// Waits for a cell and takes it. Waiters are served in the order in which they first
    /// polled; dropping the future before it completes gives its turn back without taking
    /// a cell.
    ///
    /// A waiter keeps its place in line until it completes or is dropped, so one that is
    /// left unpolled at the head of the line (say, a `throttle`d stream holding an item
    /// that nobody asks for) holds up the waiters behind it. Drop what you no longer
    /// poll. When it is polled again, it takes its cell then, and the rate holds from
    /// there: the waiters behind it do not all go at once.
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
    /// limiter.until_ready().await; // at once
    /// limiter.until_ready().await; // half a second later
    /// assert_eq!(start.elapsed(), Duration::from_millis(500));
    /// # }
    /// ```
    pub fn until_ready(&self) -> UntilReady<'_> {
        UntilReady::new(self)
    }

    /// Takes a cell if one is free now, without waiting. Otherwise (also while others
    /// wait in [`until_ready`](RateLimiter::until_ready), whose turn comes first) the error
    /// says how long until the next cell; while others wait, the cell after all of
    /// theirs (an estimate: see [`NotUntil`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = RateLimiter::new(Quota::per_second(10));
    /// assert!(limiter.check().is_ok());
    /// let refused = limiter.check().unwrap_err();
    /// assert_eq!(refused.wait_time(), Duration::from_millis(100));
    ///
    /// tokio::time::sleep(refused.wait_time()).await;
    /// assert!(limiter.check().is_ok());
    /// # }
    /// ```
    #[inline]
    pub fn check(&self) -> Result<(), NotUntil> {
        let shared = &*self.shared;
        let now = shared.now_ticks();
        match shared.try_take(now) {
            Ok(()) => Ok(()),
            Err(Refused::FreeAt(free_at)) => Err(shared.refusal(free_at, now)),
            Err(Refused::BehindQueue { tat }) => {
                let queued = shared.lock_queue().len().max(1) as u64;
                let free_at = shared.gcra.free_behind(tat, now, queued);
                Err(shared.refusal(free_at, now))
            }
        }
    }

    /// The quota this limiter enforces.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::{Quota, RateLimiter};
    ///
    /// let limiter = RateLimiter::new(Quota::per_minute(100));
    /// assert_eq!(limiter.quota(), Quota::per_minute(100));
    /// ```
    pub fn quota(&self) -> Quota {
        self.shared.quota
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Whether forgetting this limiter would change no answer: no one else holds it,
    /// no one waits, and its burst is full again.
    pub(crate) fn is_idle(&self) -> bool {
        let shared = &*self.shared;
        Arc::strong_count(&self.shared) == 1 && {
            let state = shared.state.load();
            !state.waiting && shared.gcra.is_idle(state.tat, shared.now_ticks())
        }
    }
}

impl From<Quota> for RateLimiter {
    fn from(quota: Quota) -> RateLimiter {
        RateLimiter::new(quota)
    }
}

impl From<&RateLimiter> for RateLimiter {
    /// A clone, sharing the budget.
    fn from(limiter: &RateLimiter) -> RateLimiter {
        limiter.clone()
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("quota", &self.shared.quota)
            .field("waiting", &self.shared.state.load().waiting)
            .finish_non_exhaustive()
    }
}

/// The state shared by a limiter's clones.
pub(crate) struct Shared {
    /// The theoretical arrival time of the next cell, and the waiting flag.
    state: StateWord,
    /// The clock, and the unit of the ticks.
    clock: LimiterClock,
    gcra: Gcra,
    quota: Quota,
    queue: Mutex<WaitQueue>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("quota", &self.quota)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn new(quota: Quota, clock: LimiterClock) -> Shared {
        Shared {
            state: StateWord::new(),
            gcra: clock.gcra(quota),
            clock,
            quota,
            queue: Mutex::new(WaitQueue::default()),
        }
    }

    #[inline]
    pub(crate) fn now_ticks(&self) -> Ticks {
        self.clock.now_ticks()
    }

    pub(crate) fn state(&self) -> &StateWord {
        &self.state
    }

    pub(crate) fn gcra(&self) -> &Gcra {
        &self.gcra
    }

    pub(crate) fn clock(&self) -> &LimiterClock {
        &self.clock
    }

    #[cold]
    fn refusal(&self, free_at: Ticks, now: Ticks) -> NotUntil {
        let now_instant = self.clock.instant_at(now, now);
        let wait = self.clock.nanos_between(now, free_at);
        let earliest = now_instant
            .checked_add(Duration::from_nanos(wait))
            .unwrap_or_else(|| self.clock.instant_at(free_at, now));
        NotUntil::new(earliest, now_instant)
    }

    /// The fast path: one compare-and-swap when the queue is empty and a cell is free.
    #[inline]
    pub(crate) fn try_take(&self, now: Ticks) -> Result<(), Refused> {
        self.state.update(|state| {
            if state.waiting {
                return Err(Refused::BehindQueue { tat: state.tat });
            }
            self.gcra.decide(state.tat, now).map_err(Refused::FreeAt)
        })
    }

    pub(crate) fn lock_queue(&self) -> MutexGuard<'_, WaitQueue> {
        // The queue is consistent between statements, so a panic elsewhere while the lock
        // was held leaves nothing half-done.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why [`Shared::try_take`] took no cell.
pub(crate) enum Refused {
    /// The next cell is free at this tick.
    FreeAt(Ticks),
    /// Others wait, and their turn comes first; `tat` is the state's arrival time.
    BehindQueue { tat: Ticks },
}
