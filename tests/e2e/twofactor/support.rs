//! Shared steps: settings with two-factor on, enrolling through the page, and codes computed
//! from the secret the page showed.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use bitu_core::Settings;
use bitu_core::twofactor::totp;
use bitu_testkit::{Browser, TestContext};

use crate::jobs_support::fast_settings;

/// Password of every user these tests make.
pub const PASSWORD: &str = "Amber-Falcon-Orchard-31";

/// Settings with two-factor on (a fresh key in the test's folder), `amy` an account manager,
/// two steps of skew (so a code computed here stays good across a step boundary) and mail
/// through the SMTP sink.
pub fn settings(ctx: &TestContext) -> Settings {
    let mut settings = fast_settings(ctx);
    let key: [u8; 32] = rand::random();
    let path = ctx.dir.path().join("twofactor.key");
    std::fs::write(
        &path,
        base64::engine::general_purpose::STANDARD.encode(key) + "\n",
    )
    .unwrap();
    settings.twofactor.enabled = true;
    settings.twofactor.key_file = Some(path);
    settings.twofactor.skew = 2;
    settings.authz.account_managers = vec!["amy".into()];
    settings
}

/// The code of `secret` (as the page showed it, in groups) `steps` steps from now.
pub fn code(secret: &str, steps: i64) -> String {
    let secret = totp::decode_base32(secret).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let at = now.checked_add_signed(steps * 30).unwrap();
    totp::code_at(&secret, at).unwrap()
}

/// The text between `start` and the next `<` in `page`.
pub fn between(page: &str, start: &str) -> String {
    page.split(start)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("{start:?} not in {page}"))
        .to_string()
}

/// Enrols the signed-in `browser` (confirming with the previous step's code); the secret and
/// the ten recovery codes.
pub async fn enrol(browser: &Browser) -> (String, Vec<String>) {
    let page = browser.get("/account/2fa/").await.text().await.unwrap();
    assert!(page.contains("<svg"), "no QR code: {page}");
    let secret = between(&page, "<code id=\"twofactor-secret\">");
    assert_eq!(
        secret.split(' ').count(),
        8,
        "160 bits in groups of four: {secret}"
    );
    let page = browser
        .post_form("/account/2fa/", &[("code", &code(&secret, -1))])
        .await
        .text()
        .await
        .unwrap();
    let list = between(&page, "<ul id=\"recovery-codes\">");
    assert!(list.is_empty());
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{page}");
    assert!(page.contains("download=\"recovery-codes.txt\""));
    (secret, codes)
}

/// Signs in with the password: the answer (303 to `/login/2fa/` with two-factor on).
pub async fn password_step(browser: &Browser, uid: &str) -> String {
    let response = browser
        .post_form(
            "/login/",
            &[("name", uid), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303, "password of {uid}");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Sends `code` as the second step; the status and where it leads.
pub async fn code_step(browser: &Browser, code: &str) -> (u16, String) {
    let response = browser.post_form("/login/2fa/", &[("code", code)]).await;
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

/// The audit rows of `action` about `uid`.
pub async fn audit(ctx: &TestContext, action: &str, uid: &str) -> Vec<String> {
    let filter = bitu_core::audit::Filter {
        actor: None,
        target: None,
        action: Some(action.parse().unwrap()),
        subject: None,
        since: None,
        limit: 100,
    };
    let rows = bitu_core::audit::search(&ctx.services().db, &filter)
        .await
        .unwrap();
    rows.into_iter()
        .filter(|row| row.target == uid)
        .map(|row| row.detail)
        .collect()
}
