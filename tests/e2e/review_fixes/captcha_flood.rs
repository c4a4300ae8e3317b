//! Captchas are rows: a client gets at most `[rate_limit] captchas_per_ip` per window (the
//! form and the refresh endpoint inserted one per call without limit), and expired ones go.

use bitu_testkit::{Browser, TestContext};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl, SimpleAsyncConnection};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn captchas(ctx: &TestContext, condition: &str) -> i64 {
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    let found: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM signup_captchas WHERE {condition}"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    found.n
}

#[tokio::test]
async fn a_client_gets_a_bounded_number_of_captchas_and_expired_ones_are_purged() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.rate_limit.captchas_per_ip = 6;
    let web = bitu_testkit::WebProcess::start(&ctx.write_config_with(&settings)).await;
    // Expired challenges left behind, as a flood or a quiet week would leave them.
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    let rows: Vec<String> = (0..25)
        .map(|n| format!("(UNHEX('{n:032x}'), 'AAAAA', UTC_TIMESTAMP() - INTERVAL 1 HOUR)"))
        .collect();
    conn.batch_execute(&format!(
        "INSERT INTO signup_captchas (id, answer, expires_at) VALUES {}",
        rows.join(", ")
    ))
    .await
    .unwrap();

    let browser = Browser::new(&web.base_url);
    assert_eq!(browser.get("/signup/").await.status().as_u16(), 200);
    for _ in 0..5 {
        let response = browser.get("/signup/captcha/new/").await;
        assert_eq!(response.status().as_u16(), 200);
    }
    assert_eq!(
        browser.get("/signup/captcha/new/").await.status().as_u16(),
        429
    );
    assert_eq!(browser.get("/signup/").await.status().as_u16(), 429);
    assert_eq!(captchas(&ctx, "expires_at > UTC_TIMESTAMP()").await, 6);
    // Each challenge handed out deleted up to ten expired ones: all 25 are gone.
    assert_eq!(captchas(&ctx, "expires_at <= UTC_TIMESTAMP()").await, 0);
}
