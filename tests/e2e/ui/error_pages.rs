//! Broken links, bad form posts, missing things and refused forms: every one answers with the
//! site's page in its layout (the signed-in header included) and a sentence a person reads.

use bitu_core::account::password::ssha;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{Browser, TestContext};
use fantoccini::Locator;

use super::support::{sign_in, wait_for_text};

const PASSWORD: &str = "Amber-Falcon-Orchard-19";

#[tokio::test]
async fn malformed_links_and_missing_things_show_the_layout_with_a_readable_sentence() {
    let ctx = TestContext::new().await;
    ctx.create_user("erin", "Erin Errant", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "erin", PASSWORD).await;
    for (path, sentence) in [
        ("/signup/activate/abc/def/", "incomplete or damaged"),
        ("/password/reset/x/notanumber/y/", "incomplete or damaged"),
        ("/account/email/confirm/", "incomplete or damaged"),
        ("/keys/999999/delete/", "nothing at this address"),
        ("/keys/notanumber/delete/", "incomplete or damaged"),
        ("/signup/captcha/no-such-id.png", "nothing at this address"),
        ("/no/such/page/", "nothing at this address"),
    ] {
        chrome.client.goto(&web.url(path)).await.unwrap();
        let page = wait_for_text(&chrome, sentence).await;
        assert!(!page.contains("can not parse"), "{path}: {page}");
        let header = chrome
            .client
            .find(Locator::Css("header nav"))
            .await
            .unwrap_or_else(|_| panic!("{path} has no site header: {page}"))
            .text()
            .await
            .unwrap();
        assert!(header.contains("Erin Errant"), "{path}: {header}");
    }
    chrome.screenshot("error-bad-link").await;
    chrome.close().await;
}

#[tokio::test]
async fn a_post_missing_fields_and_an_expired_form_answer_in_the_signed_in_layout() {
    let ctx = TestContext::new().await;
    ctx.create_user("fay", "Fay Formless", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("fay", PASSWORD).await;

    let missing = browser
        .post_form("/account/email/", &[("email", "x")])
        .await;
    assert_eq!(missing.status().as_u16(), 400);
    let page = missing.text().await.unwrap();
    assert!(page.contains("arrived incomplete"), "{page}");
    assert!(!page.contains("missing field"), "{page}");
    assert!(page.contains("Signed in as"), "{page}");

    let expired = browser
        .post_form_raw("/account/email/", &[("email", "x"), ("csrf_token", "old")])
        .await;
    assert_eq!(expired.status().as_u16(), 403);
    let page = expired.text().await.unwrap();
    assert!(page.contains("The form expired"), "{page}");
    assert!(
        page.contains("Signed in as") && page.contains("(fay)"),
        "{page}"
    );
}

#[tokio::test]
async fn account_notices_come_only_from_the_sites_own_keys() {
    let ctx = TestContext::new().await;
    ctx.create_user("nora", "Nora Notice", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "nora", PASSWORD).await;
    chrome
        .client
        .goto(&web.url("/account/?saved=Your+account+is+closed.+Call+0900-SCAM"))
        .await
        .unwrap();
    let page = wait_for_text(&chrome, "Nora Notice").await;
    assert!(!page.contains("0900-SCAM"), "{page}");
    chrome
        .client
        .goto(&web.url("/account/?saved=password"))
        .await
        .unwrap();
    wait_for_text(&chrome, "Your password was changed").await;
    chrome.close().await;
}

#[tokio::test]
async fn head_answers_like_get_there_is_a_favicon_and_no_page_can_be_framed() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    for path in [
        "/",
        "/login/",
        "/signup/",
        "/static/bitu.css",
        "/favicon.ico",
    ] {
        let head = browser.client.head(browser.url(path)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
    }
    let icon = browser.get("/favicon.ico").await;
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    let login = browser.get("/login/").await;
    assert_eq!(login.headers()["x-frame-options"], "DENY");
    let csp = login.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    // Chromium refuses to show the sign-in page in a frame.
    let chrome = Chrome::start().await;
    chrome.client.goto(&web.url("/")).await.unwrap();
    let framed = chrome
        .client
        .execute_async(
            "const done = arguments[0]; const f = document.createElement('iframe'); \
             f.src = '/login/'; f.onload = () => { let text = ''; \
             try { text = f.contentDocument.body.innerText; } catch (e) { text = 'blocked'; } \
             done(text); }; document.body.appendChild(f); setTimeout(() => done('no load event'), 5000);",
            vec![],
        )
        .await
        .unwrap();
    let framed = framed.as_str().unwrap_or_default().to_string();
    assert!(
        !framed.contains("Password"),
        "the sign-in page showed in a frame: {framed}"
    );
    chrome.close().await;
}

#[tokio::test]
async fn json_endpoints_answer_an_ldap_outage_in_json_never_with_a_page() {
    let ctx = TestContext::new().await;
    let proxy = bitu_testkit::TcpProxy::start(
        ctx.env
            .ldap_url
            .trim_start_matches("ldap://")
            .trim_end_matches('/'),
    )
    .await;
    let mut settings = ctx.settings.clone();
    settings.ldap.servers = vec![proxy.url("ldap")];
    settings.ldap.timeout = std::time::Duration::from_secs(1);
    let web = bitu_testkit::WebProcess::start(&ctx.write_config_with(&settings)).await;
    proxy.down();
    let client = reqwest::Client::new();
    for (what, request) in [
        (
            "POST /signup/api/username/",
            client
                .post(web.url("/signup/api/username/"))
                .json(&serde_json::json!({"username": "Outage Person"})),
        ),
        (
            "GET /api/no-such-endpoint",
            client.get(web.url("/api/no-such-endpoint")),
        ),
    ] {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        let body = response.text().await.unwrap();
        assert!(
            kind.starts_with("application/json"),
            "{what}: {kind} {body}"
        );
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(json["detail"].is_string(), "{what}: {json}");
        if what.starts_with("POST") {
            assert_eq!(status, 503, "{what}: {body}");
        } else {
            assert_eq!(status, 404, "{what}: {body}");
        }
    }
}
