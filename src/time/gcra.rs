//! The generic cell rate algorithm as pure functions over [`Ticks`].
//!
//! The in-process limiter runs them on its state word; the Redis limiter's script runs
//! the same steps on the server, and its tests check the script against these.

/// A count of a limiter's clock ticks (the unit is the clock's; see `LimiterClock`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ticks(pub(crate) u64);

/// The largest schedule span (`interval * burst`) a limiter keeps, in ticks: the clock's
/// tick is made coarse enough for a quota's span to fit.
pub(crate) const SPAN_MAX: u64 = 1 << 61;
/// The largest theoretical arrival time the state word holds (63 bits).
pub(crate) const TAT_MAX: u64 = (1 << 63) - 1;
/// The latest reading of the clock a limiter uses: after it, its clock stands still.
/// With arrival times at most `now + SPAN_MAX`, no arithmetic below can overflow.
pub(crate) const NOW_MAX: Ticks = Ticks(TAT_MAX - SPAN_MAX);

impl Ticks {
    pub(crate) const ZERO: Ticks = Ticks(0);
}

/// One quota's GCRA parameters, in ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gcra {
    /// Between two cells; at least one tick.
    interval: Ticks,
    /// How far ahead of the clock the arrival time may be and still admit a cell:
    /// `interval * (burst - 1)`.
    tolerance: Ticks,
}

impl Gcra {
    /// The parameters for one cell every `interval` ticks, `burst` at once.
    ///
    /// The caller keeps `interval * burst` within [`SPAN_MAX`]; beyond it the values are
    /// clamped (so refusing more, never granting more).
    pub(crate) fn new(interval: Ticks, burst: u32) -> Gcra {
        Gcra::within(interval, burst, SPAN_MAX)
    }

    /// The same, with `interval * burst` kept within `span_max`.
    pub(crate) fn within(interval: Ticks, burst: u32, span_max: u64) -> Gcra {
        let interval = interval.0.clamp(1, span_max);
        let tolerance = interval
            .saturating_mul(u64::from(burst.max(1) - 1))
            .min(span_max - interval);
        Gcra {
            interval: Ticks(interval),
            tolerance: Ticks(tolerance),
        }
    }

    #[cfg_attr(not(any(test, feature = "redis")), allow(dead_code))]
    pub(crate) fn interval(&self) -> Ticks {
        self.interval
    }

    #[cfg_attr(not(any(test, feature = "redis")), allow(dead_code))]
    pub(crate) fn tolerance(&self) -> Ticks {
        self.tolerance
    }

    /// The tick at which a cell is free, given the theoretical arrival time.
    #[inline]
    pub(crate) fn free_at(&self, tat: Ticks) -> Ticks {
        Ticks(tat.0.saturating_sub(self.tolerance.0))
    }

    /// The arrival time after a cell taken at `arrival`.
    #[inline]
    pub(crate) fn next_tat(&self, tat: Ticks, arrival: Ticks) -> Ticks {
        Ticks(
            tat.0
                .max(arrival.0)
                .saturating_add(self.interval.0)
                .min(TAT_MAX),
        )
    }

    /// One cell asked for at `now`: `Ok` with the arrival time to store if it is free,
    /// or `Err` with the tick at which it will be.
    #[inline]
    pub(crate) fn decide(&self, tat: Ticks, now: Ticks) -> Result<Ticks, Ticks> {
        let free_at = self.free_at(tat);
        if free_at > now {
            Err(free_at)
        } else {
            Ok(self.next_tat(tat, now))
        }
    }

    /// Whether a budget at `tat` is full at `now`: remembering it changes no answer.
    #[inline]
    pub(crate) fn is_idle(&self, tat: Ticks, now: Ticks) -> bool {
        tat <= now
    }

    /// When a cell is free for the one who comes after `queued` (at least one) waiters,
    /// each taking its cell as soon as it is free. Never `now` or earlier, so a caller
    /// that retries after the wait does not spin.
    pub(crate) fn free_behind(&self, tat: Ticks, now: Ticks, queued: u64) -> Ticks {
        let head_tat = self
            .decide(tat, now)
            .unwrap_or_else(|free_at| self.next_tat(tat, free_at));
        let tat = head_tat
            .0
            .saturating_add(self.interval.0.saturating_mul(queued.max(1) - 1))
            .min(TAT_MAX);
        let free_at = self.free_at(Ticks(tat));
        if free_at > now {
            free_at
        } else {
            Ticks(now.0.saturating_add(self.interval.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_cell_per_interval() {
        let gcra = Gcra::new(Ticks(10), 3);
        let mut tat = Ticks::ZERO;
        for _ in 0..3 {
            tat = gcra.decide(tat, Ticks(100)).unwrap();
        }
        assert_eq!(gcra.decide(tat, Ticks(100)), Err(Ticks(110)));
        assert!(gcra.decide(tat, Ticks(110)).is_ok());
    }

    #[test]
    fn an_interval_beyond_the_span_is_clamped_not_wrapped() {
        let gcra = Gcra::new(Ticks(u64::MAX), u32::MAX);
        assert_eq!(gcra.interval(), Ticks(SPAN_MAX));
        assert_eq!(gcra.tolerance(), Ticks::ZERO);
        let tat = gcra.decide(Ticks::ZERO, NOW_MAX).unwrap();
        assert_eq!(tat, Ticks(TAT_MAX));
        assert!(gcra.decide(tat, NOW_MAX).is_err());
    }

    #[test]
    fn a_refusal_behind_a_queue_is_never_now() {
        let gcra = Gcra::new(Ticks(10), 1);
        // The head's cell was free at 5; it takes it now, at 100, and is charged from 100.
        assert_eq!(gcra.free_behind(Ticks(5), Ticks(100), 1), Ticks(110));
        // The head's cell is free at 105, the next at 115.
        assert_eq!(gcra.free_behind(Ticks(105), Ticks(100), 1), Ticks(115));
        assert_eq!(gcra.free_behind(Ticks(100), Ticks(100), 2), Ticks(120));
    }
}
