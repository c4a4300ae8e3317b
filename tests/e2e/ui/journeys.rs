//! The journeys people make, each driven to its end in Chromium at desktop width and at 390 px
//! (a phone): every page state gets a screenshot (target/screenshots/journey-*.png, kept by
//! CI), an axe-core check with no violation allowed, and at 390 px no sideways scrolling.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{TestContext, WebProcess};
use fantoccini::Locator;

use super::axe::{assert_accessible, assert_no_horizontal_scroll};
use super::support::{click, type_into, wait_for_path, wait_for_text};
use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::keys::support::keygen;

const PASSWORD: &str = "Amber-Falcon-Orchard-19";
const NEW_PASSWORD: &str = "Silent-Harbor-Violet-33";

/// One journey's browser, window width and running services.
struct Journey {
    ctx: TestContext,
    web: WebProcess,
    worker: WorkerProcess,
    chrome: Chrome,
    name: &'static str,
    phone: bool,
    step: usize,
}

impl Journey {
    async fn start(name: &'static str, phone: bool) -> Journey {
        let ctx = TestContext::new().await;
        let mut settings = fast_settings(&ctx);
        settings.signup.reveal_captcha_answer_for_tests = true;
        let config = ctx.write_config_with(&settings);
        let web = WebProcess::start(&config).await;
        let worker = WorkerProcess::start(&config, &[]).await;
        let chrome = Chrome::start().await;
        let (width, height) = if phone { (390, 844) } else { (1100, 900) };
        chrome.client.set_window_size(width, height).await.unwrap();
        Journey {
            ctx,
            web,
            worker,
            chrome,
            name,
            phone,
            step: 0,
        }
    }

    async fn goto(&self, path: &str) {
        self.chrome.client.goto(&self.web.url(path)).await.unwrap();
    }

    /// Checks the page as it is now and keeps a screenshot named after `state`.
    async fn check(&mut self, state: &str) {
        self.step += 1;
        let width = if self.phone { "390" } else { "desktop" };
        let label = format!("journey-{}-{width}-{:02}-{state}", self.name, self.step);
        self.chrome.screenshot(&label).await;
        assert_accessible(&self.chrome, &label).await;
        if self.phone {
            assert_no_horizontal_scroll(&self.chrome, &label).await;
        }
    }

    async fn mails(&self, count: usize) -> Vec<bitu_testkit::mailbox::Mail> {
        self.ctx
            .mailbox
            .wait_for(count, Duration::from_secs(30))
            .await
    }

    async fn close(self) {
        self.chrome.close().await;
    }
}

