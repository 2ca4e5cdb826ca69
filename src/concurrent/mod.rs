//! Running many futures at once: `as_completed`, `gather`, `try_gather` and bounded
//! concurrent mapping of streams.

use futures_core::stream::Stream;

/// This crate's concurrency methods on every [`Stream`]; in scope through the prelude.
pub trait StreamConcurrentExt: Stream {}

impl<S: Stream + ?Sized> StreamConcurrentExt for S {}
