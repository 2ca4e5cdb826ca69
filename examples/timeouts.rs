//! Timeouts: Python's `asyncio.wait_for` and `asyncio.timeout`, and their stream forms.
//!
//! Run with `cargo run --example timeouts` (about a second).

use std::time::Duration;

use asyncgen::prelude::*;
use tokio::time::{Instant, sleep};

// async def slow_operation():
//     await asyncio.sleep(10)
//     return "Done!"
//
// (Milliseconds here instead of seconds, so that the example is quick to run.)
async fn slow_operation() -> &'static str {
    sleep(Duration::from_millis(300)).await;
    "Done!"
}

// Replies that take 50, 250 and 50 ms each.
fn replies() -> impl Stream<Item = &'static str> {
    generate(|mut y| async move {
        for (delay, reply) in [(50, "first"), (250, "second"), (50, "third")] {
            sleep(Duration::from_millis(delay)).await;
            y.yield_(reply).await;
        }
    })
}

#[tokio::main]
async fn main() {
    // One future. Python:
    //     try:
    //         result = await asyncio.wait_for(slow_operation(), timeout=2)
    //         print(result)
    //     except asyncio.TimeoutError:
    //         print("Timeout with wait_for!")
    // Rust: tokio's own `timeout` is the answer for one future.
    match tokio::time::timeout(Duration::from_millis(200), slow_operation()).await {
        Ok(result) => println!("{result}"),
        Err(_elapsed) => println!("Timeout with wait_for!"),
    }

    // A limit on each item of a stream. Python:
    //     while True:
    //         try:
    //             reply = await asyncio.wait_for(anext(replies), timeout=0.1)
    //         except StopAsyncIteration:
    //             break
    //         except asyncio.TimeoutError:
    //             print("still waiting...")   # Python's wait_for cancels the pending
    //             continue                    # anext(); here the reply still comes
    //         print(reply)
    let start = Instant::now();
    let mut each = std::pin::pin!(replies().timeout_each(Duration::from_millis(100)));
    while let Some(reply) = each.next().await {
        let t = start.elapsed().as_millis();
        match reply {
            Ok(reply) => println!("{t:>4} ms  {reply}"),
            Err(e) => println!("{t:>4} ms  still waiting... ({e})"),
        }
    }

    // A limit on the whole loop. Python 3.11+:
    //     try:
    //         async with asyncio.timeout(0.2):
    //             async for reply in replies():
    //                 print(reply)
    //     except TimeoutError:
    //         print("Operation exceeded the time limit!")
    let start = Instant::now();
    let mut whole = std::pin::pin!(replies().deadline(Duration::from_millis(200)));
    while let Some(reply) = whole.next().await {
        let t = start.elapsed().as_millis();
        match reply {
            Ok(reply) => println!("{t:>4} ms  {reply}"),
            Err(e) => println!("{t:>4} ms  Operation exceeded the time limit! ({e})"),
        }
    }
}
