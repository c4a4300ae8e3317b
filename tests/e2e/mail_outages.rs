//! Mail and Redis outages end to end: jobs written through the outbox while Redis is down are
//! all delivered once it is back; mail waits out an SMTP outage and arrives once; a permanent
//! rejection lands in the failed set with the address masked.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bitu_core::Services;
use bitu_core::config::{KindSettings, MailTransportKind};
use bitu_core::db;
use bitu_core::mail::{Mailer, Message};
use bitu_core::queue::{Envelope, Job, Queue, SendMail, outbox};
use bitu_testkit::process::free_port;
use bitu_testkit::{TcpProxy, TestContext};
use diesel_async::AsyncConnection;

use crate::jobs_support::{WorkerProcess, bitu, fast_settings, wait_until};

fn activation(ctx: &TestContext, name: &str) -> Job {
    Job::new(SendMail {
        dedup_key: format!("activation:{name}"),
        message: Message::Activation {
            to: ctx.mailbox.address(name),
            developer_name: name.into(),
            subject: String::new(),
            signup_id: 1,
            token: format!("token-{name}"),
        },
        lang: String::new(),
    })
}

fn patient_mail(settings: &mut bitu_core::Settings) {
    settings.queue.kinds.insert(
        "send_mail".into(),
        KindSettings {
            max_attempts: Some(100),
            ..KindSettings::default()
        },
    );
}

/// Every test mail arrived exactly once.
fn assert_once_each(ctx: &TestContext, names: &[String]) {
    let messages = ctx.mailbox.messages();
    assert_eq!(messages.len(), names.len(), "mail count");
    for name in names {
        let address = ctx.mailbox.address(name);
        assert_eq!(ctx.mailbox.messages_to(&address).len(), 1, "{address}");
    }
}

