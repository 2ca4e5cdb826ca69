//! The cost of a yield inside `for await` over another generator: a generator that
//! yields every item of an inner one (`for i in 0..n { yield i }`).
//!
//! - `async_gen`: `for await` over the inner generator, seen as one: each such yield
//!   also holds the inner generator, to close it first if the outer one is closed there.
//! - `async_gen_unclosed`: the same loop over the same generator behind an
//!   `impl Stream`, which hides that it is a generator: a plain yield.
//! - `generate`: the function form reading the inner generator with `while let`: a
//!   plain yield.
//! - `hand_written`: one hand-written counting stream (no nesting): the floor.
//! - `async_stream`: the same nesting with async-stream's `stream!`.
//!
//! A binary of its own, so that its code does not move the optimiser's inlining
//! choices in `benches/yield.rs`. `benches/callgrind.sh forward` counts instructions
//! per item under each of `benches/yield.rs`'s consumers; `cargo bench --bench forward`
//! times it with criterion.

#[path = "support/consumers.rs"]
#[macro_use]
mod consumers;

use std::hint::black_box;
use std::pin::pin;

use asyncgen::AsyncGenerator;
use asyncgen::prelude::*;
use consumers::{BOXED, Counter, INLINED, OPAQUE, TOKIO, consume, runtime};
use criterion::{Criterion, Throughput};

/// Items per criterion iteration.
const N: u64 = 10_000;

/// The inner generator, seen as one.
fn numbers(n: u64) -> impl AsyncGenerator<Item = u64, Resume = ()> {
    async_gen! {
        for i in 0..n {
            yield i;
        }
    }
}

/// The same generator, behind a type that says only that it is a stream.
fn numbers_as_stream(n: u64) -> impl Stream<Item = u64> {
    numbers(n)
}

candidates! {
    hand_written = |n| Counter { next: 0, end: n };
    closing = |n| async_gen! {
        for await i in numbers(n) {
            yield i;
        }
    };
    unclosed = |n| async_gen! {
        for await i in numbers_as_stream(n) {
            yield i;
        }
    };
    while_let = |n| generate(move |mut y| async move {
        let mut inner = pin!(numbers(n));
        while let Some(i) = inner.next().await {
            y.yield_(i).await;
        }
    });
    nested_async_stream = |n| async_stream::stream! {
        for await i in async_stream::stream! { for i in 0..n { yield i; } } {
            yield i;
        }
    };
}

type Candidate = (&'static str, fn(u64) -> u64);

const fn forwarding<const HOW: u8>() -> [Candidate; 5] {
    [
        ("hand_written", hand_written::<HOW>),
        ("async_gen", closing::<HOW>),
        ("async_gen_unclosed", unclosed::<HOW>),
        ("generate", while_let::<HOW>),
        ("async_stream", nested_async_stream::<HOW>),
    ]
}

const GROUPS: [(&str, [Candidate; 5]); 4] = [
    ("forward/inlined", forwarding::<INLINED>()),
    ("forward/opaque", forwarding::<OPAQUE>()),
    ("forward/tokio", forwarding::<TOKIO>()),
    ("forward/boxed", forwarding::<BOXED>()),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.as_slice() {
        [_, list] if list == "list" => {
            for (group, candidates) in GROUPS {
                for (name, _) in candidates {
                    println!("{group}/{name}");
                }
            }
        }
        // `count GROUP/CANDIDATE N`: drains that one case over `N` items, for callgrind.
        [_, count, case, n] if count == "count" => {
            let n: u64 = n.parse().expect("N, the number of items");
            let run = GROUPS
                .iter()
                .flat_map(|(group, candidates)| candidates.map(|c| (*group, c)))
                .find(|(group, (name, _))| format!("{group}/{name}") == *case)
                .unwrap_or_else(|| panic!("no case {case}"))
                .1
                .1;
            black_box(run(black_box(n)));
        }
        _ => {
            // The consumers share one runtime; build it before anything is timed.
            runtime();
            let mut criterion = Criterion::default().configure_from_args();
            for (group_name, candidates) in GROUPS {
                let mut group = criterion.benchmark_group(group_name);
                group.throughput(Throughput::Elements(N));
                for (name, run) in candidates {
                    group.bench_function(name, |b| b.iter(|| run(black_box(N))));
                }
                group.finish();
            }
            criterion.final_summary();
        }
    }
}
