//! Shared steps: a user with a password, a session, a token and an SSH key; running an
//! action's jobs in-process; reading the directory as the rootDN.

use bitu_core::Services;
use bitu_core::account::password::ssha;
use bitu_core::account::sessions::Sessions;
use bitu_core::account::tokens::{self, NewToken};
use bitu_core::audit::Actor;
use bitu_core::authz::Scope;
use bitu_core::blocking::{self, ActionKind, BlockRequest, System, store};
use bitu_core::keys::{KeyService, NewKey};
use bitu_core::queue::Queue;
use bitu_testkit::TestContext;

/// Password of every user these tests make.
pub const PASSWORD: &str = "Amber-Falcon-Orchard-31";

/// An SSH key of the blocked user.
pub const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAR63FoahRzgBmwOGZQ9q1Dn8q6KWL0r0y2Vr87OeI9c blocked@test";

/// What a user holds before a block: a session key and a token value.
pub struct Holdings {
    pub session: String,
    pub token: String,
}

/// Makes `uid` with a password, an active SSH key, a session and an API token.
pub async fn user_with_everything(
    ctx: &TestContext,
    services: &Services,
    uid: &str,
    cn: &str,
) -> Holdings {
    user_with_everything_and_key(ctx, services, uid, cn, KEY).await
}

/// As [`user_with_everything`], with the SSH key `key` (a key belongs to one account only).
pub async fn user_with_everything_and_key(
    ctx: &TestContext,
    services: &Services,
    uid: &str,
    cn: &str,
    key: &str,
) -> Holdings {
    ctx.create_user(uid, cn, &ssha(PASSWORD)).await;
    let keys = KeyService::new(services, &ctx.settings.keys);
    keys.add(
        &Actor::session(uid, None),
        uid,
        NewKey {
            text: key,
            comment: None,
            system: None,
            activate: true,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let session = format!("session-of-{uid}");
    Sessions::new(services.db.clone(), std::time::Duration::ZERO)
        .insert(
            &session,
            &format!(r#"{{"uid":"\"{uid}\""}}"#),
            chrono::TimeDelta::hours(1),
        )
        .await
        .unwrap();
    let (_, token) = tokens::create(
        &services.db,
        &ctx.settings.api_tokens,
        &Actor::session(uid, None),
        uid,
        &NewToken {
            name: "before",
            scopes: &[Scope::ReadAccount],
            lifetime_days: None,
        },
    )
    .await
    .unwrap();
    Holdings { session, token }
}

/// Asks for `action` on `uid` by `manager`.
pub async fn ask(
    ctx: &TestContext,
    services: &Services,
    uid: &str,
    action: ActionKind,
    unset_email: bool,
    move_keys: bool,
) -> u64 {
    let queue = Queue::new(services.redis.clone(), &ctx.settings);
    blocking::request(
        services,
        &ctx.settings,
        &queue,
        &Actor::session("carol", None),
        &BlockRequest {
            uid,
            action,
            comment: "spam across projects",
            unset_email,
            move_keys,
        },
    )
    .await
    .unwrap()
}

/// Runs every system of action `id` once, in-process (as the worker's job would).
pub async fn apply_all(ctx: &TestContext, services: &Services, id: u64) {
    for system in System::enabled(&ctx.settings) {
        blocking::apply(services, &ctx.settings, id, system, None)
            .await
            .unwrap();
    }
    let history = store::action(&services.db, id).await.unwrap();
    assert_eq!(history.id, id);
}

/// Whether `uid` can bind with [`PASSWORD`].
pub async fn can_bind(ctx: &TestContext, uid: &str) -> bool {
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&ctx.env.ldap_url).await.unwrap();
    ldap3::drive!(conn);
    let dn = format!("uid={uid},{}", ctx.settings.ldap.users_dn);
    let ok = ldap.simple_bind(&dn, PASSWORD).await.unwrap().rc == 0;
    let _ = ldap.unbind().await;
    ok
}

/// The values of `attr` in the entry of `uid`, read as the rootDN.
pub async fn values(ctx: &TestContext, uid: &str, attr: &str) -> Vec<String> {
    let dn = format!("uid={uid},{}", ctx.settings.ldap.users_dn);
    let mut admin = ctx.ldap_admin().await;
    let (entries, _) = admin
        .search(&dn, ldap3::Scope::Base, "(objectClass=*)", vec![attr])
        .await
        .unwrap()
        .success()
        .unwrap();
    let entry = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap());
    let _ = admin.unbind().await;
    entry.attrs.get(attr).cloned().unwrap_or_default()
}
