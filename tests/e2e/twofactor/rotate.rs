//! `bitu twofactor rotate-key`: after it, the secrets are under the new key and codes still
//! sign in with the new key in place; the old key no longer opens them.

use base64::Engine;
use bitu_testkit::{Browser, TestContext, WebProcess};

use super::support::{PASSWORD, code, code_step, enrol, password_step, settings};
use crate::jobs_support::bitu;

#[tokio::test]
async fn rotating_the_key_keeps_every_enrolment_working() {
    let ctx = TestContext::new().await;
    ctx.create_user("rita", "Rita Rotate", PASSWORD).await;
    let old = settings(&ctx);
    let old_config = ctx.write_config_with(&old);
    let secret = {
        let web = WebProcess::start(&old_config).await;
        let browser = Browser::new(&web.base_url);
        browser.sign_in("rita", PASSWORD).await;
        enrol(&browser).await.0
    };

    let new_key = ctx.dir.path().join("twofactor-new.key");
    let key: [u8; 32] = rand::random();
    std::fs::write(
        &new_key,
        base64::engine::general_purpose::STANDARD.encode(key),
    )
    .unwrap();
    let mut new = old.clone();
    new.twofactor.key_file = Some(new_key);
    let new_config = ctx.write_config_with(&new);
    let old_file = old.twofactor.key_file.clone().unwrap();
    let old_file = old_file.to_str().unwrap();
    let (ok, out) = bitu(
        &new_config,
        &["twofactor", "rotate-key", "--old-key-file", old_file],
    );
    assert!(ok, "{out}");
    assert!(out.contains("re-encrypted 1 secret(s)"), "{out}");
    // Again: nothing left to do.
    let (ok, out) = bitu(
        &new_config,
        &["twofactor", "rotate-key", "--old-key-file", old_file],
    );
    assert!(ok && out.contains("re-encrypted 0 secret(s)"), "{out}");

    let web = WebProcess::start(&new_config).await;
    let browser = Browser::new(&web.base_url);
    assert_eq!(password_step(&browser, "rita").await, "/login/2fa/");
    assert_eq!(code_step(&browser, &code(&secret, 0)).await.0, 303);
}
