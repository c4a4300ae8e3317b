//! A user locked in LDAP with `ldapmodify` while holding a session and an API token loses both
//! within the account-state cache window; the test measures that window.

use std::time::{Duration, Instant};

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext};

use super::support::{PASSWORD, ldapmodify, lock, token_with};

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAR63FoahRzgBmwOGZQ9q1Dn8q6KWL0r0y2Vr87OeI9c locked@test";

#[tokio::test]
async fn a_lock_ends_the_session_and_the_token_within_the_cache_window() {
    let ctx = TestContext::new().await;
    ctx.create_user("lee", "Lee Locked", &ssha(PASSWORD)).await;
    let window = ctx.settings.authz.account_state_ttl;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("lee", PASSWORD).await;
    let token = token_with(&browser, &["read_account", "manage_keys"]).await;
    let api = reqwest::Client::new();
    let with_token = |method: reqwest::Method, path: &str| {
        api.request(method, web.url(path))
            .header("Authorization", format!("Token {token}"))
    };
    assert_eq!(browser.get("/account/").await.status().as_u16(), 200);
    let me = with_token(reqwest::Method::GET, "/api/account")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);

    lock(&ctx, "lee");
    let locked_at = Instant::now();
    let (mut session_gone, mut token_gone) = (None, None);
    while session_gone.is_none() || token_gone.is_none() {
        assert!(
            locked_at.elapsed() < window + Duration::from_secs(10),
            "still usable {:?} after the lock (window {window:?})",
            locked_at.elapsed()
        );
        if session_gone.is_none() && browser.get("/account/").await.status().as_u16() == 302 {
            session_gone = Some(locked_at.elapsed());
        }
        let status = with_token(reqwest::Method::GET, "/api/account")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if token_gone.is_none() && status == 401 {
            token_gone = Some(locked_at.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "MEASURED lock -> session refused after {:?}, token refused after {:?} \
         ([authz] account_state_ttl = {window:?}, polling every 50 ms)",
        session_gone.unwrap(),
        token_gone.unwrap()
    );

    // The ended session left one audit row.
    {
        use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
            .await
            .unwrap();
        let rows: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'session.end.locked' \
             AND target = 'lee' AND subject_uid = 'lee' AND actor_kind = 'system'",
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        assert_eq!(rows.n, 1);
    }

    // A locked user cannot add SSH keys through the API, and nothing reaches LDAP.
    let added = with_token(reqwest::Method::POST, "/api/keys")
        .json(&serde_json::json!({ "key": KEY }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status().as_u16(), 401);

    // Unlocked again: the session stays ended (it was deleted), the token works again.
    let dn = format!("uid=lee,{}", ctx.settings.ldap.users_dn);
    ldapmodify(
        &ctx,
        &format!("dn: {dn}\nchangetype: modify\ndelete: pwdAccountLockedTime\n"),
    );
    tokio::time::sleep(window + Duration::from_millis(200)).await;
    assert_eq!(browser.get("/account/").await.status().as_u16(), 302);
    let me = with_token(reqwest::Method::GET, "/api/account")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let mut admin = ctx.ldap_admin().await;
    let (entries, _) = admin
        .search(
            &dn,
            ldap3::Scope::Base,
            "(objectClass=*)",
            vec!["sshPublicKey"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let entry = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap());
    assert!(!entry.attrs.contains_key("sshPublicKey"), "{entry:?}");
}

#[tokio::test]
async fn the_disabled_policy_locks_out_like_a_ppolicy_lock() {
    let mut ctx = TestContext::new().await;
    ctx.settings.authz.account_state_ttl = Duration::ZERO;
    ctx.create_user("dora", "Dora Disabled", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("dora", PASSWORD).await;
    let token = token_with(&browser, &["read_account"]).await;
    let dn = format!("uid=dora,{}", ctx.settings.ldap.users_dn);
    ldapmodify(
        &ctx,
        &format!(
            "dn: {dn}\nchangetype: modify\nadd: pwdPolicySubentry\npwdPolicySubentry: {}\n",
            ctx.settings.ldap.ppolicy_dn
        ),
    );
    let me = reqwest::Client::new()
        .get(web.url("/api/account"))
        .header("Authorization", format!("Token {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
    assert_eq!(browser.get("/account/").await.status().as_u16(), 302);
    // The directory still lets the account bind; Bitu's sign-in does not.
    let again = Browser::new(&web.base_url)
        .post_form(
            "/login/",
            &[("name", "dora"), ("password", PASSWORD), ("next", "")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 200, "signed in while disabled");
}
