//! The script against the pure GCRA functions, on a real `redis-server`.

use std::time::Duration;

use redis::AsyncCommands;

use super::budget::{Answer, Budget, micros_gcra};
use crate::time::Quota;
use crate::time::gcra::Ticks;

#[allow(unreachable_pub)]
#[path = "../../../tests/redis_server/mod.rs"]
mod redis_server;

/// A small deterministic generator: the cases are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn quota(rng: &mut Lcg) -> Quota {
    let burst = [1, 2, 3, 10, 1_000, 3_000_000, u32::MAX][rng.below(7) as usize];
    let base = match rng.below(5) {
        0 => Quota::per_second((rng.below(2_000_000) + 1) as u32),
        1 => Quota::per_minute((rng.below(1_000) + 1) as u32),
        2 => Quota::per_hour(1),
        3 => Quota::with_period(Duration::from_micros(rng.below(10_000_000) + 1)),
        _ => Quota::with_period(Duration::MAX),
    };
    base.allow_burst(burst)
}

#[tokio::test(flavor = "current_thread")]
async fn the_script_answers_as_the_pure_gcra_functions() {
    let Some(server) = redis_server::RedisServer::start() else {
        return;
    };
    let budget = Budget::connect(&server.url(), Quota::per_second(1))
        .await
        .unwrap();
    let mut connection = budget.connection();
    let mut rng = Lcg(7);
    // Times around today's clock in microseconds (about 2^50.6).
    let today: u64 = 1_764_000_000_000_000;
    for case in 0..400 {
        let budget = budget.for_quota(quota(&mut rng));
        let gcra = budget.gcra();
        assert_eq!(gcra, micros_gcra(budget.quota));
        let now = Ticks(today + rng.below(1 << 40));
        let tat = match rng.below(4) {
            0 => None,
            1 => Some(Ticks(now.0 - rng.below(now.0 - today + 1))),
            _ => Some(Ticks(
                now.0 + rng.below(gcra.interval().0 + gcra.tolerance().0 + 2),
            )),
        };
        let key = format!("case:{case}");
        if let Some(tat) = tat {
            let () = connection.set(&key, tat.0).await.unwrap();
        }
        let answer = budget.take(&key, Some(now)).await.unwrap();
        let expected = gcra.decide(tat.unwrap_or(Ticks::ZERO), now);
        match expected {
            Ok(next) => {
                assert_eq!(answer, Answer::Taken { tat: next }, "case {case}");
                let stored: Option<u64> = connection.get(&key).await.unwrap();
                let ttl: i64 = connection.pttl(&key).await.unwrap();
                let expected_ttl = (next.0 - now.0).div_ceil(1_000);
                // A key due to expire within a few milliseconds (of the real clock, which
                // runs on while the test reads it back) may be gone already.
                if expected_ttl > 100 || stored.is_some() {
                    assert_eq!(stored, Some(next.0), "case {case}: the stored arrival time");
                }
                assert!(
                    ttl <= expected_ttl as i64 && (ttl > 0 || expected_ttl <= 100),
                    "case {case}: the key expires when its burst is full again ({ttl} ms, {expected_ttl} ms)"
                );
            }
            Err(free_at) => {
                assert_eq!(answer, Answer::Refused { free_at, now }, "case {case}");
            }
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_burst_through_the_script_then_one_cell_per_interval() {
    let Some(server) = redis_server::RedisServer::start() else {
        return;
    };
    let budget = Budget::connect(&server.url(), Quota::per_second(10).allow_burst(3))
        .await
        .unwrap();
    let t0 = Ticks(1_764_000_000_000_000);
    for _ in 0..3 {
        assert!(matches!(
            budget.take("b", Some(t0)).await.unwrap(),
            Answer::Taken { .. }
        ));
    }
    let refused = budget.take("b", Some(t0)).await.unwrap();
    assert_eq!(refused.wait(), Some(Duration::from_millis(100)));
    let later = Ticks(t0.0 + 100_000);
    assert!(matches!(
        budget.take("b", Some(later)).await.unwrap(),
        Answer::Taken { .. }
    ));
}
