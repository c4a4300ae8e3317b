//! Blocking through bitu-web: search by mail, name and uid prefix with injection strings
//! finding nothing extra; the public ban log (no sign-in, 25 per page, no email address); the
//! block API with an account manager's `blocks` token.

use bitu_core::blocking::{ActionKind, search};
use bitu_testkit::{Browser, TestContext};

use super::support::{PASSWORD, ask};
use crate::authz::support::token_with;
use bitu_core::account::password::ssha;

#[tokio::test]
async fn search_finds_by_mail_and_prefixes_and_injection_finds_nothing_extra() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    ctx.create_user("sam", "Sam Search", &ssha(PASSWORD)).await;
    ctx.create_user("samuel", "Other Person", &ssha(PASSWORD))
        .await;
    ctx.create_user("zed", "Samwise Zed", &ssha(PASSWORD)).await;
    let uids = |found: search::Found| -> Vec<String> {
        found.accounts.into_iter().map(|a| a.uid).collect()
    };
    let find = |q: &'static str| {
        let services = services.clone();
        let settings = ctx.settings.clone();
        async move { search::search(&services, &settings, q).await.unwrap() }
    };
    assert_eq!(uids(find("sam").await), ["sam", "samuel", "zed"]);
    assert_eq!(uids(find("Samw").await), ["zed"]);
    let mail = ctx.mailbox.address("samuel");
    let by_mail = search::search(&services, &ctx.settings, &mail)
        .await
        .unwrap();
    assert_eq!(uids(by_mail), ["samuel"]);
    for injection in [
        "*",
        "sam*)(uid=*",
        ")(|(uid=*",
        "*)(objectClass=*",
        "\\2a",
        "x@*",
    ] {
        let found = find(injection).await;
        assert!(
            found.accounts.is_empty(),
            "{injection}: {:?}",
            found.accounts
        );
    }
}

#[tokio::test]
async fn the_public_ban_log_needs_no_sign_in_paginates_and_shows_no_address() {
    let mut ctx = TestContext::new().await;
    ctx.settings.authz.account_managers = vec!["amy".into()];
    let services = ctx.services();
    ctx.create_user("amy", "Amy Accountmanager", &ssha(PASSWORD))
        .await;
    ctx.create_user("pat", "Pat Paged", &ssha(PASSWORD)).await;
    for n in 0..26 {
        let action = if n % 2 == 0 {
            ActionKind::Block
        } else {
            ActionKind::Unblock
        };
        ask(&ctx, &services, "pat", action, true, false).await;
    }
    let web = ctx.start_web().await;
    let anonymous = Browser::new(&web.base_url);
    let first = anonymous.get("/wikimedia/log/").await;
    assert_eq!(first.status().as_u16(), 200);
    let first = first.text().await.unwrap();
    assert_eq!(first.matches("<td>pat</td>").count(), 25, "{first}");
    assert!(first.contains("spam across projects"));
    assert!(
        !first.contains('@'),
        "an address on the public log: {first}"
    );
    assert!(first.contains("Page 1 of 2"));
    let second = anonymous
        .get("/wikimedia/log/?page=2")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("<td>pat</td>").count(), 1, "{second}");
    // A page number far past the end is an empty page, never an overflowing offset.
    let far = anonymous
        .get("/wikimedia/log/?page=9223372036854775807")
        .await;
    assert_eq!(far.status().as_u16(), 200);

    // The block API with an account manager's token holding the `blocks` scope.
    let manager = Browser::new(&web.base_url);
    manager.sign_in("amy", PASSWORD).await;
    let token = token_with(&manager, &["blocks"]).await;
    let api = reqwest::Client::new();
    let created = api
        .post(web.url("/api/blocks"))
        .header("Authorization", format!("Token {token}"))
        .json(&serde_json::json!({"uid": "pat", "action": "block", "comment": "via the API"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    let status: serde_json::Value = api
        .get(web.url("/api/blocks/pat"))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["log"][0]["action"]["comment"], "via the API");
    assert_eq!(status["log"].as_array().unwrap().len(), 27);
    // The manager's pages: search and the account's log.
    let found = manager
        .get("/wikimedia/block/?q=pat")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains("Pat Paged") && found.contains("/wikimedia/unblock/pat"),
        "{found}"
    );
    let log = manager.get("/wikimedia/block/pat/log").await;
    assert_eq!(log.status().as_u16(), 200);
}
