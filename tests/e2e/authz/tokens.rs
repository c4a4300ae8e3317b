//! API tokens: scopes and a lifetime chosen at creation, within the configured maximum;
//! expiry, scopes and last use shown; an expired token answers 401.

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext};

use super::support::{PASSWORD, token_with};

async fn tokens_page(browser: &Browser, fields: &[(&str, &str)]) -> String {
    browser
        .post_form("/account/tokens/", fields)
        .await
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn scopes_expiry_and_last_use_are_chosen_shown_and_enforced() {
    let ctx = TestContext::new().await;
    ctx.create_user("tess", "Tess Token", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("tess", PASSWORD).await;

    let refused = tokens_page(&browser, &[("name", "none")]).await;
    assert!(
        refused.contains("at least one thing the token may do"),
        "{refused}"
    );
    let refused = tokens_page(
        &browser,
        &[
            ("name", "long"),
            ("scope", "read_account"),
            ("lifetime_days", "366"),
        ],
    )
    .await;
    assert!(refused.contains("1 to 365 days"), "{refused}");
    let refused = tokens_page(&browser, &[("name", "odd"), ("scope", "make_coffee")]).await;
    assert!(refused.contains("unknown token scope"), "{refused}");

    let token = token_with(&browser, &["read_account"]).await;
    let page = browser.get("/account/tokens/").await.text().await.unwrap();
    assert!(
        page.contains("read_account") && page.contains("never"),
        "{page}"
    );
    let call = |path: &str| {
        reqwest::Client::new()
            .get(web.url(path))
            .header("Authorization", format!("Token {token}"))
            .send()
    };
    assert_eq!(call("/api/account").await.unwrap().status().as_u16(), 200);
    assert_eq!(call("/api/keys").await.unwrap().status().as_u16(), 200);
    assert_eq!(
        call("/signup/api/ip/192.0.2.1/")
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    let page = browser.get("/account/tokens/").await.text().await.unwrap();
    assert!(!page.contains(">never<"), "last use not shown: {page}");

    // Past its expiry the token is refused like an unknown one.
    {
        use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
        let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
            .await
            .unwrap();
        diesel::sql_query("UPDATE api_tokens SET expires_at = NOW() - INTERVAL 1 MINUTE")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert_eq!(call("/api/account").await.unwrap().status().as_u16(), 401);
    let page = browser.get("/account/tokens/").await.text().await.unwrap();
    assert!(page.contains("(expired)"), "{page}");
}
