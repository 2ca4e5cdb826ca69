//! Python's async comprehensions and semaphore-bounded `gather`s, in Rust.
//!
//! Each section answers one Python snippet (quoted above it) with `comp!` and
//! `map_concurrent`. Network and disk calls are simulated with sleeps on tokio's paused
//! clock, so the program finishes at once while the printed times are those a real run
//! would show.
//!
//! ```text
//! cargo run --example comprehensions
//! ```

use std::time::Duration;

use asyncgen::prelude::*;
use tokio::time::{Instant, sleep};

/// A simulated HTTP response: `text()` is itself async, as in aiohttp.
struct Response {
    url: String,
}

impl Response {
    async fn text(&self) -> String {
        sleep(Duration::from_millis(10)).await;
        format!("<html>{}</html>", self.url)
    }

    async fn json(&self) -> Vec<&'static str> {
        sleep(Duration::from_millis(10)).await;
        vec!["login", "id", "url"]
    }
}

/// A simulated `session.get(url)` taking 300 ms.
async fn get(url: &str) -> Response {
    sleep(Duration::from_millis(300)).await;
    Response {
        url: url.to_owned(),
    }
}

fn elapsed(start: Instant) -> String {
    format!("{:>5} ms", start.elapsed().as_millis())
}

/// ```python
/// async def fetch_all(urls):
///     async with aiohttp.ClientSession() as session:
///         tasks = [session.get(url) for url in urls]
///         responses = await asyncio.gather(*tasks)
///         return [await r.text() for r in responses]
/// ```
async fn fetch_all(urls: &[&str]) -> Vec<String> {
    // The comprehension yields the request futures; `map_concurrent` runs them all at
    // once (asyncio.gather) and keeps their order.
    let responses: Vec<Response> = comp![get(url) for &url in urls.iter()]
        .map_concurrent(urls.len(), |request| request)
        .collect()
        .await;
    // [await r.text() for r in responses]: one after another, like Python's.
    comp![r.text().await for r in responses.iter()]
        .collect()
        .await
}

/// ```python
/// async def worker(sem: asyncio.Semaphore, item: int) -> int:
///     async with sem:
///         await asyncio.sleep(0.1)
///         return item * item
///
/// async def main() -> None:
///     sem = asyncio.Semaphore(3)
///     tasks = [worker(sem, i) for i in range(10)]
///     print(await asyncio.gather(*tasks))
/// ```
async fn semaphore_of_three() -> Vec<u64> {
    // No semaphore to share: the limit is part of the stream.
    futures::stream::iter(0..10)
        .map_concurrent(3, |item| async move {
            sleep(Duration::from_millis(100)).await;
            item * item
        })
        .collect()
        .await
}

/// ```python
/// sem = asyncio.Semaphore(20)
///
/// async def bounded_fetch(client, url):
///     async with sem:
///         return await fetch_json(client, url)
///
/// async def main(urls):
///     async with httpx.AsyncClient() as client:
///         tasks = [fetch_json(client, u) for u in urls]   # with bounded_fetch
///         return await asyncio.gather(*tasks)
/// ```
async fn bounded_fetch_json(urls: Vec<String>) -> Vec<Vec<&'static str>> {
    futures::stream::iter(urls)
        .map_concurrent(20, |url| async move { get(&url).await.json().await })
        .collect()
        .await
}

/// ```python
/// async def main():
///     urls = ["https://api.github.com", ...]
///     async with aiohttp.ClientSession() as session:
///         tasks = [query_api(session, url) for url in urls]
///         results = await asyncio.gather(*tasks)
///     for url, data in zip(urls, results):
///         print(f"{url}: {len(data)} fields")
/// ```
async fn query_apis(urls: &[&str]) -> Vec<String> {
    let results: Vec<Vec<&str>> =
        comp![async move { get(url).await.json().await } for &url in urls.iter()]
            .map_concurrent(urls.len(), |query| query)
            .collect()
            .await;
    comp![format!("{url}: {} fields", data.len()) for (url, data) in urls.iter().zip(&results)]
        .collect()
        .await
}

