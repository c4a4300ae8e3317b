//! Worker throughput benchmark (ignored in normal runs; `bench/worker.sh` runs it in release):
//! jobs/s drained for no-op and LDAP-modify jobs with 1 and 4 concurrent handlers, and the
//! worker's memory while it drains.

use std::time::{Duration, Instant};

use bitu_core::directory::{Directory, NewUser};
use bitu_core::queue::{AttributeChange, ChangeOp, Envelope, Job, LdapModify, Probe, Queue};
use bitu_testkit::TestContext;

use crate::jobs_support::{WorkerProcess, fast_settings};

/// LDAP users the modify jobs spread over.
const USERS: usize = 50;

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmRSS` or `VmHWM` of `pid` in KiB.
fn memory_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

fn ldap_job(n: usize) -> Job {
    Job::new(LdapModify {
        uid: format!("bench{}", n % USERS),
        changes: vec![AttributeChange {
            op: ChangeOp::Replace,
            attribute: "description".into(),
            values: vec![format!("bench run {n}")],
        }],
    })
}

async fn create_users(ctx: &TestContext) {
    let directory = Directory::new(ctx.settings.ldap.clone()).unwrap();
    for n in 0..USERS {
        directory
            .create_user(&NewUser {
                uid: format!("bench{n}"),
                cn: format!("Bench {n}"),
                sn: format!("Bench {n}"),
                mail: format!("bench{n}@example.org"),
                uid_number: 40000 + n as u32,
                gid_number: 500,
                home_directory: format!("/home/bench{n}"),
                login_shell: "/bin/bash".into(),
                password_hash: "{SSHA}placeholder".into(),
            })
            .await
            .unwrap();
    }
}

/// Drains `jobs` jobs with `concurrency` handlers; prints and returns jobs/s.
async fn drain(label: &str, jobs: usize, concurrency: usize, ldap: bool) -> f64 {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.worker.concurrency = concurrency;
    settings.redis.pool_size = concurrency + 4;
    settings.ldap.pool_size = concurrency;
    if ldap {
        create_users(&ctx).await;
    }
    let queue = Queue::new(ctx.services().redis, &settings);
    for chunk in (0..jobs).collect::<Vec<_>>().chunks(2000) {
        let envelopes: Vec<Envelope> = chunk
            .iter()
            .map(|&n| {
                Envelope::new(if ldap {
                    ldap_job(n)
                } else {
                    Job::new(Probe::default())
                })
            })
            .collect();
        queue.push(&envelopes).await.unwrap();
    }
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    let pid = worker.pid().unwrap();
    let started = Instant::now();
    let rss_start = memory_kib(pid, "VmRSS:");
    let mut samples = Vec::new();
    let mut next_sample = Duration::ZERO;
    loop {
        let listing = queue.list(1).await.unwrap();
        let waiting: usize = listing.queued.iter().map(|q| q.1).sum();
        if waiting == 0 && listing.running.is_empty() {
            break;
        }
        if started.elapsed() >= next_sample {
            samples.push(memory_kib(pid, "VmRSS:"));
            next_sample += Duration::from_millis(500);
        }
        assert_eq!(listing.failed.0, 0, "jobs failed: {:?}", listing.failed.1);
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "drain too slow"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    let peak = memory_kib(pid, "VmHWM:");
    let rss_end = memory_kib(pid, "VmRSS:");
    assert!(worker.terminate(Duration::from_secs(30)).await.0.success());
    let rate = jobs as f64 / elapsed.as_secs_f64();
    println!(
        "BENCH {label:<12} concurrency {concurrency}: {jobs} jobs in {:.2}s = {rate:.0} jobs/s; \
         RSS start {} MiB, peak {} MiB, end {} MiB, samples (MiB) {:?}",
        elapsed.as_secs_f64(),
        rss_start / 1024,
        peak / 1024,
        rss_end / 1024,
        samples.iter().map(|kib| kib / 1024).collect::<Vec<_>>()
    );
    rate
}

#[tokio::test]
#[ignore = "benchmark: run bench/worker.sh"]
async fn bench_worker_throughput() {
    let noop = count("BENCH_NOOP_JOBS", 20_000);
    let ldap = count("BENCH_LDAP_JOBS", 10_000);
    for concurrency in [1, 4] {
        if noop > 0 {
            drain("no-op", noop, concurrency, false).await;
        }
        if ldap > 0 {
            drain("ldap-modify", ldap, concurrency, true).await;
        }
    }
}
