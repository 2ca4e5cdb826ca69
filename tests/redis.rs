//! `RedisRateLimiter` and `RedisKeyedRateLimiter` against a real `redis-server`, on the
//! real clock: one quota shared by processes, fairness within a process, and faults.
//! Each test starts its own server on a free loopback port.
#![cfg(feature = "redis")]

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use asyncgen::Quota;
use asyncgen::paginate::{Page, paginate};
use asyncgen::prelude::*;
use asyncgen::time::{OutagePolicy, RedisKeyedRateLimiter, RedisLimitError, RedisRateLimiter};
use futures::TryStreamExt;
use redis::AsyncCommands;
use tokio::time::Instant;

mod redis_server;
use redis_server::RedisServer;

const WORKER_ENV: &str = "ASYNCGEN_REDIS_WORKER";
/// How far a grant seen by a worker may lag the server's grant: the reply's trip back,
/// on a loaded machine.
const MEASURE_SLACK: Duration = Duration::from_millis(15);

fn unix_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros()
}

/// Asserts that no window between two grants (microsecond times) holds more than
/// `burst + (window + slack) / interval` of them.
fn assert_within_bound(grants: &[u128], interval: Duration, burst: u128, slack: Duration) {
    let interval = interval.as_micros();
    for i in 0..grants.len() {
        for j in i..grants.len() {
            let count = (j - i + 1) as u128;
            let window = grants[j] - grants[i] + slack.as_micros();
            assert!(
                count.saturating_sub(burst) * interval <= window,
                "{count} grants within {} µs: more than the quota allows",
                grants[j] - grants[i]
            );
        }
    }
}

// ---------------------------------------------------------------- one process

#[tokio::test]
async fn cells_come_at_the_quotas_rate_and_check_says_how_long_to_wait() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let limiter = RedisRateLimiter::connect(&server.url(), "rate", Quota::per_second(20))
        .await
        .unwrap();
    assert_eq!(limiter.key(), "rate");
    assert_eq!(limiter.quota(), Quota::per_second(20));
    assert!(limiter.check().await.unwrap().is_ok());
    let refused = limiter.check().await.unwrap().unwrap_err();
    assert!(
        refused.wait_time() <= Duration::from_millis(50),
        "{refused}"
    );
    assert!(
        refused.wait_time() >= Duration::from_millis(30),
        "{refused}"
    );
    let start = Instant::now();
    for _ in 0..5 {
        limiter.until_ready().await.unwrap();
    }
    let took = start.elapsed();
    // Five cells 50 ms apart, the first one up to 50 ms away.
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_millis(600), "{took:?}");
}

#[tokio::test]
async fn waiters_in_a_process_are_served_in_order_and_a_dropped_one_gives_its_turn_back() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let limiter = RedisRateLimiter::connect(&server.url(), "fifo", Quota::per_second(20))
        .await
        .unwrap();
    limiter.until_ready().await.unwrap();
    let served = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..6 {
        let limiter = limiter.clone();
        let served = Arc::clone(&served);
        tasks.push(tokio::spawn(async move {
            limiter.until_ready().await.unwrap();
            served.lock().unwrap().push(i);
        }));
        // Each starts waiting before the next.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Waiter 2 gives up: the others move up.
    tasks.remove(2).abort();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(*served.lock().unwrap(), [0, 1, 3, 4, 5]);
}

#[tokio::test]
async fn throttle_takes_a_redis_limiter_on_streams_and_paginators() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let limiter = RedisRateLimiter::connect(&server.url(), "throttle", Quota::per_second(20))
        .await
        .unwrap();
    let start = Instant::now();
    let items: Vec<u32> = futures::stream::iter(1..=4)
        .throttle(&limiter)
        .collect()
        .await;
    assert_eq!(items, [1, 2, 3, 4]);
    let pages: Vec<u32> = paginate(0u32, |n| async move {
        Ok::<_, std::convert::Infallible>(Page::new(vec![n], (n < 3).then_some(n + 1)))
    })
    .throttle(&limiter)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(pages, [0, 1, 2, 3]);
    // Eight cells on one budget: at least seven intervals.
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(350), "{took:?}");
    assert!(took < Duration::from_millis(1_500), "{took:?}");
}

