//! The cost of yielding: `async_gen!` and `generate` against a hand-written `Stream`,
//! async-stream's `stream!` and `futures::stream::iter`.
//!
//! (a) `for i in 0..n { yield i }`; (b) the same loop awaiting an already-ready future
//! before each yield. Streams are drained with a no-op waker, so the figures are the
//! streams' own cost per item, not an executor's.

#[path = "support/ratios.rs"]
mod ratios;

use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use asyncgen::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput};
use futures::task::noop_waker_ref;

const N: u64 = 10_000;

fn drain<S: Stream<Item = u64>>(stream: S) -> u64 {
    let mut stream = pin!(stream);
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut sum = 0;
    loop {
        match stream.as_mut().poll_next(&mut cx) {
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

fn plain_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield/plain_loop");
    group.throughput(Throughput::Elements(N));
    group.bench_function(BenchmarkId::from_parameter("hand_written"), |b| {
        b.iter(|| drain(Counter { next: 0, end: N }))
    });
    group.bench_function(BenchmarkId::from_parameter("async_gen"), |b| {
        b.iter(|| {
            drain(async_gen! {
                for i in 0..N {
                    yield i;
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("generate"), |b| {
        b.iter(|| {
            drain(generate(|mut y| async move {
                for i in 0..N {
                    y.yield_(i).await;
                }
            }))
        })
    });
    group.bench_function(BenchmarkId::from_parameter("async_stream"), |b| {
        b.iter(|| {
            drain(async_stream::stream! {
                for i in 0..N {
                    yield i;
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("stream_iter"), |b| {
        b.iter(|| drain(futures::stream::iter(0..N)))
    });
    group.finish();
}

fn awaiting_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("yield/await_then_yield");
    group.throughput(Throughput::Elements(N));
    group.bench_function(BenchmarkId::from_parameter("hand_written"), |b| {
        b.iter(|| drain(CounterAwaiting { next: 0, end: N }))
    });
    group.bench_function(BenchmarkId::from_parameter("async_gen"), |b| {
        b.iter(|| {
            drain(async_gen! {
                for i in 0..N {
                    let i = std::future::ready(i).await;
                    yield i;
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("generate"), |b| {
        b.iter(|| {
            drain(generate(|mut y| async move {
                for i in 0..N {
                    let i = std::future::ready(i).await;
                    y.yield_(i).await;
                }
            }))
        })
    });
    group.bench_function(BenchmarkId::from_parameter("async_stream"), |b| {
        b.iter(|| {
            drain(async_stream::stream! {
                for i in 0..N {
                    let i = std::future::ready(i).await;
                    yield i;
                }
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("stream_iter"), |b| {
        b.iter(|| drain(futures::stream::iter(0..N).then(std::future::ready)))
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    plain_loop(&mut criterion);
    awaiting_loop(&mut criterion);
    criterion.final_summary();

    let mut rows = Vec::new();
    for group in ["yield/plain_loop", "yield/await_then_yield"] {
        for candidate in ["async_gen", "generate"] {
            for peer in ["hand_written", "async_stream", "stream_iter"] {
                rows.push((group, candidate, peer));
            }
        }
    }
    ratios::print_ratios("time per item, candidate / peer (lower is better)", &rows);
}
