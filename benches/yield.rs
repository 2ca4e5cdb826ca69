//! The cost of yielding: `async_gen!` and `generate` against a hand-written `Stream`,
//! async-stream's `stream!` and `futures::stream::iter`, under every way a stream is
//! consumed.
//!
//! Loops: (a) `for i in 0..n { yield i }`; (b) the same loop awaiting an already-ready
//! future before each yield; (c) `send`: a running total that the consumer resumes with
//! `send(i)` for each item, against a hand-written two-way state machine (inlined and
//! opaque consumers only).
//!
//! Consumers, each applied to every candidate alike:
//! - `inlined`: the consuming loop and the stream are compiled together and drained
//!   with a no-op waker: the stream's own cost when the optimiser sees everything.
//! - `opaque`: the same drain, but every `poll_next` goes through a pointer the
//!   optimiser cannot see through (`black_box`): nothing of the stream's state stays in
//!   registers between polls, as behind a `dyn Stream` or a call that is not inlined.
//! - `tokio`: what users write, `let mut s = pin!(stream); while let Some(x) =
//!   s.next().await { … }` in an `async fn` run by a current-thread tokio runtime.
//! - `boxed`: the same loop over `stream.boxed()` (a `BoxStream`).
//!
//! `cargo bench --bench yield` measures time with criterion and prints ratios at the end.
//! The same binary run as `yield-HASH count GROUP/CANDIDATE N` drains one case over `N`
//! items once, for counting instructions: `benches/callgrind.sh yield` runs every case
//! under `valgrind --tool=callgrind` at two `N` and prints instructions per item (the
//! difference over the difference in `N`, so setup costs cancel), with ratios.

#[path = "support/consumers.rs"]
#[macro_use]
mod consumers;
#[path = "support/ratios.rs"]
mod ratios;

use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};

use asyncgen::AsyncGenerator;
use asyncgen::prelude::*;
use consumers::{BOXED, Counter, INLINED, OPAQUE, TOKIO, consume, runtime};
use criterion::{Criterion, Throughput};
use futures::task::noop_waker_ref;

/// Items per criterion iteration.
const N: u64 = 10_000;

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

/// The consumer of (c): one `next()`, then `send(i)` for `i` in `0..n`.
#[inline(always)]
fn drive_send<const HOW: u8, G: AsyncGenerator<Item = u64, Resume = u64>>(g: G, n: u64) -> u64 {
    let mut g = pin!(g);
    let mut cx = Context::from_waker(noop_waker_ref());
    let mut sum = 0;
    let mut value = None;
    for i in 0..=n {
        let polled = if HOW == OPAQUE {
            black_box(g.as_mut()).poll_send(&mut cx, &mut value)
        } else {
            g.as_mut().poll_send(&mut cx, &mut value)
        };
        match polled {
            Poll::Ready(Some(total)) => sum += black_box(total),
            Poll::Ready(None) => break,
            Poll::Pending => unreachable!("every generator here is always ready"),
        }
        value = Some(i);
    }
    sum
}

/// (c) by hand: a running total that `send(v)` adds to and `next()` ends (after the
/// first item), as the generators of (c) do.
#[derive(Default)]
struct RunningTotal {
    total: u64,
    started: bool,
    done: bool,
}

impl Stream for RunningTotal {
    type Item = u64;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        self.poll_send(cx, &mut None)
    }
}

impl AsyncGenerator for RunningTotal {
    type Resume = u64;
    fn poll_send(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        value: &mut Option<u64>,
    ) -> Poll<Option<u64>> {
        if self.done {
            return Poll::Ready(None);
        }
        match (self.started, value.take()) {
            (false, _) => self.started = true,
            (true, Some(v)) => self.total += v,
            (true, None) => {
                self.done = true;
                return Poll::Ready(None);
            }
        }
        Poll::Ready(Some(self.total))
    }
    fn poll_close(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.done = true;
        Poll::Ready(())
    }
}

macro_rules! send_candidates {
    ($($name:ident = $generator:expr;)*) => {
        $(
            #[inline(never)]
            fn $name<const HOW: u8>(n: u64) -> u64 {
                drive_send::<HOW, _>($generator, n)
            }
        )*
    };
}

send_candidates! {
    send_hand_written = RunningTotal::default();
    send_async_gen = async_gen! {
        let mut total = 0;
        while let Some(v) = (yield total) {
            total += v;
        }
    };
    send_generate = generate_with_send(|mut y| async move {
        let mut total = 0;
        while let Some(v) = y.yield_(total).await {
            total += v;
        }
    });
}

const fn sending<const HOW: u8>() -> [Candidate; 3] {
    [
        ("hand_written", send_hand_written::<HOW>),
        ("async_gen", send_async_gen::<HOW>),
        ("generate", send_generate::<HOW>),
    ]
}

candidates! {
    plain_hand_written = |n| Counter { next: 0, end: n };
    plain_async_gen = |n| async_gen! {
        for i in 0..n {
            yield i;
        }
    };
    plain_generate = |n| generate(move |mut y| async move {
        for i in 0..n {
            y.yield_(i).await;
        }
    });
    plain_async_stream = |n| async_stream::stream! {
        for i in 0..n {
            yield i;
        }
    };
    plain_stream_iter = |n| futures::stream::iter(0..n);
    await_hand_written = |n| CounterAwaiting { next: 0, end: n };
    await_async_gen = |n| async_gen! {
        for i in 0..n {
            let i = std::future::ready(i).await;
            yield i;
        }
    };
    await_generate = |n| generate(move |mut y| async move {
        for i in 0..n {
            let i = std::future::ready(i).await;
            y.yield_(i).await;
        }
    });
    await_async_stream = |n| async_stream::stream! {
        for i in 0..n {
            let i = std::future::ready(i).await;
            yield i;
        }
    };
    await_stream_iter = |n| futures::stream::iter(0..n).then(std::future::ready);
}

