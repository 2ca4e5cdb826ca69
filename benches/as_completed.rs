//! `as_completed` against its peers under tokio, every case in one run:
//!
//! - `as_completed(futures)` vs a bare `FuturesUnordered`;
//! - `as_completed(futures).limit(64)` vs `stream::iter(futures).buffer_unordered(64)`;
//!
//! for three kinds of future, on a current-thread and a multi-thread runtime:
//!
//! - `yield`: a quarter of them await `tokio::task::yield_now()` once, so they go back to
//!   tokio's scheduler as real I/O, timers and channels do;
//! - `self-wake`: a quarter of them return `Pending` once after waking themselves;
//! - `ready`: all of them are ready at once.
//!
//! `as_completed` spends tokio's cooperative budget (one unit per output, so the task
//! yields to its neighbours every 128 outputs); the peers spend none and starve them.
//! The `fair_` contenders price that fairness on its own: each peer wrapped in a thin
//! stream that takes one unit of the budget per output, as `as_completed` does. The rows
//! `fair_peer / peer` show what the fairness costs; the rows `ours / fair_peer` compare
//! the engines at equal fairness.
//!
//! The drain runs as a spawned task, so that yields reach tokio's scheduler. Each round
//! times every contender once, in an order that rotates from round to round, and the
//! median of each contender's per-round ratio to its peer is printed (the machine is
//! shared: interleaving keeps a load spike from landing on one side only).
//!
//! `cargo bench --bench as_completed`
//!
//! For instruction counts (repeatable on a loaded machine), `benches/as_completed_callgrind.sh`
//! runs every case under callgrind and prints the ratios; one case alone is
//!
//! `valgrind --tool=callgrind target/release/deps/as_completed-HASH --only current/yield/as_completed`
//!
//! less the count of `--only current/baseline` (runtimes, a task and the input, no
//! drain; `multi/baseline` spawns the task on the multi-thread runtime).

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use asyncgen::as_completed;
use futures::stream::{self, FuturesUnordered, Stream, StreamExt};
use tokio::runtime::Runtime;

const FUTURES: u64 = 100_000;
const LIMIT: usize = 64;
const ROUNDS: usize = 15;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Yield,
    SelfWake,
    Ready,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Yield => "yield",
            Kind::SelfWake => "self-wake",
            Kind::Ready => "ready",
        }
    }
}

/// Ready at once, or (every fourth one) `Pending` once: after waking itself, or after
/// handing its waker to tokio's scheduler as `yield_now` does.
struct Job {
    value: u64,
    pause: Option<Kind>,
    yield_now: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl Future for Job {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        match self.pause.take() {
            Some(Kind::SelfWake) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Some(Kind::Yield) => {
                let mut yielding = Box::pin(tokio::task::yield_now());
                let _ = yielding.as_mut().poll(cx);
                self.yield_now = Some(yielding);
                Poll::Pending
            }
            Some(Kind::Ready) | None => {
                if let Some(yielding) = &mut self.yield_now {
                    ready!(yielding.as_mut().poll(cx));
                }
                Poll::Ready(self.value)
            }
        }
    }
}

fn jobs(kind: Kind) -> impl Iterator<Item = Job> + Send + 'static {
    (0..FUTURES).map(move |value| Job {
        value,
        pause: (kind != Kind::Ready && value % 4 == 0).then_some(kind),
        yield_now: None,
    })
}

/// `FuturesUnordered` with `as_completed`'s fairness: one unit of tokio's budget per
/// output.
struct Fair<S>(S);

impl<S: Stream + Unpin> Stream for Fair<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let coop = ready!(tokio::task::coop::poll_proceed(cx));
        let polled = self.0.poll_next_unpin(cx);
        if let Poll::Ready(Some(_)) = polled {
            coop.made_progress();
        }
        polled
    }
}

async fn drain<S: Stream<Item = u64> + Unpin>(mut stream: S) -> u64 {
    let mut sum = 0;
    while let Some(value) = stream.next().await {
        sum += value;
    }
    sum
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Contender {
    AsCompleted,
    FuturesUnordered,
    FairFuturesUnordered,
    Limit,
    BufferUnordered,
    FairBufferUnordered,
}

impl Contender {
    const ALL: [Contender; 6] = [
        Contender::AsCompleted,
        Contender::FuturesUnordered,
        Contender::FairFuturesUnordered,
        Contender::Limit,
        Contender::BufferUnordered,
        Contender::FairBufferUnordered,
    ];

    fn name(self) -> &'static str {
        match self {
            Contender::AsCompleted => "as_completed",
            Contender::FuturesUnordered => "FuturesUnordered",
            Contender::FairFuturesUnordered => "fair_FuturesUnordered",
            Contender::Limit => "as_completed.limit",
            Contender::BufferUnordered => "buffer_unordered",
            Contender::FairBufferUnordered => "fair_buffer_unordered",
        }
    }

    async fn run(self, kind: Kind) -> u64 {
        let input = jobs(kind);
        match self {
            Contender::AsCompleted => drain(as_completed(input)).await,
            Contender::FuturesUnordered => drain(input.collect::<FuturesUnordered<_>>()).await,
            Contender::FairFuturesUnordered => {
                drain(Fair(input.collect::<FuturesUnordered<_>>())).await
            }
            Contender::Limit => drain(as_completed(input).limit(LIMIT)).await,
            Contender::BufferUnordered => drain(stream::iter(input).buffer_unordered(LIMIT)).await,
            Contender::FairBufferUnordered => {
                drain(Fair(stream::iter(input).buffer_unordered(LIMIT))).await
            }
        }
    }
}

