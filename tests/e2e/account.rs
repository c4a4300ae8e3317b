//! Sign-in, sessions and account self-service through the running bitu-web.

use std::time::{Duration, Instant};

use bitu_core::account::password::{argon2, ssha};
use bitu_testkit::{Browser, TestContext, WebProcess};

const PASSWORD: &str = "Quiet-Otter-Harbour-42";

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

/// A lower-case `{ssha}` scheme, as the original Bitu also wrote.
fn lower_ssha(password: &str) -> String {
    ssha(password).replacen("{SSHA}", "{ssha}", 1)
}

#[tokio::test]
async fn sign_in_by_cn_or_uid_with_every_hash_scheme() {
    let ctx = TestContext::new().await;
    ctx.create_user("ssha", "Sam Ssha", &ssha(PASSWORD)).await;
    ctx.create_user("lowssha", "Lou Ssha", &lower_ssha(PASSWORD))
        .await;
    ctx.create_user("argon", "Ari Argon", &argon2(PASSWORD).unwrap())
        .await;
    let web = ctx.start_web().await;
    for (name, uid) in [
        ("ssha", "ssha"),
        ("Sam Ssha", "ssha"),
        ("lowssha", "lowssha"),
        ("Lou Ssha", "lowssha"),
        ("argon", "argon"),
        ("Ari Argon", "argon"),
    ] {
        let browser = Browser::new(&web.base_url);
        let response = browser.sign_in(name, PASSWORD).await;
        assert_eq!(location(&response), "/account/");
        let page = body(browser.get("/account/").await).await;
        assert!(page.contains(&format!("({uid})")), "{name}: nav lacks uid");
    }
}

