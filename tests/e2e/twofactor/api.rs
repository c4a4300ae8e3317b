//! `POST /api/totp/` and the original's `/accounts/api/totp/`: answers for enabled, disabled
//! and unknown users, replay refused, callers without the `totp_check` scope refused; with
//! `[twofactor] enabled = false` none of it exists and the password alone signs in.

use bitu_testkit::{Browser, TestContext, WebProcess};
use serde_json::{Value, json};

use super::support::{PASSWORD, code, enrol, password_step, settings};
use crate::authz::support::token_with;

async fn check(web: &WebProcess, token: &str, user: &str, code: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(web.url("/api/totp/"))
        .header("Authorization", format!("Token {token}"))
        .json(&json!({"user": user, "token": code}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_check_api_answers_for_enabled_disabled_and_unknown_users() {
    let ctx = TestContext::new().await;
    for (uid, cn) in [
        ("ann", "Ann Api"),
        ("dora", "Dora Api"),
        ("svc", "Service Api"),
    ] {
        ctx.create_user(uid, cn, PASSWORD).await;
    }
    let settings = settings(&ctx);
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let ann = Browser::new(&web.base_url);
    ann.sign_in("ann", PASSWORD).await;
    let (secret, recovery) = enrol(&ann).await;
    let svc = Browser::new(&web.base_url);
    svc.sign_in("svc", PASSWORD).await;
    let checker = token_with(&svc, &["totp_check"]).await;
    let reader = token_with(&svc, &["read_account"]).await;

    let now = code(&secret, 0);
    assert_eq!(
        check(&web, &checker, "ann", &now).await,
        (200, json!({"user": "ann", "valid": true, "enabled": true}))
    );
    // Once per step, as at sign-in.
    assert_eq!(
        check(&web, &checker, "ann", &now).await.1["valid"],
        json!(false)
    );
    assert_eq!(
        check(&web, &checker, "ann", "123456").await.1,
        json!({"user": "ann", "valid": false, "enabled": true})
    );
    // A service never spends a recovery code.
    assert_eq!(
        check(&web, &checker, "ann", &recovery[0]).await.1["valid"],
        json!(false)
    );
    assert_eq!(
        check(&web, &checker, "dora", "123456").await.1,
        json!({"user": "dora", "valid": false, "enabled": false})
    );
    assert_eq!(
        check(&web, &checker, "nobody", "123456").await.1,
        json!({"user": "nobody", "valid": false, "enabled": false})
    );
    // Without the scope, without a token.
    assert_eq!(check(&web, &reader, "ann", &code(&secret, 1)).await.0, 403);
    let anonymous = reqwest::Client::new()
        .post(web.url("/api/totp/"))
        .json(&json!({"user": "ann", "token": "123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    // The original's path, with a form as its clients send.
    let legacy = reqwest::Client::new()
        .post(web.url("/accounts/api/totp/"))
        .header("Authorization", format!("Token {checker}"))
        .form(&[("user", "ann"), ("token", code(&secret, 1).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status().as_u16(), 200);
    let body: Value = legacy.json().await.unwrap();
    assert_eq!(body, json!({"user": "ann", "valid": true, "enabled": true}));

    // Turned off: no pages, no API, and the password alone signs in.
    let mut off = settings.clone();
    off.twofactor.enabled = false;
    let web_off = WebProcess::start(&ctx.write_config_with(&off)).await;
    assert_eq!(check(&web_off, &checker, "ann", "123456").await.0, 404);
    let browser = Browser::new(&web_off.base_url);
    assert_eq!(password_step(&browser, "ann").await, "/account/");
    assert_eq!(browser.get("/account/2fa/").await.status().as_u16(), 404);
    assert_eq!(
        browser.get("/accounts/2fa/").await.headers()["location"],
        "/account/2fa/"
    );
}
