//! The cost of yielding: `async_gen!` and `generate` against a hand-written `Stream`,
//! async-stream's `stream!` and `futures::stream::iter`.
//!
//! (a) `for i in 0..n { yield i }`; (b) the same loop awaiting an already-ready future
//! before each yield. Streams are drained with a no-op waker, so the figures are the
//! streams' own cost per item, not an executor's.
//!
//! Two ways to drain, both applied to every candidate alike:
//! - `inlined`: the consuming loop and the stream are compiled together, as when a
//!   `while let Some(x) = s.next().await` loop sits in the same async fn as the stream
//!   it drains. Each candidate is its own non-inlined function, so the optimiser treats
//!   them all the same way.
//! - `opaque`: every `poll_next` goes through a pointer the optimiser cannot see
//!   through (`black_box`), the worst case: nothing of the stream's state stays in
//!   registers between polls.

#[path = "support/ratios.rs"]
mod ratios;

use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use asyncgen::prelude::*;
use criterion::{Criterion, Throughput};
use futures::task::noop_waker_ref;

const N: u64 = 10_000;

#[inline(always)]
fn drain<const OPAQUE: bool, S: Stream<Item = u64>>(stream: S) -> u64 {
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(noop_waker_ref());
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

/// What one would write by hand: a struct and `poll_next`.
struct Counter {
    next: u64,
    end: u64,
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

/// The hand-written stream for (b): it polls a ready future before each item.
struct CounterAwaiting {
    next: u64,
    end: u64,
}

impl Stream for CounterAwaiting {
    type Item = u64;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        if self.next == self.end {
            return Poll::Ready(None);
        }
        let mut ready = std::future::ready(self.next);
        let Poll::Ready(i) = Pin::new(&mut ready).poll(cx) else {
            return Poll::Pending;
        };
        self.next += 1;
        Poll::Ready(Some(i))
    }
}

/// One non-inlined function per candidate and drain mode, so that each is optimised on
/// its own, the same way for all.
macro_rules! candidates {
    ($($name:ident => $stream:expr;)*) => {
        $(
            #[inline(never)]
            fn $name<const OPAQUE: bool>() -> u64 {
                drain::<OPAQUE, _>($stream)
            }
        )*
    };
}

candidates! {
    plain_hand_written => Counter { next: 0, end: N };
    plain_async_gen => async_gen! {
        for i in 0..N {
            yield i;
        }
    };
    plain_generate => generate(|mut y| async move {
        for i in 0..N {
            y.yield_(i).await;
        }
    });
    plain_async_stream => async_stream::stream! {
        for i in 0..N {
            yield i;
        }
    };
    plain_stream_iter => futures::stream::iter(0..N);
    await_hand_written => CounterAwaiting { next: 0, end: N };
    await_async_gen => async_gen! {
        for i in 0..N {
            let i = std::future::ready(i).await;
            yield i;
        }
    };
    await_generate => generate(|mut y| async move {
        for i in 0..N {
            let i = std::future::ready(i).await;
            y.yield_(i).await;
        }
    });
    await_async_stream => async_stream::stream! {
        for i in 0..N {
            let i = std::future::ready(i).await;
            yield i;
        }
    };
    await_stream_iter => futures::stream::iter(0..N).then(std::future::ready);
}

type Candidate = (&'static str, fn() -> u64);

const fn plain<const OPAQUE: bool>() -> [Candidate; 5] {
    [
        ("hand_written", plain_hand_written::<OPAQUE>),
        ("async_gen", plain_async_gen::<OPAQUE>),
        ("generate", plain_generate::<OPAQUE>),
        ("async_stream", plain_async_stream::<OPAQUE>),
        ("stream_iter", plain_stream_iter::<OPAQUE>),
    ]
}

const fn awaiting<const OPAQUE: bool>() -> [Candidate; 5] {
    [
        ("hand_written", await_hand_written::<OPAQUE>),
        ("async_gen", await_async_gen::<OPAQUE>),
        ("generate", await_generate::<OPAQUE>),
        ("async_stream", await_async_stream::<OPAQUE>),
        ("stream_iter", await_stream_iter::<OPAQUE>),
    ]
}

const GROUPS: [(&str, [Candidate; 5]); 4] = [
    ("yield/plain_loop/inlined", plain::<false>()),
    ("yield/await_then_yield/inlined", awaiting::<false>()),
    ("yield/plain_loop/opaque", plain::<true>()),
    ("yield/await_then_yield/opaque", awaiting::<true>()),
];

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    for (group_name, candidates) in GROUPS {
        let mut group = criterion.benchmark_group(group_name);
        group.throughput(Throughput::Elements(N));
        for (name, run) in candidates {
            group.bench_function(name, |b| b.iter(run));
        }
        group.finish();
    }
    criterion.final_summary();

    let mut rows = Vec::new();
    for (group, _) in GROUPS {
        for candidate in ["async_gen", "generate"] {
            for peer in ["hand_written", "async_stream", "stream_iter"] {
                rows.push((group, candidate, peer));
            }
        }
    }
    ratios::print_ratios("time per item, candidate / peer (lower is better)", &rows);
}
