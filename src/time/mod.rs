//! Rate limiting, throttling and timeouts on tokio's timer (feature `time`).

use futures_core::stream::Stream;

/// This crate's time-based methods on every [`Stream`]; in scope through the prelude.
pub trait StreamTimeExt: Stream {}

impl<S: Stream + ?Sized> StreamTimeExt for S {}
