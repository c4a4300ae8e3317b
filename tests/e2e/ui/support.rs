//! Helpers for driving pages in Chromium.

use std::time::Duration;

use bitu_testkit::chrome::Chrome;
use fantoccini::Locator;

/// Types `text` into the field with id `id`.
pub async fn type_into(chrome: &Chrome, id: &str, text: &str) {
    chrome
        .client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the first element matching `css`.
pub async fn click(chrome: &Chrome, css: &str) {
    chrome
        .client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Signs in through the sign-in form at `url`.
pub async fn sign_in(chrome: &Chrome, url: &str, name: &str, password: &str) {
    chrome.client.goto(url).await.unwrap();
    type_into(chrome, "name", name).await;
    type_into(chrome, "password", password).await;
    click(chrome, "button[type=submit]").await;
    wait_for_path(chrome, "/account/").await;
}

/// Waits until the browser shows `path` (a click returns before its navigation lands).
pub async fn wait_for_path(chrome: &Chrome, path: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let now = chrome.client.current_url().await.unwrap();
        if now.path() == path {
            return;
        }
        let page = chrome.client.source().await.unwrap_or_default();
        assert!(
            std::time::Instant::now() < deadline,
            "still on {now}, not {path}: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the page's source contains `text`, and returns the source.
pub async fn wait_for_text(chrome: &Chrome, text: &str) -> String {
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
