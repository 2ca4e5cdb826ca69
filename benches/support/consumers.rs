//! The ways a stream is consumed in the generator benchmarks, and the hand-written
//! stream they compare against. See `benches/yield.rs` for what each consumer stands for.

use std::hint::black_box;
use std::pin::{Pin, pin};
use std::sync::OnceLock;
use std::task::{Context, Poll};

use asyncgen::prelude::*;

/// One non-inlined function per candidate and consumer, so that each is optimised on
/// its own, the same way for all: `name = |n| stream;` becomes `fn name::<HOW>(n)`,
/// which drains `stream` the way `HOW` names. `n` is the item count.
macro_rules! candidates {
    ($($name:ident = |$n:ident| $stream:expr;)*) => {
        $(
            #[inline(never)]
            fn $name<const HOW: u8>($n: u64) -> u64 {
                consume::<HOW, _>($stream)
            }
        )*
    };
}

/// The consuming loop compiled with the stream, drained with a no-op waker.
pub const INLINED: u8 = 0;
/// Every `poll_next` through a pointer the optimiser cannot see through.
pub const OPAQUE: u8 = 1;
/// `while let Some(x) = s.next().await` in an `async fn` on a current-thread runtime.
pub const TOKIO: u8 = 2;
/// The same loop over `stream.boxed()`.
pub const BOXED: u8 = 3;

/// Drains `stream`, summing its items, the way `HOW` names.
#[inline(always)]
pub fn consume<const HOW: u8, S: Stream<Item = u64> + Send + 'static>(stream: S) -> u64 {
    match HOW {
        INLINED => drain_polling::<false, _>(stream),
        OPAQUE => drain_polling::<true, _>(stream),
        TOKIO => runtime().block_on(while_let(stream)),
        _ => runtime().block_on(while_let(stream.boxed())),
    }
}

#[inline(always)]
fn drain_polling<const OPAQUE: bool, S: Stream<Item = u64>>(stream: S) -> u64 {
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    let mut sum = 0;
    loop {
        let polled = if OPAQUE {
            black_box(stream.as_mut()).poll_next(&mut cx)
        } else {
            stream.as_mut().poll_next(&mut cx)
        };
        match polled {
            Poll::Ready(Some(i)) => sum += black_box(i),
            Poll::Ready(None) => return sum,
            Poll::Pending => unreachable!("every stream here is always ready"),
        }
    }
}

/// The README's consumer.
async fn while_let<S: Stream<Item = u64>>(stream: S) -> u64 {
    let mut s = pin!(stream);
    let mut sum = 0;
    while let Some(x) = s.next().await {
        sum += black_box(x);
    }
    sum
}

/// The runtime the `TOKIO` and `BOXED` consumers share; call it before timing anything.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
    })
}

/// What one would write by hand: a struct and `poll_next` over `next..end`.
pub struct Counter {
    pub next: u64,
    pub end: u64,
}

impl Stream for Counter {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<u64>> {
        if self.next == self.end {
            return Poll::Ready(None);
        }
        let i = self.next;
        self.next += 1;
        Poll::Ready(Some(i))
    }
}
