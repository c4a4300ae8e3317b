//! The job queue in-process against real MariaDB and Redis: the outbox commits with its
//! transaction, pushes are idempotent, and claim / retry / fail / reap keep every job.

use std::time::Duration;

use bitu_core::db;
use bitu_core::queue::{Envelope, Job, JobId, Probe, Queue, QueueName, WorkerId, outbox};
use bitu_testkit::TestContext;
use diesel_async::AsyncConnection;

use crate::jobs_support::fast_settings;

fn probe(label: &str) -> Job {
    Job::new(Probe {
        label: Some(label.into()),
        ..Probe::default()
    })
}

#[tokio::test]
async fn outbox_rows_exist_exactly_when_their_transaction_commits() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    let queue = Queue::new(services.redis.clone(), &ctx.settings);
    let mut conn = db::conn(&services.db).await.unwrap();

    let rolled_back: Result<(), bitu_core::Error> = conn
        .transaction(async |conn| {
            outbox::enqueue(conn, probe("t")).await?;
            Err(bitu_core::Error::Internal("the state change failed".into()))
        })
        .await;
    assert!(rolled_back.is_err());
    assert_eq!(outbox::pending(&services.db).await.unwrap(), 0);

    let envelopes: Vec<Envelope> = conn
        .transaction(async |conn| {
            let mut envelopes = Vec::new();
            for _ in 0..3 {
                envelopes.push(outbox::enqueue(conn, probe("t")).await?);
            }
            Ok::<_, bitu_core::Error>(envelopes)
        })
        .await
        .unwrap();
    drop(conn);
    assert_eq!(outbox::pending(&services.db).await.unwrap(), 3);

    assert_eq!(outbox::relay(&services.db, &queue).await.unwrap(), 3);
    assert_eq!(outbox::pending(&services.db).await.unwrap(), 0);
    assert_eq!(outbox::relay(&services.db, &queue).await.unwrap(), 0);
    // A relay that crashed before deleting its rows pushes them again: nothing new.
    assert_eq!(queue.push(&envelopes).await.unwrap(), 0);
    let listing = queue.list(10).await.unwrap();
    assert_eq!(listing.queued[0].0, QueueName::Default);
    assert_eq!(listing.queued[0].1, 3);
    // Oldest first, as they will be claimed.
    assert_eq!(listing.queued[0].2[0].id, envelopes[0].id);
}

