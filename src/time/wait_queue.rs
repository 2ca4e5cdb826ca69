//! The in-process limiter's line of waiters, and one waiter's claim on its turn.
//!
//! Why a hand-written queue beside the atomic, not a `tokio::sync::Semaphore(1)` (which is
//! also FIFO and cancel-safe): its `acquire` future cannot be named, so every wait would
//! need a boxed future in `UntilReady` and in `Throttle`, and it would add a second
//! synchronisation on top of the state word. Here the queue lock is only taken by
//! waiters; the waiting flag in the state word makes the fast path yield to them with
//! no extra load.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::lazy_sleep::LazySleep;
use super::rate_limiter::Shared;
use super::state::State;

/// Waiters in arrival order; ids are increasing, so a waiter finds itself by binary search.
#[derive(Default)]
pub(crate) struct WaitQueue {
    entries: VecDeque<Entry>,
    next_id: u64,
}

struct Entry {
    id: u64,
    waker: Option<Waker>,
}

impl WaitQueue {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }

    /// The waker of the waiter now first in line, to be woken once the lock is released.
    fn head_waker(&mut self) -> Option<Waker> {
        self.entries.front_mut().and_then(|e| e.waker.take())
    }

    /// Joins the end of the line; says whether the line was empty.
    fn push(&mut self, waker: &Waker) -> (u64, bool) {
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push_back(Entry {
            id,
            waker: Some(waker.clone()),
        });
        (id, self.entries.len() == 1)
    }
}

pin_project! {
    /// One task's claim on the next cell: the engine of `UntilReady` and `Throttle`.
    /// Dropping it while queued leaves the queue without taking a cell.
    #[derive(Debug)]
    pub struct Waiter {
        // The limiter whose line we stand in, and our id there, while queued.
        ticket: Option<(Arc<Shared>, u64)>,
        #[pin]
        sleep: LazySleep,
    }

    impl PinnedDrop for Waiter {
        fn drop(this: Pin<&mut Self>) {
            this.cancel();
        }
    }
}

impl Default for Waiter {
    fn default() -> Waiter {
        Waiter::new()
    }
}

impl Waiter {
    pub(crate) const fn new() -> Waiter {
        Waiter {
            ticket: None,
            sleep: LazySleep::new(),
        }
    }

    /// Takes a cell of `shared`'s budget when it is this waiter's turn and the cell is
    /// free; until then, waits in line.
    pub(crate) fn poll_acquire(
        self: Pin<&mut Self>,
        shared: &Arc<Shared>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let mut this = self.project();
        let id = match this.ticket {
            Some((_, id)) => *id,
            None => {
                let now = shared.now_ticks();
                if shared.try_take(now).is_ok() {
                    return Poll::Ready(());
                }
                let (id, first) = shared.lock_queue().push(cx.waker());
                if first {
                    shared.state().set_waiting();
                }
                *this.ticket = Some((Arc::clone(shared), id));
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
            let tat = shared.state().load().tat;
            let now = shared.now_ticks();
            match shared.gcra().decide(tat, now) {
                Ok(next_tat) => {
                    queue.entries.pop_front();
                    let next = queue.head_waker();
                    shared.state().store(State {
                        tat: next_tat,
                        waiting: !queue.entries.is_empty(),
                    });
                    drop(queue);
                    *this.ticket = None;
                    if let Some(w) = next {
                        w.wake();
                    }
                    return Poll::Ready(());
                }
                Err(free_at) => {
                    drop(queue);
                    this.sleep
                        .as_mut()
                        .arm_no_later_than(shared.clock().instant_at(free_at, now));
                    if this.sleep.as_mut().poll_fired(cx).is_pending() {
                        return Poll::Pending;
                    }
                }
            }
        }
    }

    /// Leaves the queue without taking a cell; the next waiter moves up.
    pub(crate) fn cancel(self: Pin<&mut Self>) {
        let this = self.project();
        let Some((shared, id)) = this.ticket.take() else {
            return;
        };
        let mut queue = shared.lock_queue();
        let Some(i) = queue.position(id) else {
            return;
        };
        queue.entries.remove(i);
        let mut next = None;
        if queue.entries.is_empty() {
            shared.state().clear_waiting();
        } else if i == 0 {
            next = queue.head_waker();
        }
        drop(queue);
        if let Some(w) = next {
            w.wake();
        }
    }
}