#[tokio::test]
async fn failures_look_alike_and_the_sixth_is_rate_limited() {
    let ctx = TestContext::new().await;
    ctx.create_user("victim", "Victim", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);

    let mut timings = Vec::new();
    for name in ["victim", "nobody-at-all"] {
        let started = Instant::now();
        let response = browser
            .post_form(
                "/login/",
                &[("name", name), ("password", "wrong-password"), ("next", "")],
            )
            .await;
        timings.push(started.elapsed());
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            body(response)
                .await
                .contains("Wrong developer account name, username or password.")
        );
    }
    let gap = timings[0].abs_diff(timings[1]);
    assert!(
        gap < Duration::from_millis(150),
        "timings differ: {timings:?}"
    );

    // Three more failures for the account reach the limit of five; the sixth is refused.
    for _ in 0..3 {
        let response = browser
            .post_form(
                "/login/",
                &[("name", "victim"), ("password", "nope"), ("next", "")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 200);
    }
    let response = browser
        .post_form(
            "/login/",
            &[("name", "victim"), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 429);
}

#[tokio::test]
async fn a_session_survives_a_restart_and_ends_at_sign_out() {
    let ctx = TestContext::new().await;
    ctx.create_user("sam", "Sam", &ssha(PASSWORD)).await;
    let config = ctx.write_config();
    let mut web = WebProcess::start(&config).await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("sam", PASSWORD).await;
    let cookie = browser.cookie("bitu_session").unwrap();

    web.kill();
    let web = WebProcess::start_on(&config, web.port()).await;
    let response = browser.get("/account/").await;
    assert_eq!(response.status().as_u16(), 200, "signed out by a restart");

    let response = browser.post_form("/logout/", &[]).await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(browser.get("/account/").await.status().as_u16(), 302);
    // The old cookie, replayed, is worth nothing: its row is gone.
    let replay = Browser::new(&web.base_url);
    replay.set_cookie("bitu_session", &cookie);
    assert_eq!(replay.get("/account/").await.status().as_u16(), 302);
}

/// Deletes every session row behind bitu-web's back, as `DELETE FROM web_sessions` would.
async fn delete_all_sessions(ctx: &TestContext) {
    use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    conn.batch_execute("DELETE FROM web_sessions")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_session_deleted_in_the_database_ends_within_the_cache_ttl() {
    let ctx = TestContext::new().await;
    ctx.create_user("del", "Del", &ssha(PASSWORD)).await;
    let mut settings = ctx.settings.clone();
    settings.session.cache_ttl = Duration::from_millis(500);
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("del", PASSWORD).await;
    assert_eq!(browser.get("/account/").await.status().as_u16(), 200);
    delete_all_sessions(&ctx).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(browser.get("/account/").await.status().as_u16(), 302);

    // Without the cache, the row is read on every request.
    settings.session.cache_ttl = Duration::ZERO;
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("del", PASSWORD).await;
    assert_eq!(browser.get("/account/").await.status().as_u16(), 200);
    delete_all_sessions(&ctx).await;
    assert_eq!(browser.get("/account/").await.status().as_u16(), 302);
}

#[tokio::test]
async fn an_expired_session_sends_back_to_sign_in_keeping_next() {
    let ctx = TestContext::new().await;
    ctx.create_user("idle", "Idle", &ssha(PASSWORD)).await;
    let mut settings = ctx.settings.clone();
    settings.session.idle_timeout = Duration::from_secs(2);
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("idle", PASSWORD).await;
    assert_eq!(browser.get("/account/tokens/").await.status().as_u16(), 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let response = browser.get("/account/tokens/").await;
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(location(&response), "/login/?next=%2Faccount%2Ftokens%2F");
    let response = browser
        .post_form(
            "/login/",
            &[
                ("name", "idle"),
                ("password", PASSWORD),
                ("next", "/account/tokens/"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account/tokens/");
}

#[tokio::test]
async fn open_redirects_land_on_the_account_page() {
    let ctx = TestContext::new().await;
    ctx.create_user("nora", "Nora", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    for next in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "\\\\evil",
        "javascript:x",
    ] {
        let browser = Browser::new(&web.base_url);
        let response = browser
            .post_form(
                "/login/",
                &[("name", "nora"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(location(&response), "/account/", "next = {next:?}");
    }
}

#[tokio::test]
async fn every_post_without_a_valid_csrf_token_is_refused() {
    let ctx = TestContext::new().await;
    ctx.create_user("carl", "Carl", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("carl", PASSWORD).await;
    let posts: &[(&str, &[(&str, &str)])] = &[
        ("/login/", &[("name", "carl"), ("password", PASSWORD)]),
        ("/logout/", &[]),
        (
            "/account/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password", "x"),
                ("new_password_again", "x"),
            ],
        ),
        ("/account/tokens/", &[("name", "t")]),
        ("/account/attribute/loginShell/", &[("value", "/bin/zsh")]),
    ];
    for (path, fields) in posts {
        let response = browser.post_form_raw(path, fields).await;
        assert_eq!(response.status().as_u16(), 403, "{path} without token");
        let mut with_wrong: Vec<(&str, &str)> = fields.to_vec();
        with_wrong.push(("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        let response = browser.post_form_raw(path, &with_wrong).await;
        assert_eq!(response.status().as_u16(), 403, "{path} with a wrong token");
    }
    // A browser that never kept the cookie is told cookies are needed.
    let cookieless = Browser::new(&web.base_url);
    let response = cookieless
        .post_form_raw("/login/", &[("name", "carl"), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert!(body(response).await.contains("Cookies are needed"));
    // Still signed in: none of the refused posts did anything.
    assert_eq!(browser.get("/account/").await.status().as_u16(), 200);
}

#[tokio::test]
async fn login_shell_is_editable_within_its_choices() {
    let ctx = TestContext::new().await;
    ctx.create_user("shelly", "Shelly", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("shelly", PASSWORD).await;
    let page = body(browser.get("/account/").await).await;
    for label in [
        "Shell username",
        "Email",
        "POSIX user ID",
        "Login shell",
        "not linked",
    ] {
        assert!(page.contains(label), "account page lacks {label}");
    }
    let response = browser
        .post_form("/account/attribute/loginShell/", &[("value", "/bin/zsh")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let page = body(browser.get("/account/").await).await;
    // Tera escapes `/` as `&#x2F;`; browsers read it back as `/`.
    assert!(
        page.contains("<option selected>&#x2F;bin&#x2F;zsh</option>"),
        "{page}"
    );
    let response = browser
        .post_form(
            "/account/attribute/loginShell/",
            &[("value", "/usr/bin/evil")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let response = browser
        .post_form("/account/attribute/cn/", &[("value", "New Name")])
        .await;
    assert_eq!(response.status().as_u16(), 404, "cn must not be editable");
}

#[tokio::test]
async fn password_change_ends_the_other_sessions() {
    let ctx = TestContext::new().await;
    ctx.create_user("pat", "Pat", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let here = Browser::new(&web.base_url);
    let elsewhere = Browser::new(&web.base_url);
    here.sign_in("pat", PASSWORD).await;
    elsewhere.sign_in("pat", PASSWORD).await;

    let new_password = "Brisk-Lantern-Meadow-77";
    let refused = here
        .post_form(
            "/account/password/",
            &[
                ("old_password", "wrong"),
                ("new_password", "short"),
                ("new_password_again", "short"),
            ],
        )
        .await;
    let page = body(refused).await;
    assert!(page.contains("current password is not right"), "{page}");
    assert!(page.contains("too short"));

    let response = here
        .post_form(
            "/account/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password", new_password),
                ("new_password_again", new_password),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account/?saved=password");
    assert_eq!(here.get("/account/").await.status().as_u16(), 200);
    assert_eq!(elsewhere.get("/account/").await.status().as_u16(), 302);
    Browser::new(&web.base_url)
        .sign_in("pat", new_password)
        .await;
}

#[tokio::test]
async fn api_tokens_act_as_their_owner_and_are_stored_hashed() {
    let ctx = TestContext::new().await;
    ctx.create_user("tina", "Tina", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("tina", PASSWORD).await;
    let page = body(
        browser
            .post_form(
                "/account/tokens/",
                &[("name", "deploy"), ("scope", "read_account")],
            )
            .await,
    )
    .await;
    let token = page
        .split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    assert!(token.starts_with("bitu_"));

    let api = reqwest::Client::new();
    let call = |token: String| {
        let request = api.get(web.url("/api/account"));
        async move {
            request
                .header("Authorization", format!("Token {token}"))
                .send()
                .await
                .unwrap()
        }
    };
    let response = call(token.clone()).await;
    assert_eq!(response.status().as_u16(), 200);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["uid"], "tina");
    assert_eq!(json["authenticated_by"], "token");
    assert_eq!(call("bitu_unknown".into()).await.status().as_u16(), 401);
    // A token cannot manage tokens: that needs a signed-in session.
    let response = api
        .get(web.url("/account/tokens/"))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // The clear value is nowhere in the database.
    {
        use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
        let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
            .await
            .unwrap();
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let found: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM api_tokens WHERE name = ? OR hint = ? OR token_hash = ?",
        )
        .bind::<diesel::sql_types::Text, _>(&token)
        .bind::<diesel::sql_types::Text, _>(&token)
        .bind::<diesel::sql_types::Text, _>(&token)
        .get_result(&mut conn)
        .await
        .unwrap();
        assert_eq!(found.n, 0);
    }

    let id: String = page
        .split("/revoke/")
        .next()
        .and_then(|before| before.rsplit('/').next())
        .unwrap()
        .to_string();
    // Another user cannot revoke it.
    ctx.create_user("mallory", "Mallory", &ssha(PASSWORD)).await;
    let mallory = Browser::new(&web.base_url);
    mallory.sign_in("mallory", PASSWORD).await;
    let response = mallory
        .post_form(&format!("/account/tokens/{id}/revoke/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(call(token.clone()).await.status().as_u16(), 200);
    let response = browser
        .post_form(&format!("/account/tokens/{id}/revoke/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(call(token).await.status().as_u16(), 401);
}
