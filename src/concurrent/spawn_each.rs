use core::future::Future;

use super::SpawnedTask;

/// An iterator that spawns each future of the input as a tokio task when it is taken,
/// yielding a [`SpawnedTask`] for it. The spawned modes of [`AsCompleted`](super::AsCompleted),
/// [`Gather`](super::Gather) and [`TryGather`](super::TryGather) run on it.
///
/// # Examples
///
/// ```
/// use asyncgen::concurrent::SpawnEach;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let runtime = tokio::runtime::Handle::current();
/// let mut tasks = SpawnEach::new((1..=2).map(|n| async move { n }), runtime);
/// let first = tasks.next().unwrap(); // spawned now
/// assert_eq!(first.await, 1);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SpawnEach<I> {
    input: I,
    runtime: tokio::runtime::Handle,
}

impl<I> SpawnEach<I>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    /// Spawns the futures of `input` on `runtime`, each one when it is taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use asyncgen::concurrent::SpawnEach;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let tasks = SpawnEach::new((1..=3).map(|n| async move { n * 10 }), tokio::runtime::Handle::current());
    /// let mut outputs = Vec::new();
    /// for task in tasks {
    ///     outputs.push(task.await);
    /// }
    /// assert_eq!(outputs, [10, 20, 30]);
    /// # }
    /// ```
    pub fn new<II>(input: II, runtime: tokio::runtime::Handle) -> Self
    where
        II: IntoIterator<IntoIter = I>,
    {
        Self {
            input: input.into_iter(),
            runtime,
        }
    }
}

impl<I> SpawnEach<I> {
    pub(crate) fn input(&self) -> &I {
        &self.input
    }

    pub(crate) fn input_mut(&mut self) -> &mut I {
        &mut self.input
    }
}

impl<I> Iterator for SpawnEach<I>
where
    I: Iterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    type Item = SpawnedTask<<I::Item as Future>::Output>;

    fn next(&mut self) -> Option<Self::Item> {
        let future = self.input.next()?;
        Some(SpawnedTask::spawn_on(future, &self.runtime))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.input.size_hint()
    }
}
