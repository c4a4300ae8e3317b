//! Restarts under load drop nothing: bitu-web restarted on the socket systemd would hold
//! while a steady stream of requests runs, and bitu-rq restarted in the middle of a drain
//! while jobs keep arriving.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bitu_core::account::password::ssha;
use bitu_core::queue::{Envelope, Job, Probe, Queue};
use bitu_testkit::{Browser, TestContext};
use tokio::sync::Mutex;

use super::support::{SocketWeb, listening_socket};
use crate::jobs_support::{WorkerProcess, fast_settings, probe_counts, wait_until};

const PASSWORD: &str = "Velvet-Tundra-Compass-81";
/// Requests per second of the stream, and how long it runs.
const RATE: u64 = 200;
const STREAM: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Tally {
    ok: usize,
    failed: Vec<String>,
    lost_sessions: usize,
    latencies: Vec<Duration>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn web_restarted_on_its_socket_mid_stream_drops_no_request_and_no_session() {
    let ctx = TestContext::new().await;
    let users = ["ops1", "ops2", "ops3", "ops4"];
    for uid in users {
        ctx.create_user(uid, &format!("Ops {uid}"), &ssha(PASSWORD))
            .await;
    }
    let mut settings = ctx.settings.clone();
    settings.web.shutdown_grace = Duration::from_secs(20);
    let config = ctx.write_config_with(&settings);
    let socket = listening_socket();
    let base = format!("http://127.0.0.1:{}", socket.local_addr().unwrap().port());
    let mut web = SocketWeb::start(&config, &socket, 1).await;

    let mut browsers = Vec::new();
    for uid in users {
        let browser = Browser::new(&base);
        browser.sign_in(uid, PASSWORD).await;
        browsers.push(Arc::new(browser));
    }
    // Anonymous visitors open a connection per request; signed-in browsers keep theirs alive.
    let anonymous = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut tasks = tokio::task::JoinSet::new();
    let started = Instant::now();
    // As `systemctl restart bitu-web` two seconds in: SIGTERM, wait for the exit, start again.
    let restarter = {
        let (config, socket) = (config.clone(), socket.try_clone().unwrap());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let (status, stopped_in) = web.terminate().await;
            assert!(status.success(), "exit {status}: {}", web.log());
            let next = SocketWeb::start(&config, &socket, 2).await;
            (next, stopped_in, started.elapsed())
        })
    };
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    let mut n = 0usize;
    while started.elapsed() < STREAM {
        tick.tick().await;
        n += 1;
        let tally = tally.clone();
        if n.is_multiple_of(2) {
            let browser = browsers[n / 2 % browsers.len()].clone();
            tasks.spawn(async move {
                let begun = Instant::now();
                let outcome = browser.client.get(browser.url("/account/")).send().await;
                let mut tally = tally.lock().await;
                tally.latencies.push(begun.elapsed());
                match outcome {
                    Ok(r) if r.status() == 200 => tally.ok += 1,
                    Ok(r) if r.status().is_redirection() => tally.lost_sessions += 1,
                    Ok(r) => tally.failed.push(format!("account: HTTP {}", r.status())),
                    Err(e) => tally
                        .failed
                        .push(format!("account at {:?}: {e:?}", started.elapsed())),
                }
            });
        } else {
            let (client, url) = (anonymous.clone(), format!("{base}/login/"));
            tasks.spawn(async move {
                let begun = Instant::now();
                let outcome = client.get(url).send().await;
                let mut tally = tally.lock().await;
                tally.latencies.push(begun.elapsed());
                match outcome {
                    Ok(r) if r.status() == 200 => tally.ok += 1,
                    Ok(r) => tally
                        .failed
                        .push(format!("login page: HTTP {}", r.status())),
                    Err(e) => tally.failed.push(format!("login page: {e:?}")),
                }
            });
        }
    }
    while tasks.join_next().await.is_some() {}
    let (_web, stopped_in, restarted_at) = restarter.await.unwrap();
    for browser in &browsers {
        let after = browser.get("/account/").await;
        assert_eq!(after.status().as_u16(), 200, "signed out by the restart");
    }

    let tally = tally.lock().await;
    let mut latencies = tally.latencies.clone();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    eprintln!(
        "web restart under {RATE} req/s: {n} requests, {} ok, {} failed, {} sessions lost; \
         old process drained in {stopped_in:?}, new one serving at {restarted_at:?}; \
         latency p50 {:?} p99 {:?} max {:?}",
        tally.ok,
        tally.failed.len(),
        tally.lost_sessions,
        at(0.5),
        at(0.99),
        at(1.0)
    );
    assert!(tally.failed.is_empty(), "failed: {:?}", tally.failed);
    assert_eq!(tally.lost_sessions, 0);
    assert_eq!(tally.ok, n);
}

