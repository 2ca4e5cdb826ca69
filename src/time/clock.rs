use std::time::Duration;

use tokio::time::Instant;

use super::Quota;
use super::timeout_each::far_future;

/// The finest tick on tokio's clock, used when `period / cells` is not a whole number of
/// nanoseconds and its exact denominator would be larger (1/16 ns; 2^63 ticks are then 18
/// years).
const MAX_TICKS_PER_NANO: u64 = 16;

/// The clock a [`RateLimiter`](super::RateLimiter) reads, and the unit (the *tick*) in
/// which it keeps its schedule: a count of ticks since the limiter was created.
///
/// Why an enum and not a `Clock` trait parameter: there are two clocks worth having, and a
/// type parameter would spread to `Throttle`, the paginators and every signature that
/// names a limiter, while the branch costs nothing measurable on the fast path.
pub(crate) enum LimiterClock {
    /// tokio's clock: agrees with tokio's timers, and pauses with them in tests. A tick is
    /// `1 / ticks_per_nano` ns, chosen so that the quota's interval is a whole number of
    /// ticks where it can be.
    Tokio {
        origin: Instant,
        ticks_per_nano: u64,
    },
    /// quanta's clock: reads the CPU's time-stamp counter where it can, which is cheaper
    /// than the system call behind `Instant::now`, but does not see tokio's paused clock.
    /// A tick is one unit of the counter, so that taking a cell needs no conversion to
    /// nanoseconds; the conversion happens only to build a wait.
    #[cfg(feature = "quanta")]
    Quanta {
        clock: quanta::Clock,
        origin: u64,
        scale: CounterScale,
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

impl LimiterClock {
    /// tokio's clock, in ticks fine enough to keep the quota's interval (`period / cells`
    /// nanoseconds) exactly when its denominator is at most 16.
    pub(crate) fn tokio(quota: Quota) -> LimiterClock {
        let cells = u64::from(quota.cells());
        let exact_denominator = cells / gcd(quota.period_nanos(), cells);
        LimiterClock::Tokio {
            origin: Instant::now(),
            // Otherwise the interval is rounded down to 1/16 ns. Rounding up would make a
            // cell due on a whole millisecond (the 17th of 17 per second, at 1 s) wait for
            // the next one; down, the schedule runs ahead by less than 1 ms per 16
            // million cells.
            ticks_per_nano: exact_denominator.min(MAX_TICKS_PER_NANO),
        }
    }

    #[cfg(feature = "quanta")]
    pub(crate) fn quanta(clock: quanta::Clock) -> LimiterClock {
        const UNITS: u64 = 1 << 48;
        let scale = CounterScale {
            units: UNITS,
            // At least 1: a counter so fast that 2^48 units are under a nanosecond does
            // not exist, and the scale must not divide by zero.
            nanos: clock.delta_as_nanos(0, UNITS).max(1),
        };
        let origin = clock.raw();
        LimiterClock::Quanta {
            clock,
            origin,
            scale,
        }
    }

    /// Ticks since the origin.
    #[inline]
    pub(crate) fn now_ticks(&self) -> u64 {
        match self {
            LimiterClock::Tokio {
                origin,
                ticks_per_nano,
            } => {
                let elapsed = Instant::now().saturating_duration_since(*origin);
                // Seconds and nanoseconds apart: cheaper than `as_nanos`'s 128-bit
                // arithmetic.
                let nanos = elapsed
                    .as_secs()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(u64::from(elapsed.subsec_nanos()));
                // The common case skips a multiplication on the path of every cell.
                if *ticks_per_nano == 1 {
                    nanos
                } else {
                    nanos.saturating_mul(*ticks_per_nano)
                }
            }
            // A counter read on another core may lag the origin by a little.
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { clock, origin, .. } => clock.raw().saturating_sub(*origin),
        }
    }

    /// `nanos / per` nanoseconds in ticks, rounded down.
    pub(crate) fn ticks(&self, nanos: u64, per: u64) -> u64 {
        let (numerator, denominator) = match self {
            LimiterClock::Tokio { ticks_per_nano, .. } => (
                u128::from(nanos) * u128::from(*ticks_per_nano),
                u128::from(per),
            ),
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { scale, .. } => (
                u128::from(nanos) * u128::from(scale.units),
                u128::from(per) * u128::from(scale.nanos),
            ),
        };
        u64::try_from(numerator / denominator).unwrap_or(u64::MAX)
    }

    /// Nanoseconds from tick `from` until the first nanosecond at or after tick `to`;
    /// zero if `to` is not after `from`.
    pub(crate) fn nanos_between(&self, from: u64, to: u64) -> u64 {
        match self {
            LimiterClock::Tokio { ticks_per_nano, .. } => to
                .div_ceil(*ticks_per_nano)
                .saturating_sub(from / ticks_per_nano),
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { scale, .. } => {
                let units = u128::from(to.saturating_sub(from));
                let nanos = (units * u128::from(scale.nanos)).div_ceil(u128::from(scale.units));
                u64::try_from(nanos).unwrap_or(u64::MAX)
            }
        }
    }

    /// The instant on tokio's clock at which tick `at` is reached, given that
    /// [`now_ticks`](Self::now_ticks) just read `now`.
    ///
    /// On tokio's clock that is exact. quanta's clock is mapped through the time left,
    /// from tokio's now, so that the two clocks drifting apart over a long run cannot make
    /// a waiter wake early again and again.
    pub(crate) fn instant_at(
        &self,
        at: u64,
        #[cfg_attr(not(feature = "quanta"), allow(unused_variables))] now: u64,
    ) -> Instant {
        let (base, nanos) = match self {
            LimiterClock::Tokio {
                origin,
                ticks_per_nano,
            } => (*origin, at.div_ceil(*ticks_per_nano)),
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
        }
    }

    #[test]
    fn a_quota_interval_is_counted_in_counter_units() {
        let clock = three_ghz();
        // 10 per second: 100 ms apart, 300 million units.
        assert_eq!(clock.ticks(1_000_000_000, 10), 300_000_000);
        // 7 per second: 142,857,142.857… ns, rounded down to a whole unit.
        assert_eq!(clock.ticks(1_000_000_000, 7), 428_571_428);
        assert_eq!(clock.ticks(1_000_000, 1), 3_000_000);
        // Beyond what a tick count can hold: the largest one.
        assert_eq!(clock.ticks(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn a_wait_in_counter_units_is_rounded_up_to_whole_nanoseconds() {
        let clock = three_ghz();
        assert_eq!(clock.nanos_between(10, 10), 0);
        assert_eq!(clock.nanos_between(10, 4), 0);
        assert_eq!(clock.nanos_between(0, 1), 1);
        assert_eq!(clock.nanos_between(0, 3), 1);
        assert_eq!(clock.nanos_between(0, 4), 2);
        assert_eq!(clock.nanos_between(5, 300_000_005), 100_000_000);
        assert_eq!(clock.nanos_between(0, u64::MAX), u64::MAX.div_ceil(3));
    }

    #[test]
    fn the_scale_read_from_quanta_is_the_identity_on_a_nanosecond_clock() {
        let clock = LimiterClock::quanta(quanta::Clock::mock().0);
        assert_eq!(clock.ticks(1_000_000_000, 7), 142_857_142);
        assert_eq!(clock.nanos_between(1, 142_857_143), 142_857_142);
    }
}
