//! Gerrit, GitLab and Phabricator through local fakes with a real bitu-rq: one system down
//! leaves the others done and the worker's retry completes it; a manager's "retry now" after
//! the worker gave up; bitu-rq killed mid-block; each system's effect happens once.

use std::time::Duration;

use bitu_core::Settings;
use bitu_core::audit::Actor;
use bitu_core::blocking::{self, ActionKind, BlockRequest, Progress, System, store};
use bitu_core::queue::Queue;
use bitu_testkit::TestContext;

use super::fake_systems::{FakeSystems, Health};
use super::support::{can_bind, user_with_everything};
use crate::jobs_support::{WorkerProcess, fast_settings, wait_until};

const LIMIT: Duration = Duration::from_secs(60);

pub(super) fn settings_with(ctx: &TestContext, fake: &FakeSystems) -> Settings {
    let mut settings = fast_settings(ctx);
    let dir = ctx.dir.path();
    settings.blocking.gerrit = fake.settings("gerrit", dir);
    settings.blocking.gitlab = fake.settings("gitlab", dir);
    settings.blocking.phabricator = fake.settings("phabricator", dir);
    settings
}

async fn ask(ctx: &TestContext, settings: &Settings, uid: &str, action: ActionKind) -> u64 {
    let services = ctx.services();
    let queue = Queue::new(services.redis.clone(), settings);
    blocking::request(
        &services,
        settings,
        &queue,
        &Actor::session("carol", None),
        &BlockRequest {
            uid,
            action,
            comment: "abuse",
            unset_email: false,
            move_keys: false,
        },
    )
    .await
    .unwrap()
}

/// The state of each system of action `id`.
async fn states(ctx: &TestContext, id: u64) -> Vec<(String, String, Option<String>)> {
    let action = store::action(&ctx.services().db, id).await.unwrap();
    store::history(&ctx.services().db, &action.uid)
        .await
        .unwrap()
        .into_iter()
        .find(|(a, _)| a.id == id)
        .unwrap()
        .1
        .into_iter()
        .map(|s| (s.system, s.state, s.reason))
        .collect()
}

async fn wait_for(
    ctx: &TestContext,
    id: u64,
    what: &str,
    check: impl Fn(&[(String, String, Option<String>)]) -> bool,
) {
    wait_until(what, LIMIT, || async { check(&states(ctx, id).await) }).await;
}

fn state_of<'a>(rows: &'a [(String, String, Option<String>)], system: &str) -> &'a str {
    rows.iter()
        .find(|r| r.0 == system)
        .map(|r| r.1.as_str())
        .unwrap_or("missing")
}

#[tokio::test]
async fn one_system_down_leaves_the_others_done_and_the_worker_retry_completes_it() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    user_with_everything(&ctx, &services, "ivy", "Ivy Integrated").await;
    let fake = FakeSystems::start("ivy", "Ivy Integrated").await;
    fake.set_health("gitlab", Health::Down);
    let mut settings = settings_with(&ctx, &fake);
    // Enough tries that the worker, not the test, brings it home.
    settings.queue.max_attempts = 50;
    let _worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;

    let id = ask(&ctx, &settings, "ivy", ActionKind::Block).await;
    wait_for(&ctx, id, "the others done, GitLab failed", |rows| {
        ["ldap", "gerrit", "phabricator"]
            .iter()
            .all(|s| state_of(rows, s) == "done")
            && state_of(rows, "gitlab") == "failed"
    })
    .await;
    let rows = states(&ctx, id).await;
    let reason = rows
        .iter()
        .find(|r| r.0 == "gitlab")
        .unwrap()
        .2
        .clone()
        .unwrap();
    assert!(reason.contains("503"), "{reason}");
    let history = store::history(&services.db, "ivy").await.unwrap();
    assert_eq!(
        blocking::progress(&history[0].1),
        Progress::PartiallyApplied
    );
    let failed = history[0].1.iter().find(|s| s.system == "gitlab").unwrap();
    assert!(failed.retry_at.is_some(), "{failed:?}");
    assert!(!can_bind(&ctx, "ivy").await);

    fake.set_health("gitlab", Health::Up);
    wait_for(&ctx, id, "GitLab done after the retry", |rows| {
        rows.iter().all(|r| r.1 == "done")
    })
    .await;
    assert!(fake.is_blocked("gerrit", "ivy"));
    assert!(fake.is_blocked("gitlab", "Ivy Integrated"));
    assert!(fake.is_blocked("phabricator", "Ivy Integrated"));
    for system in ["gerrit", "gitlab", "phabricator"] {
        let effects = fake.effects(system);
        assert_eq!(effects.len(), 1, "{system}: {effects:?}");
        assert!(
            effects[0].user_agent.starts_with("Bitu-blocking/"),
            "{effects:?}"
        );
    }

    // Unblock everywhere; then a second unblock finds everything already active.
    for _ in 0..2 {
        let id = ask(&ctx, &settings, "ivy", ActionKind::Unblock).await;
        wait_for(&ctx, id, "the unblock done", |rows| {
            rows.iter().all(|r| r.1 == "done")
        })
        .await;
    }
    assert!(can_bind(&ctx, "ivy").await);
    assert!(!fake.is_blocked("gerrit", "ivy"));
    assert!(!fake.is_blocked("gitlab", "Ivy Integrated"));
    assert!(!fake.is_blocked("phabricator", "Ivy Integrated"));
    assert_eq!(
        fake.effects("gerrit").len(),
        3,
        "a PUT per unblock, 201 then 200"
    );
    assert_eq!(fake.effects("gitlab").len(), 2);
    assert_eq!(fake.effects("phabricator").len(), 2);
}

