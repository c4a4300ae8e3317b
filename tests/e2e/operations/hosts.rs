//! Web failover is DNS: two bitu-web processes serve the same people interchangeably
//! (sessions and captchas in MariaDB, rate limits in Redis), and a standby answers to the
//! service name in the Host header.

use bitu_core::account::password::ssha;
use bitu_core::signup::captcha;
use bitu_testkit::{Browser, TestContext, WebProcess};

const PASSWORD: &str = "Velvet-Tundra-Compass-81";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_web_processes_serve_the_same_signed_in_user_interchangeably() {
    let ctx = TestContext::new().await;
    ctx.create_user("twohost", "Two Host", &ssha(PASSWORD))
        .await;
    let mut settings = ctx.settings.clone();
    settings.rate_limit.signin_failures_per_ip = 4;
    let config = ctx.write_config_with(&settings);
    let (a, b) = (
        WebProcess::start(&config).await,
        WebProcess::start(&config).await,
    );

    // Signed in on A, the same browser is signed in on B, back and forth.
    let mut browser = Browser::new(&a.base_url);
    browser.sign_in("twohost", PASSWORD).await;
    for round in 0..6u32 {
        let base = if round.is_multiple_of(2) { &b } else { &a };
        browser.set_base_url(&base.base_url);
        let page = browser.get("/account/").await;
        assert_eq!(
            page.status().as_u16(),
            200,
            "round {round} on {}",
            base.base_url
        );
        assert!(page.text().await.unwrap().contains("twohost"));
    }
    // A form from A's page posted to B passes B's CSRF check; signing out on B ends it on A.
    browser.set_base_url(&b.base_url);
    let out = browser.post_form("/logout/", &[]).await;
    assert_eq!(out.status().as_u16(), 303);
    browser.set_base_url(&a.base_url);
    assert_eq!(browser.get("/account/").await.status().as_u16(), 302);

    // Failures on both count against one limit.
    for web in [&a, &b, &a, &b] {
        let guess = Browser::new(&web.base_url);
        let response = guess
            .post_form("/login/", &[("name", "twohost"), ("password", "guess")])
            .await;
        assert_eq!(response.status().as_u16(), 200);
    }
    let limited = Browser::new(&b.base_url)
        .post_form("/login/", &[("name", "twohost"), ("password", PASSWORD)])
        .await;
    assert_eq!(limited.status().as_u16(), 429, "rate limit not shared");

    // A captcha shown by A is answered on B.
    let signup = Browser::new(&a.base_url);
    let page = signup.get("/signup/").await.text().await.unwrap();
    let id = page
        .split("name=\"captcha_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("captcha id in the form")
        .to_string();
    let pool = bitu_core::db::build_pool(&settings.database).unwrap();
    let answer = captcha::answer_for_tests(&pool, &id)
        .await
        .unwrap()
        .unwrap();
    let mut signup = signup;
    signup.set_base_url(&b.base_url);
    let email = ctx.mailbox.address("newhost");
    let stored = signup
        .post_form(
            "/signup/",
            &[
                ("cn", "New Host"),
                ("uid", "newhost"),
                ("email", &email),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
                ("captcha_id", &id),
                ("captcha", &answer.to_lowercase()),
            ],
        )
        .await;
    assert_eq!(stored.status().as_u16(), 303, "captcha from A refused by B");
}

#[tokio::test]
async fn a_standby_answers_to_the_service_name_in_the_host_header() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    // Only the service name is configured, as on a production host.
    settings.site.base_url = "https://idm.example.org".into();
    settings.site.allowed_hosts = vec!["idm.example.org".into()];
    let standby = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let client = reqwest::Client::new();
    let get = |host: &'static str| {
        client
            .get(standby.url("/healthz"))
            .header("Host", host)
            .send()
    };
    assert_eq!(get("idm.example.org").await.unwrap().status().as_u16(), 200);
    assert_eq!(
        get("idm.example.org:443").await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(
        get("standby.example.net").await.unwrap().status().as_u16(),
        400
    );

    // The service name of base_url counts even when allowed_hosts forgot it.
    settings.site.allowed_hosts = vec!["localhost".into()];
    let forgetful = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let response = client
        .get(forgetful.url("/healthz"))
        .header("Host", "idm.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
