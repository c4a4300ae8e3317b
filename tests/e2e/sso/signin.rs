//! OIDC sign-in over HTTP: the happy path with `next` and `groups`, a second bitu-web host
//! finishing a flow the first started, and every way a sign-in must fail with its own page.

use bitu_core::audit::Action;
use bitu_core::sso::flows;
use bitu_testkit::Browser;
use bitu_testkit::oidc::Consent;

use super::support::{Sso, audit_rows, get_url, signed_in_as, through_provider, unescaped};
use crate::authz::support::lock;

#[tokio::test]
async fn a_sign_in_lands_on_next_with_the_groups_and_an_audit_row() {
    let sso = Sso::new("", &["olga"]).await;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let login_page = browser.get("/accounts/login/").await;
    assert_eq!(login_page.status(), 200, "monitoring probes this path");
    assert!(unescaped(&login_page.text().await.unwrap()).contains("/login/oidc/"));

    let callback = through_provider(&browser, "/keys/%3Fsort%3Dname", "olga", Consent::Allow).await;
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/keys/?sort=name",
        "next survives"
    );
    assert!(signed_in_as(&browser, "olga").await);
    let page = browser.get("/account/").await.text().await.unwrap();
    assert!(page.contains("Groups at the identity provider"), "{page}");
    assert!(page.contains("<li>developers</li>"), "{page}");
    let rows = audit_rows(&sso.ctx, Action::SignIn).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(
        (rows[0].target.as_str(), rows[0].outcome.as_str()),
        ("olga", "success")
    );
    assert!(rows[0].detail.contains("\"method\":\"oidc\""), "{rows:#?}");

    // The state is single use: the same callback again is refused with a page.
    let replay = Browser::new(&web.base_url);
    let response = get_url(&replay, &callback).await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("expired or was already used")
    );
    assert!(!signed_in_as(&replay, "olga").await);

    // Sign-out offers the provider's end-session page.
    let response = browser.post_form("/logout/", &[]).await;
    assert_eq!(response.status(), 200);
    let page = unescaped(&response.text().await.unwrap());
    assert!(
        page.contains(&format!("{}/session/end", sso.provider.url)),
        "{page}"
    );
    assert!(!signed_in_as(&browser, "olga").await);
}

#[tokio::test]
async fn an_unsafe_next_is_replaced_by_the_account_page() {
    let sso = Sso::new("", &["nils"]).await;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback =
        through_provider(&browser, "https://evil.example/", "nils", Consent::Allow).await;
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.headers()["location"], "/account/");
}

#[tokio::test]
async fn a_flow_started_on_one_host_finishes_on_the_standby() {
    let sso = Sso::new("", &["stan"]).await;
    let active = sso.web().await;
    // The standby: same configuration (same base URL, same database), another process.
    let standby = bitu_testkit::WebProcess::start(&sso.ctx.write_config()).await;
    let browser = Browser::new(&active.base_url);
    let callback = through_provider(&browser, "/keys/", "stan", Consent::Allow).await;
    // As the runbook says: change the host in the callback URL to the standby's.
    let on_standby = callback.replace(&active.base_url, &standby.base_url);
    assert_ne!(on_standby, callback);
    drop(active);
    let fresh = Browser::new(&standby.base_url);
    let response = get_url(&fresh, &on_standby).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    assert_eq!(response.headers()["location"], "/keys/");
    assert!(signed_in_as(&fresh, "stan").await);
}

#[tokio::test]
async fn tampered_missing_or_expired_state_is_refused_with_a_page() {
    let mut sso = Sso::new("", &["tess"]).await;
    sso.ctx.settings.oidc.flow_lifetime = std::time::Duration::from_secs(2);
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback = through_provider(&browser, "/account/", "tess", Consent::Allow).await;
    let mut url = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let tampered: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| match k.as_str() {
            "state" => (k.clone(), format!("{v}x")),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(&tampered);
    let response = get_url(&browser, url.as_str()).await;
    assert_eq!(response.status(), 400);
    assert!(
        response.text().await.unwrap().contains("<main"),
        "in the site layout"
    );
    let response = browser.get("/complete/oidc/?code=abc").await;
    assert_eq!(response.status(), 400);
    assert!(!signed_in_as(&browser, "tess").await);

    // The untampered callback, once the flow is older than its lifetime.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 400);
    assert!(!signed_in_as(&browser, "tess").await);
}

#[tokio::test]
async fn declining_at_the_provider_shows_a_page() {
    let sso = Sso::new("", &["dora"]).await;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback = through_provider(&browser, "/account/", "dora", Consent::Deny).await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("You declined"));
    assert!(!signed_in_as(&browser, "dora").await);
}

