//! A test's provider, bitu-web configured for it, and the HTTP moves of a sign-in.

use std::time::Duration;

use bitu_core::Settings;
use bitu_core::account::password::ssha;
use bitu_testkit::oidc::{
    Consent, MEDIAWIKI_SECRET, OidcProvider, PHABRICATOR_SECRET, ProviderBrowser,
};
use bitu_testkit::process::free_port;
use bitu_testkit::{Browser, TestContext, WebProcess};

/// Password of the users these tests create (the password form is not what they test).
pub const PASSWORD: &str = "Amber-Falcon-Orchard-31";

/// A provider, and the settings of a bitu-web at `base_url` that trusts it.
pub struct Sso {
    /// The test's own directory, database and prefix.
    pub ctx: TestContext,
    /// The test's own provider.
    pub provider: OidcProvider,
    /// The port bitu-web is to listen on.
    pub port: u16,
}

impl Sso {
    /// A provider (`tamper` as for [`OidcProvider::start_tampering`]; empty for none) and
    /// settings with `[oidc]` and both linkings on, the users `uids` created.
    pub async fn new(tamper: &str, uids: &[&str]) -> Sso {
        let mut ctx = TestContext::new().await;
        for uid in uids {
            ctx.create_user(uid, &format!("{uid} Developer"), &ssha(PASSWORD))
                .await;
        }
        let provider = OidcProvider::start_on(free_port(), tamper).await;
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let redirects: Vec<String> = ["oidc", "mediawiki", "phabricator"]
            .iter()
            .map(|b| format!("{base_url}/complete/{b}/"))
            .collect();
        let (client_id, client_secret) = provider.register_client(&redirects).await;
        let settings = &mut ctx.settings;
        settings.site.base_url = base_url.clone();
        settings.account.anonymous_response_time = Duration::ZERO;
        settings.authz.account_state_ttl = Duration::ZERO;
        settings.oidc.enabled = true;
        settings.oidc.issuer = provider.url.clone();
        settings.oidc.client_id = client_id;
        settings.oidc.client_secret = client_secret;
        settings.linking.mediawiki.enabled = true;
        settings.linking.mediawiki.url = provider.mediawiki_url();
        settings.linking.mediawiki.client_id = "bitu-test-consumer".into();
        settings.linking.mediawiki.client_secret = MEDIAWIKI_SECRET.into();
        settings.linking.phabricator.enabled = true;
        settings.linking.phabricator.url = format!("{}/", provider.url);
        settings.linking.phabricator.client_id = "PHID-OASC-test".into();
        settings.linking.phabricator.client_secret = PHABRICATOR_SECRET.into();
        Sso {
            ctx,
            provider,
            port,
        }
    }

    /// Starts bitu-web on the test's port with `settings`.
    pub async fn web_with(&self, settings: &Settings) -> WebProcess {
        WebProcess::start_on(&self.ctx.write_config_with(settings), self.port).await
    }

    /// Starts bitu-web on the test's port with the test's settings.
    pub async fn web(&self) -> WebProcess {
        self.web_with(&self.ctx.settings).await
    }
}

/// Where `GET path` redirects to (panics unless it does).
pub async fn location(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert!(
        response.status().is_redirection(),
        "GET {path}: {}",
        response.status()
    );
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Starts the sign-in at bitu-web (`/login/oidc/?next=...`), goes through the provider as
/// `login` with `consent`, and returns the callback URL the provider sent the browser to.
pub async fn through_provider(
    browser: &Browser,
    next: &str,
    login: &str,
    consent: Consent,
) -> String {
    let authorize = location(browser, &format!("/login/oidc/?next={next}")).await;
    ProviderBrowser::new()
        .authorize(&authorize, &browser.url("/complete/oidc/"), login, consent)
        .await
}

/// `GET url` with `browser`'s cookies (an absolute URL, e.g. the callback).
pub async fn get_url(browser: &Browser, url: &str) -> reqwest::Response {
    browser.client.get(url).send().await.unwrap()
}

/// Whether `browser` is signed in as `uid` (its account page names it).
pub async fn signed_in_as(browser: &Browser, uid: &str) -> bool {
    let response = browser.get("/account/").await;
    response.status() == 200 && response.text().await.unwrap().contains(&format!("({uid})"))
}

/// The audit rows of `action`, newest first.
pub async fn audit_rows(
    ctx: &TestContext,
    action: bitu_core::audit::Action,
) -> Vec<bitu_core::audit::AuditRow> {
    let filter = bitu_core::audit::Filter {
        actor: None,
        target: None,
        action: Some(action),
        subject: None,
        since: None,
        limit: 100,
    };
    bitu_core::audit::search(&ctx.services().db, &filter)
        .await
        .unwrap()
}

/// `page` with the entities Tera writes in attributes (`&#x2F;`, `&amp;`) decoded.
pub fn unescaped(page: &str) -> String {
    page.replace("&#x2F;", "/")
        .replace("&amp;", "&")
        .replace("&#x3D;", "=")
}
