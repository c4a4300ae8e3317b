//! Over HTTP: the half-signed-in state, codes, replay across two bitu-web processes,
//! recovery codes, wrong codes counted, disabling, and an account manager's reset; the rows
//! and mails each leaves; the secret not stored in clear.

use std::time::Duration;

use bitu_testkit::{Browser, TestContext, WebProcess};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text, Varbinary};
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

use super::support::{PASSWORD, audit, code, code_step, enrol, password_step, settings};
use crate::jobs_support::WorkerProcess;

#[derive(QueryableByName)]
struct SecretRow {
    #[diesel(sql_type = Varbinary)]
    secret_encrypted: Vec<u8>,
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Text)]
    key_id: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn db(ctx: &TestContext) -> AsyncMysqlConnection {
    AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap()
}

/// Waits for a mail to `uid` whose subject contains `subject`; its text.
async fn mail_to(ctx: &TestContext, uid: &str, subject: &str) -> String {
    let address = ctx.mailbox.address(uid);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(mail) = ctx
            .mailbox
            .messages_to(&address)
            .into_iter()
            .find(|m| m.subject.contains(subject))
        {
            return mail.text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mail {subject:?} to {uid}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn codes_recovery_codes_replay_limits_disable_and_reset() {
    let ctx = TestContext::new().await;
    for (uid, cn) in [
        ("ann", "Ann Two"),
        ("bob", "Bob Two"),
        ("amy", "Amy Manager"),
    ] {
        ctx.create_user(uid, cn, PASSWORD).await;
    }
    let settings = settings(&ctx);
    let config = ctx.write_config_with(&settings);
    // A second host with a short pending time: the same database and Redis.
    let mut short = settings.clone();
    short.twofactor.pending_timeout = Duration::from_secs(1);
    let config2 = ctx.write_config_with(&short);
    let _worker = WorkerProcess::start(&config, &[]).await;
    let web = WebProcess::start(&config).await;
    let web2 = WebProcess::start(&config2).await;

    // Enrolment: the row holds the secret encrypted, the codes hashed; audit row and mail.
    let ann = Browser::new(&web.base_url);
    ann.sign_in("ann", PASSWORD).await;
    let (secret, recovery) = enrol(&ann).await;
    let mut conn = db(&ctx).await;
    let row: SecretRow = diesel::sql_query(
        "SELECT secret_encrypted, enabled, key_id FROM twofactor_secrets WHERE uid = 'ann'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(row.enabled);
    assert_eq!(row.key_id.len(), 12);
    let clear = bitu_core::twofactor::totp::decode_base32(&secret).unwrap();
    assert!(
        !row.secret_encrypted
            .windows(clear.len())
            .any(|w| w == clear)
    );
    let base32: String = secret.replace(' ', "");
    assert!(
        !String::from_utf8_lossy(&row.secret_encrypted).contains(&base32),
        "the secret is stored in clear"
    );
    let stored: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM twofactor_recovery_codes WHERE uid = 'ann' \
         AND code_hash <> '{}'",
        recovery[0]
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(stored.n, 10);
    assert_eq!(
        audit(&ctx, "account.twofactor.enable", "ann").await.len(),
        1
    );
    mail_to(&ctx, "ann", "Two-factor sign-in enabled").await;

    // The password alone grants nothing; a wrong code is refused and recorded.
    let b = Browser::new(&web.base_url);
    assert_eq!(password_step(&b, "ann").await, "/login/2fa/");
    let account = b.get("/account/").await;
    assert_eq!(
        account.status().as_u16(),
        302,
        "half signed in reached /account/"
    );
    assert!(
        account.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login/")
    );
    assert_eq!(b.get("/api/account").await.status().as_u16(), 401);
    assert_eq!(code_step(&b, "000000").await.0, 400);
    assert_eq!(audit(&ctx, "account.twofactor.fail", "ann").await.len(), 1);
    // The current code signs in, once.
    let now = code(&secret, 0);
    assert_eq!(code_step(&b, &now).await, (303, "/account/".into()));
    assert_eq!(b.get("/account/").await.status().as_u16(), 200);

    // The same code on the other host is refused (shared through Redis); the next one works.
    let c = Browser::new(&web2.base_url);
    assert_eq!(password_step(&c, "ann").await, "/login/2fa/");
    assert_eq!(
        code_step(&c, &now).await.0,
        400,
        "a replayed code was accepted"
    );
    assert_eq!(code_step(&c, &code(&secret, 1)).await.0, 303);

    // The pending step expires (1 s on the second host): back to the password form.
    let d = Browser::new(&web2.base_url);
    password_step(&d, "ann").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, location) = code_step(&d, &code(&secret, 2)).await;
    assert_eq!((status, location.as_str()), (303, "/login/?ended=1"));
    assert_eq!(d.get("/account/").await.status().as_u16(), 302);

    // A recovery code signs in once; it is then spent. Audit row and mail.
    let e = Browser::new(&web.base_url);
    password_step(&e, "ann").await;
    assert_eq!(code_step(&e, &recovery[0].to_uppercase()).await.0, 303);
    let f = Browser::new(&web.base_url);
    password_step(&f, "ann").await;
    assert_eq!(
        code_step(&f, &recovery[0]).await.0,
        400,
        "a spent code worked"
    );
    assert_eq!(
        audit(&ctx, "account.twofactor.recovery_use", "ann")
            .await
            .len(),
        1
    );
    mail_to(&ctx, "ann", "recovery code").await;
    let page = ann.get("/account/2fa/").await.text().await.unwrap();
    assert!(page.contains("9 recovery codes are left"), "{page}");

    // Disabling takes a code and the password: a wrong password is refused.
    let wrong = ann
        .post_form(
            "/account/2fa/disable/",
            &[("code", &recovery[1]), ("password", "not-it")],
        )
        .await;
    assert_eq!(wrong.status().as_u16(), 400);
    let done = ann
        .post_form(
            "/account/2fa/disable/",
            &[("code", &recovery[2]), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(
        audit(&ctx, "account.twofactor.disable", "ann").await.len(),
        1
    );
    mail_to(&ctx, "ann", "Two-factor sign-in disabled").await;
    let gone: Count =
        diesel::sql_query("SELECT COUNT(*) AS n FROM twofactor_recovery_codes WHERE uid = 'ann'")
            .get_result(&mut conn)
            .await
            .unwrap();
    assert_eq!(gone.n, 0);
    assert_eq!(
        password_step(&Browser::new(&web.base_url), "ann").await,
        "/account/"
    );

    // Wrong codes are counted per account: past the limit even the right code is refused.
    let bob = Browser::new(&web.base_url);
    bob.sign_in("bob", PASSWORD).await;
    let (bob_secret, _) = enrol(&bob).await;
    let g = Browser::new(&web.base_url);
    password_step(&g, "bob").await;
    for _ in 0..settings.twofactor.failures_per_account {
        assert_eq!(code_step(&g, "111111").await.0, 400);
    }
    assert_eq!(code_step(&g, &code(&bob_secret, 0)).await.0, 429);
    assert_eq!(
        audit(&ctx, "account.twofactor.fail", "bob").await.len(),
        usize::try_from(settings.twofactor.failures_per_account).unwrap()
    );

    // An account manager resets it, with a comment: audit row, mail; password alone again.
    let amy = Browser::new(&web.base_url);
    amy.sign_in("amy", PASSWORD).await;
    assert_eq!(bob.get("/wikimedia/2fa/ann").await.status().as_u16(), 403);
    let page = amy.get("/wikimedia/2fa/bob").await.text().await.unwrap();
    assert!(page.contains("has two-factor sign-in turned on"), "{page}");
    let empty = amy
        .post_form("/wikimedia/2fa/bob", &[("comment", " ")])
        .await;
    assert_eq!(empty.status().as_u16(), 400);
    let reset = amy
        .post_form(
            "/wikimedia/2fa/bob",
            &[("comment", "lost phone, ticket T1")],
        )
        .await;
    assert_eq!(reset.status().as_u16(), 200);
    assert!(reset.text().await.unwrap().contains("was reset"));
    let rows = audit(&ctx, "account.twofactor.reset", "bob").await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("lost phone, ticket T1"), "{}", rows[0]);
    let text = mail_to(&ctx, "bob", "two-factor sign-in was reset").await;
    assert!(text.contains("lost phone, ticket T1"), "{text}");
    assert_eq!(
        password_step(&Browser::new(&web.base_url), "bob").await,
        "/account/"
    );
}