fn link(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

async fn sign_in(journey: &mut Journey, name: &str, password: &str) {
    journey.goto("/login/").await;
    journey.check("sign-in").await;
    type_into(&journey.chrome, "name", name).await;
    type_into(&journey.chrome, "password", password).await;
    click(
        &journey.chrome,
        "form[action='/login/'] button[type=submit]",
    )
    .await;
    wait_for_path(&journey.chrome, "/account/").await;
    journey.check("account").await;
}

async fn sign_up_to_sign_out(phone: bool) {
    let mut journey = Journey::start("signup", phone).await;
    let uid = if phone { "phonejourney" } else { "deskjourney" };
    let email = journey.ctx.mailbox.address(uid);
    journey.goto("/signup/").await;
    journey.check("signup-form").await;
    let image = journey
        .chrome
        .client
        .find(Locator::Id("captcha-image"))
        .await
        .unwrap();
    let answer = image
        .attr("data-test-answer")
        .await
        .unwrap()
        .expect("revealed answer");
    type_into(&journey.chrome, "cn", &format!("Journey {uid}")).await;
    // The page's script suggests a shell username from the developer name: replace it.
    let field = journey
        .chrome
        .client
        .find(Locator::Id("uid"))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(uid).await.unwrap();
    type_into(&journey.chrome, "email", &email).await;
    type_into(&journey.chrome, "password", PASSWORD).await;
    type_into(&journey.chrome, "password_again", PASSWORD).await;
    type_into(&journey.chrome, "captcha", &answer).await;
    click(&journey.chrome, "#signup-submit").await;
    wait_for_path(&journey.chrome, "/signup/done/").await;
    journey.check("check-your-mail").await;

    let mails = journey.mails(1).await;
    journey
        .goto(&link(&mails[0].text, "/signup/activate/"))
        .await;
    wait_for_path(&journey.chrome, "/signup/activate/").await;
    journey.check("activate").await;
    click(&journey.chrome, "form[action='/signup/activate/'] button").await;
    wait_for_text(&journey.chrome, "being created").await;
    journey.check("activated").await;
    let directory =
        bitu_core::directory::Directory::new(journey.ctx.settings.ldap.clone()).unwrap();
    let started = std::time::Instant::now();
    while directory.find_user_by_uid(uid).await.unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never provisioned: {}",
            journey.worker.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    sign_in(&mut journey, uid, PASSWORD).await;

    // Change the address through the mailed link.
    let new_email = journey.ctx.mailbox.address(&format!("{uid}-new"));
    journey.goto("/account/email/").await;
    journey.check("email-form").await;
    type_into(&journey.chrome, "email", &new_email).await;
    type_into(&journey.chrome, "email2", &new_email).await;
    type_into(&journey.chrome, "current_password", PASSWORD).await;
    click(&journey.chrome, "form[action='/account/email/'] button").await;
    wait_for_text(&journey.chrome, "We have sent a link").await;
    journey.check("email-sent").await;
    let mails = journey
        .ctx
        .mailbox
        .wait_for(2, Duration::from_secs(30))
        .await;
    let confirm = mails
        .iter()
        .find(|mail| mail.text.contains("/account/email/confirm/"))
        .expect("a confirmation mail");
    let path = link(&confirm.text, "/account/email/confirm/");
    journey.goto(&path[path.find("/account/").unwrap()..]).await;
    wait_for_text(&journey.chrome, "Use this address").await;
    journey.check("email-confirm").await;
    click(
        &journey.chrome,
        "form[action='/account/email/confirm/'] button",
    )
    .await;
    wait_for_text(&journey.chrome, &new_email).await;
    journey.check("email-changed").await;

    // Change the password.
    journey.goto("/account/password/").await;
    journey.check("password-form").await;
    type_into(&journey.chrome, "old", PASSWORD).await;
    type_into(&journey.chrome, "new1", NEW_PASSWORD).await;
    type_into(&journey.chrome, "new2", NEW_PASSWORD).await;
    click(&journey.chrome, "form[action='/account/password/'] button").await;
    wait_for_text(&journey.chrome, "Your password was changed").await;
    journey.check("password-changed").await;

    // Add a key.
    journey.goto("/keys/").await;
    journey.check("keys-empty").await;
    let dir = tempfile::tempdir().unwrap();
    let pair = keygen(dir.path(), "ed25519", None);
    type_into(&journey.chrome, "key", &pair.public).await;
    type_into(&journey.chrome, "comment", "laptop").await;
    click(&journey.chrome, "form[action='/keys/'] button[type=submit]").await;
    wait_for_text(&journey.chrome, "<table class=\"keys\"").await;
    journey.check("keys-added").await;

    // Sign out (on a phone, from the menu the header collapses into).
    if journey.phone {
        click(&journey.chrome, "#bitu-menu > summary").await;
        journey.check("menu-open").await;
    }
    click(&journey.chrome, "form[action='/logout/'] button").await;
    wait_for_text(&journey.chrome, "Sign in").await;
    journey.check("signed-out").await;
    journey.close().await;
}

async fn password_reset(phone: bool) {
    let mut journey = Journey::start("reset", phone).await;
    journey
        .ctx
        .create_user("rhea", "Rhea Reset", &ssha(PASSWORD))
        .await;
    journey.goto("/login/").await;
    click(&journey.chrome, "a[href='/password/reset/']").await;
    wait_for_path(&journey.chrome, "/password/reset/").await;
    journey.check("reset-form").await;
    type_into(&journey.chrome, "cn", "Rhea Reset").await;
    click(&journey.chrome, "form[action='/password/reset/'] button").await;
    wait_for_text(&journey.chrome, "we have sent it a link").await;
    journey.check("reset-sent").await;
    let mails = journey.mails(1).await;
    journey
        .goto(&link(&mails[0].text, "/password/reset/rhea/")[..])
        .await;
    wait_for_path(&journey.chrome, "/password/reset/set/").await;
    journey.check("reset-set").await;
    type_into(&journey.chrome, "new1", NEW_PASSWORD).await;
    type_into(&journey.chrome, "new2", NEW_PASSWORD).await;
    click(&journey.chrome, "form button[type=submit]").await;
    wait_for_text(&journey.chrome, "Your new password is set").await;
    journey.check("reset-done").await;
    sign_in(&mut journey, "rhea", NEW_PASSWORD).await;
    journey.close().await;
}

async fn forgotten_name(phone: bool) {
    let mut journey = Journey::start("username", phone).await;
    journey
        .ctx
        .create_user("fern", "Fern Forgetful", &ssha(PASSWORD))
        .await;
    let address = journey.ctx.mailbox.address("fern");
    journey.goto("/login/").await;
    click(&journey.chrome, "a[href='/username/']").await;
    wait_for_path(&journey.chrome, "/username/").await;
    journey.check("username-form").await;
    type_into(&journey.chrome, "email", &address).await;
    click(&journey.chrome, "form[action='/username/'] button").await;
    wait_for_text(&journey.chrome, "role=\"status\"").await;
    journey.check("username-sent").await;
    let mails = journey.mails(1).await;
    assert!(mails[0].text.contains("fern"), "{}", mails[0].text);
    assert!(
        mails[0].text.contains("Fern Forgetful"),
        "{}",
        mails[0].text
    );
    sign_in(&mut journey, "fern", PASSWORD).await;
    journey.close().await;
}

#[tokio::test]
async fn sign_up_activate_sign_in_change_email_and_password_add_a_key_sign_out() {
    sign_up_to_sign_out(false).await;
}

#[tokio::test]
async fn the_same_journey_on_a_phone_390_px_wide() {
    sign_up_to_sign_out(true).await;
}

#[tokio::test]
async fn password_reset_from_the_sign_in_page() {
    password_reset(false).await;
}

#[tokio::test]
async fn password_reset_on_a_phone_390_px_wide() {
    password_reset(true).await;
}

#[tokio::test]
async fn forgotten_username_from_the_sign_in_page() {
    forgotten_name(false).await;
}

#[tokio::test]
async fn forgotten_username_on_a_phone_390_px_wide() {
    forgotten_name(true).await;
}
