//! Migrations: applied once under the lock, even by two hosts at once; daemons refuse to run
//! on a schema that is behind.

use std::time::Duration;

use bitu_core::db::{self, lock, migrate};
use bitu_testkit::TestContext;
use diesel_async::{AsyncConnection, AsyncMysqlConnection};

/// A new empty database next to the test's own; returns its name and URL.
async fn empty_database(ctx: &TestContext, suffix: &str) -> (String, String) {
    let name = format!("bitu_t_{}_{suffix}", ctx.id);
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
    let mut conn = AsyncMysqlConnection::establish(&ctx.env.database_url)
        .await
        .unwrap();
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut conn,
        &format!("CREATE DATABASE {name}"),
    )
    .await
    .unwrap();
    let url = format!("{}/{name}", ctx.env.database_url.trim_end_matches('/'));
    (name, url)
}

#[tokio::test]
async fn two_hosts_migrating_at_once_apply_each_migration_once() {
    let ctx = TestContext::new().await;
    let (name, url) = empty_database(&ctx, "race").await;
    let (a, b) = tokio::join!(
        migrate::run_pending(&url, Duration::from_secs(60)),
        migrate::run_pending(&url, Duration::from_secs(60)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(!a.is_empty() || !b.is_empty());
    assert!(a.is_empty() || b.is_empty(), "both applied: {a:?} {b:?}");
    let mut conn = AsyncMysqlConnection::establish(&url).await.unwrap();
    assert!(migrate::pending(&mut conn).await.unwrap().is_empty());
    migrate::ensure_current(&mut conn).await.unwrap();
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
}

#[tokio::test]
async fn migrate_waits_for_the_lock_holder() {
    let ctx = TestContext::new().await;
    let (name, url) = empty_database(&ctx, "lock").await;
    let mut holder = AsyncMysqlConnection::establish(&url).await.unwrap();
    assert!(
        lock::acquire(&mut holder, "bitu-migrate", Duration::from_secs(1))
            .await
            .unwrap()
    );
    let err = migrate::run_pending(&url, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("another host is migrating"),
        "{err}"
    );

    let waiting = tokio::spawn({
        let url = url.clone();
        async move { migrate::run_pending(&url, Duration::from_secs(30)).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "migrate ran while the lock was held"
    );
    lock::release(&mut holder, "bitu-migrate").await.unwrap();
    let applied = waiting.await.unwrap().unwrap();
    assert!(!applied.is_empty());
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
}

#[tokio::test]
async fn schema_behind_is_detected() {
    let ctx = TestContext::new().await;
    let (name, url) = empty_database(&ctx, "behind").await;
    let mut conn = AsyncMysqlConnection::establish(&url).await.unwrap();
    let err = migrate::ensure_current(&mut conn).await.unwrap_err();
    assert!(err.to_string().contains("bitu migrate"), "{err}");
    // The test's own database is a migrated clone.
    let pool = db::build_pool(&ctx.settings.database).unwrap();
    let mut conn = db::conn(&pool).await.unwrap();
    migrate::ensure_current(&mut conn).await.unwrap();
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
}
