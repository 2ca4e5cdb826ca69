//! asyncio's concurrency toolkit, ported: `gather` of different coroutines (`gather!`),
//! `gather` of a list, `as_completed`, a semaphore-bounded `gather`, `create_task`,
//! `TaskGroup`, and a task set that grows while it runs. The Python each part answers is quoted above
//! it.
//!
//! The runtime starts with tokio's clock paused: sleeps complete as soon as every task is
//! waiting, in virtual time, so the example runs instantly and the printed timings are
//! exact (the Python versions take seconds of real time).
//!
//! `cargo run --example concurrency`

use std::time::Duration;

use asyncgen::concurrent::SpawnedTask;
use asyncgen::prelude::*;
use asyncgen::{as_completed, gather, try_gather};
use tokio::time::{Instant, sleep};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

// async def step_one():
//     await asyncio.sleep(1)
//     return 1
//
// async def step_two():
//     await asyncio.sleep(1)
//     return "two"
//
// async def main():
//     one, two = await asyncio.gather(step_one(), step_two())
//
// The two coroutines are different futures: `gather!` runs them together and hands
// back a tuple in argument order.
async fn gather_two_steps() {
    async fn step_one() -> u32 {
        sleep(secs(1.0)).await;
        1
    }
    async fn step_two() -> &'static str {
        sleep(secs(1.0)).await;
        "two"
    }
    let start = Instant::now();
    let (one, two) = gather!(step_one(), step_two()).await;
    println!("step_one: {one}, step_two: {two}");
    assert_eq!((one, two), (1, "two"));
    assert_eq!(start.elapsed(), secs(1.0)); // together: 1 s, not 2 s
    println!("(took {:?}, not 2s)", start.elapsed());
}

// async def fetch_url(url):
//     await asyncio.sleep(1)  # Simulate network request
//     return f"Got {url}"
async fn fetch_url(url: &str) -> String {
    sleep(secs(1.0)).await;
    format!("Got {url}")
}

// async def main():
//     # Run both concurrently (takes ~1s, not 2s)
//     results = await asyncio.gather(
//         fetch_url("http://example.com"),
//         fetch_url("http://python.org")
//     )
//     for r in results:
//         print(r)
async fn gather_two_urls() {
    let start = Instant::now();
    let results = gather([
        fetch_url("http://example.com"),
        fetch_url("http://python.org"),
    ])
    .await;
    for r in &results {
        println!("{r}");
    }
    assert_eq!(results, ["Got http://example.com", "Got http://python.org"]);
    assert_eq!(start.elapsed(), secs(1.0)); // concurrently: 1 s, not 2 s
    println!("(took {:?}, not 2s)", start.elapsed());
}

// async def fetch_data(id_, delay):
//     await asyncio.sleep(delay)
//     return f"Data from resource {id_}"
async fn fetch_data(id: u32, delay: f64) -> String {
    sleep(secs(delay)).await;
    format!("Data from resource {id}")
}

// async def main():
//     coros = [fetch_data(1, 3), fetch_data(2, 1), fetch_data(3, 2)]
//     results = await asyncio.gather(*coros)
//     print(f"Gather: {results}")
//
//     for coro in asyncio.as_completed(
//         [fetch_data(4, 3), fetch_data(5, 1), fetch_data(6, 2)]
//     ):
//         result = await coro
//         print(f"Completed: {result}")
async fn gather_then_as_completed() {
    let results = gather([fetch_data(1, 3.0), fetch_data(2, 1.0), fetch_data(3, 2.0)]).await;
    println!("Gather: {results:?}");

    let mut completed = Vec::new();
    let mut finished = as_completed([fetch_data(4, 3.0), fetch_data(5, 1.0), fetch_data(6, 2.0)]);
    while let Some(result) = finished.next().await {
        println!("Completed: {result}");
        completed.push(result);
    }
    assert_eq!(
        completed,
        [
            "Data from resource 5",
            "Data from resource 6",
            "Data from resource 4"
        ]
    );
}

// async def worker(sem: asyncio.Semaphore, item: int) -> int:
//     async with sem:
//         await asyncio.sleep(0.1)
//         return item * item
//
// async def main() -> None:
//     sem = asyncio.Semaphore(3)
//     tasks = [worker(sem, i) for i in range(10)]
//     print(await asyncio.gather(*tasks))
//
// `.limit(3)` replaces the semaphore: at most three workers exist at a time, and the
// input (here a lazy range) is only pulled when a slot frees up.
async fn semaphore_bounded_gather() {
    async fn worker(item: u64) -> u64 {
        sleep(secs(0.1)).await;
        item * item
    }
    let start = Instant::now();
    let squares = gather((0..10).map(worker)).limit(3).await;
    println!("{squares:?}");
    assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
    // Ten workers, three at a time: four rounds of 0.1 s.
    assert_eq!(start.elapsed(), secs(0.4));
    println!("(took {:?}: 4 rounds of 3)", start.elapsed());
}