fn runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current",
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap(),
        ),
        (
            "multi",
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        ),
    ]
}

/// Seconds one drain takes, run as a task on `runtime`.
fn time(runtime: &Runtime, contender: Contender, kind: Kind) -> f64 {
    let expected: u64 = (0..FUTURES).sum();
    let start = Instant::now();
    let sum = runtime
        .block_on(runtime.spawn(contender.run(kind)))
        .unwrap();
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(black_box(sum), expected);
    elapsed
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let kinds = [Kind::Yield, Kind::SelfWake, Kind::Ready];
    if let Some(position) = args.iter().position(|arg| arg == "--only") {
        // One drain, for callgrind: `--only RUNTIME/KIND/CONTENDER`.
        let wanted = &args[position + 1];
        let runtimes = runtimes();
        for (runtime_name, runtime) in &runtimes {
            // `RUNTIME/baseline` (or `baseline`: the current-thread one): everything but
            // the drain: the runtimes, a task spawned on RUNTIME, the input.
            if *wanted == format!("{runtime_name}/baseline")
                || (wanted == "baseline" && *runtime_name == "current")
            {
                let count = runtime.block_on(runtime.spawn(async { jobs(Kind::Ready).count() }));
                assert_eq!(black_box(count.unwrap()), FUTURES as usize);
                return;
            }
        }
        for (runtime_name, runtime) in runtimes {
            for kind in kinds {
                for contender in Contender::ALL {
                    let id = format!("{runtime_name}/{}/{}", kind.name(), contender.name());
                    if &id == wanted {
                        time(&runtime, contender, kind);
                        return;
                    }
                }
            }
        }
        panic!("no case {wanted}");
    }
    if args.iter().any(|arg| arg == "--test" || arg == "--list") {
        // `cargo test --benches`: one quick pass over every case.
        for (_, runtime) in runtimes() {
            for kind in kinds {
                for contender in Contender::ALL {
                    time(&runtime, contender, kind);
                }
            }
        }
        return;
    }

    println!(
        "{FUTURES} futures per drain, {ROUNDS} interleaved rounds; median of per-round ratios"
    );
    println!(
        "{:<8} {:<10} {:<44} {:>7} {:>7} {:>7}",
        "runtime", "futures", "ratio", "median", "min", "max"
    );
    let pairs = [
        (Contender::AsCompleted, Contender::FuturesUnordered),
        (Contender::Limit, Contender::BufferUnordered),
        (Contender::FairFuturesUnordered, Contender::FuturesUnordered),
        (Contender::FairBufferUnordered, Contender::BufferUnordered),
        (Contender::AsCompleted, Contender::FairFuturesUnordered),
        (Contender::Limit, Contender::FairBufferUnordered),
    ];
    for (runtime_name, runtime) in runtimes() {
        for kind in kinds {
            let mut times: Vec<Vec<f64>> = vec![Vec::new(); Contender::ALL.len()];
            for _ in 0..2 {
                for contender in Contender::ALL {
                    time(&runtime, contender, kind); // warm-up
                }
            }
            for round in 0..ROUNDS {
                for step in 0..Contender::ALL.len() {
                    let which = (round + step) % Contender::ALL.len();
                    times[which].push(time(&runtime, Contender::ALL[which], kind));
                }
            }
            for (ours, peer) in pairs {
                let index = |c: Contender| Contender::ALL.iter().position(|&x| x == c).unwrap();
                let ratios: Vec<f64> = times[index(ours)]
                    .iter()
                    .zip(&times[index(peer)])
                    .map(|(a, b)| a / b)
                    .collect();
                let (min, max) = (
                    ratios.iter().copied().fold(f64::INFINITY, f64::min),
                    ratios.iter().copied().fold(0.0, f64::max),
                );
                let label = format!("{} / {}", ours.name(), peer.name());
                println!(
                    "{runtime_name:<8} {:<10} {label:<44} {:>7.3} {min:>7.3} {max:>7.3}",
                    kind.name(),
                    median(ratios.clone()),
                );
            }
            let ms = |c: Contender| {
                median(times[Contender::ALL.iter().position(|&x| x == c).unwrap()].clone()) * 1e3
            };
            println!(
                "{runtime_name:<8} {:<10} medians: as_completed {:.2} ms, FuturesUnordered {:.2} ms, .limit {:.2} ms, buffer_unordered {:.2} ms",
                kind.name(),
                ms(Contender::AsCompleted),
                ms(Contender::FuturesUnordered),
                ms(Contender::Limit),
                ms(Contender::BufferUnordered),
            );
        }
    }
}
