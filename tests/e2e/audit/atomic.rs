//! A change and its audit row commit together: with the row's INSERT held back (the test
//! locks `audit_log`) and the service's connection then killed, neither the change nor the
//! row exists; for a directory change, the directory is untouched.

use std::future::Future;
use std::time::{Duration, Instant};

use bitu_core::account::password::ssha;
use bitu_core::account::tokens::NewToken;
use bitu_core::account::{attributes, tokens};
use bitu_core::audit::Actor;
use bitu_core::authz::Scope;
use bitu_core::directory::Directory;
use bitu_core::signup::store::{self, NewSignup};
use bitu_testkit::TestContext;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text, Unsigned};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl, SimpleAsyncConnection};

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Unsigned<BigInt>)]
    id: u64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn connect(ctx: &TestContext) -> AsyncMysqlConnection {
    AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap()
}

async fn count(ctx: &TestContext, table: &str) -> i64 {
    let mut conn = connect(ctx).await;
    let found: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .get_result(&mut conn)
        .await
        .unwrap();
    found.n
}

fn database_name(ctx: &TestContext) -> String {
    ctx.settings
        .database
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

/// Runs `change` while `audit_log` is locked; once its connection waits on the audit row's
/// INSERT (everything before it written), kills that connection; returns `change`'s result.
async fn killed_at_the_audit_row<T>(
    ctx: &TestContext,
    change: impl Future<Output = bitu_core::Result<T>> + Send + 'static,
) -> bitu_core::Result<T>
where
    T: Send + 'static,
{
    let mut locker = connect(ctx).await;
    locker
        .batch_execute("LOCK TABLES audit_log WRITE")
        .await
        .unwrap();
    let task = tokio::spawn(change);
    let database = database_name(ctx);
    let started = Instant::now();
    let waiting = loop {
        let found: Vec<Id> = diesel::sql_query(
            "SELECT ID AS id FROM information_schema.PROCESSLIST \
             WHERE DB = ? AND INFO LIKE '%audit_log%' AND ID <> CONNECTION_ID()",
        )
        .bind::<Text, _>(&database)
        .load(&mut locker)
        .await
        .unwrap();
        if let Some(row) = found.into_iter().next() {
            break row.id;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the change never reached its audit row"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    locker
        .batch_execute(&format!("KILL CONNECTION {waiting}"))
        .await
        .unwrap();
    locker.batch_execute("UNLOCK TABLES").await.unwrap();
    task.await.unwrap()
}

fn new_token(name: &str) -> NewToken<'_> {
    NewToken {
        name,
        scopes: &[Scope::ReadAccount],
        lifetime_days: None,
    }
}

#[tokio::test]
async fn a_connection_killed_at_the_audit_row_leaves_neither_change_nor_row() {
    let ctx = TestContext::new().await;
    ctx.create_user("tess", "Tess Atomic", &ssha("x")).await;
    let services = ctx.services();
    let actor = Actor::session("tess", None);

    // A database change: the token row goes with its audit row.
    let (pool, who) = (services.db.clone(), actor.clone());
    let token_settings = ctx.settings.api_tokens.clone();
    let outcome = killed_at_the_audit_row(&ctx, async move {
        tokens::create(&pool, &token_settings, &who, "tess", &new_token("doomed")).await
    })
    .await;
    assert!(outcome.is_err(), "the killed transaction cannot succeed");
    assert_eq!(count(&ctx, "api_tokens").await, 0);
    assert_eq!(count(&ctx, "audit_log").await, 0);

    // A sign-up: its row and its activation mail job go too.
    let pool = services.db.clone();
    let outcome = killed_at_the_audit_row(&ctx, async move {
        let signup = NewSignup {
            cn: "Doomed".into(),
            uid: "doomed".into(),
            mail: "doomed@example.org".into(),
            password_hash: "{SSHA}x".into(),
        };
        let job = |_, _: &str| {
            bitu_core::queue::Job::new(bitu_core::queue::ProvisionAccount { signup_id: 0 })
        };
        store::create(
            &pool,
            &Actor::anonymous(None),
            &signup,
            chrono::TimeDelta::hours(1),
            job,
        )
        .await
    })
    .await;
    assert!(outcome.is_err());
    assert_eq!(count(&ctx, "signups").await, 0);
    assert_eq!(count(&ctx, "job_outbox").await, 0);
    assert_eq!(count(&ctx, "audit_log").await, 0);

    // A directory change: the row is written first, so the directory was never touched.
    let (pool, who) = (services.db.clone(), actor.clone());
    let directory = services.directory.clone();
    let editable = ctx.settings.account.editable.clone();
    let outcome = killed_at_the_audit_row(&ctx, async move {
        attributes::change(
            &pool,
            &directory,
            &editable,
            &who,
            "tess",
            "loginShell",
            "/bin/zsh",
        )
        .await
    })
    .await;
    assert!(outcome.is_err());
    assert_eq!(count(&ctx, "audit_log").await, 0);
    let shell = || async {
        let directory = Directory::new(ctx.settings.ldap.clone()).unwrap();
        let user = directory.find_user_by_uid("tess").await.unwrap().unwrap();
        bitu_core::directory::Entry::first(&user.entry, "loginShell")
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(shell().await, "/bin/bash");

    // The same calls, not interrupted, write both: the test above was not vacuous.
    let fresh = ctx.services();
    tokens::create(
        &fresh.db,
        &ctx.settings.api_tokens,
        &actor,
        "tess",
        &new_token("kept"),
    )
    .await
    .unwrap();
    attributes::change(
        &fresh.db,
        &fresh.directory,
        &ctx.settings.account.editable,
        &actor,
        "tess",
        "loginShell",
        "/bin/zsh",
    )
    .await
    .unwrap();
    assert_eq!(count(&ctx, "api_tokens").await, 1);
    assert_eq!(count(&ctx, "audit_log").await, 2);
    assert_eq!(shell().await, "/bin/zsh");
}
