use std::time::Duration;

use tokio::time::Instant;

use super::Quota;
use super::common::far_future;
use super::gcra::{Gcra, NOW_MAX, SPAN_MAX, Ticks};

/// The finest tick on tokio's clock, used when `period / cells` is not a whole number of
/// nanoseconds and its exact denominator would be larger (1/16 ns).
const MAX_TICKS_PER_NANO: u64 = 16;

/// The clock a [`RateLimiter`](super::RateLimiter) reads, and the unit (the *tick*) in
/// which it keeps its schedule: a count of ticks since the limiter was created.
///
/// A tick is as fine as the quota allows: fine enough to hold its interval exactly where
/// it can, and coarse enough (a power of two of the finest unit, `shift`) that a whole
/// burst's span fits in the state word, so that no quota can overflow the schedule.
///
/// Why an enum and not a `Clock` trait parameter: there are two clocks worth having, and a
/// type parameter would spread to `Throttle`, the paginators and every signature that
/// names a limiter, while the branch costs nothing measurable on the fast path.
pub(crate) enum LimiterClock {
    /// tokio's clock: agrees with tokio's timers, and pauses with them in tests. A tick is
    /// `2^shift / ticks_per_nano` ns.
    Tokio {
        origin: Instant,
        ticks_per_nano: u64,
        shift: u32,
    },
    /// quanta's clock: reads the CPU's time-stamp counter where it can, which is cheaper
    /// than the system call behind `Instant::now`, but does not see tokio's paused clock.
    /// A tick is `2^shift` units of the counter, so that taking a cell needs no
    /// conversion to nanoseconds; the conversion happens only to build a wait.
    #[cfg(feature = "quanta")]
    Quanta {
        clock: quanta::Clock,
        origin: u64,
        scale: CounterScale,
        shift: u32,
    },
}

/// How long the counter's units are: `nanos` nanoseconds for `units` units.
///
/// quanta converts units to nanoseconds but does not say its factor, and the limiter also
/// needs the other way (a quota's interval in units), so the factor is read once, from a
/// conversion of a span long enough that rounding changes it by less than one part in
/// 2^48.
#[cfg(feature = "quanta")]
#[derive(Clone, Copy)]
pub(crate) struct CounterScale {
    units: u64,
    nanos: u64,
}

/// The smallest shift that makes `interval * burst` (in fine units, rounded up) fit in
/// [`SPAN_MAX`].
fn span_shift(fine_interval: u128, burst: u32) -> u32 {
    let mut shift = 0;
    while fine_interval.div_ceil(1 << shift) * u128::from(burst) > u128::from(SPAN_MAX) {
        shift += 1;
    }
    shift
}

impl LimiterClock {
    /// tokio's clock, in ticks fine enough to keep the quota's interval (`period / cells`
    /// nanoseconds) exactly when its denominator is at most 16.
    pub(crate) fn tokio(quota: Quota) -> LimiterClock {
        let cells = u64::from(quota.cells());
        let exact_denominator = cells / gcd(quota.period_nanos(), cells);
        // Otherwise the interval is rounded up to 1/16 ns: the limiter may then fall
        // behind by less than 1 ms per 16 million cells, but never runs ahead.
        let mut ticks_per_nano = exact_denominator.min(MAX_TICKS_PER_NANO);
        let fine = |per_nano: u64| {
            (u128::from(quota.period_nanos()) * u128::from(per_nano)).div_ceil(u128::from(cells))
        };
        let mut shift = span_shift(fine(ticks_per_nano), quota.burst_size());
        if shift > 0 && ticks_per_nano > 1 {
            // A span this long has no use for fractions of a nanosecond.
            ticks_per_nano = 1;
            shift = span_shift(fine(1), quota.burst_size());
        }
        LimiterClock::Tokio {
            origin: Instant::now(),
            ticks_per_nano,
            shift,
        }
    }

    #[cfg(feature = "quanta")]
    pub(crate) fn quanta(clock: quanta::Clock, quota: Quota) -> LimiterClock {
        const UNITS: u64 = 1 << 48;
        let scale = CounterScale {
            units: UNITS,
            // At least 1: a counter so fast that 2^48 units are under a nanosecond does
            // not exist, and the scale must not divide by zero.
            nanos: clock.delta_as_nanos(0, UNITS).max(1),
        };
        let fine = (u128::from(quota.period_nanos()) * u128::from(scale.units))
            .div_ceil(u128::from(quota.cells()) * u128::from(scale.nanos));
        let shift = span_shift(fine, quota.burst_size());
        let origin = clock.raw();
        LimiterClock::Quanta {
            clock,
            origin,
            scale,
            shift,
        }
    }

    /// The quota's GCRA parameters in this clock's ticks: the interval rounded up to a
    /// whole tick, so that the limiter never runs ahead of the quota.
    pub(crate) fn gcra(&self, quota: Quota) -> Gcra {
        let (numerator, denominator) = self.nanos_to_ticks();
        let interval = (u128::from(quota.period_nanos()) * numerator)
            .div_ceil(denominator * u128::from(quota.cells()));
        Gcra::new(
            Ticks(u64::try_from(interval).unwrap_or(u64::MAX)),
            quota.burst_size(),
        )
    }

    /// Ticks per nanosecond, as a fraction.
    fn nanos_to_ticks(&self) -> (u128, u128) {
        match self {
            LimiterClock::Tokio {
                ticks_per_nano,
                shift,
                ..
            } => (u128::from(*ticks_per_nano), 1 << shift),
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { scale, shift, .. } => {
                (u128::from(scale.units), u128::from(scale.nanos) << shift)
            }
        }
    }