// ---------------------------------------------------------------- many processes

/// The worker role: when this test binary is started by
/// `four_processes_share_one_quota`, it takes cells and prints when it got them.
#[tokio::test]
async fn worker_role() {
    let Ok(job) = std::env::var(WORKER_ENV) else {
        return;
    };
    let mut parts = job.split(',');
    let (url, key, cells) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap().parse::<u32>().unwrap(),
    );
    let limiter = RedisRateLimiter::connect(url, key, Quota::per_second(20))
        .await
        .unwrap();
    println!("READY");
    for _ in 0..cells {
        limiter.until_ready().await.unwrap();
        println!("GRANT {}", unix_micros());
    }
}

fn spawn_worker(url: &str, key: &str, cells: u32) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "worker_role",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(WORKER_ENV, format!("{url},{key},{cells}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn grants_of(output: &[u8]) -> Vec<u128> {
    String::from_utf8_lossy(output)
        .lines()
        .filter_map(|line| line.strip_prefix("GRANT "))
        .map(|t| t.parse().unwrap())
        .collect()
}

#[tokio::test]
async fn four_processes_share_one_quota() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let workers: Vec<_> = (0..4).map(|_| spawn_worker(&url, "shared", 10)).collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|w| w.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let mut grants = Vec::new();
    for output in &outputs {
        assert!(output.status.success());
        let own = grants_of(&output.stdout);
        assert_eq!(own.len(), 10, "each worker got its ten cells");
        grants.extend(own);
    }
    grants.sort_unstable();
    // 20 per second, burst 1: never two within 50 ms, whoever took them.
    assert_within_bound(&grants, Duration::from_millis(50), 1, MEASURE_SLACK);
    // And close to the ideal: 40 cells, 39 intervals, 1.95 s.
    let span = Duration::from_micros((grants[39] - grants[0]) as u64);
    let closest = grants.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    println!(
        "40 cells from four processes in {span:?} (ideal 1.95 s); closest two {:.1} ms apart (quota: 50 ms)",
        closest as f64 / 1e3
    );
    assert!(
        span >= Duration::from_millis(1_950) - MEASURE_SLACK,
        "{span:?}"
    );
    assert!(span <= Duration::from_millis(2_300), "{span:?}");
}

#[tokio::test]
async fn a_worker_killed_mid_wait_does_not_stall_the_others() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let mut doomed = spawn_worker(&url, "killed", 1_000);
    let mut stdout = doomed.stdout.take().unwrap();
    // Wait until it is connected and waiting, then kill it.
    let ready = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(&mut stdout).lines();
        lines.any(|line| line.is_ok_and(|line| line.ends_with("READY")))
    })
    .await
    .unwrap();
    assert!(ready, "the worker connected");
    tokio::time::sleep(Duration::from_millis(200)).await;
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let limiter = RedisRateLimiter::connect(&url, "killed", Quota::per_second(20))
        .await
        .unwrap();
    let start = Instant::now();
    for _ in 0..10 {
        limiter.until_ready().await.unwrap();
    }
    let took = start.elapsed();
    // Ten cells, the first at most one interval away: nothing holds the budget.
    assert!(took <= Duration::from_millis(600), "{took:?}");
}

// ---------------------------------------------------------------- faults

#[tokio::test]
async fn a_wrong_url_is_a_clear_error() {
    let malformed = RedisRateLimiter::connect("localhost:6379", "k", Quota::per_second(1))
        .await
        .unwrap_err();
    assert!(matches!(malformed, RedisLimitError::Connect { .. }));
    assert!(
        malformed.to_string().contains("localhost:6379"),
        "{malformed}"
    );

    let port = redis_server::free_port();
    let nobody = format!("redis://:secret@127.0.0.1:{port}/");
    let started = Instant::now();
    let refused = RedisRateLimiter::connect(&nobody, "k", Quota::per_second(1))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let message = refused.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(
        !message.contains("secret"),
        "the password is masked: {message}"
    );
    assert!(std::error::Error::source(&refused).is_some());
}

