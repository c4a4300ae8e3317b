//! A form sent after the session ended elsewhere: the sign-in page says so, and after signing
//! in the person is back on the form with what they typed (never the passwords).

use bitu_core::account::password::ssha;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{Browser, TestContext};
use fantoccini::Locator;

use super::support::{click, sign_in, type_into, wait_for_path, wait_for_text};
use crate::keys::support::keygen;

const PASSWORD: &str = "Amber-Falcon-Orchard-19";
const NEW_PASSWORD: &str = "Silent-Harbor-Violet-33";

async fn field(chrome: &Chrome, id: &str) -> String {
    let element = chrome.client.find(Locator::Id(id)).await.unwrap();
    element.prop("value").await.unwrap().unwrap_or_default()
}

#[tokio::test]
async fn a_key_typed_before_the_session_ended_elsewhere_survives_signing_in_again() {
    let ctx = TestContext::new().await;
    ctx.create_user("sam", "Sam Sessions", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "sam", PASSWORD).await;
    chrome.client.goto(&web.url("/keys/")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pair = keygen(dir.path(), "ed25519", None);
    type_into(&chrome, "key", &pair.public).await;
    type_into(&chrome, "comment", "work laptop").await;

    // Meanwhile, in another browser, Sam changes the password: every other session ends.
    let other = Browser::new(&web.base_url);
    other.sign_in("sam", PASSWORD).await;
    let changed = other
        .post_form(
            "/account/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status().as_u16(), 303);

    click(&chrome, "form[action='/keys/'] button[type=submit]").await;
    wait_for_path(&chrome, "/login/").await;
    let page = wait_for_text(&chrome, "Your session has ended").await;
    assert!(
        page.contains("What you typed in the form was kept"),
        "{page}"
    );
    chrome.screenshot("session-ended-sign-in").await;
    type_into(&chrome, "name", "sam").await;
    type_into(&chrome, "password", NEW_PASSWORD).await;
    click(&chrome, "form[action='/login/'] button[type=submit]").await;
    wait_for_path(&chrome, "/keys/").await;
    assert_eq!(field(&chrome, "key").await.trim(), pair.public.trim());
    assert_eq!(field(&chrome, "comment").await, "work laptop");
    chrome.screenshot("session-ended-form-kept").await;

    // The kept form is used once: it is sent as it is, and a reload shows an empty form.
    click(&chrome, "form[action='/keys/'] button[type=submit]").await;
    wait_for_text(&chrome, "work laptop</").await;
    chrome.client.goto(&web.url("/keys/")).await.unwrap();
    assert_eq!(field(&chrome, "key").await, "");
    chrome.close().await;
}

#[tokio::test]
async fn passwords_are_not_kept_and_a_sign_out_here_says_nothing_of_an_ended_session() {
    let ctx = TestContext::new().await;
    ctx.create_user("sue", "Sue Sessions", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("sue", PASSWORD).await;
    let token = browser.csrf_token().await;
    let other = Browser::new(&web.base_url);
    other.sign_in("sue", PASSWORD).await;
    other
        .post_form(
            "/account/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    let response = browser
        .client
        .post(browser.url("/account/email/"))
        .header("Referer", browser.url("/account/email/"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "sue.new@example.org"),
            ("email_again", "sue.new@example.org"),
            ("current_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/login/?next=%2Faccount%2Femail%2F&ended=1");
    browser.sign_in("sue", NEW_PASSWORD).await;
    let page = browser.get("/account/email/").await.text().await.unwrap();
    assert!(page.contains("value=\"sue.new@example.org\""), "{page}");
    assert!(!page.contains(PASSWORD), "a password came back");

    // Signed out here: no ended-session notice, nothing kept.
    let fresh = Browser::new(&web.base_url);
    let response = fresh.get("/account/").await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/login/?next=%2Faccount%2F");
    let page = fresh.get(&location).await.text().await.unwrap();
    assert!(!page.contains("Your session has ended"));
    assert!(!page.contains("was kept"));
}
