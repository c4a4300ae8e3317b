//! A block seen over HTTP: the user's open session lands signed out and its API token answers
//! 401 at once on the bitu-web that took the block (before bitu-rq ran), binds fail once
//! bitu-rq locked the entry, and another bitu-web with nothing cached refuses too; an unblock
//! lets the user bind and sign in again at once, with the removed address back.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::blocking::{self, Progress, store};
use bitu_testkit::{Browser, TestContext, WebProcess};

use super::support::{PASSWORD, can_bind, values};
use crate::authz::support::token_with;
use crate::jobs_support::{WorkerProcess, fast_settings, wait_until};

/// Waits until the latest action on `uid` is done in every system.
async fn wait_done(ctx: &TestContext, uid: &str, what: &str) {
    let db = ctx.services().db;
    wait_until(what, Duration::from_secs(60), || async {
        let history = store::history(&db, uid).await.unwrap();
        history
            .first()
            .is_some_and(|(_, systems)| blocking::progress(systems) == Progress::Done)
    })
    .await;
}

async fn token_status(web: &WebProcess, token: &str) -> u16 {
    reqwest::Client::new()
        .get(web.url("/api/account"))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_block_signs_the_user_out_and_stops_its_token_at_once_and_an_unblock_undoes_it() {
    let mut ctx = TestContext::new().await;
    ctx.settings.authz.account_managers = vec!["amy".into()];
    // Far longer than the test: only the block itself can explain an immediate refusal.
    ctx.settings.authz.account_state_ttl = Duration::from_secs(600);
    ctx.create_user("amy", "Amy Accountmanager", &ssha(PASSWORD))
        .await;
    ctx.create_user("bob", "Bob Blocked", &ssha(PASSWORD)).await;
    let mail = values(&ctx, "bob", "mail").await;
    assert_eq!(mail.len(), 1);
    let config = ctx.write_config_with(&fast_settings(&ctx));
    let web = WebProcess::start(&config).await;
    let bob = Browser::new(&web.base_url);
    bob.sign_in("bob", PASSWORD).await;
    let token = token_with(&bob, &["read_account"]).await;
    // Both now cached as active for ten minutes.
    assert_eq!(bob.get("/account/").await.status().as_u16(), 200);
    assert_eq!(token_status(&web, &token).await, 200);

    let amy = Browser::new(&web.base_url);
    amy.sign_in("amy", PASSWORD).await;
    let blocked = amy
        .post_form(
            "/wikimedia/block/bob",
            &[("comment", "Spam"), ("unset_email", "1")],
        )
        .await;
    assert_eq!(blocked.status().as_u16(), 303);
    // No bitu-rq yet: this host alone ends the session and refuses the token.
    let signed_out = bob.get("/account/").await;
    assert_eq!(signed_out.status().as_u16(), 302);
    let to = signed_out.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(to.starts_with("/login/"), "{to}");
    assert_eq!(token_status(&web, &token).await, 401);
    assert!(can_bind(&ctx, "bob").await, "LDAP is bitu-rq's part");

    let _worker = WorkerProcess::start(&config, &[]).await;
    wait_done(&ctx, "bob", "the block applied").await;
    assert!(
        !can_bind(&ctx, "bob").await,
        "a blocked account still binds"
    );
    assert!(values(&ctx, "bob", "mail").await.is_empty());
    // Another host, with nothing cached, refuses as well: the token is disabled, sign-in fails.
    let other = WebProcess::start(&config).await;
    assert_eq!(token_status(&other, &token).await, 401);
    let again = Browser::new(&other.base_url)
        .post_form(
            "/login/",
            &[("name", "bob"), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 200, "a blocked account signed in");

    let form = amy
        .get("/wikimedia/unblock/bob")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(&format!(
            "Restore the email address the block removed ({})",
            mail[0]
        )),
        "{form}"
    );
    let unblocked = amy
        .post_form(
            "/wikimedia/unblock/bob",
            &[("comment", "Appeal granted"), ("restore_email", "1")],
        )
        .await;
    assert_eq!(unblocked.status().as_u16(), 303);
    wait_done(&ctx, "bob", "the unblock applied").await;
    assert!(
        can_bind(&ctx, "bob").await,
        "an unblocked account cannot bind"
    );
    assert_eq!(values(&ctx, "bob", "mail").await, mail);
    // This host forgot the lock with the unblock: sign-in works at once despite the long TTL.
    let back = Browser::new(&web.base_url);
    back.sign_in("bob", PASSWORD).await;
    assert_eq!(back.get("/account/").await.status().as_u16(), 200);
    // Tokens disabled by a block stay disabled: the owner makes new ones.
    assert_eq!(token_status(&web, &token).await, 401);
}
