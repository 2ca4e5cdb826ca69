//! Fetching ahead on a tokio task (feature `tokio`).

use core::future::{Future, poll_fn};
use core::hash::Hash;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::core::{Core, PageResult};
use super::{FetchPage, PaginateError};

type Spawn<C, F> = fn(Pin<Box<Core<C, F>>>, usize) -> Running<C, F>;

/// The prefetch setting. The spawn function is chosen where the `Send + 'static`
/// bounds are known (`Paginator::prefetch`), so the stream types need no such bounds.
pub(crate) struct Prefetch<C, F: FetchPage<C>> {
    pages: usize,
    spawn: Spawn<C, F>,
    running: Option<Running<C, F>>,
}

/// What the task sends. The end of the listing is always announced, so that a channel
/// closed without it (the task cancelled) is not taken for the end.
enum Message<T> {
    Page(T),
    LastPage(T),
    End,
}

struct Running<C, F: FetchPage<C>> {
    pages: mpsc::Receiver<Message<PageResult<C, F>>>,
    task: JoinHandle<()>,
    // Where a new run would resume should the task vanish (`None`: after the last page
    // or an error), and how many pages came before it.
    resume: Option<C>,
    received: usize,
}

impl<C, F: FetchPage<C>> Drop for Running<C, F> {
    fn drop(&mut self) {
        // Dropping the stream cancels the fetch in flight, like dropping any future.
        self.task.abort();
    }
}

impl<C, F> Prefetch<C, F>
where
    F: FetchPage<C> + Send + 'static,
    F::Future: Send + 'static,
    F::Item: Send + 'static,
    F::Error: Send + 'static,
    C: Clone + Hash + Send + Sync + 'static,
{
    pub(crate) fn new(pages: usize) -> Self {
        Prefetch {
            // The channel's limit; anything above it is unbounded in practice.
            pages: pages.min(tokio::sync::Semaphore::MAX_PERMITS),
            spawn: spawn::<C, F>,
            running: None,
        }
    }
}

impl<C, F: FetchPage<C>> Prefetch<C, F> {
    #[track_caller]
    pub(crate) fn poll_page(
        &mut self,
        core: &mut Option<Pin<Box<Core<C, F>>>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<PageResult<C, F>>>
    where
        C: Clone + Send + Sync + 'static,
    {
        if self.running.is_none() {
            match core.take() {
                Some(core) => {
                    let resume = core.as_ref().next_cursor().cloned();
                    let mut running = (self.spawn)(core, self.pages);
                    running.resume = resume;
                    self.running = Some(running);
                }
                None => return Poll::Ready(None),
            }
        }
        let Some(running) = &mut self.running else {
            return Poll::Ready(None);
        };
        match ready!(running.pages.poll_recv(cx)) {
            Some(Message::Page(page)) => {
                if let Ok(page) = &page {
                    running.resume = page.next.clone();
                    running.received += 1;
                } else {
                    running.resume = None;
                }
                Poll::Ready(Some(page))
            }
            Some(Message::LastPage(page)) => {
                running.resume = None;
                Poll::Ready(Some(page))
            }
            Some(Message::End) => {
                self.running = None;
                Poll::Ready(None)
            }
            // The channel closed before the end of the listing: the task panicked, which
            // must reach the consumer as it would without prefetch, or it was cancelled
            // (its runtime shut down), which must not pass for the end either.
            None => {
                let joined = ready!(Pin::new(&mut running.task).poll(cx));
                let (resume, received) = (running.resume.take(), running.received);
                self.running = None;
                match joined {
                    Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                    // Closed after the last page but before the end message: nothing lost.
                    _ => Poll::Ready(
                        resume.map(|cursor| Err(PaginateError::cancelled(received, cursor))),
                    ),
                }
            }
        }
    }
}

#[track_caller]
fn spawn<C, F>(mut core: Pin<Box<Core<C, F>>>, pages: usize) -> Running<C, F>
where
    F: FetchPage<C> + Send + 'static,
    F::Future: Send + 'static,
    F::Item: Send + 'static,
    F::Error: Send + 'static,
    C: Clone + Hash + Send + Sync + 'static,
{
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        panic!("a Paginator with prefetch must be polled inside a tokio runtime");
    };
    let (sender, receiver) = mpsc::channel(pages);
    let task = runtime.spawn(async move {
        // A slot is reserved before each fetch starts: at most `pages` pages are
        // fetched ahead of the one the consumer holds.
        while let Ok(slot) = sender.reserve().await {
            match poll_fn(|cx| core.as_mut().poll_page(cx)).await {
                // Said with the page itself: the end message may have to wait for room
                // in the channel, and the task may be cancelled meanwhile.
                Some(page) if core.as_ref().is_done() => slot.send(Message::LastPage(page)),
                Some(page) => slot.send(Message::Page(page)),
                None => {
                    slot.send(Message::End);
                    break;
                }
            }
        }
    });
    Running {
        pages: receiver,
        task,
        resume: None,
        received: 0,
    }
}
