//! The one fairness policy of this module's engines: tokio's cooperative budget.
//!
//! Under tokio, every output an engine hands out costs one unit of the task's budget, as
//! every tokio resource (a channel, a `JoinHandle`, a timer) charges one unit per
//! operation that makes progress. When the budget is spent the engine returns `Pending`
//! once and the task is rescheduled at once, so a flood of futures that are already
//! complete never keeps the other tasks on the worker from running. Outside a tokio
//! runtime, or without the `tokio` feature, there is no budget and this costs nothing.

use core::task::{Context, Poll};

/// tokio's budget for one poll of a task. An engine that takes several outputs in one
/// poll of its own (`map_concurrent`, parking outputs behind a slow one) stops after
/// this many even where no tokio budget exists, so that it yields under any executor.
pub(crate) const OUTPUTS_PER_POLL: usize = 128;

/// One unit of budget, taken before any inner future is polled (so an exhausted budget
/// never makes the inner futures spin). Given back on drop unless
/// [`made_progress`](Self::made_progress) was called, so a poll that hands nothing out
/// costs nothing.
pub(crate) struct Budget {
    #[cfg(feature = "tokio")]
    restore: tokio::task::coop::RestoreOnPending,
}

impl Budget {
    #[inline]
    pub(crate) fn made_progress(&self) {
        #[cfg(feature = "tokio")]
        self.restore.made_progress();
    }
}

/// Takes one unit of the current task's budget, or returns `Pending` (and asks to be
/// polled again) when the budget is spent.
#[inline]
pub(crate) fn poll_budget(cx: &mut Context<'_>) -> Poll<Budget> {
    #[cfg(feature = "tokio")]
    {
        tokio::task::coop::poll_proceed(cx).map(|restore| Budget { restore })
    }
    #[cfg(not(feature = "tokio"))]
    {
        let _ = cx;
        Poll::Ready(Budget {})
    }
}
