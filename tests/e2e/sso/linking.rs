//! Linking Wikimedia and Phabricator accounts through the OAuth 2.0 look-alikes, with a real
//! bitu-rq writing LDAP: link, refresh after a rename, a duplicate refused, unlink, and no
//! way for a linking to sign anyone in.

use std::time::Duration;

use bitu_core::audit::Action;
use bitu_testkit::oidc::{Consent, ProviderBrowser};
use bitu_testkit::{Browser, WebProcess};

use super::support::{PASSWORD, Sso, audit_rows, get_url, location, signed_in_as};
use crate::jobs_support::{WorkerProcess, fast_settings, wait_until};

/// The values of `attribute` on `uid`'s entry.
async fn ldap_value(sso: &Sso, uid: &str, attribute: &str) -> Option<String> {
    let user = sso
        .ctx
        .services()
        .directory
        .find_user_by_uid(uid)
        .await
        .unwrap()
        .unwrap();
    user.entry.first(attribute).map(str::to_string)
}

/// Waits until `uid`'s `attribute` is `value` (bitu-rq writes it).
async fn wait_for_ldap(sso: &Sso, uid: &str, attribute: &str, value: Option<&str>) {
    wait_until(
        &format!("{uid} {attribute} = {value:?}"),
        Duration::from_secs(15),
        || async { ldap_value(sso, uid, attribute).await.as_deref() == value },
    )
    .await;
}

/// Starts linking at `backend` in `browser`'s session and answers the site's page as
/// `username` (`id`: central id or PHID); returns the callback URL.
async fn through_site(
    browser: &Browser,
    backend: &str,
    username: &str,
    id: Option<&str>,
) -> String {
    let authorize = location(browser, &format!("/login/{backend}/")).await;
    ProviderBrowser::new()
        .authorize_link(&authorize, username, id, Consent::Allow)
        .await
}

