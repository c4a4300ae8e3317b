//! Pages in headless Chromium, as people use them: the sign-up page's script, the same
//! page without JavaScript, sign-in without cookies, and the signed-in navigation.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::TestContext;
use bitu_testkit::chrome::{Chrome, ChromeOptions};
use fantoccini::Locator;

const PASSWORD: &str = "Copper-Meadow-Lantern-58";

/// Types `name` and `password` into the sign-in form on the page and submits it.
async fn submit_sign_in(chrome: &Chrome, name: &str, password: &str) {
    for (id, text) in [("name", name), ("password", password)] {
        chrome
            .client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    chrome
        .client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the browser shows `path` (a click returns before its navigation lands).
async fn wait_for_path(chrome: &Chrome, path: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = chrome.client.current_url().await.unwrap();
        if now.path() == path {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still on {now}, not {path}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the page's source contains `text`, and returns the source.
async fn wait_for_text(chrome: &Chrome, text: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let page = chrome.client.source().await.unwrap();
        if page.contains(text) {
            return page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{text:?} never shown: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn value(chrome: &Chrome, id: &str) -> String {
    chrome
        .client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_sign_up_script_suggests_a_shell_username_until_one_is_typed() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    let cn = chrome.client.find(Locator::Id("cn")).await.unwrap();
    cn.send_keys("Ada Lovelace-King 2").await.unwrap();
    assert_eq!(value(&chrome, "uid").await, "adalovelace-king2");
    let counter = chrome
        .client
        .find(Locator::Css("#cn + .counter"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(counter, "19 / 150");
    let width = chrome
        .client
        .execute(
            "return document.getElementById('captcha-image').naturalWidth >= 200",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(width, serde_json::json!(true), "captcha image did not load");
    chrome.screenshot("signup").await;

    // Once the person types a shell username, the name no longer overwrites it.
    let uid = chrome.client.find(Locator::Id("uid")).await.unwrap();
    uid.clear().await.unwrap();
    uid.send_keys("ada").await.unwrap();
    cn.send_keys(" Jr").await.unwrap();
    assert_eq!(value(&chrome, "uid").await, "ada");

    // The refresh link fetches a new challenge without leaving the page.
    let before = value(&chrome, "captcha").await;
    let id_before = chrome
        .client
        .find(Locator::Css("input[name=captcha_id]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    chrome
        .client
        .find(Locator::Id("captcha-refresh"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let id_after = chrome
        .client
        .find(Locator::Css("input[name=captcha_id]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_ne!(id_before, id_after);
    assert_eq!(before, "");
    assert_eq!(value(&chrome, "cn").await, "Ada Lovelace-King 2 Jr");
    chrome.close().await;
}

#[tokio::test]
async fn sign_up_works_without_javascript_and_shows_every_error() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start_with(ChromeOptions {
        no_javascript: true,
        ..ChromeOptions::default()
    })
    .await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    for (id, text) in [
        ("cn", "someone@example.org"),
        ("uid", "1bad"),
        ("email", "not-an-address"),
        ("password", "short"),
        ("password_again", "short"),
        ("captcha", "XXXXX"),
    ] {
        chrome
            .client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    // No script ran: the shell username is what was typed, no counters exist.
    assert!(chrome.client.find(Locator::Css(".counter")).await.is_err());
    chrome
        .client
        .find(Locator::Css("#signup-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = wait_for_text(&chrome, "-errors\"").await;
    for field in ["cn", "uid", "email", "password", "captcha"] {
        assert!(
            page.contains(&format!("id=\"{field}-errors\"")),
            "no {field} errors shown"
        );
    }
    assert_eq!(
        value(&chrome, "cn").await,
        "someone@example.org",
        "form lost input"
    );
    chrome.screenshot("signup-errors").await;
    chrome.close().await;
}

#[tokio::test]
async fn a_browser_without_cookies_is_told_so() {
    let ctx = TestContext::new().await;
    ctx.create_user("cookie", "Cookie Less", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start_with(ChromeOptions {
        no_cookies: true,
        ..ChromeOptions::default()
    })
    .await;
    chrome.client.goto(&web.url("/login/")).await.unwrap();
    submit_sign_in(&chrome, "cookie", PASSWORD).await;
    wait_for_text(&chrome, "Cookies are needed").await;
    chrome.close().await;
}

#[tokio::test]
async fn signing_in_shows_the_name_and_only_usable_navigation() {
    let ctx = TestContext::new().await;
    ctx.create_user("nav", "Navigating Person", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    chrome.client.goto(&web.url("/account/")).await.unwrap();
    assert!(chrome.client.current_url().await.unwrap().path() == "/login/");
    let nav = chrome
        .client
        .find(Locator::Css("nav"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        nav.contains("Sign in") && !nav.contains("API tokens"),
        "{nav}"
    );
    submit_sign_in(&chrome, "Navigating Person", PASSWORD).await;
    wait_for_path(&chrome, "/account/").await;
    let nav = chrome
        .client
        .find(Locator::Css("nav"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        nav.contains("Navigating Person") && nav.contains("(nav)"),
        "{nav}"
    );
    assert!(nav.contains("API tokens") && nav.contains("Sign out") && !nav.contains("Sign in"));
    chrome.screenshot("account").await;
    chrome
        .client
        .find(Locator::Css("form[action='/logout/'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&chrome, "/").await;
    chrome.client.goto(&web.url("/account/")).await.unwrap();
    assert_eq!(chrome.client.current_url().await.unwrap().path(), "/login/");
    chrome.close().await;
}
