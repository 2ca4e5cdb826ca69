//! Python's whole async generator protocol (PEP 525): `asend` and `aclose`, side by side.
//!
//! Run with `cargo run --example protocol`.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use asyncgen::AsyncGenerator;
use asyncgen::prelude::*;
use tokio::time::Instant;

// A ticker whose pace the consumer steers with `asend`:
//
// async def ticker(delay):
//     i = 0
//     while True:
//         new_delay = yield i
//         if new_delay is not None:
//             delay = new_delay
//         await asyncio.sleep(delay)
//         i += 1
fn ticker(mut delay: Duration) -> impl AsyncGenerator<Item = u32, Resume = Duration> {
    async_gen! {
        let mut i = 0;
        loop {
            if let Some(new_delay) = (yield i) {
                delay = new_delay;
            }
            tokio::time::sleep(delay).await;
            i += 1;
        }
    }
}

/// A database connection that keeps a log of what was done with it, so that the example
/// can show the cursor being released.
#[derive(Clone, Default)]
struct FakeConnection {
    log: Rc<RefCell<Vec<String>>>,
}

impl FakeConnection {
    async fn open_cursor(&self, query: &str) -> u32 {
        tokio::task::yield_now().await;
        self.log
            .borrow_mut()
            .push(format!("open cursor 7 for {query:?}"));
        7
    }

    async fn fetch(&self, cursor: u32, row: u32) -> Option<String> {
        tokio::task::yield_now().await;
        (row < 1000).then(|| format!("row {row} of cursor {cursor}"))
    }

    async fn close_cursor(&self, cursor: u32) {
        tokio::time::sleep(Duration::from_millis(5)).await; // a round trip
        self.log.borrow_mut().push(format!("close cursor {cursor}"));
    }
}

// A cursor whose async close releases it, however the consumer stops:
//
// async def rows(conn, query):
//     cursor = await conn.open_cursor(query)
//     try:
//         row = 0
//         while (item := await conn.fetch(cursor, row)) is not None:
//             yield item
//             row += 1
//     finally:
//         await conn.close_cursor(cursor)
fn rows(conn: FakeConnection, query: &str) -> impl AsyncGenerator<Item = String, Resume = ()> {
    async_gen! {
        let cursor = conn.open_cursor(query).await;
        try {
            let mut row = 0;
            while let Some(item) = conn.fetch(cursor, row).await {
                yield item;
                row += 1;
            }
        } finally {
            conn.close_cursor(cursor).await;
        }
    }
}

// A generator that iterates the cursor: closing it closes the cursor first, then runs
// its own cleanup, as nested `async with` and `finally` do:
//
// async def report(conn):
//     try:
//         async with aclosing(rows(conn, "SELECT id FROM orders")) as orders:
//             async for order in orders:
//                 yield order.upper()
//     finally:
//         conn.log.append("report closed")
fn report(conn: FakeConnection) -> impl AsyncGenerator<Item = String, Resume = ()> {
    async_gen! {
        try {
            for await order in rows(conn.clone(), "SELECT id FROM orders") {
                yield order.to_uppercase();
            }
        } finally {
            conn.log.borrow_mut().push("report closed".to_string());
        }
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // t = ticker(1.0)
    // print(await t.asend(None))          # 0
    // print(await t.asend(0.25))          # 1, after 0.25 s
    let start = Instant::now();
    let mut ticks = std::pin::pin!(ticker(Duration::from_secs(1)));
    println!("tick {:?} at {:?}", ticks.next().await, start.elapsed());
    println!("tick {:?} at {:?}", ticks.next().await, start.elapsed());
    let tick = ticks.as_mut().send(Duration::from_millis(250)).await;
    println!("tick {tick:?} at {:?} (sped up)", start.elapsed());
    println!("tick {:?} at {:?}", ticks.next().await, start.elapsed());
    // await t.aclose()
    ticks.as_mut().close().await;
    assert_eq!(ticks.next().await, None);

    // conn = FakeConnection()
    // cursor = rows(conn, "SELECT name FROM users")
    // print(await anext(cursor)); print(await anext(cursor))
    // await cursor.aclose()                # closes the cursor, after a round trip
    let conn = FakeConnection::default();
    let mut cursor = std::pin::pin!(rows(conn.clone(), "SELECT name FROM users"));
    println!("{:?}", cursor.next().await);
    println!("{:?}", cursor.next().await);
    cursor.as_mut().close().await;
    assert_eq!(cursor.next().await, None);
    println!("connection log: {:?}", conn.log.borrow());
    assert_eq!(
        *conn.log.borrow(),
        [
            "open cursor 7 for \"SELECT name FROM users\"",
            "close cursor 7"
        ]
    );

    // orders = report(conn)
    // print(await anext(orders))
    // await orders.aclose()                # closes the cursor, then the report
    let conn = FakeConnection::default();
    let mut orders = std::pin::pin!(report(conn.clone()));
    println!("{:?}", orders.next().await);
    orders.as_mut().close().await;
    println!("connection log: {:?}", conn.log.borrow());
    assert_eq!(
        *conn.log.borrow(),
        [
            "open cursor 7 for \"SELECT id FROM orders\"",
            "close cursor 7",
            "report closed"
        ]
    );
}
