//! Adding keys: every accepted type with `ssh-keygen`'s size and fingerprint, every refusal
//! with its message, tolerated whitespace, the comment field.

use bitu_testkit::TestContext;
use reqwest::Method;
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn accepted_types_show_ssh_keygens_size_and_fingerprint_and_land_in_ldap() {
    let ctx = TestContext::new().await;
    let dir = ctx.dir.path();
    let mut expected: Vec<(String, String, u32, String)> = Vec::new();
    for (kind, bits) in [
        ("ed25519", None),
        ("ecdsa", Some(256)),
        ("ecdsa", Some(384)),
        ("ecdsa", Some(521)),
        ("rsa", Some(2048)),
        ("rsa", Some(3072)),
        ("rsa", Some(4096)),
    ] {
        let pair = keygen(dir, kind, bits);
        let key_type = pair.public.split(' ').next().unwrap().to_string();
        expected.push((pair.public, key_type, pair.bits, pair.fingerprint));
    }
    for line in [SK_ED25519, SK_ECDSA] {
        let (bits, fingerprint) = keygen_fingerprint(dir, line);
        let key_type = line.split(' ').next().unwrap().to_string();
        expected.push((line.to_string(), key_type, bits, fingerprint));
    }
    // Signed in after the slow key generation, so no idle connection is closed under us.
    let s = start(&ctx, &["ada"]).await;
    // Half through the page, half through the API.
    for (n, (line, ..)) in expected.iter().enumerate() {
        if n % 2 == 0 {
            let (status, page) = add_by_form(&s.browser, line, "", true).await;
            assert_eq!(status, 303, "{line}: {page}");
        } else {
            let (status, json) = api(
                &s.browser,
                Method::POST,
                "/api/keys",
                Some(json!({ "key": line })),
            )
            .await;
            assert_eq!(status, 201, "{line}: {json}");
            assert_eq!(json["state"], "active");
        }
    }
    let keys = listed(&s.browser).await;
    assert_eq!(keys.len(), expected.len());
    let in_ldap = ldap_keys(&ctx, "ada").await;
    let page = html_text(&s.browser.get("/keys/").await.text().await.unwrap());
    assert!(page.contains("Cloud Services SSH keys"));
    assert!(page.contains("href=\"/keys/\""), "navigation link");
    for (line, key_type, bits, fingerprint) in &expected {
        let key = by_fingerprint(&keys, fingerprint)
            .unwrap_or_else(|| panic!("{fingerprint} not listed"));
        assert_eq!(key["type"], key_type.as_str());
        assert_eq!(key["bits"], *bits, "{key_type}");
        assert_eq!(key["state"], "active");
        assert_eq!(key["origin"], "added");
        assert!(in_ldap.contains(line), "{line} not in LDAP: {in_ldap:?}");
        assert!(
            page.contains(fingerprint.as_str()),
            "page lacks {fingerprint}"
        );
    }
    assert_eq!(in_ldap.len(), expected.len());
}

#[tokio::test]
async fn weak_foreign_and_broken_keys_are_refused_each_with_its_message() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["bea"]).await;
    let dir = ctx.dir.path();
    let ed25519 = keygen(dir, "ed25519", None).public;
    let rsa_1024 = keygen(dir, "rsa", Some(1024)).public;
    let truncated = ed25519[..ed25519.len() / 2].to_string();
    let data = ed25519.split(' ').nth(1).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (rsa_1024, "at least 2048 bits; this one has 1024"),
        (dsa_public(dir), "DSA (ssh-dss) keys are no longer safe"),
        (
            "hello, this is my key".into(),
            "This is not an OpenSSH public key",
        ),
        (truncated, "damaged or incomplete"),
        (
            format!("ssh-ed25519 {}", &data[..data.len() - 8]),
            "damaged or incomplete",
        ),
        (
            format!("from=\"10.0.0.0/8\" {ed25519}"),
            "options such as from= or command=",
        ),
        (
            format!("command=\"/bin/true\",no-pty {ed25519}"),
            "options such as from= or command=",
        ),
        ("".into(), "Paste your public key"),
    ];
    for (pasted, message) in &cases {
        let (status, page) = add_by_form(&s.browser, pasted, "", true).await;
        assert_eq!(status, 400, "{pasted}");
        assert!(
            page.contains(message),
            "{pasted}: expected {message:?} in the page"
        );
        let (status, json) = api(
            &s.browser,
            Method::POST,
            "/api/keys",
            Some(json!({ "key": pasted })),
        )
        .await;
        assert_eq!(status, 400, "{pasted}");
        let text = json["errors"]["key"][0].as_str().unwrap();
        assert!(text.contains(message), "{pasted}: {text}");
    }
    // A comment that is not one line of text is the comment's error, not the key's.
    let (status, json) = api(
        &s.browser,
        Method::POST,
        "/api/keys",
        Some(json!({ "key": ed25519, "comment": "x".repeat(300) })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        json["errors"]["comment"][0]
            .as_str()
            .unwrap()
            .contains("too long")
    );
    let (status, json) = api(
        &s.browser,
        Method::POST,
        "/api/keys",
        Some(json!({ "kee": 1 })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(json["errors"]["body"][0].is_string());
    assert!(ldap_keys(&ctx, "bea").await.is_empty());
    assert_eq!(count_rows(&ctx, "uid = ?", "bea").await, 0);
}

#[tokio::test]
async fn whitespace_and_line_breaks_are_tolerated_and_the_comment_field_wins() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["cyd"]).await;
    let dir = ctx.dir.path();
    let pair = keygen(dir, "rsa", Some(3072));
    let (key_type, rest) = pair.public.split_once(' ').unwrap();
    let (data, _) = rest.split_once(' ').unwrap();
    // As a terminal copies it: wrapped every 64 characters, CRLF, indented, trailing blanks.
    let wrapped: Vec<&str> = data
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pasted = format!(
        "\r\n   {key_type}\r\n{}\r\n  old-comment  \r\n\r\n",
        wrapped.join("\r\n")
    );
    let (status, page) = add_by_form(&s.browser, &pasted, "  work laptop  ", true).await;
    assert_eq!(status, 303, "{page}");
    let keys = listed(&s.browser).await;
    let key = by_fingerprint(&keys, &pair.fingerprint).unwrap();
    assert_eq!(key["comment"], "work laptop");
    assert_eq!(
        ldap_keys(&ctx, "cyd").await,
        vec![format!("{key_type} {data} work laptop")]
    );

    // Without a comment field the key's own comment stays; "no" keeps it out of LDAP.
    let other = keygen(dir, "ed25519", None);
    let (status, _) = add_by_form(&s.browser, &format!("  {}\n", other.public), "", false).await;
    assert_eq!(status, 303);
    let keys = listed(&s.browser).await;
    let key = by_fingerprint(&keys, &other.fingerprint).unwrap();
    assert_eq!(key["comment"], "ed25519@keygen");
    assert_eq!(key["state"], "suspended");
    assert_eq!(ldap_keys(&ctx, "cyd").await.len(), 1);
    let page = html_text(
        &s.browser
            .get("/keys/?done=added-suspended")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("suspended until you activate it"));

    // The same key again, whatever its comment, is refused as already yours.
    let (status, page) = add_by_form(&s.browser, &pair.public, "again", true).await;
    assert_eq!(status, 400);
    assert!(page.contains("You already have this key"), "{page}");
}