/// Signs in at a provider that breaks its ID tokens as `tamper` says; the callback must be
/// refused with a page and nobody signed in.
async fn broken_id_token_is_refused(tamper: &str) {
    let sso = Sso::new(tamper, &["ivan"]).await;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback = through_provider(&browser, "/account/", "ivan", Consent::Allow).await;
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 400, "{tamper}");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("could not be verified"),
        "{tamper}"
    );
    assert!(!signed_in_as(&browser, "ivan").await, "{tamper}");
    assert!(audit_rows(&sso.ctx, Action::SignIn).await.is_empty());
    let log = std::fs::read_to_string(&web.log_path).unwrap();
    assert!(
        log.contains("ID token"),
        "{tamper}: the log says why: {log}"
    );
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    broken_id_token_is_refused("wrong_audience").await;
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    broken_id_token_is_refused("expired").await;
}

#[tokio::test]
async fn an_id_token_with_a_bad_signature_is_refused() {
    broken_id_token_is_refused("bad_signature").await;
}

#[tokio::test]
async fn a_provider_user_without_an_entry_is_sent_to_sign_up() {
    let sso = Sso::new("", &[]).await;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback = through_provider(&browser, "/account/", "ghost", Consent::Allow).await;
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 403);
    let page = unescaped(&response.text().await.unwrap());
    assert!(page.contains("no developer account"), "{page}");
    assert!(page.contains("href=\"/signup/\""), "{page}");
    assert!(!signed_in_as(&browser, "ghost").await);
}

#[tokio::test]
async fn a_locked_account_is_refused_with_an_audit_row() {
    let sso = Sso::new("", &["lara"]).await;
    lock(&sso.ctx, "lara");
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback = through_provider(&browser, "/account/", "lara", Consent::Allow).await;
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("locked or disabled")
    );
    assert!(!signed_in_as(&browser, "lara").await);
    let rows = audit_rows(&sso.ctx, Action::SignIn).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "refused");
}

#[tokio::test]
async fn a_provider_outage_is_a_503_page_at_start_and_at_the_callback() {
    let mut sso = Sso::new("", &["otto"]).await;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let callback = through_provider(&browser, "/account/", "otto", Consent::Allow).await;
    sso.provider.stop();
    let response = get_url(&browser, &callback).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(response.text().await.unwrap().contains("not answering"));
    let response = browser.get("/login/oidc/").await;
    assert_eq!(response.status(), 503);
    assert!(!signed_in_as(&browser, "otto").await);
}

#[tokio::test]
async fn the_password_form_can_be_turned_off_and_expired_flows_are_purged() {
    let mut sso = Sso::new("", &["pia"]).await;
    sso.ctx.settings.oidc.password_form = false;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    let page = unescaped(&browser.get("/login/").await.text().await.unwrap());
    assert!(!page.contains("name=\"password\""), "{page}");
    assert!(page.contains("/login/oidc/"));
    // The form's POST is gone too (a token from another of the site's forms).
    let reset = browser.get("/password/reset/").await.text().await.unwrap();
    let token = reset
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let refused = browser
        .post_form_raw(
            "/login/",
            &[
                ("name", "pia"),
                ("password", super::support::PASSWORD),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(refused.status(), 404);
    // An abandoned flow: bitu-expire's purge deletes it once past its lifetime.
    let _ = super::support::location(&browser, "/login/oidc/").await;
    let db = sso.ctx.services().db;
    // Rows keep whole seconds: let the row's second pass before purging "everything older".
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        flows::purge_expired(&db, std::time::Duration::from_secs(600))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        flows::purge_expired(&db, std::time::Duration::ZERO)
            .await
            .unwrap(),
        1
    );
}
