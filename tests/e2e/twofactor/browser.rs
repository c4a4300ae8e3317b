//! In Chromium: turning two-factor sign-in on from the account page (QR code, secret, first
//! code, recovery codes), then signing in again with the password and a code.

use bitu_testkit::chrome::Chrome;
use bitu_testkit::{TestContext, WebProcess};

use super::support::{PASSWORD, between, code, settings};
use crate::ui::axe::assert_accessible;
use crate::ui::support::{click, sign_in, type_into, wait_for_path, wait_for_text};

#[tokio::test]
async fn a_person_enrols_and_signs_in_with_a_code() {
    let ctx = TestContext::new().await;
    ctx.create_user("tia", "Tia Totp", PASSWORD).await;
    let web = WebProcess::start(&ctx.write_config_with(&settings(&ctx))).await;
    let chrome = Chrome::start().await;

    sign_in(&chrome, &web.url("/login/"), "tia", PASSWORD).await;
    click(&chrome, "a[href='/account/2fa/']").await;
    wait_for_path(&chrome, "/account/2fa/").await;
    let page = wait_for_text(&chrome, "<svg").await;
    chrome.screenshot("twofactor-01-enrol").await;
    assert_accessible(&chrome, "twofactor-01-enrol").await;
    let secret = between(&page, "<code id=\"twofactor-secret\">");
    type_into(&chrome, "code", &code(&secret, -1)).await;
    click(&chrome, "form[action='/account/2fa/'] button[type=submit]").await;
    let page = wait_for_text(&chrome, "id=\"recovery-codes\"").await;
    assert_eq!(page.matches("<li><code>").count(), 10);
    chrome.screenshot("twofactor-02-recovery-codes").await;
    assert_accessible(&chrome, "twofactor-02-recovery-codes").await;

    // Signed out, the password leads to the code step, and the code to the account.
    chrome.client.delete_all_cookies().await.unwrap();
    chrome.client.goto(&web.url("/login/")).await.unwrap();
    type_into(&chrome, "name", "tia").await;
    type_into(&chrome, "password", PASSWORD).await;
    click(&chrome, "button[type=submit]").await;
    wait_for_path(&chrome, "/login/2fa/").await;
    chrome.screenshot("twofactor-03-code-step").await;
    assert_accessible(&chrome, "twofactor-03-code-step").await;
    type_into(&chrome, "code", &code(&secret, 0)).await;
    click(&chrome, "button[type=submit]").await;
    wait_for_path(&chrome, "/account/").await;
    wait_for_text(&chrome, "(tia)").await;
    chrome.close().await;
}
