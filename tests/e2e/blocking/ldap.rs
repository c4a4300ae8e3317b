//! The LDAP part of a block on the real slapd with ppolicy: binds fail, the session and the
//! token stop working, mail and keys go when asked; an unblock undoes the lock and brings the
//! keys back; doing either twice changes nothing and logs both.

use bitu_core::account::sessions::Sessions;
use bitu_core::account::tokens;
use bitu_core::blocking::{self, ActionKind, BlockState, Progress, search, store};

use super::support::{KEY, apply_all, ask, can_bind, user_with_everything, values};
use bitu_testkit::TestContext;

#[tokio::test]
async fn a_block_locks_ldap_ends_sessions_and_tokens_and_moves_keys_and_mail() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    let held = user_with_everything(&ctx, &services, "bob", "Bob Blocked").await;
    let mail = values(&ctx, "bob", "mail").await;
    assert!(can_bind(&ctx, "bob").await);

    let id = ask(&ctx, &services, "bob", ActionKind::Block, true, true).await;
    apply_all(&ctx, &services, id).await;

    assert!(
        !can_bind(&ctx, "bob").await,
        "a blocked account still binds"
    );
    assert_eq!(
        values(&ctx, "bob", "pwdPolicySubentry").await,
        std::slice::from_ref(&ctx.settings.ldap.ppolicy_dn)
    );
    assert_eq!(values(&ctx, "bob", "pwdAccountLockedTime").await.len(), 1);
    assert!(values(&ctx, "bob", "mail").await.is_empty());
    assert!(values(&ctx, "bob", "sshPublicKey").await.is_empty());
    let sessions = Sessions::new(services.db.clone(), std::time::Duration::ZERO);
    assert_eq!(sessions.load(&held.session).await.unwrap(), None);
    assert_eq!(
        tokens::authenticate(&services.db, &held.token)
            .await
            .unwrap(),
        None
    );
    let action = store::action(&services.db, id).await.unwrap();
    assert_eq!(action.old_mail.as_deref(), mail.first().map(String::as_str));
    let history = store::history(&services.db, "bob").await.unwrap();
    assert_eq!(blocking::progress(&history[0].1), Progress::Done);
    let found = search::account(&services, &ctx.settings, "bob")
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(found.state, BlockState::Blocked { ref by, .. } if by == "carol"));

    let id = ask(&ctx, &services, "bob", ActionKind::Unblock, false, true).await;
    apply_all(&ctx, &services, id).await;
    assert!(
        can_bind(&ctx, "bob").await,
        "an unblocked account cannot bind"
    );
    assert!(values(&ctx, "bob", "pwdPolicySubentry").await.is_empty());
    assert!(values(&ctx, "bob", "pwdAccountLockedTime").await.is_empty());
    let keys = values(&ctx, "bob", "sshPublicKey").await;
    assert_eq!(keys.len(), 1);
    assert!(keys[0].starts_with(&KEY[..60]), "{keys:?}");
    let found = search::account(&services, &ctx.settings, "bob")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.state, BlockState::Active);
}

#[tokio::test]
async fn blocking_twice_and_unblocking_twice_is_harmless_and_logged() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    user_with_everything(&ctx, &services, "tess", "Tess Twice").await;
    for action in [ActionKind::Block, ActionKind::Block] {
        let id = ask(&ctx, &services, "tess", action, false, false).await;
        apply_all(&ctx, &services, id).await;
        assert!(!can_bind(&ctx, "tess").await);
    }
    // The key stays: suspension was not asked for.
    assert_eq!(values(&ctx, "tess", "sshPublicKey").await.len(), 1);
    for action in [ActionKind::Unblock, ActionKind::Unblock] {
        let id = ask(&ctx, &services, "tess", action, false, true).await;
        apply_all(&ctx, &services, id).await;
        assert!(can_bind(&ctx, "tess").await);
    }
    let history = store::history(&services.db, "tess").await.unwrap();
    let actions: Vec<&str> = history.iter().map(|(a, _)| a.action.as_str()).collect();
    assert_eq!(actions, ["unblock", "unblock", "block", "block"]);
    for (_, systems) in &history {
        assert_eq!(blocking::progress(systems), Progress::Done, "{systems:?}");
    }
    assert_eq!(values(&ctx, "tess", "sshPublicKey").await.len(), 1);
}

#[tokio::test]
async fn a_lock_from_outside_bitu_shows_and_can_be_unblocked() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    user_with_everything(&ctx, &services, "olga", "Olga Outside").await;
    let dn = format!("uid=olga,{}", ctx.settings.ldap.users_dn);
    let mut admin = ctx.ldap_admin().await;
    admin
        .modify(
            &dn,
            vec![ldap3::Mod::Add(
                "pwdAccountLockedTime",
                std::collections::HashSet::from(["000001010000Z"]),
            )],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let found = search::account(&services, &ctx.settings, "olga")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.state, BlockState::BlockedOutside);
    let id = ask(&ctx, &services, "olga", ActionKind::Unblock, false, false).await;
    apply_all(&ctx, &services, id).await;
    assert!(can_bind(&ctx, "olga").await);
}
