//! Running many futures at once: `as_completed`, `gather`, `try_gather` and bounded
//! concurrent mapping of streams.
//!
//! [`as_completed`], [`gather`] and [`try_gather`] take anything iterable whose items are
//! futures and run them concurrently inside the task that polls them (on
//! futures-util's `FuturesUnordered`). Each has `.limit(n)`, which keeps at most `n` in
//! flight and pulls the input lazily, so the input may be endless; dropping them
//! cancels (drops) what still runs.
//!
//! Two behaviours of running futures inside one task are worth knowing:
//!
//! - **Fairness.** With the `tokio` feature, every output handed out consumes one unit
//!   of tokio's cooperative budget, so draining many already-complete futures still
//!   lets the other tasks on the worker run.
//! - **Progress while the consumer is busy.** Futures inside a stream only run while the
//!   stream is polled: if the consumer awaits something else between two items, the
//!   futures stand still. `.spawned()` (feature `tokio`, for `Send + 'static` futures)
//!   runs each future as a tokio task instead, so they finish meanwhile; dropping the
//!   stream aborts them, and a task's panic is resumed in the consumer.

use futures_core::stream::Stream;

mod as_completed;
mod driver;
mod gather;
mod item_shape;
#[cfg(feature = "tokio")]
mod spawn_each;
#[cfg(feature = "tokio")]
mod spawned_as_completed;
#[cfg(feature = "tokio")]
mod spawned_task;
mod tagged;
mod try_gather;

pub use as_completed::{AsCompleted, as_completed};
pub use gather::{Gather, gather};
pub use item_shape::{Indexed, Plain};
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawn_each::SpawnEach;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawned_as_completed::SpawnedAsCompleted;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use spawned_task::SpawnedTask;
pub use try_gather::{TryGather, try_gather};

/// This crate's concurrency methods on every [`Stream`]; in scope through the prelude.
pub trait StreamConcurrentExt: Stream {}

impl<S: Stream + ?Sized> StreamConcurrentExt for S {}
