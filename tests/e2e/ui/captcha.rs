//! The sign-up captcha as people meet it.

use std::time::Duration;

use bitu_testkit::TestContext;
use bitu_testkit::chrome::{Chrome, ChromeOptions};
use fantoccini::Locator;

use super::support::{click, type_into};

async fn value(chrome: &Chrome, css: &str) -> String {
    // The page may be mid-navigation after a click: retry until the element answers.
    for _ in 0..300 {
        if let Ok(element) = chrome.client.find(Locator::Css(css)).await
            && let Ok(value) = element.prop("value").await
        {
            return value.unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {css} on the page");
}

#[tokio::test]
async fn a_new_image_without_javascript_keeps_what_was_typed() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start_with(ChromeOptions {
        no_javascript: true,
        ..ChromeOptions::default()
    })
    .await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    type_into(&chrome, "cn", "Keeping Typed").await;
    type_into(&chrome, "uid", "keepingtyped").await;
    type_into(&chrome, "email", "keeping@example.org").await;
    let id_before = value(&chrome, "input[name=captcha_id]").await;
    click(&chrome, "#captcha-refresh").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while value(&chrome, "input[name=captcha_id]").await == id_before {
        assert!(std::time::Instant::now() < deadline, "no new captcha");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(value(&chrome, "#cn").await, "Keeping Typed");
    assert_eq!(value(&chrome, "#uid").await, "keepingtyped");
    assert_eq!(value(&chrome, "#email").await, "keeping@example.org");
    let page = chrome.client.source().await.unwrap();
    assert!(!page.contains("field-errors"), "{page}");
    chrome.close().await;
}

#[tokio::test]
async fn enter_in_a_field_sends_the_form_not_a_new_image() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start_with(ChromeOptions {
        no_javascript: true,
        ..ChromeOptions::default()
    })
    .await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    type_into(&chrome, "cn", "x\u{e007}").await;
    super::support::wait_for_text(&chrome, "-errors\"").await;
    chrome.close().await;
}
