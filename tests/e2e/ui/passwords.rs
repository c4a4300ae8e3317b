//! Password strength in Chromium: a password built on the person's own names is refused on
//! sign-up, change and reset, with zxcvbn's advice; the reset form takes the shell username.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{TestContext, WebProcess};

use super::support::{click, sign_in, type_into, wait_for_path, wait_for_text};
use crate::jobs_support::{WorkerProcess, fast_settings};

const PASSWORD: &str = "Amber-Falcon-Orchard-19";
const WEAK: &str = "uichecker-1234";
/// Opening of the refusal; zxcvbn's own warning or suggestions follow it.
const REFUSAL: &str = "This password is too easy to guess.";

/// The text of the refusal on the page, which must carry advice after its first sentence.
async fn refusal_with_advice(chrome: &Chrome) -> String {
    let page = wait_for_text(chrome, REFUSAL).await;
    let start = page.find(REFUSAL).unwrap();
    let item = &page[start
        ..page[start..]
            .find('<')
            .map_or(page.len(), |end| start + end)];
    assert!(item.len() > REFUSAL.len() + 10, "no advice: {item}");
    item.to_string()
}

#[tokio::test]
async fn a_password_made_of_the_names_is_refused_with_advice_on_every_form() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config_with(&fast_settings(&ctx));
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;
    let chrome = Chrome::start().await;

    // Sign-up.
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    let page = chrome.client.source().await.unwrap();
    let (_, answer) = crate::signup::captcha_answer(&ctx, &page).await;
    type_into(&chrome, "cn", "UI Checker Two").await;
    type_into(&chrome, "uid", "uichecker").await;
    type_into(&chrome, "email", &ctx.mailbox.address("uichecker")).await;
    type_into(&chrome, "password", WEAK).await;
    type_into(&chrome, "password_again", WEAK).await;
    type_into(&chrome, "captcha", &answer).await;
    click(&chrome, "#signup-submit").await;
    let advice = refusal_with_advice(&chrome).await;
    chrome.screenshot("password-refused-signup").await;

    // Change, signed in as an existing uichecker.
    ctx.create_user("uichecker", "UI Checker", &ssha(PASSWORD))
        .await;
    let address = ctx.mailbox.address("uichecker");
    sign_in(&chrome, &web.url("/login/"), "uichecker", PASSWORD).await;
    chrome
        .client
        .goto(&web.url("/account/password/"))
        .await
        .unwrap();
    type_into(&chrome, "old", PASSWORD).await;
    type_into(&chrome, "new1", WEAK).await;
    type_into(&chrome, "new2", WEAK).await;
    click(&chrome, "form[action='/account/password/'] button").await;
    assert_eq!(refusal_with_advice(&chrome).await, advice);
    chrome.screenshot("password-refused-change").await;
    click(&chrome, "form[action='/logout/'] button").await;

    // Reset, asked for by the shell username.
    chrome
        .client
        .goto(&web.url("/password/reset/"))
        .await
        .unwrap();
    type_into(&chrome, "cn", "uichecker").await;
    click(&chrome, "form[action='/password/reset/'] button").await;
    wait_for_text(&chrome, "we have sent it a link").await;
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mails[0].to, vec![address.clone()]);
    let start = mails[0].text.find("/password/reset/uichecker/").unwrap();
    let path = mails[0].text[start..].split_whitespace().next().unwrap();
    chrome.client.goto(&web.url(path)).await.unwrap();
    wait_for_path(&chrome, "/password/reset/set/").await;
    type_into(&chrome, "new1", WEAK).await;
    type_into(&chrome, "new2", WEAK).await;
    click(&chrome, "form button[type=submit]").await;
    assert_eq!(refusal_with_advice(&chrome).await, advice);
    chrome.screenshot("password-refused-reset").await;
    type_into(&chrome, "new1", "Quartz-Meadow-Lantern-72").await;
    type_into(&chrome, "new2", "Quartz-Meadow-Lantern-72").await;
    click(&chrome, "form button[type=submit]").await;
    wait_for_text(&chrome, "Your new password is set").await;
    chrome.close().await;
}
