//! The directory as the source of truth: edits made with `ldapmodify` show on the next view,
//! keys match by fingerprint, one key belongs to one account, concurrent adds both land.

use bitu_testkit::TestContext;
use reqwest::Method;
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn edits_made_in_ldap_show_on_the_next_view() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["eve"]).await;
    let dir = ctx.dir.path();
    let mine = keygen(dir, "ed25519", None);
    let theirs = keygen(dir, "ecdsa", Some(384));
    let (status, _) = add_by_form(&s.browser, &mine.public, "", true).await;
    assert_eq!(status, 303);

    // Another tool adds a key: imported as active, marked as such.
    ldapmodify(&ctx, "eve", true, &theirs.public).await;
    let page = html_text(&s.browser.get("/keys/").await.text().await.unwrap());
    assert!(page.contains(&theirs.fingerprint));
    assert!(page.contains("imported from directory"));
    let keys = listed(&s.browser).await;
    let imported = by_fingerprint(&keys, &theirs.fingerprint).unwrap();
    assert_eq!(
        (imported["state"].as_str(), imported["origin"].as_str()),
        (Some("active"), Some("imported"))
    );
    assert_eq!(imported["bits"], 384);

    // Another tool removes Bitu's key: it shows as suspended, kept in Bitu.
    ldapmodify(&ctx, "eve", false, &mine.public).await;
    let keys = listed(&s.browser).await;
    assert_eq!(
        by_fingerprint(&keys, &mine.fingerprint).unwrap()["state"],
        "suspended"
    );

    // It comes back with another comment and other spacing: the same key, active again.
    let (key_type, rest) = mine.public.split_once(' ').unwrap();
    let data = rest.split(' ').next().unwrap();
    ldapmodify(
        &ctx,
        "eve",
        true,
        &format!("{key_type} {data} moved to another tool"),
    )
    .await;
    // And the imported key twice, under two comments: still one key.
    let (t2, rest2) = theirs.public.split_once(' ').unwrap();
    let data2 = rest2.split(' ').next().unwrap();
    ldapmodify(&ctx, "eve", true, &format!("{t2} {data2}")).await;
    let keys = listed(&s.browser).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(
        by_fingerprint(&keys, &mine.fingerprint).unwrap()["state"],
        "active"
    );
    assert_eq!(count_rows(&ctx, "uid = ?", "eve").await, 2);

    // Suspending removes every spelling of the key and only those; values Bitu cannot read
    // are left alone.
    ldapmodify(&ctx, "eve", true, "not a key at all").await;
    let id = by_fingerprint(&keys, &theirs.fingerprint).unwrap()["id"]
        .as_u64()
        .unwrap();
    let response = s
        .browser
        .post_form(&format!("/keys/{id}/suspend/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let mut values = ldap_keys(&ctx, "eve").await;
    values.sort();
    assert_eq!(
        values,
        vec![
            "not a key at all".to_string(),
            format!("{key_type} {data} moved to another tool"),
        ]
    );
    let page = html_text(&s.browser.get("/keys/").await.text().await.unwrap());
    assert!(page.contains("1 value that is not a public key"), "{page}");
}

#[tokio::test]
async fn a_key_belongs_to_one_account_and_the_refusal_names_nobody() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["fay", "gus", "hal"]).await;
    let dir = ctx.dir.path();
    let shared = keygen(dir, "ed25519", None);
    let (status, _) = add_by_form(&s.browser, &shared.public, "fay's laptop", true).await;
    assert_eq!(status, 303);

    let gus = signed_in(&s.web, "gus").await;
    let (key_type, rest) = shared.public.split_once(' ').unwrap();
    let data = rest.split(' ').next().unwrap();
    let (status, page) =
        add_by_form(&gus, &format!("{key_type} {data} gus@elsewhere"), "", true).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("already registered to another account"),
        "{page}"
    );
    let refusal = page
        .split("id=\"key-error\"")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        !refusal.contains("fay") && !refusal.contains("Dev fay"),
        "{refusal}"
    );
    let (status, json) = api(
        &gus,
        Method::POST,
        "/api/keys",
        Some(json!({ "key": shared.public })),
    )
    .await;
    assert_eq!(status, 400);
    assert!(!json.to_string().contains("fay"), "{json}");
    assert!(ldap_keys(&ctx, "gus").await.is_empty());

    // Another tool puts fay's key in gus's entry: shown to gus as active but not his to
    // manage, and still fay's.
    ldapmodify(&ctx, "gus", true, &shared.public).await;
    let (status, json) = api(&gus, Method::GET, "/api/keys", None).await;
    assert_eq!(status, 200);
    assert_eq!(json["keys"], json!([]));
    assert_eq!(
        json["unmanaged"][0]["fingerprint"],
        shared.fingerprint.as_str()
    );
    assert_eq!(json["unmanaged"][0]["state"], "active");
    let page = html_text(&gus.get("/keys/").await.text().await.unwrap());
    assert!(page.contains("registered to another account") && !page.contains("fay"));
    assert_eq!(count_rows(&ctx, "uid = ?", "fay").await, 1);
    ldapmodify(&ctx, "gus", false, &shared.public).await;

    // A key another tool put in someone's entry, never viewed in Bitu, is theirs too.
    let hidden = keygen(dir, "ecdsa", Some(256));
    ldapmodify(&ctx, "hal", true, &hidden.public).await;
    let (status, page) = add_by_form(&gus, &hidden.public, "", true).await;
    assert_eq!(status, 400);
    assert!(page.contains("already registered to another account"));
    assert_eq!(count_rows(&ctx, "uid = ?", "gus").await, 0);
}

#[tokio::test]
async fn two_sessions_adding_at_the_same_moment_both_land_in_ldap() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["ivy"]).await;
    let other_session = signed_in(&s.web, "ivy").await;
    let dir = ctx.dir.path();
    let mut expected = Vec::new();
    for _ in 0..5 {
        let a = keygen(dir, "ed25519", None);
        let b = keygen(dir, "ed25519", None);
        let (first, second) = tokio::join!(
            add_by_form(&s.browser, &a.public, "", true),
            add_by_form(&other_session, &b.public, "", true),
        );
        assert_eq!((first.0, second.0), (303, 303));
        expected.push(a.public);
        expected.push(b.public);
    }
    let values = ldap_keys(&ctx, "ivy").await;
    for line in &expected {
        assert!(values.contains(line), "{line} lost: {values:?}");
    }
    assert_eq!(values.len(), expected.len());
    let keys = listed(&s.browser).await;
    assert!(keys.iter().all(|k| k["state"] == "active"));
    assert_eq!(keys.len(), expected.len());
}