#[tokio::test]
async fn accounts_are_linked_refreshed_refused_twice_and_unlinked() {
    let sso = Sso::new("", &["lena", "mark"]).await;
    let settings = fast_settings(&sso.ctx);
    let config = sso.ctx.write_config_with(&settings);
    let _worker = WorkerProcess::start(&config, &[]).await;
    let web = WebProcess::start_on(&config, sso.port).await;
    let lena = Browser::new(&web.base_url);
    lena.sign_in("lena", PASSWORD).await;
    let page = lena.get("/account/").await.text().await.unwrap();
    assert!(
        page.contains("id=\"link-banner\""),
        "the banner invites to link: {page}"
    );

    // Wikimedia: PKCE is sent, the profile's sub and username land in LDAP.
    let authorize = location(&lena, "/login/mediawiki/").await;
    assert!(authorize.contains("code_challenge="), "{authorize}");
    let callback = ProviderBrowser::new()
        .authorize_link(&authorize, "Lena", Some("4242"), Consent::Allow)
        .await;
    let response = get_url(&lena, &callback).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/account/?saved=linked-wikimedia"
    );
    wait_for_ldap(&sso, "lena", "wikimediaGlobalAccountId", Some("4242")).await;
    assert_eq!(
        ldap_value(&sso, "lena", "wikimediaGlobalAccountName")
            .await
            .as_deref(),
        Some("Lena")
    );

    // Renamed at the wiki: linking again refreshes the name.
    let callback = through_site(&lena, "mediawiki", "Lena Renamed", Some("4242")).await;
    assert_eq!(get_url(&lena, &callback).await.status(), 303);
    wait_for_ldap(
        &sso,
        "lena",
        "wikimediaGlobalAccountName",
        Some("Lena Renamed"),
    )
    .await;

    // Phabricator.
    let callback = through_site(&lena, "phabricator", "lena-phab", Some("PHID-USER-lena")).await;
    assert_eq!(get_url(&lena, &callback).await.status(), 303);
    wait_for_ldap(&sso, "lena", "phabricatorAccountID", Some("PHID-USER-lena")).await;
    assert_eq!(
        ldap_value(&sso, "lena", "phabricatorAccountUsername")
            .await
            .as_deref(),
        Some("lena-phab")
    );
    let page = lena.get("/account/").await.text().await.unwrap();
    assert!(
        page.contains("Lena Renamed") && page.contains("lena-phab"),
        "{page}"
    );
    assert!(
        !page.contains("id=\"link-banner\""),
        "nothing left to link: {page}"
    );
    assert!(page.contains("Refresh"), "{page}");

    // Mark tries the same global account: refused, with a page and an audit row.
    let mark = Browser::new(&web.base_url);
    mark.sign_in("mark", PASSWORD).await;
    let callback = through_site(&mark, "mediawiki", "Lena Renamed", Some("4242")).await;
    let response = get_url(&mark, &callback).await;
    assert_eq!(response.status(), 409);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already linked to another developer account")
    );
    let refused: Vec<_> = audit_rows(&sso.ctx, Action::AccountLink)
        .await
        .into_iter()
        .filter(|r| r.outcome == "refused")
        .collect();
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0].target, "mark");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        ldap_value(&sso, "mark", "wikimediaGlobalAccountId").await,
        None
    );

    // A linking started in Lena's session cannot be finished in Mark's, nor anonymously,
    // and never signs anyone in.
    let callback = through_site(&lena, "phabricator", "mark-phab", None).await;
    assert_eq!(get_url(&mark, &callback).await.status(), 400);
    let stranger = Browser::new(&web.base_url);
    let callback = through_site(&lena, "phabricator", "mark-phab", None).await;
    assert_eq!(get_url(&stranger, &callback).await.status(), 400);
    assert!(!signed_in_as(&stranger, "lena").await);
    let to_sign_in = location(&stranger, "/login/mediawiki/").await;
    assert!(to_sign_in.starts_with("/login/?next="), "{to_sign_in}");

    // Unlink.
    let response = lena
        .post_form("/account/links/wikimedia/unlink/", &[])
        .await;
    assert_eq!(response.status(), 303);
    wait_for_ldap(&sso, "lena", "wikimediaGlobalAccountId", None).await;
    assert_eq!(
        ldap_value(&sso, "lena", "wikimediaGlobalAccountName").await,
        None
    );
    assert_eq!(audit_rows(&sso.ctx, Action::AccountUnlink).await.len(), 1);
    let linked: Vec<_> = audit_rows(&sso.ctx, Action::AccountLink)
        .await
        .into_iter()
        .filter(|r| r.outcome == "success")
        .collect();
    assert_eq!(linked.len(), 3, "link, refresh, phabricator: {linked:#?}");

    // The banner is back (Wikimedia unlinked) until dismissed.
    let page = lena.get("/account/").await.text().await.unwrap();
    assert!(page.contains("id=\"link-banner\""), "{page}");
    assert_eq!(
        lena.post_form("/account/links/dismiss/", &[])
            .await
            .status(),
        303
    );
    let page = lena.get("/account/").await.text().await.unwrap();
    assert!(!page.contains("id=\"link-banner\""), "{page}");
}

#[tokio::test]
async fn a_switched_off_linking_has_no_paths_and_no_banner() {
    let mut sso = Sso::new("", &["zoe"]).await;
    sso.ctx.settings.linking.mediawiki.enabled = false;
    sso.ctx.settings.linking.phabricator.enabled = false;
    let web = sso.web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("zoe", PASSWORD).await;
    assert_eq!(browser.get("/login/mediawiki/").await.status(), 404);
    assert_eq!(
        browser.get("/complete/phabricator/?state=x").await.status(),
        404
    );
    let page = browser.get("/account/").await.text().await.unwrap();
    assert!(
        !page.contains("link-banner") && !page.contains("Linked accounts"),
        "{page}"
    );
    let response = browser
        .post_form("/account/links/wikimedia/unlink/", &[])
        .await;
    assert_eq!(response.status(), 404);
}
