use std::time::Duration;

use tokio::time::Instant;

use super::timeout_each::far_future;

/// The clock a [`RateLimiter`](super::RateLimiter) reads, as nanoseconds since the
/// limiter was created.
///
/// Why an enum and not a `Clock` trait parameter: there are two clocks worth having, and a
/// type parameter would spread to `Throttle`, the paginators and every signature that
/// names a limiter, while the branch costs nothing measurable on the fast path.
pub(crate) enum LimiterClock {
    /// tokio's clock: agrees with tokio's timers, and pauses with them in tests.
    Tokio { origin: Instant },
    /// quanta's clock: reads the CPU's time-stamp counter where it can, which is cheaper
    /// than the system call behind `Instant::now`, but does not see tokio's paused clock.
    #[cfg(feature = "quanta")]
    Quanta { clock: quanta::Clock, origin: u64 },
}

impl LimiterClock {
    pub(crate) fn tokio() -> LimiterClock {
        LimiterClock::Tokio {
            origin: Instant::now(),
        }
    }

    #[cfg(feature = "quanta")]
    pub(crate) fn quanta(clock: quanta::Clock) -> LimiterClock {
        let origin = clock.raw();
        LimiterClock::Quanta { clock, origin }
    }

    /// Nanoseconds since the origin.
    #[inline]
    pub(crate) fn now_nanos(&self) -> u64 {
        match self {
            LimiterClock::Tokio { origin } => {
                let elapsed = Instant::now().saturating_duration_since(*origin);
                // Seconds and nanoseconds apart: cheaper than `as_nanos`'s 128-bit
                // arithmetic.
                elapsed
                    .as_secs()
                    .saturating_mul(1_000_000_000)
                    .saturating_add(u64::from(elapsed.subsec_nanos()))
            }
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { clock, origin } => clock.delta_as_nanos(*origin, clock.raw()),
        }
    }

    /// The instant on tokio's clock at which `at` nanoseconds since the origin are
    /// reached, given that [`now_nanos`](Self::now_nanos) just read `now`.
    ///
    /// On tokio's clock that is exact. quanta's clock is mapped through the time left,
    /// from tokio's now, so that the two clocks drifting apart over a long run cannot make
    /// a waiter wake early again and again.
    pub(crate) fn instant_at(
        &self,
        at: u64,
        #[cfg_attr(not(feature = "quanta"), allow(unused_variables))] now: u64,
    ) -> Instant {
        let (base, offset) = match self {
            LimiterClock::Tokio { origin } => (*origin, at),
            #[cfg(feature = "quanta")]
            LimiterClock::Quanta { .. } => (Instant::now(), at.saturating_sub(now)),
        };
        base.checked_add(Duration::from_nanos(offset))
            // Beyond what `Instant` can hold: a cell that will not come in practice.
            .unwrap_or_else(far_future)
    }
}
