//! Rate limiting and throttling: one budget shared by tasks and streams, and the lossy
//! relatives (`sample`, `debounce`) under their own names.
//!
//! Run with `cargo run --example throttle` (about two seconds).

use std::time::Duration;

use asyncgen::prelude::*;
use asyncgen::{Quota, RateLimiter};
use tokio::time::Instant;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// Items at the given offsets (ms) from the first poll.
fn events<T: Copy>(plan: &'static [(u64, T)]) -> impl Stream<Item = T> {
    generate(move |mut y| async move {
        let start = Instant::now();
        for &(at, x) in plan {
            tokio::time::sleep_until(start + ms(at)).await;
            y.yield_(x).await;
        }
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Python, with a semaphore-like limiter (e.g. aiolimiter):
    //     limiter = AsyncLimiter(10, time_period=1)   # 10 per second
    //     async def fetch(i):
    //         async with limiter:
    //             return await call_api(i)
    //     await asyncio.gather(*(fetch(i) for i in range(8)))
    // Rust: clones of one `RateLimiter` share the budget; waiters are served in order.
    let start = Instant::now();
    let limiter = RateLimiter::new(Quota::per_second(10).allow_burst(3));
    let calls = (0..8).map(|i| {
        let limiter = limiter.clone();
        tokio::spawn(async move {
            limiter.until_ready().await;
            (i, start.elapsed().as_millis())
        })
    });
    for call in calls.collect::<Vec<_>>() {
        let (i, t) = call.await.unwrap();
        println!("call {i} at {t:>4} ms");
    }

    // The stream form, lossless: every item, each when it gets a cell.
    //     async for page in throttled(pages(), rate=10):   # (a hand-written helper)
    let start = Instant::now();
    let pages = futures::stream::iter(1..=5).throttle(Quota::per_second(10));
    pages
        .for_each(|page| async move {
            println!("page {page} at {:>4} ms", start.elapsed().as_millis());
        })
        .await;

    // Lossless spacing, no shared budget: `await asyncio.sleep(gap)` between items.
    let start = Instant::now();
    let spaced: Vec<u128> = futures::stream::iter(0..3)
        .space_out(ms(150))
        .map(|_| start.elapsed().as_millis())
        .collect()
        .await;
    println!("spaced out at {spaced:?} ms");

    // Lossy: the latest reading every 100 ms.
    static READINGS: [(u64, i32); 6] = [(10, 1), (40, 2), (90, 3), (120, 4), (250, 5), (260, 6)];
    let sampled: Vec<i32> = events(&READINGS).sample(ms(100)).collect().await;
    println!("sampled {sampled:?}");

    // Lossy: a search box that fires once typing has paused for 100 ms.
    static TYPED: [(u64, &str); 5] = [
        (0, "r"),
        (30, "ru"),
        (60, "rus"),
        (300, "rust"),
        (330, "rust async"),
    ];
    let searches: Vec<&str> = events(&TYPED).debounce(ms(100)).collect().await;
    println!("searched for {searches:?}");
}
