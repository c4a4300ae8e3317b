//! Fifty wrong passwords sent at once: the limiter counts each attempt before its LDAP bind,
//! so no more than the limit reach the directory (counted in slapd's own log).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext};

const PASSWORD: &str = "Quiet-Otter-Harbour-42";

fn slapd_log() -> PathBuf {
    std::env::var_os("BITU_DEV_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| bitu_testkit::env::repo_root().join(".dev"))
        .join("slapd/slapd.log")
}

/// BIND operations slapd logged for `dn`.
fn binds_logged(dn: &str) -> usize {
    let log =
        std::fs::read_to_string(slapd_log()).expect("slapd's log (packaging/dev/services.sh)");
    let needle = format!("BIND dn=\"{dn}\"");
    log.lines().filter(|line| line.contains(&needle)).count()
}

/// Binds as `dn` from the test, then waits until slapd logged it: every earlier bind is in
/// the log by then.
async fn flush_log_with_a_bind(ctx: &TestContext, dn: &str, password: &str) {
    let before = binds_logged(dn);
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&ctx.env.ldap_url).await.unwrap();
    ldap3::drive!(conn);
    ldap.simple_bind(dn, password)
        .await
        .unwrap()
        .success()
        .unwrap();
    let _ = ldap.unbind().await;
    let started = Instant::now();
    while binds_logged(dn) == before {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "slapd never logged the bind"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_bring_at_most_the_limit_to_ldap() {
    let ctx = TestContext::new().await;
    let victim = ctx.create_user("victim", "Victim", &ssha(PASSWORD)).await;
    let marker = ctx.create_user("marker", "Marker", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let limit = ctx.settings.rate_limit.signin_failures_per_account as usize;
    let before = binds_logged(&victim);

    // Fifty browsers, each with its CSRF token ready, then all their guesses at once.
    let mut ready = Vec::new();
    for _ in 0..50 {
        let browser = Browser::new(&web.base_url);
        let token = browser.csrf_token().await;
        ready.push((browser, token));
    }
    let guesses = ready.iter().map(|(browser, token)| async move {
        browser
            .post_form_raw(
                "/login/",
                &[
                    ("name", "victim"),
                    ("password", "wrong-password"),
                    ("next", ""),
                    ("csrf_token", token),
                ],
            )
            .await
            .status()
            .as_u16()
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let answered_wrong = statuses.iter().filter(|s| **s == 200).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(answered_wrong + throttled, 50, "{statuses:?}");
    assert!(
        answered_wrong <= limit,
        "{answered_wrong} guesses checked: {statuses:?}"
    );

    flush_log_with_a_bind(&ctx, &marker, PASSWORD).await;
    let binds = binds_logged(&victim) - before;
    assert!(binds >= 1, "no guess reached LDAP at all");
    assert!(
        binds <= limit,
        "{binds} binds as the victim reached LDAP (limit {limit})"
    );
}