#[tokio::test]
async fn a_slow_system_given_up_on_is_completed_by_retry_now() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    user_with_everything(&ctx, &services, "sal", "Sal Slow").await;
    let fake = FakeSystems::start("sal", "Sal Slow").await;
    fake.set_health("gerrit", Health::Slow);
    let mut settings = settings_with(&ctx, &fake);
    settings.queue.max_attempts = 1;
    let _worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;

    let id = ask(&ctx, &settings, "sal", ActionKind::Block).await;
    wait_for(&ctx, id, "Gerrit given up on", |rows| {
        state_of(rows, "gerrit") == "failed" && rows.iter().filter(|r| r.1 == "done").count() == 3
    })
    .await;
    let rows = states(&ctx, id).await;
    let reason = rows
        .iter()
        .find(|r| r.0 == "gerrit")
        .unwrap()
        .2
        .clone()
        .unwrap();
    assert!(reason.contains("timed out"), "{reason}");
    // The job gave up: no time for a next try (the row gets it when the failed set is written).
    wait_until("no retry time", LIMIT, || async {
        let history = store::history(&services.db, "sal").await.unwrap();
        history[0]
            .1
            .iter()
            .any(|s| s.system == "gerrit" && s.retry_at.is_none())
    })
    .await;

    fake.set_health("gerrit", Health::Up);
    let queue = Queue::new(services.redis.clone(), &settings);
    blocking::retry_now(&services, &queue, id, System::Gerrit)
        .await
        .unwrap();
    wait_for(&ctx, id, "Gerrit done after retry now", |rows| {
        rows.iter().all(|r| r.1 == "done")
    })
    .await;
    assert!(fake.is_blocked("gerrit", "sal"));
}

#[tokio::test]
async fn a_block_cut_short_by_killing_bitu_rq_completes_after_restart_once_per_system() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    user_with_everything(&ctx, &services, "kim", "Kim Killed").await;
    let fake = FakeSystems::start("kim", "Kim Killed").await;
    fake.set_health("phabricator", Health::Slow);
    let mut settings = settings_with(&ctx, &fake);
    settings.queue.max_attempts = 50;
    let config = ctx.write_config_with(&settings);
    let mut worker = WorkerProcess::start(&config, &[]).await;

    let id = ask(&ctx, &settings, "kim", ActionKind::Block).await;
    wait_for(&ctx, id, "everything but Phabricator done", |rows| {
        rows.iter().filter(|r| r.1 == "done").count() == 3
    })
    .await;
    // Phabricator's call is in flight (it answers slowly): kill the worker now.
    worker.kill();
    fake.set_health("phabricator", Health::Up);
    let _worker = WorkerProcess::start(&config, &[]).await;
    wait_for(&ctx, id, "the block completed after the restart", |rows| {
        rows.iter().all(|r| r.1 == "done")
    })
    .await;
    assert!(!can_bind(&ctx, "kim").await);
    for system in ["gerrit", "gitlab", "phabricator"] {
        let effects = fake.effects(system);
        assert!(effects.len() <= 1, "{system}: {effects:?}");
    }
    assert!(fake.is_blocked("phabricator", "Kim Killed"));
    assert_eq!(fake.effects("gerrit").len(), 1);
    assert_eq!(fake.effects("gitlab").len(), 1);
}
