use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use tokio::task::JoinHandle;

/// A future spawned as a tokio task by the spawned modes
/// ([`AsCompleted::spawned`](super::AsCompleted::spawned),
/// [`Gather::spawned`](super::Gather::spawned),
/// [`TryGather::spawned`](super::TryGather::spawned)); it resolves to the task's output.
///
/// Unlike a bare [`JoinHandle`], dropping it aborts the task, and a panic inside the
/// task is resumed in whoever awaits it instead of becoming an error value.
///
/// # Panics
///
/// When awaited: with the task's own panic payload if the task panicked, or with a
/// message saying so if the runtime shut down (cancelling the task) before it finished.
///
/// # Examples
///
/// ```
/// use asyncgen::concurrent::SpawnedTask;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let task = SpawnedTask::spawn(async { 6 * 7 });
/// assert_eq!(task.await, 42);
/// # }
/// ```
#[must_use = "dropping a SpawnedTask aborts the task"]
#[derive(Debug)]
pub struct SpawnedTask<T> {
    handle: JoinHandle<T>,
}

impl<T: Send + 'static> SpawnedTask<T> {
    /// Spawns `future` on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// If called outside a tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::concurrent::SpawnedTask;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let greeting = SpawnedTask::spawn(async { "hello" });
    /// assert_eq!(greeting.await, "hello");
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F>(future: F) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        Self {
            handle: tokio::spawn(future),
        }
    }

    /// Spawns `future` on the runtime behind `handle`.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::concurrent::SpawnedTask;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let runtime = tokio::runtime::Handle::current();
    /// let answer = SpawnedTask::spawn_on(async { 42 }, &runtime);
    /// assert_eq!(answer.await, 42);
    /// # }
    /// ```
    pub fn spawn_on<F>(future: F, handle: &tokio::runtime::Handle) -> Self
    where
        F: Future<Output = T> + Send + 'static,
    {
        Self {
            handle: handle.spawn(future),
        }
    }
}

impl<T> Future for SpawnedTask<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match ready!(Pin::new(&mut self.handle).poll(cx)) {
            Ok(output) => Poll::Ready(output),
            Err(error) => match error.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                // Only dropping `self` aborts the task, so a cancelled task means its
                // runtime shut down: there is no output to hand out.
                Err(_) => panic!("a spawned future was cancelled: its tokio runtime shut down"),
            },
        }
    }
}

impl<T> Drop for SpawnedTask<T> {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
