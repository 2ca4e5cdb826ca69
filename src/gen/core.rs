//! The state machine shared by [`Generator`](super::Generator) and
//! [`TryGenerator`](super::TryGenerator): it polls the body and collects what it yielded.

use core::cell::Cell;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::yielder::{GeneratorId, Resumption, Yielder, with_resume_frame};

/// What one resumption of the body produced.
pub(crate) enum Step<T, O> {
    Yielded(T),
    Returned(O),
}

pub(crate) enum Phase<O> {
    Running,
    /// The body returned in the same poll in which it yielded its last item; the
    /// output is reported on the next poll.
    Returned(O),
    /// Finished, or the body panicked: every later poll gives `None`.
    Done,
}

pin_project! {
    pub(crate) struct Core<T, F: Future, R = ()> {
        id: GeneratorId,
        _item: PhantomData<T>,
        // The `R` of the body's `Yielder<T, R>`, which `send` hands in.
        _resume: PhantomData<fn(R) -> R>,
        phase: Phase<F::Output>,
        // Whether the body was ever polled: `close()` on a generator that never started
        // runs nothing. (A field rather than a phase: an extra phase measurably slowed
        // every poll, a store of `true` does not.)
        started: bool,
        #[pin]
        body: F,
    }
}

impl<T, F: Future, R> Core<T, F, R> {
    pub(crate) fn new<B>(body: B) -> Self
    where
        B: FnOnce(Yielder<T, R>) -> F,
    {
        let id = GeneratorId::new();
        let body = body(Yielder::new(id));
        Core {
            id,
            _item: PhantomData,
            _resume: PhantomData,
            phase: Phase::Running,
            started: false,
            body,
        }
    }

    pub(crate) fn phase(&self) -> &Phase<F::Output> {
        &self.phase
    }

    /// Resumes the body until it yields, returns, or waits; `None` once finished.
    #[inline]
    pub(crate) fn poll_step(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Step<T, F::Output>>> {
        self.poll_resumed(cx, Resumption::Next)
    }

    /// [`poll_step`](Self::poll_step) for `send`: the pending yield takes `value`.
    pub(crate) fn poll_send(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        value: &mut Option<R>,
    ) -> Poll<Option<Step<T, F::Output>>> {
        let value = core::ptr::from_mut(value).cast();
        self.poll_resumed(cx, Resumption::Send(value))
    }

    #[inline]
    fn poll_resumed(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        resumption: Resumption,
    ) -> Poll<Option<Step<T, F::Output>>> {
        let this = self.project();
        match this.phase {
            Phase::Running => {}
            Phase::Done => return Poll::Ready(None),
            Phase::Returned(_) => {
                let Phase::Returned(output) = core::mem::replace(this.phase, Phase::Done) else {
                    unreachable!()
                };
                return Poll::Ready(Some(Step::Returned(output)));
            }
        }

        *this.started = true;
        let mut item = None;
        // Only an unwinding panic drops the guard: then `Done` stays behind, so that
        // every later poll returns `None`. The usual path writes nothing to `phase`
        // while the body is running, which keeps a poll that yields free of stores.
        let on_panic = DoneOnUnwind(&mut *this.phase);
        let polled =
            with_resume_frame(cx, *this.id, &mut item, resumption, |cx| this.body.poll(cx));
        core::mem::forget(on_panic);

        match (polled, item) {
            (Poll::Pending, None) => Poll::Pending,
            (Poll::Pending, Some(item)) => Poll::Ready(Some(Step::Yielded(item))),
            (Poll::Ready(output), None) => {
                *this.phase = Phase::Done;
                Poll::Ready(Some(Step::Returned(output)))
            }
            (Poll::Ready(output), Some(item)) => {
                // A yield future was dropped unresumed (e.g. it lost a `select!`) and the
                // body then returned: the item still comes first.
                *this.phase = Phase::Returned(output);
                Poll::Ready(Some(Step::Yielded(item)))
            }
        }
    }
}

impl<T, F: Future, R> Core<T, F, R> {
    /// Closes the generator: a body suspended at a yield is resumed so that the yield
    /// stops it, and polled until the cleanup that follows has run (see
    /// `super::until_close`). Ready at once, with nothing run, if the body never started
    /// or has finished; `Done` afterwards either way.
    pub(crate) fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if !*this.started || !matches!(this.phase, Phase::Running) {
            *this.phase = Phase::Done;
            return Poll::Ready(());
        }
        // Yields write nothing while closing, so the slot stays empty.
        let mut item: Option<T> = None;
        let on_panic = DoneOnUnwind(&mut *this.phase);
        // Set by the yield that stops the body (see `super::until_close`).
        let stopped = Cell::new(false);
        let close = Resumption::Close(&stopped);
        let polled = with_resume_frame(cx, *this.id, &mut item, close, |cx| this.body.poll(cx));
        let finished = polled.is_ready() || stopped.get();
        core::mem::forget(on_panic);
        if finished {
            *this.phase = Phase::Done;
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Marks a generator finished when a panic unwinds out of its body's poll.
struct DoneOnUnwind<'a, O>(&'a mut Phase<O>);

impl<O> Drop for DoneOnUnwind<'_, O> {
    fn drop(&mut self) {
        *self.0 = Phase::Done;
    }
}
