//! Where pages come from: the engine polled in place, or (with prefetch) a tokio task
//! running it ahead of the consumer.

use core::hash::Hash;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::core::{Core, PageResult};
#[cfg(feature = "tokio")]
use super::prefetch::Prefetch;
use super::settings::assert_unstarted;
use super::{Checkpoint, FetchPage};

pub(crate) struct Source<C, F: FetchPage<C>> {
    // Boxed once per run so the engine can move into a prefetch task at the first poll.
    core: Option<Pin<Box<Core<C, F>>>>,
    #[cfg(feature = "tokio")]
    pub(crate) prefetch: Option<Prefetch<C, F>>,
    started: bool,
    finished: bool,
    // Where the listing stands after the last page handed out, and before it.
    after: Checkpoint<C>,
    before: Checkpoint<C>,
}

impl<C, F: FetchPage<C>> Source<C, F> {
    pub(crate) fn new(first_cursor: C, fetch: F) -> Self
    where
        C: Clone,
    {
        Source {
            after: Checkpoint::start(first_cursor.clone()),
            before: Checkpoint::start(first_cursor.clone()),
            core: Some(Box::pin(Core::new(first_cursor, fetch))),
            #[cfg(feature = "tokio")]
            prefetch: None,
            started: false,
            finished: false,
        }
    }

    /// Where the listing stands after the last page handed out (`true`), or before it.
    pub(crate) fn checkpoint(&self, after_last_page: bool) -> &Checkpoint<C> {
        if after_last_page {
            &self.after
        } else {
            &self.before
        }
    }

    #[track_caller]
    pub(crate) fn resume_from(&mut self, checkpoint: Checkpoint<C>)
    where
        C: Clone + Hash,
    {
        self.before = checkpoint.clone();
        self.after = checkpoint.clone();
        self.configure("resume_from").resume(checkpoint);
    }

    /// The engine's settings, for the builder methods.
    #[track_caller]
    pub(crate) fn configure(&mut self, method: &str) -> Pin<&mut Core<C, F>> {
        self.assert_unstarted(method);
        self.core
            .as_mut()
            .expect("the engine is there until the first poll")
            .as_mut()
    }

    #[track_caller]
    pub(crate) fn assert_unstarted(&self, method: &str) {
        assert_unstarted(self.started, "Paginator", method);
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    pub(crate) fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<PageResult<C, F>>>
    where
        C: Clone + Hash + Send + Sync + 'static,
    {
        self.started = true;
        if self.finished {
            return Poll::Ready(None);
        }
        #[cfg(feature = "tokio")]
        let polled = match &mut self.prefetch {
            Some(prefetch) => prefetch.poll_page(&mut self.core, cx),
            None => self.poll_in_place(cx),
        };
        #[cfg(not(feature = "tokio"))]
        let polled = self.poll_in_place(cx);
        match &polled {
            Poll::Ready(None) => {
                self.finished = true;
                self.core = None;
            }
            Poll::Ready(Some(Ok(page))) => {
                let after = Checkpoint {
                    cursor: page.next.clone(),
                    pages: self.after.pages + 1,
                    items: self.after.items + page.items.len(),
                };
                self.before = core::mem::replace(&mut self.after, after);
            }
            Poll::Ready(Some(Err(_))) | Poll::Pending => {}
        }
        polled
    }

    fn poll_in_place(&mut self, cx: &mut Context<'_>) -> Poll<Option<PageResult<C, F>>>
    where
        C: Clone + Hash + Send + Sync + 'static,
    {
        match &mut self.core {
            Some(core) => core.as_mut().poll_page(cx),
            None => Poll::Ready(None),
        }
    }
}
