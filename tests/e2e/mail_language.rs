//! Mails in the language of the person they are for: a sign-up made in a language (chosen
//! with `?uselang=`, kept by its cookie) gets its activation mail in that language, read from
//! the SMTP sink's Maildir; the `qqx` pseudo-language shows that every text of the mail comes
//! from the message files.

use std::time::Duration;

use bitu_testkit::{Browser, TestContext, WebProcess};

use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::signup::{activation_path, sign_up};

const PASSWORD: &str = "Velvet-Tundra-Compass-81";

#[tokio::test]
async fn activation_mails_are_written_in_the_language_of_the_sign_up() {
    let ctx = TestContext::new().await;
    let settings = fast_settings(&ctx);
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;

    // Each browser picks its language once; the cookie keeps it for the form's POST.
    let mut addresses = Vec::new();
    for (lang, cn, uid) in [
        ("qqx", "Quincy Keys", "qkeys"),
        ("he", "Hila Levi", "hlevi"),
        ("en", "Erin English", "eenglish"),
    ] {
        let browser = Browser::new(&web.base_url);
        let page = browser.get(&format!("/signup/?uselang={lang}")).await;
        assert_eq!(page.headers()["content-language"], lang);
        let email = ctx.mailbox.address(uid);
        let response = sign_up(&ctx, &browser, cn, uid, &email, PASSWORD).await;
        assert_eq!(
            response.status().as_u16(),
            303,
            "{lang}: {}",
            response.text().await.unwrap()
        );
        addresses.push(email);
    }
    ctx.mailbox.wait_for(3, Duration::from_secs(30)).await;
    let mail = |i: usize| {
        let mails = ctx.mailbox.messages_to(&addresses[i]);
        assert_eq!(mails.len(), 1, "{}", addresses[i]);
        mails.into_iter().next().unwrap()
    };

    let keys = mail(0);
    assert_eq!(keys.subject, "(bitu-mail-activation-subject: Bitu)");
    assert!(
        keys.text.contains("(bitu-mail-hello: Quincy Keys)"),
        "{}",
        keys.text
    );
    assert!(
        keys.text.contains("(bitu-mail-activation-intro: Bitu)"),
        "{}",
        keys.text
    );
    // Nothing but keys, the link and the signature: no English left in the mail.
    for line in keys.text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("(bitu-")
                || line.contains("/signup/activate/")
                || line == "--"
                || line.starts_with("Bitu <"),
            "English outside the message files: {line:?}\n{}",
            keys.text
        );
    }
    assert!(
        keys.html
            .as_deref()
            .unwrap_or_default()
            .contains("lang=\"qqx\"")
    );
    // The link works whatever the language of the mail.
    assert!(activation_path(&keys.text).starts_with("/signup/activate/"));

    let hebrew = mail(1);
    assert_eq!(hebrew.subject, "הפעלת החשבון שלך ב־Bitu");
    assert!(
        hebrew.text.starts_with("שלום Hila Levi,"),
        "{}",
        hebrew.text
    );
    let html = hebrew.html.unwrap_or_default();
    assert!(html.contains("lang=\"he\" dir=\"rtl\""), "{html}");

    let english = mail(2);
    assert_eq!(english.subject, "Activate your Bitu account");
    assert!(
        english.text.starts_with("Hello Erin English,"),
        "{}",
        english.text
    );
}
