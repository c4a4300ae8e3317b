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

#[tokio::test]
async fn bitu_migrate_creates_a_missing_database_or_says_who_must() {
    use bitu_testkit::process::run;
    use diesel_async::SimpleAsyncConnection;

    let ctx = TestContext::new().await;
    let name = format!("bitu_t_{}_new", ctx.id);
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
    let mut settings = ctx.settings.clone();
    settings.database.url = format!("{}/{name}", ctx.env.database_url.trim_end_matches('/'));
    let output = run("bitu", &ctx.write_config_with(&settings), &["migrate"]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("applied"));

    // An account that may not create databases gets the statement to ask for.
    let user = format!("bitu_t_{}", ctx.id);
    let mut root = AsyncMysqlConnection::establish(&ctx.env.database_url)
        .await
        .unwrap();
    root.batch_execute(&format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY 'pw-{user}'"
    ))
    .await
    .unwrap();
    let server = url::Url::parse(&ctx.env.database_url).unwrap();
    settings.database.url = format!(
        "mysql://{user}:pw-{user}@{}:{}/{name}",
        server.host_str().unwrap(),
        server.port().unwrap_or(3306)
    );
    let output = run("bitu", &ctx.write_config_with(&settings), &["migrate"]);
    root.batch_execute(&format!("DROP USER '{user}'@'%'"))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!("database `{name}` does not exist"))
            && stderr.contains("may not create it")
            && stderr.contains("CREATE DATABASE"),
        "{stderr}"
    );
}
