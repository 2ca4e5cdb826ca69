//! Async generators: the Python examples they answer, side by side.
//!
//! Run with `cargo run --example generators`.

use std::time::{Duration, Instant};

use asyncgen::prelude::*;

// async def generate_numbers():
//     for i in range(5):
//         await asyncio.sleep(0.5)
//         yield i
//
// (0.1 s here instead of 0.5 s, so that the example is quick to run.)
fn generate_numbers() -> impl Stream<Item = u32> {
    async_gen! {
        for i in 0..5 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            yield i;
        }
    }
}

// The same generator without the macro: plain Rust that rustfmt and IDEs see as is.
fn generate_numbers_fn() -> impl Stream<Item = u32> {
    generate(|mut y| async move {
        for i in 0..5 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            y.yield_(i).await;
        }
    })
}

// The same again as an attribute on an `async fn`: its body is ordinary Rust, which
// rustfmt formats and rust-analyzer checks; it yields through the `Yielder` parameter,
// which callers do not pass.
#[generator]
async fn generate_numbers_attr(mut y: Yielder<u32>) {
    for i in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        y.yield_(i).await;
    }
}

// async def parse_all(lines):
//     for line in lines:
//         yield int(line)       # raises ValueError on bad input, ending the generator
fn parse_all(lines: &[&str]) -> impl Stream<Item = Result<i64, std::num::ParseIntError>> {
    try_async_gen! {
        for line in lines {
            yield line.trim().parse::<i64>()?;
        }
    }
}

// async def running_total(numbers):
//     total = 0
//     async for n in numbers:
//         total += n
//         yield total
fn running_total(numbers: impl Stream<Item = u32>) -> impl Stream<Item = u32> {
    async_gen! {
        let mut total = 0;
        for await n in numbers {
            total += n;
            yield total;
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let start = Instant::now();

    // async for number in generate_numbers():
    //     print(f"Received: {number}")
    let mut numbers = std::pin::pin!(generate_numbers());
    while let Some(number) = numbers.next().await {
        println!("Received: {number} (after {:?})", start.elapsed());
    }

    // results = [x async for x in generate_numbers()]
    // print(f"Results: {results}")
    let results: Vec<u32> = generate_numbers_fn().collect().await;
    println!("Results: {results:?}");

    // Generators compose: one consumes another with `for await`.
    let totals: Vec<u32> = running_total(generate_numbers_attr()).collect().await;
    println!("Running totals: {totals:?}");

    // try: [n async for n in parse_all(...)]
    // except ValueError as e: ...
    let lines = ["1", "2", "three", "4"];
    let parsed: Vec<_> = parse_all(&lines).collect().await;
    for item in &parsed {
        match item {
            Ok(n) => println!("parsed {n}"),
            Err(e) => println!("stopped at a bad line: {e}"),
        }
    }
    println!("done in {:?}", start.elapsed());
}