#[tokio::test]
async fn jobs_enqueued_through_the_outbox_while_redis_is_down_are_all_delivered() {
    let ctx = TestContext::new().await;
    let redis_host = ctx.env.redis_url.trim_start_matches("redis://");
    let proxy = TcpProxy::start(redis_host.trim_end_matches('/')).await;
    let mut settings = fast_settings(&ctx);
    settings.redis.url = proxy.url("redis");
    settings.redis.timeout = Duration::from_secs(1);
    patient_mail(&mut settings);
    let services = Services::new(&settings).unwrap();
    let queue = Queue::new(services.redis.clone(), &settings);
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;

    proxy.down();
    let names: Vec<String> = (0..100).map(|n| format!("signup{n}")).collect();
    let mut conn = db::conn(&services.db).await.unwrap();
    for (n, name) in names.iter().enumerate() {
        let job = activation(&ctx, name);
        // As a signup request would: the state change and its job in one transaction.
        let envelope: Envelope = conn
            .transaction(async |conn| outbox::enqueue(conn, job).await)
            .await
            .unwrap();
        if n % 25 == 0 {
            // The request's push after the commit fails; the request itself has succeeded.
            let pushed = outbox::push_committed(&services.db, &queue, &[envelope]).await;
            assert!(pushed.is_err());
        }
    }
    drop(conn);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(outbox::pending(&services.db).await.unwrap(), 100);
    assert!(ctx.mailbox.messages().is_empty());

    proxy.up();
    ctx.mailbox.wait_for(100, Duration::from_secs(180)).await;
    wait_until("an empty outbox", Duration::from_secs(10), || async {
        outbox::pending(&services.db).await.unwrap() == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_once_each(&ctx, &names);
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
    assert!(
        worker.log().contains("outbox relay"),
        "the relay noticed the outage"
    );
}

#[tokio::test]
async fn mail_waits_out_an_smtp_outage_and_arrives_once() {
    let ctx = TestContext::new().await;
    let sink = format!("{}:{}", ctx.env.smtp_host, ctx.env.smtp_port);
    let proxy = TcpProxy::start(&sink).await;
    let mut settings = fast_settings(&ctx);
    settings.mail.smtp.host = proxy.addr.ip().to_string();
    settings.mail.smtp.port = proxy.addr.port();
    patient_mail(&mut settings);
    let queue = Queue::new(ctx.services().redis, &settings);
    proxy.down();
    let mut worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    let names: Vec<String> = (0..20).map(|n| format!("patient{n}")).collect();
    let envelopes: Vec<Envelope> = names
        .iter()
        .map(|name| Envelope::new(activation(&ctx, name)))
        .collect();
    queue.push(&envelopes).await.unwrap();
    wait_until(
        "every mail to fail once",
        Duration::from_secs(20),
        || async { worker.log().matches("will retry").count() >= 20 },
    )
    .await;
    assert!(ctx.mailbox.messages().is_empty());
    assert!(
        worker.log().contains("mail server unavailable"),
        "{}",
        worker.log()
    );

    proxy.up();
    ctx.mailbox.wait_for(20, Duration::from_secs(30)).await;
    wait_until("every job settled", Duration::from_secs(10), || async {
        let listing = queue.list(1).await.unwrap();
        listing.delayed.0 == 0 && listing.running.is_empty() && listing.queued[1].1 == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_once_each(&ctx, &names);
    assert_eq!(queue.list(1).await.unwrap().failed.0, 0);
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
}

/// A second aiosmtpd that answers every RCPT with 550; killed on drop.
struct RejectingSink {
    child: Child,
    port: u16,
}

impl RejectingSink {
    async fn start(ctx: &TestContext) -> RejectingSink {
        let state = ctx.env.maildir.parent().unwrap();
        let python = state.join("venv/bin/python");
        let port = free_port();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "smtp_reject.RejectAll"])
            .env(
                "PYTHONPATH",
                bitu_testkit::env::repo_root().join("packaging/dev"),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "rejecting sink did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        RejectingSink { child, port }
    }
}

impl Drop for RejectingSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_permanent_rejection_lands_in_the_failed_set_with_the_address_masked() {
    let ctx = TestContext::new().await;
    let sink = RejectingSink::start(&ctx).await;
    let mut settings = fast_settings(&ctx);
    settings.mail.smtp.host = "127.0.0.1".into();
    settings.mail.smtp.port = sink.port;
    settings.queue.max_attempts = 3;
    let queue = Queue::new(ctx.services().redis, &settings);
    let envelope = queue.enqueue(activation(&ctx, "refused")).await.unwrap();
    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &[]).await;
    wait_until("the failed mail", Duration::from_secs(20), || async {
        queue.list(1).await.unwrap().failed.0 == 1
    })
    .await;
    let (ok, text) = bitu(&config, &["jobs"]);
    assert!(ok, "{text}");
    let address = ctx.mailbox.address("refused");
    assert!(text.contains(&envelope.id.0), "{text}");
    assert!(
        text.contains("send_mail  queue notification, 3 attempt(s)"),
        "{text}"
    );
    assert!(text.contains("gave up after 3 attempt(s)"), "{text}");
    assert!(text.contains("rejected"), "{text}");
    assert!(text.contains("550"), "{text}");
    assert!(text.contains("r***@example.org"), "{text}");
    assert!(!text.contains(&address), "address not masked: {text}");
    assert!(worker.terminate(Duration::from_secs(15)).await.0.success());
    let log = worker.log();
    assert!(log.contains("job failed for good"), "{log}");
    assert!(
        !log.contains(&address),
        "address not masked in the log: {log}"
    );
    assert!(ctx.mailbox.messages().is_empty());
}

#[tokio::test]
async fn the_file_transport_writes_one_eml_per_message() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.mail.transport = MailTransportKind::File;
    settings.mail.file_dir = ctx.dir.path().join("outbox");
    std::fs::create_dir_all(&settings.mail.file_dir).unwrap();
    let mailer = Mailer::new(&settings).unwrap();
    let mail: SendMail = activation(&ctx, "filed").args().unwrap();
    let rendered = mailer.render(&mail.message).unwrap();
    mailer.send(&rendered, "job-1").await.unwrap();
    mailer.send(&rendered, "job-1").await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&settings.mail.file_dir)
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "a rerun overwrites its own file");
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(
        text.contains("Subject: Activate your Bitu account"),
        "{text}"
    );
    assert!(text.contains("Message-ID: <job-1@localhost>"), "{text}");
}
