//! CSRF tokens bound to the session (and for anonymous visitors to their cookie), the
//! `__Host-` cookie on https sites, and Authorization headers that exempt only when they
//! authenticate.

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext};

use super::support::PASSWORD;

#[tokio::test]
async fn a_token_works_only_for_the_session_it_was_made_for() {
    let ctx = TestContext::new().await;
    ctx.create_user("ann", "Ann", &ssha(PASSWORD)).await;
    ctx.create_user("bea", "Bea", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let ann = Browser::new(&web.base_url);
    let bea = Browser::new(&web.base_url);
    // Anonymous: the sign-in form's token works with its cookie.
    let anonymous_token = ann.csrf_token().await;
    ann.sign_in("ann", PASSWORD).await;
    bea.sign_in("bea", PASSWORD).await;
    let ann_token = ann.csrf_token().await;
    assert_ne!(
        ann_token, anonymous_token,
        "signing in must change the token"
    );

    let change = |browser: &Browser, token: String| {
        let request = browser
            .client
            .post(browser.url("/account/attribute/loginShell/"))
            .form(&[("value", "/bin/zsh".to_string()), ("csrf_token", token)]);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Another session's token, or the pre-sign-in one, is refused.
    assert_eq!(change(&bea, ann_token.clone()).await, 403);
    assert_eq!(change(&ann, anonymous_token).await, 403);
    assert_eq!(change(&ann, ann_token.clone()).await, 303);

    // A new session of the same user gets a new token; the old one is dead.
    ann.post_form("/logout/", &[]).await;
    ann.sign_in("ann", PASSWORD).await;
    assert_eq!(change(&ann, ann_token).await, 403);
    let fresh = ann.csrf_token().await;
    assert_eq!(change(&ann, fresh).await, 303);
}

#[tokio::test]
async fn https_sites_use_a_host_prefixed_cookie() {
    let mut ctx = TestContext::new().await;
    ctx.settings.site.base_url = "https://localhost:8000".into();
    ctx.create_user("hugo", "Hugo", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(web.url("/login/")).send().await.unwrap();
    let set_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.contains("csrf"))
        .expect("a CSRF cookie");
    assert!(set_cookie.starts_with("__Host-bitu_csrf="), "{set_cookie}");
    for part in ["Secure", "Path=/", "HttpOnly"] {
        assert!(set_cookie.contains(part), "{set_cookie} lacks {part}");
    }
    assert!(!set_cookie.contains("Domain"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    // (The test talks plain http, so it sends the Secure cookie by hand.)
    let post = |cookie: String| {
        let request = client
            .post(web.url("/login/"))
            .header("Cookie", cookie)
            .form(&[
                ("name", "hugo"),
                ("password", PASSWORD),
                ("csrf_token", &token),
            ]);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        post(cookie.clone()).await,
        303,
        "signed in with the __Host- cookie"
    );
    let unprefixed = cookie.replacen("__Host-bitu_csrf", "bitu_csrf", 1);
    assert_eq!(
        post(unprefixed).await,
        403,
        "the unprefixed cookie counts for nothing"
    );
}

#[tokio::test]
async fn an_authorization_header_that_does_not_authenticate_gets_401_not_an_exemption() {
    let ctx = TestContext::new().await;
    ctx.create_user("ivy", "Ivy", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.get("/login/").await;
    for header in ["Basic aXZ5OnB3", "Token bitu_not-a-token", "Bearer x"] {
        // Without a CSRF token: formerly exempt, the sign-in went through (login CSRF).
        let response = browser
            .client
            .post(browser.url("/login/"))
            .header("Authorization", header)
            .form(&[("name", "ivy"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401, "{header}");
    }
    assert_eq!(
        browser.get("/account/").await.status().as_u16(),
        302,
        "not signed in"
    );
}
