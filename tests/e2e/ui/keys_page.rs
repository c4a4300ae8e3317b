//! The SSH keys page in Chromium.

use bitu_core::account::password::ssha;
use bitu_testkit::TestContext;
use bitu_testkit::chrome::Chrome;

use super::support::{click, sign_in, type_into, wait_for_text};
use crate::keys::support::keygen;

const PASSWORD: &str = "Amber-Falcon-Orchard-19";

#[tokio::test]
async fn every_keys_table_header_has_a_name_for_screen_readers() {
    let ctx = TestContext::new().await;
    ctx.create_user("kit", "Kit Keys", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "kit", PASSWORD).await;
    chrome.client.goto(&web.url("/keys/")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pair = keygen(dir.path(), "ed25519", None);
    type_into(&chrome, "key", &pair.public).await;
    click(&chrome, "form[action='/keys/'] button[type=submit]").await;
    wait_for_text(&chrome, "<table class=\"keys\"").await;
    let empty = chrome
        .client
        .execute(
            "return [...document.querySelectorAll('th')].filter(th => !th.textContent.trim()).length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(empty, serde_json::json!(0));
    chrome.close().await;
}
