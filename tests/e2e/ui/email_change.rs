//! Changing the email address, from the form to the mailed link's button, in Chromium.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{TestContext, WebProcess};

use super::support::{click, sign_in, type_into, wait_for_path, wait_for_text};
use crate::jobs_support::{WorkerProcess, fast_settings};

const PASSWORD: &str = "Amber-Falcon-Orchard-19";

#[tokio::test]
async fn the_email_change_completes_in_a_browser_through_the_mailed_link() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config_with(&fast_settings(&ctx));
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;
    ctx.create_user("emma", "Emma Mover", &ssha(PASSWORD)).await;
    let new = ctx.mailbox.address("emma-new");

    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "emma", PASSWORD).await;
    chrome
        .client
        .goto(&web.url("/account/email/"))
        .await
        .unwrap();
    type_into(&chrome, "email", &new).await;
    type_into(&chrome, "email2", &new).await;
    type_into(&chrome, "current_password", PASSWORD).await;
    click(&chrome, "form[action='/account/email/'] button").await;
    wait_for_text(&chrome, "We have sent a link").await;

    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    let link = mails[0]
        .text
        .split_whitespace()
        .find(|word| word.contains("/account/email/confirm/"))
        .expect("a confirmation link in the mail")
        .to_string();
    let path = &link[link.find("/account/email/confirm/").unwrap()..];
    chrome.client.goto(&web.url(path)).await.unwrap();
    wait_for_text(&chrome, "Use this address").await;
    click(&chrome, "form[action='/account/email/confirm/'] button").await;
    wait_for_path(&chrome, "/account/").await;
    let page = wait_for_text(&chrome, &new).await;
    assert!(!page.contains("The form expired"), "{page}");
    chrome.screenshot("email-changed").await;
    chrome.close().await;
}
