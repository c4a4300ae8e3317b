//! bitu-rq as a process against real Redis, MariaDB and the SMTP sink: bursts, SIGKILL at
//! random moments, SIGTERM during a slow job, retries, and payloads it cannot read.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bitu_core::config::KindSettings;
use bitu_core::mail::Message;
use bitu_core::queue::{Envelope, Job, Probe, Queue, QueueName, SendMail};
use bitu_testkit::TestContext;
use deadpool_redis::redis::AsyncCommands;

use crate::jobs_support::{WorkerProcess, bitu, fast_settings, probe_counts, redis, wait_until};

fn probe(label: &str, sleep_ms: u64, fail_attempts: u32) -> Job {
    Job::new(Probe {
        label: Some(label.into()),
        sleep_ms,
        fail_attempts,
    })
}

fn activation(ctx: &TestContext, n: usize) -> Job {
    Job::new(SendMail {
        dedup_key: format!("activation:{n}"),
        message: Message::Activation {
            to: ctx.mailbox.address(&format!("dev{n}")),
            developer_name: format!("Developer {n}"),
            subject: String::new(),
            signup_id: 1,
            token: format!("token-{n}"),
        },
        lang: String::new(),
    })
}

async fn assert_all_settled(queue: &Queue) {
    let listing = queue.list(5).await.unwrap();
    for (name, count, _) in &listing.queued {
        assert_eq!(*count, 0, "queue {name} not empty: {listing:?}");
    }
    assert!(listing.running.is_empty(), "{listing:?}");
    assert_eq!(listing.delayed.0, 0, "{listing:?}");
    assert_eq!(listing.failed.0, 0, "{listing:?}");
}

#[tokio::test]
async fn a_burst_of_1000_jobs_through_both_queues_has_each_effect_once() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.worker.concurrency = 8;
    let queue = Queue::new(ctx.services().redis, &settings);
    let mut envelopes: Vec<Envelope> = (0..600)
        .map(|_| Envelope::new(probe("burst", 0, 0)))
        .collect();
    envelopes.extend(
        (0..200).map(|_| Envelope::on_queue(probe("burst", 0, 0), QueueName::Notification)),
    );
    envelopes.extend((0..200).map(|n| Envelope::new(activation(&ctx, n))));
    assert_eq!(queue.push(&envelopes).await.unwrap(), 1000);

    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &[]).await;
    wait_until("800 probe effects", Duration::from_secs(60), || async {
        probe_counts(&ctx, &queue, "burst").await.len() == 800
    })
    .await;
    ctx.mailbox.wait_for(200, Duration::from_secs(60)).await;
    assert_all_settled(&queue).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let counts = probe_counts(&ctx, &queue, "burst").await;
    assert_eq!(counts.len(), 800);
    assert!(counts.values().all(|&n| n == 1), "a probe ran twice");
    assert_eq!(ctx.mailbox.messages().len(), 200, "every mail exactly once");
    let message = &ctx.mailbox.messages_to(&ctx.mailbox.address("dev7"))[0];
    assert_eq!(message.subject, "Activate your Bitu account");
    assert!(
        message
            .text
            .contains("http://localhost:8000/signup/activate/1/token-7/")
    );
    assert!(
        message
            .html
            .as_deref()
            .unwrap_or("")
            .contains("Developer 7")
    );

    let (status, _) = worker.terminate(Duration::from_secs(15)).await;
    assert!(status.success());
    let log = worker.log();
    assert_eq!(
        log.matches("job finished").count(),
        1000,
        "one line per job"
    );
    assert!(
        log.contains("kind=send_mail") || log.contains("kind=\"send_mail\""),
        "{}",
        &log[..2000.min(log.len())]
    );
}

/// A small xorshift, seeded from the clock (printed, so a failure can be replayed).
fn random_delays(count: usize, low_ms: u64, high_ms: u64) -> Vec<Duration> {
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill schedule seed {seed}");
    (0..count)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            Duration::from_millis(low_ms + seed % (high_ms - low_ms))
        })
        .collect()
}

