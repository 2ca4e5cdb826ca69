//! A timer that is created on first use, so that adapters can be built outside a runtime
//! and need no allocation: the `Sleep` lives inline, re-armed with `Sleep::reset`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep_until};

pin_project! {
    #[project = LazySleepProj]
    #[derive(Debug)]
    pub(crate) enum LazySleep {
        Idle,
        Armed { #[pin] sleep: Sleep },
    }
}

impl LazySleep {
    pub(crate) const fn new() -> LazySleep {
        LazySleep::Idle
    }

    /// Sets the deadline, creating the timer the first time.
    pub(crate) fn arm(mut self: Pin<&mut Self>, deadline: Instant) {
        match self.as_mut().project() {
            LazySleepProj::Armed { sleep } => {
                if sleep.deadline() != deadline {
                    sleep.reset(deadline);
                }
            }
            LazySleepProj::Idle => self.set(LazySleep::Armed {
                sleep: sleep_until(deadline),
            }),
        }
    }

    /// Makes the timer fire by `deadline`, keeping a pending deadline that comes no later.
    /// For a caller that checks again when woken, to whom an early wake-up costs only a
    /// poll: a deadline recomputed from a clock other than tokio's moves a little on
    /// every poll, and resetting the timer each time would be wasted work.
    pub(crate) fn arm_no_later_than(mut self: Pin<&mut Self>, deadline: Instant) {
        if let LazySleepProj::Armed { sleep } = self.as_mut().project()
            && !sleep.is_elapsed()
            && sleep.deadline() <= deadline
        {
            return;
        }
        self.arm(deadline);
    }

    /// `Ready` once the armed deadline has passed; an idle timer never fires.
    pub(crate) fn poll_fired(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.project() {
            LazySleepProj::Armed { sleep } => sleep.poll(cx),
            LazySleepProj::Idle => Poll::Pending,
        }
    }

    /// The armed deadline, if any.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self {
            LazySleep::Armed { sleep } => Some(sleep.deadline()),
            LazySleep::Idle => None,
        }
    }
}
