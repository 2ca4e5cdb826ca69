//! The state machine shared by [`Generator`](super::Generator) and
//! [`TryGenerator`](super::TryGenerator): it polls the body and collects what it yielded.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::yielder::{GeneratorId, Yielder, with_frame_context};

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
    pub(crate) struct Core<T, F: Future> {
        id: GeneratorId,
        _item: PhantomData<T>,
        phase: Phase<F::Output>,
        #[pin]
        body: F,
    }
}

impl<T, F: Future> Core<T, F> {
    pub(crate) fn new<B>(body: B) -> Self
    where
        B: FnOnce(Yielder<T>) -> F,
    {
        let id = GeneratorId::new();
        let body = body(Yielder::new(id));
        Core {
            id,
            _item: PhantomData,
            phase: Phase::Running,
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

        let mut item = None;
        // Only an unwinding panic drops the guard: then `Done` stays behind, so that
        // every later poll returns `None`. The usual path writes nothing to `phase`
        // while the body is running, which keeps a poll that yields free of stores.
        let on_panic = DoneOnUnwind(&mut *this.phase);
        let polled = with_frame_context(cx, *this.id, &mut item, |cx| this.body.poll(cx));
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

/// Marks a generator finished when a panic unwinds out of its body's poll.
struct DoneOnUnwind<'a, O>(&'a mut Phase<O>);

impl<O> Drop for DoneOnUnwind<'_, O> {
    fn drop(&mut self) {
        *self.0 = Phase::Done;
    }
}