#[tokio::test]
async fn claim_retry_complete_and_fail_keep_every_job() {
    let ctx = TestContext::new().await;
    let queue = Queue::new(ctx.services().redis, &fast_settings(&ctx));
    let worker = WorkerId::new();
    queue
        .heartbeat(&worker, Duration::from_secs(30))
        .await
        .unwrap();
    let first = queue.enqueue(probe("t")).await.unwrap();
    let second = queue.enqueue(probe("t")).await.unwrap();

    let claimed = queue.claim(&worker, &QueueName::ALL, 10).await.unwrap();
    assert_eq!(claimed.len(), 2);
    assert_eq!(claimed[0].id, first.id);
    assert_eq!(claimed[0].attempt, 1);
    let envelope = claimed[0].envelope.clone().unwrap().unwrap();
    assert_eq!(envelope.job, first.job);
    assert_eq!(queue.list(10).await.unwrap().running.len(), 2);

    // First: retried after a short delay, then done; a later push of it is ignored.
    queue
        .retry_later(&worker, &envelope, Duration::from_millis(50))
        .await
        .unwrap();
    assert_eq!(queue.list(10).await.unwrap().delayed.0, 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(queue.promote_due().await.unwrap(), 1);
    let again = queue.claim(&worker, &QueueName::ALL, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 2);
    assert!(queue.complete(&worker, &first.id).await.unwrap());
    assert_eq!(queue.push(std::slice::from_ref(&first)).await.unwrap(), 0);

    // Second: failed, listed with its reason, retried, failed again and dropped.
    queue
        .fail(&worker, &claimed[1], "probe", "it broke")
        .await
        .unwrap();
    let listing = queue.list(10).await.unwrap();
    assert!(listing.running.is_empty());
    assert_eq!(listing.failed.0, 1);
    assert_eq!(listing.failed.1[0].error, "it broke");
    assert_eq!(listing.failed.1[0].queue, QueueName::Default);
    queue.retry_failed(&second.id).await.unwrap();
    assert!(queue.retry_failed(&second.id).await.is_err());
    let claimed = queue.claim(&worker, &QueueName::ALL, 10).await.unwrap();
    assert_eq!(
        claimed[0].attempt, 1,
        "a retried failed job starts counting anew"
    );
    queue
        .fail(&worker, &claimed[0], "probe", "again")
        .await
        .unwrap();
    queue.drop_failed(&second.id).await.unwrap();
    assert!(queue.drop_failed(&second.id).await.is_err());
    assert_eq!(queue.push(std::slice::from_ref(&second)).await.unwrap(), 0);
    let listing = queue.list(10).await.unwrap();
    assert_eq!(listing.failed.0, 0);
    assert_eq!(listing.queued.iter().map(|q| q.1).sum::<usize>(), 0);
}

#[tokio::test]
async fn a_dead_workers_jobs_return_after_the_visibility_timeout() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.queue.visibility_timeout = Duration::from_millis(600);
    let queue = Queue::new(ctx.services().redis, &settings);
    let (dead, alive) = (WorkerId::new(), WorkerId::new());
    queue
        .heartbeat(&dead, Duration::from_millis(200))
        .await
        .unwrap();
    queue
        .heartbeat(&alive, Duration::from_secs(60))
        .await
        .unwrap();
    let job = queue.enqueue(probe("t")).await.unwrap();
    assert_eq!(
        queue.claim(&dead, &QueueName::ALL, 1).await.unwrap().len(),
        1
    );
    let other = queue.enqueue(probe("t")).await.unwrap();
    assert_eq!(
        queue.claim(&alive, &QueueName::ALL, 1).await.unwrap().len(),
        1
    );

    // Heartbeat expired but the job's timeout has not: a cut-off worker may still run it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(queue.reap().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(queue.reap().await.unwrap(), 1, "only the dead worker's job");
    assert_eq!(queue.reap().await.unwrap(), 0);
    let claimed = queue.claim(&alive, &QueueName::ALL, 5).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, job.id);
    assert_eq!(claimed[0].attempt, 2);
    // The dead worker's late acknowledgement changes nothing for the new owner.
    assert!(!queue.complete(&dead, &job.id).await.unwrap());
    assert!(queue.complete(&alive, &other.id).await.unwrap());
    // With nothing held any more, the dead worker is forgotten.
    assert_eq!(queue.reap().await.unwrap(), 0);
    let listing = queue.list(10).await.unwrap();
    assert!(
        listing.running.iter().all(|r| r.worker == alive.0),
        "{listing:?}"
    );
    assert!(
        !listing
            .running
            .iter()
            .any(|r| r.id == JobId(other.id.0.clone()))
    );
}

#[tokio::test]
async fn an_acknowledgement_can_claim_the_next_job_in_the_same_round_trip() {
    let ctx = TestContext::new().await;
    let queue = Queue::new(ctx.services().redis, &fast_settings(&ctx));
    let worker = WorkerId::new();
    let first = queue.enqueue(probe("t")).await.unwrap();
    let second = queue
        .push(&[Envelope::on_queue(probe("t"), QueueName::Notification)])
        .await
        .unwrap();
    assert_eq!(second, 1);
    let claimed = queue
        .claim(&worker, &[QueueName::Default], 5)
        .await
        .unwrap();
    assert_eq!(claimed[0].id, first.id);
    let (was_ours, next) = queue
        .complete_and_claim(&worker, &first.id, &QueueName::ALL)
        .await
        .unwrap();
    assert!(was_ours);
    let next = next.expect("the notification job");
    assert_eq!(next.queue, QueueName::Notification);
    assert_eq!(next.attempt, 1);
    let (was_ours, none) = queue
        .complete_and_claim(&worker, &next.id, &QueueName::ALL)
        .await
        .unwrap();
    assert!(was_ours && none.is_none());
    let listing = queue.list(5).await.unwrap();
    assert!(listing.running.is_empty(), "{listing:?}");
    assert_eq!(queue.push(std::slice::from_ref(&first)).await.unwrap(), 0);
}
