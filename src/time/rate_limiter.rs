use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::clock::LimiterClock;
use super::lazy_sleep::LazySleep;
use super::{NotUntil, Quota, UntilReady};

/// A GCRA (generic cell rate algorithm) rate limiter on tokio's clock.
///
/// Each call of [`until_ready`](RateLimiter::until_ready) or [`check`](RateLimiter::check)
/// takes one *cell*; the [`Quota`] says how fast cells come back and how many may be taken
/// at once. Clones share one budget, across tasks, streams and threads.
///
/// * Exact: the schedule is kept as an integer count of (fractions of) nanoseconds since
///   the limiter was created, advanced by the interval `period / cells`, so cells come at
///   `k * period / cells`, rounded up only to the resolution of tokio's timer (a
///   millisecond), and do not drift however long it runs: a cell taken within a
///   millisecond of when it became free (as a waiter woken by the timer takes it) counts
///   as taken on time, so rates finer than the timer keep up, also for a single task. The interval is kept exactly when it is a
///   multiple of 1/16 ns or its exact fraction of a nanosecond has a denominator up to 16
///   (`per_second(n)` for every n whose prime factors other than 2 and 5
///   multiply to at most 16, such as 3, 7, 12, 60, 120 or 1,000; likewise per minute);
///   otherwise it is rounded down to 1/16 ns, ahead by less than 1 ms per 16 million cells.
/// * Fair: tasks waiting in `until_ready` are served strictly in the order they started
///   waiting; while anyone waits, a newcomer (and `check`) queues behind them. A waiter
///   that is dropped leaves the queue without taking a cell, and the next one moves up.
/// * Cheap: when no one waits, taking a cell is one compare-and-swap on one `AtomicU64`.
///
/// The limiter's clock is [`tokio::time::Instant`], so tests on a paused clock
/// (`#[tokio::test(start_paused = true)]`) see exact instants. Where limiter calls are
/// hot, [`with_quanta_clock`](RateLimiter::with_quanta_clock) (feature `quanta`) reads
/// the CPU's time-stamp counter instead, which is cheaper. A limiter's schedule is
/// measured from its creation and is good for 18 years of uptime.
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
            shared: Arc::new(Shared::new(quota, LimiterClock::quanta(clock))),
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
                Err(shared.refusal(shared.free_behind_queue(tat, now), now))
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

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
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
        let state = self.shared.state.load(Relaxed);
        f.debug_struct("RateLimiter")
            .field("quota", &self.shared.quota)
            .field("waiting", &(state & WAITING != 0))
            .finish_non_exhaustive()
    }
}

/// Set in the state word while the wait queue is not empty: the fast path then backs off,
/// and only the queue's head (holding the queue lock) changes the state.
const WAITING: u64 = 1 << 63;
/// The theoretical arrival time, in ticks since the origin.
const TAT: u64 = WAITING - 1;
/// The resolution of tokio's timer.
const TIMER_TICK_NANOS: u64 = 1_000_000;

/// The state shared by a limiter's clones.
///
/// Why a hand-written queue beside the atomic, not a `tokio::sync::Semaphore(1)` (which is
/// also FIFO and cancel-safe): its `acquire` future cannot be named, so every wait would
/// need a boxed future in `UntilReady` and in `Throttle`, and it would add a second
/// synchronisation on top of the state word. Here the queue lock is only taken by
/// waiters; the waiting flag in the state word makes the fast path yield to them with
/// no extra load.
pub(crate) struct Shared {
    /// `WAITING` flag | theoretical arrival time of the next cell, in ticks. On a cache
    /// line of its own, so that threads taking cells do not also evict the read-only
    /// fields below from each other's caches.
    state: CacheLine<AtomicU64>,
    /// The clock, and the unit of the ticks.
    clock: LimiterClock,
    /// Ticks between two cells: exactly `period / cells` when the tick allows.
    interval: u64,
    /// How far ahead of the clock the arrival time may be and still admit a cell:
    /// `interval * (burst - 1)`.
    tolerance: u64,
    /// One tick of tokio's timer (1 ms), in ticks: how late a cell may be taken and still
    /// count as taken when it became free; see `charged_arrival`.
    timer_slack: u64,
    quota: Quota,
    queue: Mutex<WaitQueue>,
}