#[tokio::test]
async fn a_restart_mid_run_is_waited_out_and_the_quota_holds_after_it() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let grants = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for _ in 0..2 {
        // Each its own connection, as separate processes would have.
        let limiter = RedisRateLimiter::connect(&url, "restart", Quota::per_second(20))
            .await
            .unwrap();
        let grants = Arc::clone(&grants);
        workers.push(tokio::spawn(async move {
            for _ in 0..16 {
                limiter.until_ready().await.unwrap();
                grants.lock().unwrap().push(unix_micros());
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let restart_at = tokio::task::spawn_blocking(move || {
        server.restart();
        (unix_micros(), server)
    })
    .await
    .unwrap();
    let (restarted, _server) = restart_at;
    for worker in workers {
        tokio::time::timeout(Duration::from_secs(10), worker)
            .await
            .expect("the workers recover")
            .unwrap();
    }
    let mut grants = grants.lock().unwrap().clone();
    grants.sort_unstable();
    let after: Vec<u128> = grants.iter().copied().filter(|&t| t >= restarted).collect();
    assert!(
        after.len() >= 10,
        "most cells came after the restart: {}",
        after.len()
    );
    // The restarted server starts from a full budget (its data was lost), then holds
    // the rate.
    assert_within_bound(&after, Duration::from_millis(50), 1, MEASURE_SLACK);
}

#[tokio::test]
async fn outage_policies_fail_closed_by_default_or_open_by_choice() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let closed = RedisRateLimiter::connect(&server.url(), "outage", Quota::per_second(1))
        .await
        .unwrap();
    assert_eq!(closed.outage_policy(), OutagePolicy::default());
    let patient = closed.clone().with_outage_policy(OutagePolicy::FailClosed {
        give_up_after: Some(Duration::from_millis(300)),
    });
    let open = closed.clone().with_outage_policy(OutagePolicy::FailOpen);
    server.stop();

    // `check` does not wait: under the default policy, an outage is an error at once.
    let started = Instant::now();
    let error = closed.check().await.unwrap_err();
    assert!(
        matches!(error, RedisLimitError::Unavailable { .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(open.check().await.unwrap().is_ok());

    let started = Instant::now();
    let error = patient.until_ready().await.unwrap_err();
    assert!(
        matches!(error, RedisLimitError::Unavailable { .. }),
        "{error:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(started.elapsed() < Duration::from_secs(5));

    // Failing open lets every cell through while Redis is away.
    for _ in 0..5 {
        open.until_ready().await.unwrap();
    }

    // The default waits; it is served once Redis is back.
    let waiting = tokio::spawn(async move { closed.until_ready().await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "no cell without Redis");
    let _server = tokio::task::spawn_blocking(move || {
        server.restart();
        server
    })
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served after the restart")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_key_holding_something_else_is_a_reply_error() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let () = connection.lpush("taken", "x").await.unwrap();
    let limiter = RedisRateLimiter::connect(&server.url(), "taken", Quota::per_second(1))
        .await
        .unwrap();
    let error = limiter.until_ready().await.unwrap_err();
    assert!(matches!(error, RedisLimitError::Reply { .. }), "{error:?}");
}

// ---------------------------------------------------------------- keyed

#[tokio::test]
async fn keyed_budgets_are_apart_and_idle_ones_expire() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let per_tenant = RedisKeyedRateLimiter::connect(&server.url(), "tenant:", Quota::per_second(5))
        .await
        .unwrap();
    assert!(per_tenant.check("a").await.unwrap().is_ok());
    assert!(per_tenant.check("a").await.unwrap().is_err());
    assert!(per_tenant.check("b").await.unwrap().is_ok());
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = connection.pttl("tenant:a").await.unwrap();
    assert!(
        (1..=200).contains(&ttl),
        "the key lives until its burst is full: {ttl} ms"
    );
    per_tenant.until_ready("a").await.unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    let exists: bool = connection.exists("tenant:a").await.unwrap();
    assert!(!exists, "an idle budget is forgotten by Redis");
    let exists: bool = connection.exists("tenant:b").await.unwrap();
    assert!(!exists);
}
