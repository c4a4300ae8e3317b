//! Audit rows past `[audit] retention` are deleted by bitu-expire; younger ones stay.

use std::time::Duration;

use bitu_testkit::TestContext;
use bitu_testkit::process::run;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl, SimpleAsyncConnection};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[tokio::test]
async fn bitu_expire_deletes_audit_rows_past_the_retention_in_batches() {
    let ctx = TestContext::new().await;
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    // 2,500 rows of 40 days ago (more than two batches) and 3 of 20 days ago.
    let old: Vec<String> = (0..2_500)
        .map(|n| {
            format!(
                "(NOW(6) - INTERVAL 40 DAY, 'u{n}', 'session', 'account.password.change', \
                 'user', 'u{n}', 'u{n}', 'success', '{{}}')"
            )
        })
        .collect();
    let young: Vec<String> = (0..3)
        .map(|n| {
            format!(
                "(NOW(6) - INTERVAL 20 DAY, 'y{n}', 'session', 'key.add', 'key', 'SHA256:{n}', \
                 'y{n}', 'success', '{{}}')"
            )
        })
        .collect();
    conn.batch_execute(&format!(
        "INSERT INTO audit_log (at, actor_uid, actor_kind, action, target_kind, target, \
         subject_uid, outcome, detail) VALUES {}",
        old.iter()
            .chain(&young)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .await
    .unwrap();

    let mut settings = ctx.settings.clone();
    settings.audit.retention = Duration::from_secs(30 * 24 * 3600);
    let config = ctx.write_config_with(&settings);
    let output = run("bitu-expire", &config, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let left: Vec<Count> = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM audit_log UNION ALL \
         SELECT COUNT(*) FROM audit_log WHERE actor_uid LIKE 'y%'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!((left[0].n, left[1].n), (3, 3), "exactly the old rows go");

    // The default keeps two years: a second run with it deletes nothing more.
    let output = run("bitu-expire", &ctx.write_config(), &[]);
    assert!(output.status.success());
    let left: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM audit_log")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(left.n, 3);
}