/// ```python
/// async def process_file(path):
///     async with aiofiles.open(path, mode='r') as file:
///         content = await file.read()
///     return f"{path}: {len(content)} characters"
///
/// async def main():
///     files = ["data1.txt", "data2.txt", "data3.txt"]
///     tasks = [process_file(f) for f in files]
///     results = await asyncio.gather(*tasks)
/// ```
async fn process_files(files: &[&str]) -> Vec<String> {
    async fn process_file(path: &str) -> String {
        sleep(Duration::from_millis(50)).await; // the read
        let content = path.repeat(3);
        format!("{path}: {} characters", content.len())
    }
    comp![process_file(f) for &f in files.iter()]
        .map_concurrent(files.len(), |task| task)
        .collect()
        .await
}

/// ```python
/// async def generate_numbers():
///     for i in range(5):
///         await asyncio.sleep(0.5)
///         yield i
///
/// async def main():
///     async for number in generate_numbers():
///         print(f"Received: {number}")
///     results = [x async for x in generate_numbers()]
/// ```
async fn async_generator_comprehension(start: Instant) -> Vec<u32> {
    let generate_numbers = || {
        generate(|mut y| async move {
            for i in 0..5 {
                sleep(Duration::from_millis(500)).await;
                y.yield_(i).await;
            }
        })
    };
    let mut numbers = std::pin::pin!(generate_numbers());
    while let Some(number) = numbers.next().await {
        println!("  [{}] Received: {number}", elapsed(start));
    }
    comp![x for await x in generate_numbers()].collect().await
}

/// ```python
/// async def process_with_semaphore():
///     semaphore = asyncio.Semaphore(10)
///
///     async def limited_task(item):
///         async with semaphore:
///             await asyncio.sleep(1)
///             return item * 2
///
///     tasks = [limited_task(i) for i in range(100)]
///     return await asyncio.gather(*tasks)
/// ```
async fn process_with_semaphore() -> Vec<u32> {
    futures::stream::iter(0..100)
        .map_concurrent(10, |item| async move {
            sleep(Duration::from_secs(1)).await;
            item * 2
        })
        .collect()
        .await
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let urls = [
        "http://example.com",
        "http://python.org",
        "http://github.com",
    ];

    println!("fetch_all: [session.get(url) for url in urls] + [await r.text() for r in responses]");
    let start = Instant::now();
    let pages = fetch_all(&urls).await;
    println!("  [{}] {pages:?}", elapsed(start));
    assert_eq!(pages.len(), 3);

    println!("Semaphore(3) around 10 workers");
    let start = Instant::now();
    let squares = semaphore_of_three().await;
    println!("  [{}] {squares:?}  (4 rounds of 100 ms)", elapsed(start));
    assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);

    println!("Semaphore(20) bounded_fetch over 50 urls");
    let start = Instant::now();
    let many: Vec<String> = comp![format!("https://api.example.com/items/{i}") for i in 0..50]
        .collect()
        .await;
    let bodies = bounded_fetch_json(many).await;
    println!(
        "  [{}] {} bodies  (3 rounds of 310 ms)",
        elapsed(start),
        bodies.len()
    );
    assert_eq!(bodies.len(), 50);

    println!("[query_api(session, url) for url in urls] + zip(urls, results)");
    let start = Instant::now();
    for line in query_apis(&urls).await {
        println!("  [{}] {line}", elapsed(start));
    }

    println!("[process_file(f) for f in files]");
    let start = Instant::now();
    for line in process_files(&["data1.txt", "data2.txt", "data3.txt"]).await {
        println!("  [{}] {line}", elapsed(start));
    }

    println!("[x async for x in generate_numbers()]");
    let start = Instant::now();
    let results = async_generator_comprehension(start).await;
    println!("  [{}] Results: {results:?}", elapsed(start));
    assert_eq!(results, [0, 1, 2, 3, 4]);

    println!("Semaphore(10) around 100 limited_task(i)");
    let start = Instant::now();
    let doubled = process_with_semaphore().await;
    println!(
        "  [{}] {} results, first {:?}, last {:?}  (10 rounds of 1 s)",
        elapsed(start),
        doubled.len(),
        &doubled[..3],
        doubled.last()
    );
    assert_eq!(
        doubled,
        comp![i * 2 for i in 0..100].collect::<Vec<u32>>().await
    );
}