/// Aligns its contents to a cache line (128 bytes covers the adjacent-line prefetch of
/// x86 and the line size of Apple silicon).
#[repr(align(128))]
struct CacheLine<T>(T);

impl<T> std::ops::Deref for CacheLine<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Waiters in arrival order; ids are increasing, so a waiter finds itself by binary search.
struct WaitQueue {
    entries: VecDeque<Entry>,
    next_id: u64,
}

struct Entry {
    id: u64,
    waker: Option<Waker>,
}

impl WaitQueue {
    fn position(&self, id: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }

    /// The waker of the waiter now first in line, to be woken once the lock is released.
    fn head_waker(&mut self) -> Option<Waker> {
        self.entries.front_mut().and_then(|e| e.waker.take())
    }
}

impl Shared {
    fn new(quota: Quota, clock: LimiterClock) -> Shared {
        let interval = clock
            .ticks(quota.period_nanos(), u64::from(quota.cells()))
            .clamp(1, TAT);
        let tolerance = interval
            .saturating_mul(u64::from(quota.burst_size() - 1))
            .min(TAT);
        // Kept far below 2^63, so that adding it to a tick cannot overflow.
        let timer_slack = clock.ticks(TIMER_TICK_NANOS, 1).min(1 << 62);
        Shared {
            state: CacheLine(AtomicU64::new(0)),
            clock,
            interval,
            tolerance,
            timer_slack,
            quota,
            queue: Mutex::new(WaitQueue {
                entries: VecDeque::new(),
                next_id: 0,
            }),
        }
    }

    #[inline]
    pub(crate) fn now_ticks(&self) -> u64 {
        self.clock.now_ticks().min(TAT)
    }

    #[cold]
    fn refusal(&self, free_at: u64, now: u64) -> NotUntil {
        let now_instant = self.clock.instant_at(now, now);
        let wait = self.clock.nanos_between(now, free_at);
        let earliest = now_instant
            .checked_add(Duration::from_nanos(wait))
            .unwrap_or_else(|| self.clock.instant_at(free_at, now));
        NotUntil::new(earliest, now_instant)
    }

    /// The tick at which a cell is free, given the theoretical arrival time.
    #[inline]
    fn free_at(&self, tat: u64) -> u64 {
        tat.saturating_sub(self.tolerance)
    }

    #[inline]
    fn next_tat(&self, tat: u64, arrival: u64) -> u64 {
        // Both terms are at most `TAT`, below 2^63: the sum cannot overflow.
        (tat.max(arrival) + self.interval).min(TAT)
    }

    /// The arrival time GCRA charges a cell with that was free from `free_since` and is
    /// taken at `now`.
    ///
    /// Within one timer tick of `free_since`, the cell counts as taken when it became
    /// free: tokio's timer wakes a waiter on the next whole millisecond, and charging it
    /// for that lateness would push the schedule back on every wait and hold a rate finer
    /// than the timer to about one cell per millisecond. Later than that, the taker was
    /// not waiting for this cell (or was not polled), and it is charged from `now` as GCRA
    /// does, so that a cell left untaken never counts as taken in the past.
    #[inline]
    fn charged_arrival(&self, free_since: u64, now: u64) -> u64 {
        // `free_since` is at most `TAT` and `timer_slack` far below 2^63.
        if now <= free_since + self.timer_slack {
            free_since
        } else {
            now
        }
    }