#[tokio::test]
async fn sigkill_at_random_moments_while_draining_loses_nothing() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.queue.kinds.insert(
        "probe".into(),
        KindSettings {
            timeout: Some(Duration::from_secs(1)),
            max_attempts: Some(20),
            backoff_base: None,
        },
    );
    let queue = Queue::new(ctx.services().redis, &settings);
    let envelopes: Vec<Envelope> = (0..1000)
        .map(|n| {
            let queue = QueueName::ALL[n % 2];
            Envelope::on_queue(probe("kill", 20, 0), queue)
        })
        .collect();
    queue.push(&envelopes).await.unwrap();
    let config = ctx.write_config_with(&settings);

    // 1,000 jobs of 20 ms over 4 handlers is ≥ 5 s of work; stop killing near the end so
    // that even a fast machine sees every kill land mid-drain.
    let mut kills_mid_drain = 0;
    for delay in random_delays(6, 150, 700) {
        let mut worker = WorkerProcess::start(&config, &[]).await;
        tokio::time::sleep(delay).await;
        worker.kill();
        let done = probe_counts(&ctx, &queue, "kill").await.len();
        if done < 1000 {
            kills_mid_drain += 1;
        }
        if done > 800 {
            break;
        }
    }
    assert!(kills_mid_drain >= 1, "the kills should land while draining");

    let mut worker = WorkerProcess::start(&config, &[]).await;
    wait_until("1000 probe effects", Duration::from_secs(90), || async {
        probe_counts(&ctx, &queue, "kill").await.len() == 1000
    })
    .await;
    wait_until("every job settled", Duration::from_secs(10), || async {
        queue.list(1).await.unwrap().running.is_empty()
    })
    .await;
    assert_all_settled(&queue).await;
    let counts = probe_counts(&ctx, &queue, "kill").await;
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "effects repeated: {twice:?}");
    for envelope in &envelopes {
        assert!(counts.contains_key(&envelope.id.0), "lost {}", envelope.id);
    }
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
}

#[tokio::test]
async fn sigterm_during_a_slow_job_finishes_it_and_exits_zero_within_the_grace() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.worker.shutdown_grace = Duration::from_secs(10);
    let queue = Queue::new(ctx.services().redis, &settings);
    let slow = queue.enqueue(probe("slow", 2000, 0)).await.unwrap();
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    wait_until("the slow job to run", Duration::from_secs(10), || async {
        !queue.list(5).await.unwrap().running.is_empty()
    })
    .await;

    let stopping = worker.terminate(Duration::from_secs(15));
    let late = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        queue.enqueue(probe("slow", 0, 0)).await.unwrap()
    };
    let ((status, took), late) = tokio::join!(stopping, late);
    assert!(status.success(), "{status}: {}", worker.log());
    assert!(took < settings.worker.shutdown_grace, "took {took:?}");
    assert!(
        took > Duration::from_millis(500),
        "it waited for the job: {took:?}"
    );
    let counts = probe_counts(&ctx, &queue, "slow").await;
    assert_eq!(counts.get(&slow.id.0), Some(&1), "the slow job completed");
    assert!(
        !counts.contains_key(&late.id.0),
        "no job is taken after SIGTERM"
    );
    let listing = queue.list(5).await.unwrap();
    assert_eq!(listing.queued[0].1, 1);
    assert!(listing.running.is_empty());
}

#[tokio::test]
async fn a_job_outlasting_the_grace_goes_back_to_its_queue() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.worker.shutdown_grace = Duration::from_millis(300);
    let queue = Queue::new(ctx.services().redis, &settings);
    let job = queue.enqueue(probe("long", 3000, 0)).await.unwrap();
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    wait_until("the long job to run", Duration::from_secs(10), || async {
        !queue.list(5).await.unwrap().running.is_empty()
    })
    .await;
    let (status, took) = worker.terminate(Duration::from_secs(10)).await;
    assert!(status.success());
    assert!(took < Duration::from_secs(2), "{took:?}");
    let listing = queue.list(5).await.unwrap();
    assert_eq!(listing.queued[0].2[0].id, job.id, "{listing:?}");
    assert!(listing.running.is_empty());

    settings.worker.shutdown_grace = Duration::from_secs(10);
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    wait_until(
        "the long job to finish",
        Duration::from_secs(15),
        || async { probe_counts(&ctx, &queue, "long").await.get(&job.id.0) == Some(&1) },
    )
    .await;
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
}

#[tokio::test]
async fn retries_back_off_then_succeed_or_fail_at_the_limit() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.queue.kinds.insert(
        "probe".into(),
        KindSettings {
            max_attempts: Some(3),
            ..KindSettings::default()
        },
    );
    let queue = Queue::new(ctx.services().redis, &settings);
    let recovers = queue.enqueue(probe("retry", 0, 2)).await.unwrap();
    let hopeless = queue.enqueue(probe("retry", 0, 10)).await.unwrap();
    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &["--queue", "default"]).await;
    wait_until(
        "one success and one failure",
        Duration::from_secs(20),
        || async {
            let listing = queue.list(5).await.unwrap();
            listing.failed.0 == 1 && listing.delayed.0 == 0 && listing.queued[0].1 == 0
        },
    )
    .await;
    let counts = probe_counts(&ctx, &queue, "retry").await;
    assert_eq!(counts.get(&recovers.id.0), Some(&1));
    assert!(!counts.contains_key(&hopeless.id.0));
    let failed = &queue.list(5).await.unwrap().failed.1[0];
    assert_eq!(failed.id, hopeless.id);
    assert_eq!(failed.attempts, 3);
    assert!(
        failed.error.starts_with("gave up after 3 attempt(s)"),
        "{}",
        failed.error
    );
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
    let log = worker.log();
    assert_eq!(log.matches("will retry").count(), 4, "{log}");
}

