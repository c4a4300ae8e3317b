//! A private key pasted by mistake: refused with the leak warning, in every format, and
//! found nowhere afterwards: not in the page, the database, LDAP or the log (at trace level).

use bitu_testkit::{Browser, TestContext, WebProcess};
use reqwest::Method;
use serde_json::json;

use super::support::*;

/// A line from the middle of the key body: specific to this key, never a header.
fn secret_fragment(private: &str) -> String {
    let lines: Vec<&str> = private
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 40)
        .collect();
    lines[lines.len() / 2].trim().to_string()
}

#[tokio::test]
async fn private_keys_are_refused_as_leaked_and_kept_nowhere() {
    let ctx = TestContext::new().await;
    ctx.create_user("dee", "Dee", &bitu_core::account::password::ssha(PASSWORD))
        .await;
    let mut settings = ctx.settings.clone();
    settings.logging.root.level = "trace".into();
    let dir = ctx.dir.path();
    let mut privates: Vec<(String, String)> = Vec::new();
    for (label, kind, bits, extra) in [
        ("openssh ed25519", "ed25519", None, &[][..]),
        ("openssh rsa", "rsa", Some(2048), &[][..]),
        (
            "openssh ecdsa, with a passphrase",
            "ecdsa",
            Some(256),
            &["-N", "correct horse battery"][..],
        ),
        ("PEM (PKCS#1) rsa", "rsa", Some(2048), &["-m", "PEM"][..]),
        ("PEM ec", "ecdsa", Some(384), &["-m", "PEM"][..]),
        ("PKCS#8 rsa", "rsa", Some(2048), &["-m", "PKCS8"][..]),
        ("PKCS#8 ecdsa", "ecdsa", Some(256), &["-m", "PKCS8"][..]),
    ] {
        let pair = try_keygen(dir, kind, bits, extra).unwrap_or_else(|| panic!("{label}"));
        privates.push((label.to_string(), pair.private));
    }
    // The body alone, without its armour lines, is still an OpenSSH private key.
    let body_only: String = privates[0]
        .1
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    privates.push(("openssh body without armour".into(), body_only));
    let pair = keygen(dir, "ed25519", None);
    // Started after the slow key generation, so no idle connection is closed under us.
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("dee", PASSWORD).await;

    for (label, private) in &privates {
        let (status, page) = add_by_form(&browser, private, "", true).await;
        assert_eq!(status, 400, "{label}");
        assert!(
            page.contains("consider it leaked"),
            "{label}: no leak warning"
        );
        let fragment = secret_fragment(private);
        assert!(
            !page.contains(&fragment),
            "{label}: the page shows the private key back"
        );

        let (status, json) = api(
            &browser,
            Method::POST,
            "/api/keys",
            Some(json!({ "key": private })),
        )
        .await;
        assert_eq!(status, 400, "{label}");
        assert_eq!(json["private_key"], true, "{label}");
        assert!(
            json["errors"]["key"][0]
                .as_str()
                .unwrap()
                .contains("consider it leaked")
        );
        assert!(!json.to_string().contains(&fragment));
    }
    // A public key pasted with its private key below it is still a leak.
    let (status, page) = add_by_form(
        &browser,
        &format!("{}\n{}", pair.public, pair.private),
        "",
        true,
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("consider it leaked"));
    // Pasted into the comment field, beside a good public key: refused the same way.
    let fragment = secret_fragment(&pair.private);
    let (status, page) = add_by_form(&browser, &pair.public, &pair.private, true).await;
    assert_eq!(status, 400);
    assert!(page.contains("consider it leaked") && !page.contains(&fragment));
    let body = json!({ "key": pair.public, "comment": pair.private });
    let (status, json) = api(&browser, Method::POST, "/api/keys", Some(body)).await;
    assert_eq!((status, &json["private_key"]), (400, &json!(true)));
    assert!(
        json["errors"]["comment"][0]
            .as_str()
            .unwrap()
            .contains("consider it leaked")
    );

    assert_eq!(
        count_rows(&ctx, "uid = ?", "dee").await,
        0,
        "a key row was stored"
    );
    assert!(
        ldap_keys(&ctx, "dee").await.is_empty(),
        "something reached LDAP"
    );
    let log = web.log();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log is not verbose: {log}"
    );
    for (label, private) in &privates {
        assert!(
            !log.contains(&secret_fragment(private)),
            "{label} is in the log"
        );
    }
    assert!(!log.contains(&secret_fragment(&pair.private)));
}