// async def background_task():
//     await asyncio.sleep(3)
//     print("Background task complete!")
//
// async def main():
//     task = asyncio.create_task(background_task())
//     print("Task scheduled")
//     await asyncio.sleep(1)
//     print("Doing other work...")
//     await task  # Wait for it to complete
async fn create_task() {
    async fn background_task() {
        sleep(secs(3.0)).await;
        println!("Background task complete!");
    }
    let start = Instant::now();
    // Runs from here on, like `create_task`; dropping `task` would cancel it.
    let task = SpawnedTask::spawn(background_task());
    println!("Task scheduled");
    sleep(secs(1.0)).await;
    println!("Doing other work...");
    task.await;
    assert_eq!(start.elapsed(), secs(3.0));
}

// async def greet(name, delay):
//     await asyncio.sleep(delay)
//     print(f"Hello, {name}!")
//
// async def main():
//     task1 = asyncio.create_task(greet("Ana", 2))
//     task2 = asyncio.create_task(greet("John", 1))
//     task3 = asyncio.create_task(greet("Maria", 3))
//     await task1
//     await task2
//     await task3
//
// `as_completed(..).spawned()` starts all three as tasks at once and hands out the
// greetings as they finish: John, Ana, Maria.
async fn create_tasks_as_completed() {
    async fn greet(name: &'static str, delay: f64) -> String {
        sleep(secs(delay)).await;
        format!("Hello, {name}!")
    }
    let greetings = [("Ana", 2.0), ("John", 1.0), ("Maria", 3.0)].map(|(n, d)| greet(n, d));
    let mut finished = as_completed(greetings).spawned();
    let mut order = Vec::new();
    while let Some(greeting) = finished.next().await {
        println!("{greeting}");
        order.push(greeting);
    }
    assert_eq!(order, ["Hello, John!", "Hello, Ana!", "Hello, Maria!"]);
}

// async def main():
//     async with asyncio.TaskGroup() as tg:
//         task1 = tg.create_task(fetch_url("http://example.com"))
//         task2 = tg.create_task(fetch_url("http://python.org"))
//     print(task1.result(), task2.result())
//
// A TaskGroup cancels the other tasks when one fails; `try_gather` does the same.
async fn task_group() {
    async fn risky(url: &'static str, delay: f64) -> Result<String, String> {
        sleep(secs(delay)).await;
        if url.contains("broken") {
            Err(format!("{url}: Something went wrong"))
        } else {
            Ok(format!("Got {url}"))
        }
    }
    let both = try_gather([
        risky("http://example.com", 1.0),
        risky("http://python.org", 1.0),
    ])
    .await;
    println!("{both:?}");

    let start = Instant::now();
    let failed = try_gather([
        risky("http://slow.example", 10.0),
        risky("http://broken.example", 1.0),
    ])
    .await;
    println!("Caught: {}", failed.as_ref().unwrap_err());
    // The slow request was cancelled when the other failed.
    assert_eq!(start.elapsed(), secs(1.0));
}

// async def main():
//     seen = {"/"}
//     async with asyncio.TaskGroup() as tg:
//         async def visit(path):
//             for link in await fetch_links(path):
//                 if link not in seen:
//                     seen.add(link)
//                     tg.create_task(visit(link))
//         tg.create_task(visit("/"))
//
// `push` adds to a running `as_completed`, from inside the loop that consumes it; the
// stream ends when everything added is done. (`examples/crawl.rs` does this over HTTP.)
async fn growing_task_set() {
    async fn fetch_links(path: String) -> (String, Vec<String>) {
        sleep(secs(0.1)).await;
        let links = match path.as_str() {
            "/" => vec!["/a", "/b"],
            "/a" => vec!["/", "/a/1"],
            "/b" => vec!["/a", "/b/1"],
            _ => vec!["/"],
        };
        (path, links.into_iter().map(String::from).collect())
    }
    let start = Instant::now();
    let mut seen = std::collections::HashSet::from(["/".to_string()]);
    let mut visits = as_completed([fetch_links("/".into())]).limit(2);
    while let Some((path, links)) = visits.next().await {
        println!("visited {path} at {:?}", start.elapsed());
        for link in links {
            if seen.insert(link.clone()) {
                visits.push(fetch_links(link));
            }
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(start.elapsed(), secs(0.3)); // "/" | "/a" "/b" | "/a/1" "/b/1"
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("== gather of different coroutines");
    gather_two_steps().await;
    println!("\n== gather");
    gather_two_urls().await;
    println!("\n== gather, then as_completed");
    gather_then_as_completed().await;
    println!("\n== semaphore-bounded gather");
    semaphore_bounded_gather().await;
    println!("\n== create_task");
    create_task().await;
    println!("\n== create_task x3, awaited as they complete");
    create_tasks_as_completed().await;
    println!("\n== TaskGroup");
    task_group().await;
    println!("\n== a task set that grows");
    growing_task_set().await;
}
