//! Group memberships from LDAP in both shapes the directory holds (groupOfNames with member;
//! groupOfNames + posixGroup, rfc2307bis, with member and memberUid): shown on the account page
//! and /api/account, and making account managers and group managers.

use std::time::{Duration, Instant};

use bitu_core::account::password::ssha;
use bitu_core::config::RequestableGroup;
use bitu_testkit::{Browser, TestContext};
use serde_json::{Value, json};

use super::support::{PASSWORD, add_group, ldapmodify, user_dn};

async fn me(browser: &Browser) -> Value {
    browser.get("/api/account").await.json().await.unwrap()
}

#[tokio::test]
async fn groups_of_both_shapes_show_and_grant_roles() {
    let mut ctx = TestContext::new().await;
    ctx.create_user("gus", "Gus Groups", &ssha(PASSWORD)).await;
    ctx.create_user("hal", "Hal Other", &ssha(PASSWORD)).await;
    let gus = user_dn(&ctx, "gus");
    let hal = user_dn(&ctx, "hal");
    let alpha = add_group(
        &ctx,
        "alpha",
        &[
            ("objectClass", &["groupOfNames"]),
            ("description", &["Alpha team"]),
            ("member", &[gus.as_str()]),
        ],
    )
    .await;
    // rfc2307bis: gus is in it by memberUid only (member lists hal), as POSIX tools add people.
    let beta = add_group(
        &ctx,
        "beta",
        &[
            ("objectClass", &["groupOfNames", "posixGroup"]),
            ("description", &["Beta POSIX group"]),
            ("gidNumber", &["7001"]),
            ("member", &[hal.as_str()]),
            ("memberUid", &["gus", "hal"]),
        ],
    )
    .await;
    add_group(
        &ctx,
        "gamma",
        &[
            ("objectClass", &["groupOfNames", "posixGroup"]),
            ("gidNumber", &["7002"]),
            ("member", &[hal.as_str()]),
        ],
    )
    .await;
    ctx.settings.authz.account_manager_groups = vec![beta.clone()];
    ctx.settings.authz.requestable_groups = vec![RequestableGroup {
        group: alpha.clone(),
        managers: Vec::new(),
        manager_groups: vec![beta.clone()],
    }];
    ctx.settings.authz.group_cache_ttl = Duration::from_secs(2);
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("gus", PASSWORD).await;

    let account = me(&browser).await;
    assert_eq!(
        account["groups"],
        json!([
            {"cn": "alpha", "description": "Alpha team"},
            {"cn": "beta", "description": "Beta POSIX group"},
        ]),
        "{account}"
    );
    assert_eq!(account["roles"]["account_manager"], json!(true));
    assert_eq!(account["roles"]["managed_groups"], json!([alpha]));
    let page = browser.get("/account/").await.text().await.unwrap();
    for text in [
        "Your groups",
        "alpha",
        "Alpha team",
        "beta",
        "Beta POSIX group",
    ] {
        assert!(page.contains(text), "account page lacks {text}");
    }
    assert!(!page.contains("gamma"));

    // hal is in beta by both attributes; gamma by member alone.
    let other = Browser::new(&web.base_url);
    other.sign_in("hal", PASSWORD).await;
    let account = me(&other).await;
    let names: Vec<&str> = account["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["cn"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["beta", "gamma"]);

    // Removed from the group in LDAP: the role goes within the group cache window.
    ldapmodify(
        &ctx,
        &format!("dn: {beta}\nchangetype: modify\ndelete: memberUid\nmemberUid: gus\n"),
    );
    let removed_at = Instant::now();
    while me(&browser).await["roles"]["account_manager"] == json!(true) {
        assert!(removed_at.elapsed() < Duration::from_secs(10), "role kept");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "MEASURED group removal -> role gone after {:?} ([authz] group_cache_ttl = 2s)",
        removed_at.elapsed()
    );
    assert_eq!(me(&browser).await["roles"]["managed_groups"], json!([]));
}