    /// The fast path: one compare-and-swap when the queue is empty and a cell is free.
    ///
    /// `Relaxed` suffices: the state word guards no other memory, and the queue it is
    /// coordinated with is behind its own mutex.
    #[inline]
    fn try_take(&self, now: u64) -> Result<(), Refused> {
        let mut state = self.state.load(Relaxed);
        loop {
            let tat = state & TAT;
            if state & WAITING != 0 {
                return Err(Refused::BehindQueue { tat });
            }
            let free_at = self.free_at(tat);
            if free_at > now {
                return Err(Refused::FreeAt(free_at));
            }
            let next = self.next_tat(tat, self.charged_arrival(free_at, now));
            match self
                .state
                .compare_exchange_weak(state, next, Relaxed, Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// The tick at which a newcomer's cell is free when every queued waiter takes one
    /// first, each when its own cell is free. An estimate (the head may be polled late),
    /// but never `now` or earlier: a caller that retries after the wait must not spin.
    #[cold]
    fn free_behind_queue(&self, tat: u64, now: u64) -> u64 {
        let queued = self.lock_queue().entries.len().max(1) as u64;
        let head_tat = self.next_tat(tat, self.charged_arrival(self.free_at(tat), now));
        let last_tat = head_tat
            .saturating_add(self.interval.saturating_mul(queued - 1))
            .min(TAT);
        let free_at = self.free_at(last_tat);
        if free_at > now {
            free_at
        } else {
            now.saturating_add(self.interval.min(self.timer_slack))
        }
    }

    fn lock_queue(&self) -> MutexGuard<'_, WaitQueue> {
        // The queue is consistent between statements, so a panic elsewhere while the lock
        // was held leaves nothing half-done.
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why [`Shared::try_take`] took no cell.
enum Refused {
    /// The next cell is free at this tick.
    FreeAt(u64),
    /// Others wait, and their turn comes first; `tat` is the state's arrival time.
    BehindQueue { tat: u64 },
}

pin_project! {
    /// One task's claim on the next cell: the engine of `UntilReady` and `Throttle`.
    /// Whoever owns it must call `cancel` on drop.
    #[derive(Debug)]
    pub(crate) struct Waiter {
        // Our id in the wait queue, while queued.
        ticket: Option<u64>,
        // The tick at which we started waiting: our cell cannot count as taken earlier.
        arrival: u64,
        #[pin]
        sleep: LazySleep,
    }
}

impl Waiter {
    pub(crate) const fn new() -> Waiter {
        Waiter {
            ticket: None,
            arrival: 0,
            sleep: LazySleep::new(),
        }
    }

    pub(crate) fn poll_acquire(
        self: Pin<&mut Self>,
        shared: &Shared,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut this = self.project();
        let id = match *this.ticket {
            Some(id) => id,
            None => {
                let now = shared.now_ticks();
                if shared.try_take(now).is_ok() {
                    return Poll::Ready(());
                }
                let mut queue = shared.lock_queue();
                let id = queue.next_id;
                queue.next_id += 1;
                queue.entries.push_back(Entry {
                    id,
                    waker: Some(cx.waker().clone()),
                });
                if queue.entries.len() == 1 {
                    shared.state.fetch_or(WAITING, Relaxed);
                }
                *this.ticket = Some(id);
                *this.arrival = now;
                id
            }
        };
        loop {
            let mut queue = shared.lock_queue();
            if queue.entries.front().map(|e| e.id) != Some(id) {
                if let Some(i) = queue.position(id) {
                    let slot = &mut queue.entries[i].waker;
                    match slot {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        _ => *slot = Some(cx.waker().clone()),
                    }
                }
                return Poll::Pending;
            }
            // Our turn. While the queue is not empty only its head, under the lock,
            // changes the state word.
            let tat = shared.state.load(Relaxed) & TAT;
            let free_at = shared.free_at(tat);
            let now = shared.now_ticks();
            if free_at <= now {
                queue.entries.pop_front();
                let next = queue.head_waker();
                let flag = if queue.entries.is_empty() { 0 } else { WAITING };
                // Our cell was free from when it was free and we were waiting for it; a
                // head left unpolled for long is charged from now, so the waiters behind
                // it do not all go at once.
                let free_since = free_at.max(*this.arrival);
                let arrival = shared.charged_arrival(free_since, now);
                shared
                    .state
                    .store(shared.next_tat(tat, arrival) | flag, Relaxed);
                drop(queue);
                *this.ticket = None;
                if let Some(w) = next {
                    w.wake();
                }
                return Poll::Ready(());
            }
            drop(queue);
            this.sleep
                .as_mut()
                .arm_no_later_than(shared.clock.instant_at(free_at, now));
            if this.sleep.as_mut().poll_fired(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }

    /// Leaves the queue without taking a cell; the next waiter moves up.
    pub(crate) fn cancel(self: Pin<&mut Self>, shared: &Shared) {
        let this = self.project();
        let Some(id) = this.ticket.take() else {
            return;
        };
        let mut queue = shared.lock_queue();
        let Some(i) = queue.position(id) else {
            return;
        };
        queue.entries.remove(i);
        let mut next = None;
        if queue.entries.is_empty() {
            shared.state.fetch_and(!WAITING, Relaxed);
        } else if i == 0 {
            next = queue.head_waker();
        }
        drop(queue);
        if let Some(w) = next {
            w.wake();
        }
    }
}
