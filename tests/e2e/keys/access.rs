//! Activate, suspend and delete (suspended only, after a confirmation page) through the
//! page, the API with a session and the API with a token; another user's key id is 404
//! everywhere.

use bitu_testkit::TestContext;
use reqwest::Method;
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn suspend_activate_and_delete_through_page_and_api() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["jon"]).await;
    let dir = ctx.dir.path();
    let pair = keygen(dir, "ed25519", None);
    let (status, _) = add_by_form(&s.browser, &pair.public, "", true).await;
    assert_eq!(status, 303);
    let id = by_fingerprint(&listed(&s.browser).await, &pair.fingerprint).unwrap()["id"]
        .as_u64()
        .unwrap();

    // An active key cannot be deleted: the confirmation page says to suspend it first.
    let page = s
        .browser
        .get(&format!("/keys/{id}/delete/"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Suspend it first") && !page.contains("Delete key</button>"));
    let response = s
        .browser
        .post_form(&format!("/keys/{id}/delete/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 409);
    let (status, json) = api(&s.browser, Method::DELETE, &format!("/api/keys/{id}"), None).await;
    assert_eq!(status, 409, "{json}");
    assert!(
        json["errors"]["state"][0]
            .as_str()
            .unwrap()
            .contains("Suspend it first")
    );

    // Suspend (page) and activate again (API with the session and its CSRF header).
    let response = s
        .browser
        .post_form(&format!("/keys/{id}/suspend/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert!(ldap_keys(&ctx, "jon").await.is_empty());
    let page = html_text(
        &s.browser
            .get("/keys/?done=suspended")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("Key suspended") && page.contains(&pair.fingerprint));
    let (status, json) = api(
        &s.browser,
        Method::PUT,
        &format!("/api/keys/{id}"),
        Some(json!({ "state": "active" })),
    )
    .await;
    assert_eq!((status, json["state"].as_str()), (200, Some("active")));
    assert_eq!(ldap_keys(&ctx, "jon").await, vec![pair.public.clone()]);
    // Without the CSRF header a session cannot change anything.
    let response = s
        .browser
        .client
        .put(s.browser.url(&format!("/api/keys/{id}")))
        .json(&json!({ "state": "suspended" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // An API token does the same without cookies: suspend, then delete.
    let token = api_token(&s.browser).await;
    let script = reqwest::Client::new();
    let call = |method: Method, path: String, body: Option<serde_json::Value>| {
        let mut request = script
            .request(method, s.web.url(&path))
            .header("Authorization", format!("Token {token}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { request.send().await.unwrap() }
    };
    let response = call(
        Method::PUT,
        format!("/api/keys/{id}"),
        Some(json!({ "state": "suspended" })),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(ldap_keys(&ctx, "jon").await.is_empty());
    let response = call(
        Method::PUT,
        format!("/api/keys/{id}"),
        Some(json!({ "state": "gone" })),
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);

    // The confirmation page of a suspended key offers the deletion; the page deletes it.
    let page = s
        .browser
        .get(&format!("/keys/{id}/delete/"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Delete key</button>"), "{page}");
    let response = s
        .browser
        .post_form(&format!("/keys/{id}/delete/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(count_rows(&ctx, "uid = ?", "jon").await, 0);
    assert!(listed(&s.browser).await.is_empty());

    // Through the API with the token: add suspended, delete, 204.
    let other = keygen(dir, "ecdsa", Some(256));
    let response = call(
        Method::POST,
        "/api/keys".into(),
        Some(json!({ "key": other.public, "active": false })),
    )
    .await;
    assert_eq!(response.status().as_u16(), 201);
    let created: serde_json::Value = response.json().await.unwrap();
    assert_eq!(created["state"], "suspended");
    let response = call(Method::DELETE, format!("/api/keys/{}", created["id"]), None).await;
    assert_eq!(response.status().as_u16(), 204);
    let response = call(Method::GET, "/api/keys".into(), None).await;
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["keys"], json!([]));
    assert_eq!(
        body["systems"][0]["display_name"],
        "Cloud Services SSH keys"
    );
}

#[tokio::test]
async fn another_users_key_id_is_404_on_every_page_action_and_api() {
    let ctx = TestContext::new().await;
    let s = start(&ctx, &["kim", "lou"]).await;
    let dir = ctx.dir.path();
    let active = keygen(dir, "ed25519", None);
    let suspended = keygen(dir, "ed25519", None);
    add_by_form(&s.browser, &active.public, "", true).await;
    add_by_form(&s.browser, &suspended.public, "", false).await;
    let keys = listed(&s.browser).await;
    let ids: Vec<u64> = [&active, &suspended]
        .iter()
        .map(|pair| {
            by_fingerprint(&keys, &pair.fingerprint).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect();

    let lou = signed_in(&s.web, "lou").await;
    let token = api_token(&lou).await;
    let script = reqwest::Client::new();
    for id in ids.iter().copied().chain([ids[1] + 1000]) {
        for path in ["activate", "suspend", "delete"] {
            let response = lou.post_form(&format!("/keys/{id}/{path}/"), &[]).await;
            assert_eq!(response.status().as_u16(), 404, "POST {path} {id}");
        }
        assert_eq!(
            lou.get(&format!("/keys/{id}/delete/"))
                .await
                .status()
                .as_u16(),
            404
        );
        for (method, body) in [
            (Method::PUT, Some(json!({ "state": "active" }))),
            (Method::PUT, Some(json!({ "state": "suspended" }))),
            (Method::PUT, Some(json!({ "bogus": true }))),
            (Method::DELETE, None),
        ] {
            let (status, json) = api(
                &lou,
                method.clone(),
                &format!("/api/keys/{id}"),
                body.clone(),
            )
            .await;
            assert_eq!(status, 404, "{method} {id} with a session: {json}");
            let mut request = script
                .request(method.clone(), s.web.url(&format!("/api/keys/{id}")))
                .header("Authorization", format!("Token {token}"));
            if let Some(body) = body {
                request = request.json(&body);
            }
            assert_eq!(
                request.send().await.unwrap().status().as_u16(),
                404,
                "{method} {id} with a token"
            );
        }
    }
    // Nothing changed for kim, and lou sees none of kim's keys.
    let keys = listed(&s.browser).await;
    assert_eq!(
        by_fingerprint(&keys, &active.fingerprint).unwrap()["state"],
        "active"
    );
    assert_eq!(
        by_fingerprint(&keys, &suspended.fingerprint).unwrap()["state"],
        "suspended"
    );
    assert_eq!(ldap_keys(&ctx, "kim").await, vec![active.public.clone()]);
    assert!(listed(&lou).await.is_empty());
    let page = html_text(&lou.get("/keys/").await.text().await.unwrap());
    assert!(!page.contains(&active.fingerprint) && !page.contains(&suspended.fingerprint));
}
