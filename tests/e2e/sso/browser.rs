//! The OIDC sign-in and a Wikimedia linking as a person does them, in headless Chromium.

use std::time::Duration;

use bitu_testkit::WebProcess;
use bitu_testkit::chrome::Chrome;
use fantoccini::Locator;

use super::support::Sso;
use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::ui::support::{click, type_into, wait_for_path, wait_for_text};

#[tokio::test]
async fn a_person_signs_in_at_the_provider_and_links_their_wikimedia_account() {
    let sso = Sso::new("", &["bea"]).await;
    let config = sso.ctx.write_config_with(&fast_settings(&sso.ctx));
    let _worker = WorkerProcess::start(&config, &[]).await;
    let web = WebProcess::start_on(&config, sso.port).await;
    let chrome = Chrome::start().await;

    // From a page that needs sign-in, through the provider, back to that page.
    chrome.client.goto(&web.url("/keys/")).await.unwrap();
    wait_for_path(&chrome, "/login/").await;
    click(&chrome, "#oidc-signin").await;
    wait_for_text(&chrome, "name=\"login\"").await;
    chrome
        .client
        .find(Locator::Css("input[name=login]"))
        .await
        .unwrap()
        .send_keys("bea")
        .await
        .unwrap();
    chrome
        .client
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys("anything")
        .await
        .unwrap();
    click(&chrome, "button[type=submit]").await;
    wait_for_text(&chrome, "value=\"consent\"").await;
    click(&chrome, "button[type=submit]").await;
    wait_for_path(&chrome, "/keys/").await;
    wait_for_text(&chrome, "(bea)").await;

    // The account page: the provider's groups, the banner, then linking.
    chrome.client.goto(&web.url("/account/")).await.unwrap();
    wait_for_text(&chrome, "Groups at the identity provider").await;
    wait_for_text(&chrome, "id=\"link-banner\"").await;
    click(&chrome, "#linked-wikimedia a").await;
    wait_for_text(&chrome, "Allow Bitu to know your mediawiki account").await;
    type_into(&chrome, "username", "Bea Wiki").await;
    click(&chrome, "#allow").await;
    wait_for_path(&chrome, "/account/").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        chrome.client.refresh().await.unwrap();
        let page = chrome.client.source().await.unwrap();
        if page.contains("Bea Wiki") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never linked: {page}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    chrome.screenshot("sso-linked").await;
    chrome.close().await;
}