    /// Ticks since the origin; the clock stands still at [`NOW_MAX`].
    #[inline]
    pub(crate) fn now_ticks(&self) -> Ticks {
        let ticks = match self {
            LimiterClock::Tokio {
                origin,
                ticks_per_nano,
                shift,
            } => {
                let elapsed = Instant::now().saturating_duration_since(*origin);
                // Seconds and nanoseconds apart: cheaper than `as_nanos`'s 128-bit
                // arithmetic.
                let nanos = elapsed
                    .as_secs()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(u64::from(elapsed.subsec_nanos()));
                // The common case skips a multiplication on the path of every cell.
                // A shift is only ever set with one tick per nanosecond.
                if *ticks_per_nano == 1 {
                    nanos >> shift
                } else {
                    nanos.saturating_mul(*ticks_per_nano)
                }
            }
            // A counter read on another core may lag the origin by a little.
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta {
                clock,
                origin,
                shift,
                ..
            } => clock.raw().saturating_sub(*origin) >> shift,
        };
        Ticks(ticks.min(NOW_MAX.0))
    }

    /// Nanoseconds from tick `from` until the first nanosecond at or after tick `to`;
    /// zero if `to` is not after `from`.
    pub(crate) fn nanos_between(&self, from: Ticks, to: Ticks) -> u64 {
        let (numerator, denominator) = self.nanos_to_ticks();
        let nanos = match self {
            LimiterClock::Tokio { .. } => {
                let start = u128::from(from.0) * denominator / numerator;
                let end = (u128::from(to.0) * denominator).div_ceil(numerator);
                end.saturating_sub(start)
            }
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { .. } => {
                (u128::from(to.0.saturating_sub(from.0)) * denominator).div_ceil(numerator)
            }
        };
        u64::try_from(nanos).unwrap_or(u64::MAX)
    }

    /// The instant on tokio's clock at which tick `at` is reached, given that
    /// [`now_ticks`](Self::now_ticks) just read `now`.
    ///
    /// On tokio's clock that is exact. quanta's clock is mapped through the time left,
    /// from tokio's now, so that the two clocks drifting apart over a long run cannot make
    /// a waiter wake early again and again.
    pub(crate) fn instant_at(
        &self,
        at: Ticks,
        #[cfg_attr(not(feature = "quanta"), allow(unused_variables))] now: Ticks,
    ) -> Instant {
        let (base, nanos) = match self {
            LimiterClock::Tokio { origin, .. } => (*origin, self.nanos_between(Ticks::ZERO, at)),
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { .. } => (Instant::now(), self.nanos_between(now, at)),
        };
        base.checked_add(Duration::from_nanos(nanos))
            // Beyond what `Instant` can hold: a cell that will not come in practice.
            .unwrap_or_else(far_future)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(all(test, feature = "quanta"))]
mod tests {
    use super::*;

    /// A limiter clock whose counter runs at 3 units per nanosecond (a 3 GHz
    /// time-stamp counter); quanta's mock clock stands in for reading it.
    fn three_ghz() -> LimiterClock {
        LimiterClock::Quanta {
            clock: quanta::Clock::mock().0,
            origin: 0,
            scale: CounterScale {
                units: 3 << 40,
                nanos: 1 << 40,
            },
            shift: 0,
        }
    }

    #[test]
    fn a_quota_interval_is_counted_in_counter_units() {
        let clock = three_ghz();
        // 10 per second: 100 ms apart, 300 million units.
        assert_eq!(
            clock.gcra(Quota::per_second(10)).interval(),
            Ticks(300_000_000)
        );
        // 7 per second: 142,857,142.857… ns, rounded up to a whole unit.
        assert_eq!(
            clock.gcra(Quota::per_second(7)).interval(),
            Ticks(428_571_429)
        );
        assert_eq!(
            clock.gcra(Quota::per_second(1_000)).interval(),
            Ticks(3_000_000)
        );
    }

    #[test]
    fn a_wait_in_counter_units_is_rounded_up_to_whole_nanoseconds() {
        let clock = three_ghz();
        let between = |from, to| clock.nanos_between(Ticks(from), Ticks(to));
        assert_eq!(between(10, 10), 0);
        assert_eq!(between(10, 4), 0);
        assert_eq!(between(0, 1), 1);
        assert_eq!(between(0, 3), 1);
        assert_eq!(between(0, 4), 2);
        assert_eq!(between(5, 300_000_005), 100_000_000);
        assert_eq!(between(0, u64::MAX), u64::MAX.div_ceil(3));
    }

    #[test]
    fn the_scale_read_from_quanta_is_the_identity_on_a_nanosecond_clock() {
        let clock = LimiterClock::quanta(quanta::Clock::mock().0, Quota::per_second(7));
        assert_eq!(
            clock.gcra(Quota::per_second(7)).interval(),
            Ticks(142_857_143)
        );
        assert_eq!(
            clock.nanos_between(Ticks(1), Ticks(142_857_143)),
            142_857_142
        );
    }

    #[test]
    fn a_long_span_makes_the_tick_coarser() {
        let quota = Quota::per_hour(1).allow_burst(3_000_000);
        let clock = LimiterClock::quanta(quanta::Clock::mock().0, quota);
        let gcra = clock.gcra(quota);
        let span = u128::from(gcra.interval().0) * 3_000_000;
        assert!(span <= u128::from(SPAN_MAX));
        assert!(span > u128::from(SPAN_MAX / 2));
    }
}