fn probe(label: &str, sleep_ms: u64) -> Job {
    Job::new(Probe {
        label: Some(label.into()),
        sleep_ms,
        fail_attempts: 0,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rq_restarted_mid_drain_while_jobs_arrive_loses_no_job() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.worker.concurrency = 4;
    settings.metrics.worker_bind = String::new();
    let queue = Queue::new(ctx.services().redis, &settings);
    let backlog: Vec<Envelope> = (0..300)
        .map(|_| Envelope::new(probe("drain", 15)))
        .collect();
    queue.push(&backlog).await.unwrap();
    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &[]).await;

    // Jobs keep arriving at 100/s for 3 s, across the restart.
    let producer = {
        let queue = queue.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            for _ in 0..300 {
                tick.tick().await;
                queue
                    .push(&[Envelope::new(probe("drain", 15))])
                    .await
                    .unwrap();
            }
        })
    };
    wait_until(
        "a third of the backlog",
        Duration::from_secs(30),
        || async { probe_counts(&ctx, &queue, "drain").await.len() >= 100 },
    )
    .await;
    let (status, took) = worker.terminate(Duration::from_secs(20)).await;
    assert!(status.success(), "{}", worker.log());
    let done_at_stop = probe_counts(&ctx, &queue, "drain").await.len();
    let mut worker = WorkerProcess::start(&config, &[]).await;
    producer.await.unwrap();
    wait_until("all 600 jobs", Duration::from_secs(60), || async {
        probe_counts(&ctx, &queue, "drain").await.len() == 600
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let counts = probe_counts(&ctx, &queue, "drain").await;
    let twice = counts.values().filter(|&&n| n > 1).count();
    eprintln!(
        "bitu-rq restart mid-drain: stopped in {took:?} with {done_at_stop}/600 done; \
         600 of 600 jobs ran, {twice} twice"
    );
    assert_eq!(counts.len(), 600, "lost jobs");
    // A graceful stop finishes what it started, so nothing runs a second time either.
    assert_eq!(twice, 0);
    let listing = queue.list(5).await.unwrap();
    assert!(
        listing.queued.iter().all(|(_, n, _)| *n == 0),
        "{listing:?}"
    );
    assert_eq!(listing.failed.0, 0, "{listing:?}");
    let (status, _) = worker.terminate(Duration::from_secs(20)).await;
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_failover_is_a_new_url_and_a_restart_and_loses_no_job() {
    let ctx = TestContext::new().await;
    let redis_addr = ctx.env.redis_url.trim_start_matches("redis://");
    let old_master = bitu_testkit::TcpProxy::start(redis_addr.trim_end_matches('/')).await;
    let mut settings = fast_settings(&ctx);
    settings.metrics.worker_bind = String::new();
    settings.redis.timeout = Duration::from_secs(1);
    settings.redis.url = old_master.url("redis");
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;

    // The master dies; requests keep writing their jobs to the outbox in MariaDB.
    old_master.down();
    let pool = bitu_core::db::build_pool(&settings.database).unwrap();
    let mut conn = bitu_core::db::conn(&pool).await.unwrap();
    for _ in 0..50 {
        bitu_core::queue::outbox::enqueue(&mut conn, probe("failover", 0))
            .await
            .unwrap();
    }
    drop(conn);
    // The runbook: point [redis] url at the new master, restart bitu-rq.
    let (status, _) = worker.terminate(Duration::from_secs(20)).await;
    assert!(status.success(), "{}", worker.log());
    settings.redis.url = ctx.env.redis_url.clone();
    let _worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    let queue = Queue::new(ctx.services().redis, &settings);
    wait_until(
        "the 50 jobs of the outbox",
        Duration::from_secs(30),
        || async { probe_counts(&ctx, &queue, "failover").await.len() == 50 },
    )
    .await;
}
