//! What `async_gen!`, `try_async_gen!` and `comp!` expand to, reached through
//! `asyncgen::__private`. Not public API.

pub use super::{Yielder, generate, try_generate};
pub use core::pin::pin;
pub use futures_util::stream::StreamExt;
