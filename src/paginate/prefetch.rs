//! Fetching ahead on a tokio task (feature `tokio`).

use core::future::{Future, poll_fn};
use core::hash::Hash;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::FetchPage;
use super::core::{Core, PageResult};

type Spawn<C, F> = fn(Pin<Box<Core<C, F>>>, usize) -> Running<C, F>;

/// The prefetch setting. The spawn function is chosen where the `Send + 'static`
/// bounds are known (`Paginator::prefetch`), so the stream types need no such bounds.
pub(crate) struct Prefetch<C, F: FetchPage<C>> {
    pages: usize,
    spawn: Spawn<C, F>,
    running: Option<Running<C, F>>,
}

struct Running<C, F: FetchPage<C>> {
    pages: mpsc::Receiver<PageResult<C, F>>,
    task: JoinHandle<()>,
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
    ) -> Poll<Option<PageResult<C, F>>> {
        if self.running.is_none() {
            match core.take() {
                Some(core) => self.running = Some((self.spawn)(core, self.pages)),
                None => return Poll::Ready(None),
            }
        }
        let Some(running) = &mut self.running else {
            return Poll::Ready(None);
        };
        match ready!(running.pages.poll_recv(cx)) {
            Some(page) => Poll::Ready(Some(page)),
            // The channel closes when the task ends: normally, or by a panic of the
            // fetch, which must reach the consumer as it would without prefetch rather
            // than pass for the end of the listing.
            None => match ready!(Pin::new(&mut running.task).poll(cx)) {
                Err(error) if error.is_panic() => {
                    self.running = None;
                    std::panic::resume_unwind(error.into_panic())
                }
                _ => {
                    self.running = None;
                    Poll::Ready(None)
                }
            },
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
                Some(page) => slot.send(page),
                None => break,
            }
        }
    });
    Running {
        pages: receiver,
        task,
    }
}