#[tokio::test]
async fn unreadable_jobs_go_to_the_failed_set_and_bitu_jobs_manages_them() {
    let ctx = TestContext::new().await;
    let settings = fast_settings(&ctx);
    let queue = Queue::new(ctx.services().redis, &settings);
    let prefix = &settings.redis.key_prefix;
    let mut conn = redis(&ctx).await;
    let unknown = r#"{"v":1,"id":"u1","queue":"default","attempt":0,
        "enqueued_at":"2026-01-01T00:00:00Z","kind":"launch_rockets","args":{}}"#;
    for (id, payload) in [("garbage1", "{not json"), ("unknown1", unknown)] {
        let _: () = conn
            .hset(format!("{prefix}jobs"), id, payload)
            .await
            .unwrap();
        let _: () = conn
            .lpush(format!("{prefix}queue:default"), id)
            .await
            .unwrap();
    }
    let fine = queue.enqueue(probe("fine", 0, 0)).await.unwrap();
    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &[]).await;
    wait_until("two failed jobs", Duration::from_secs(10), || async {
        queue.list(5).await.unwrap().failed.0 == 2
    })
    .await;
    wait_until("the readable job", Duration::from_secs(10), || async {
        probe_counts(&ctx, &queue, "fine")
            .await
            .contains_key(&fine.id.0)
    })
    .await;

    let (ok, text) = bitu(&config, &["jobs"]);
    assert!(ok, "{text}");
    assert!(text.contains("failed: 2"), "{text}");
    assert!(
        text.contains("garbage1  ?  queue default, 1 attempt(s)"),
        "{text}"
    );
    assert!(text.contains("undecodable job payload"), "{text}");
    assert!(text.contains(r#"unknown1  launch_rockets"#), "{text}");
    assert!(
        text.contains(r#"unknown job kind "launch_rockets""#),
        "{text}"
    );

    let (ok, text) = bitu(&config, &["jobs", "drop", "garbage1"]);
    assert!(ok, "{text}");
    let (ok, text) = bitu(&config, &["jobs", "drop", "garbage1"]);
    assert!(!ok && text.contains("no failed job garbage1"), "{text}");
    let (ok, text) = bitu(&config, &["jobs", "retry", "--all"]);
    assert!(
        ok && text.contains("1 failed job(s) queued again"),
        "{text}"
    );
    // Still unknown to this build: back in the failed set, the worker unharmed.
    wait_until(
        "the retried job to fail again",
        Duration::from_secs(10),
        || async {
            let listing = queue.list(5).await.unwrap();
            listing.failed.0 == 1 && listing.queued[0].1 == 0
        },
    )
    .await;
    let (ok, text) = bitu(&config, &["jobs", "retry", "unknown1"]);
    assert!(ok && text.contains("unknown1 queued again"), "{text}");
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
    assert!(!worker.log().contains("panicked"));
}

/// Jobs exactly as the release before the job registry stored them (the `kind`/`args` enum
/// form), left in the outbox across an upgrade: the new worker relays and runs each once.
#[tokio::test]
async fn jobs_stored_before_the_job_registry_still_run_after_an_upgrade() {
    use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};

    let ctx = TestContext::new().await;
    let settings = fast_settings(&ctx);
    let queue = Queue::new(ctx.services().redis, &settings);
    let to = ctx.mailbox.address("upgraded");
    let stored = [
        (
            "0193a0c0ffee00000000000000000001",
            "default",
            r#"{"v":1,"id":"0193a0c0ffee00000000000000000001","queue":"default","attempt":0,"enqueued_at":"2026-11-28T12:00:00Z","kind":"probe","args":{"label":"upgrade","sleep_ms":0,"fail_attempts":0}}"#.to_string(),
        ),
        (
            "0193a0c0ffee00000000000000000002",
            "notification",
            format!(
                r#"{{"v":1,"id":"0193a0c0ffee00000000000000000002","queue":"notification","attempt":0,"enqueued_at":"2026-11-28T12:00:00Z","kind":"send_mail","args":{{"dedup_key":"activation:7:abc","message":{{"template":"activation","to":"{to}","developer_name":"Dana","subject":"","signup_id":7,"token":"tok"}}}}}}"#
            ),
        ),
    ];
    let mut conn = AsyncMysqlConnection::establish(&settings.database.url)
        .await
        .unwrap();
    for (id, queue_name, json) in &stored {
        let json = json.replace('\'', "''");
        conn.batch_execute(&format!(
            "INSERT INTO job_outbox (job_id, queue, envelope) VALUES ('{id}', '{queue_name}', '{json}')"
        ))
        .await
        .unwrap();
    }

    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &[]).await;
    wait_until("the stored probe ran", Duration::from_secs(30), || async {
        probe_counts(&ctx, &queue, "upgrade").await.len() == 1
    })
    .await;
    ctx.mailbox.wait_for(1, Duration::from_secs(30)).await;
    let message = &ctx.mailbox.messages_to(&to)[0];
    assert!(
        message.text.contains("/signup/activate/7/tok/"),
        "{}",
        message.text
    );
    assert_all_settled(&queue).await;
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
}
