//! A limiter's state in one atomic word: the theoretical arrival time, and a flag that
//! says someone is waiting in line.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::gcra::{TAT_MAX, Ticks};

/// Set while the wait queue is not empty: the fast path then backs off, and only the
/// queue's head (holding the queue lock) changes the arrival time.
const WAITING: u64 = 1 << 63;
/// The bits of the word that hold the theoretical arrival time.
const ARRIVAL_BITS: u64 = TAT_MAX;

/// What the word holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) tat: Ticks,
    pub(crate) waiting: bool,
}

impl State {
    fn unpack(word: u64) -> State {
        State {
            tat: Ticks(word & ARRIVAL_BITS),
            waiting: word & WAITING != 0,
        }
    }

    fn pack(self) -> u64 {
        (self.tat.0 & ARRIVAL_BITS) | if self.waiting { WAITING } else { 0 }
    }
}

/// The state word, on a cache line of its own so that threads taking cells do not also
/// evict the limiter's read-only fields from each other's caches (128 bytes covers the
/// adjacent-line prefetch of x86 and the line size of Apple silicon).
///
/// `Relaxed` suffices throughout: the word guards no other memory, and the queue it is
/// coordinated with is behind its own mutex.
#[repr(align(128))]
pub(crate) struct StateWord(AtomicU64);

impl StateWord {
    pub(crate) const fn new() -> StateWord {
        StateWord(AtomicU64::new(0))
    }

    #[inline]
    pub(crate) fn load(&self) -> State {
        State::unpack(self.0.load(Relaxed))
    }

    /// The compare-and-swap loop: `decide` sees the current state and returns the new
    /// arrival time to store (the flag is kept), or an error that ends the loop with
    /// nothing stored. It may run several times when other threads race.
    #[inline]
    pub(crate) fn update<E>(
        &self,
        mut decide: impl FnMut(State) -> Result<Ticks, E>,
    ) -> Result<(), E> {
        let mut word = self.0.load(Relaxed);
        loop {
            let state = State::unpack(word);
            let tat = decide(state)?;
            let next = State { tat, ..state }.pack();
            match self.0.compare_exchange_weak(word, next, Relaxed, Relaxed) {
                Ok(_) => return Ok(()),
                Err(actual) => word = actual,
            }
        }
    }

    /// Stores a state outright: for the queue's head, which alone writes while the flag
    /// is set.
    pub(crate) fn store(&self, state: State) {
        self.0.store(state.pack(), Relaxed);
    }

    pub(crate) fn set_waiting(&self) {
        self.0.fetch_or(WAITING, Relaxed);
    }

    pub(crate) fn clear_waiting(&self) {
        self.0.fetch_and(!WAITING, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_and_the_arrival_time_are_kept_apart() {
        let word = StateWord::new();
        word.set_waiting();
        assert_eq!(
            word.load(),
            State {
                tat: Ticks::ZERO,
                waiting: true
            }
        );
        word.update(|s| Ok::<_, ()>(Ticks(s.tat.0 + TAT_MAX)))
            .unwrap();
        assert_eq!(word.load().tat, Ticks(TAT_MAX));
        assert!(word.load().waiting);
        word.clear_waiting();
        assert!(!word.load().waiting);
        assert_eq!(word.update(|_| Err::<Ticks, _>(7)), Err(7));
    }
}