type Run = fn(u64) -> u64;
type Candidate = (&'static str, Run);

const fn plain<const HOW: u8>() -> [Candidate; 5] {
    [
        ("hand_written", plain_hand_written::<HOW>),
        ("async_gen", plain_async_gen::<HOW>),
        ("generate", plain_generate::<HOW>),
        ("async_stream", plain_async_stream::<HOW>),
        ("stream_iter", plain_stream_iter::<HOW>),
    ]
}

const fn awaiting<const HOW: u8>() -> [Candidate; 5] {
    [
        ("hand_written", await_hand_written::<HOW>),
        ("async_gen", await_async_gen::<HOW>),
        ("generate", await_generate::<HOW>),
        ("async_stream", await_async_stream::<HOW>),
        ("stream_iter", await_stream_iter::<HOW>),
    ]
}

const GROUPS: [(&str, &[Candidate]); 10] = [
    ("yield/plain_loop/inlined", &plain::<INLINED>()),
    ("yield/plain_loop/opaque", &plain::<OPAQUE>()),
    ("yield/plain_loop/tokio", &plain::<TOKIO>()),
    ("yield/plain_loop/boxed", &plain::<BOXED>()),
    ("yield/await_then_yield/inlined", &awaiting::<INLINED>()),
    ("yield/await_then_yield/opaque", &awaiting::<OPAQUE>()),
    ("yield/await_then_yield/tokio", &awaiting::<TOKIO>()),
    ("yield/await_then_yield/boxed", &awaiting::<BOXED>()),
    ("yield/send/inlined", &sending::<INLINED>()),
    ("yield/send/opaque", &sending::<OPAQUE>()),
];

/// `count GROUP/CANDIDATE N`: drains that one case over `N` items, for callgrind.
fn count_mode(args: &[String]) -> Option<()> {
    let [_, mode, case, n] = args else {
        return None;
    };
    if mode != "count" {
        return None;
    }
    let n: u64 = n.parse().expect("N, the number of items");
    let (group, candidate) = case.rsplit_once('/').expect("GROUP/CANDIDATE");
    let run = GROUPS
        .iter()
        .filter(|(g, _)| g.ends_with(group))
        .flat_map(|(_, candidates)| *candidates)
        .find(|(name, _)| *name == candidate)
        .unwrap_or_else(|| panic!("no case {case}"))
        .1;
    black_box(run(black_box(n)));
    Some(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("list") {
        for (group, candidates) in GROUPS {
            for (name, _) in candidates {
                println!("{}/{name}", group.trim_start_matches("yield/"));
            }
        }
        return;
    }
    if count_mode(&args).is_some() {
        return;
    }
    // The consumers share one runtime; build it before anything is timed.
    runtime();
    let mut criterion = Criterion::default().configure_from_args();
    for (group_name, candidates) in GROUPS {
        let mut group = criterion.benchmark_group(group_name);
        group.throughput(Throughput::Elements(N));
        for &(name, run) in candidates {
            group.bench_function(name, |b| b.iter(|| run(black_box(N))));
        }
        group.finish();
    }
    criterion.final_summary();

    let mut rows = Vec::new();
    for (group, candidates) in GROUPS {
        for candidate in ["async_gen", "generate"] {
            for peer in ["hand_written", "async_stream", "stream_iter"] {
                if candidates.iter().any(|(name, _)| *name == peer) {
                    rows.push((group, candidate, peer));
                }
            }
        }
    }
    ratios::print_ratios("time per item, candidate / peer (lower is better)", &rows);
    print_interleaved();
}

/// Our time over each peer's, from rounds that alternate between the two so that load
/// from other processes weighs on both alike: the median of the per-round ratios.
fn print_interleaved() {
    const ROUNDS: usize = 51;
    let time = |run: Run| {
        let start = std::time::Instant::now();
        for _ in 0..5 {
            black_box(run(black_box(N)));
        }
        start.elapsed().as_secs_f64()
    };
    println!("\ninterleaved, median of {ROUNDS} rounds, candidate / peer (lower is better)");
    println!(
        "{:<34} {:<10} {:>14} {:>14}",
        "group", "candidate", "hand_written", "async_stream"
    );
    for (group, candidates) in GROUPS {
        let find = |name: &str| candidates.iter().find(|(n, _)| *n == name).map(|c| c.1);
        for candidate in ["async_gen", "generate"] {
            let Some(ours) = find(candidate) else {
                continue;
            };
            // A group without a peer (`send` has no async-stream row) shows a dash.
            let ratio = |peer: &str| {
                let Some(peer) = find(peer) else {
                    return "-".to_string();
                };
                let mut ratios: Vec<f64> = (0..ROUNDS).map(|_| time(ours) / time(peer)).collect();
                ratios.sort_by(f64::total_cmp);
                format!("{:.2}x", ratios[ROUNDS / 2])
            };
            println!(
                "{group:<34} {candidate:<10} {:>14} {:>14}",
                ratio("hand_written"),
                ratio("async_stream")
            );
        }
    }
}
