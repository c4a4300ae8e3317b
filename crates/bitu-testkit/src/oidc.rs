//! The test identity provider (`packaging/dev/oidc/server.js`: npm's oidc-provider, plus the
//! MediaWiki and Phabricator OAuth 2.0 look-alikes), one process per test so a test can
//! break it (`--tamper`) or stop it, and an HTTP driver for its sign-in and consent pages.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;

use crate::env::repo_root;
use crate::process::free_port;

/// The secret the MediaWiki look-alike expects from any consumer.
pub const MEDIAWIKI_SECRET: &str = "mediawiki-dev-secret";
/// The secret the Phabricator look-alike expects from any consumer.
pub const PHABRICATOR_SECRET: &str = "phabricator-dev-secret";

fn project_dir() -> PathBuf {
    repo_root().join("packaging/dev/oidc")
}

/// Installs the node project's packages once per test process when missing.
fn ensure_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = project_dir();
        if dir.join("node_modules/oidc-provider").exists() {
            return;
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm (install Node.js: packaging/dev/services.sh start does)");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    });
}

/// A running provider, killed when dropped.
pub struct OidcProvider {
    child: Option<Child>,
    /// The issuer, `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its port.
    pub port: u16,
    /// Where its output goes.
    pub log_path: PathBuf,
}

impl OidcProvider {
    /// Starts a well-behaved provider on a free port.
    pub async fn start() -> OidcProvider {
        Self::start_on(free_port(), "").await
    }

    /// Starts one whose token endpoint hands out ID tokens broken as `tamper` says
    /// (`wrong_audience`, `expired`, `bad_signature`).
    pub async fn start_tampering(tamper: &str) -> OidcProvider {
        Self::start_on(free_port(), tamper).await
    }

    /// Starts one on `port`.
    pub async fn start_on(port: u16, tamper: &str) -> OidcProvider {
        ensure_installed();
        let log_path = std::env::temp_dir().join(format!("bitu-oidc-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("provider log");
        let child = Command::new("node")
            .arg("server.js")
            .args(["--port", &port.to_string(), "--tamper", tamper])
            .current_dir(project_dir())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn node (install Node.js)");
        let provider = OidcProvider {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            port,
            log_path,
        };
        // Node loads the provider and makes two RSA keys: slow on a busy two-core machine.
        let deadline = Instant::now() + Duration::from_secs(120);
        let probe = format!("{}/.well-known/openid-configuration", provider.url);
        loop {
            if let Ok(r) = reqwest::get(&probe).await
                && r.status().is_success()
            {
                return provider;
            }
            assert!(
                Instant::now() < deadline,
                "provider did not start: {}",
                std::fs::read_to_string(&provider.log_path).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The MediaWiki look-alike's script path (`.../w/`).
    pub fn mediawiki_url(&self) -> String {
        format!("{}/w/", self.url)
    }

    /// Registers a client (RFC 7591) allowed to return to `redirect_uris`; returns its id and
    /// secret.
    pub async fn register_client(&self, redirect_uris: &[String]) -> (String, String) {
        let body = serde_json::json!({
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": redirect_uris
                .iter()
                .map(|u| {
                    let mut url = url::Url::parse(u).unwrap();
                    url.set_path("/");
                    url.to_string()
                })
                .collect::<Vec<_>>(),
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
        });
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/reg", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            answer["client_id"].as_str().expect("client_id").to_string(),
            answer["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    /// Stops the provider (an outage).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the person does at the provider's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Signs in and allows.
    Allow,
    /// Signs in, then aborts (the provider answers `access_denied`).
    Deny,
}

/// A person's browser at the provider (its own cookies), driven over HTTP.
pub struct ProviderBrowser {
    client: reqwest::Client,
}

impl Default for ProviderBrowser {
    fn default() -> Self {
        Self::new()
    }
}

impl ProviderBrowser {
    /// A fresh browser.
    pub fn new() -> ProviderBrowser {
        ProviderBrowser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Follows `authorize_url` through the provider's sign-in (as `login`) and consent pages
    /// until it redirects back to `return_prefix`; returns that callback URL.
    pub async fn authorize(
        &self,
        authorize_url: &str,
        return_prefix: &str,
        login: &str,
        consent: Consent,
    ) -> String {
        let mut url = authorize_url.to_string();
        for _ in 0..20 {
            if url.starts_with(return_prefix) {
                return url;
            }
            let response = self.client.get(&url).send().await.unwrap();
            let base = response.url().clone();
            if let Some(location) = response.headers().get("location") {
                url = base.join(location.to_str().unwrap()).unwrap().to_string();
                continue;
            }
            let page = response.text().await.unwrap();
            let form = if page.contains(r#"name="prompt" value="login""#) {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            } else if page.contains(r#"name="prompt" value="consent""#) {
                if consent == Consent::Deny {
                    url = format!("{}/abort", base.as_str().trim_end_matches('/'));
                    continue;
                }
                vec![("prompt", "consent")]
            } else {
                panic!("unexpected provider page at {base}: {page}");
            };
            let response = self
                .client
                .post(base.clone())
                .form(&form)
                .send()
                .await
                .unwrap();
            let location = response
                .headers()
                .get("location")
                .expect("redirect after form");
            url = base.join(location.to_str().unwrap()).unwrap().to_string();
        }
        panic!("no way back to {return_prefix} from {authorize_url}");
    }

    /// Answers a MediaWiki or Phabricator look-alike's authorization page at `authorize_url`
    /// as `username` (with central id or PHID `id` when given); returns the callback URL.
    pub async fn authorize_link(
        &self,
        authorize_url: &str,
        username: &str,
        id: Option<&str>,
        consent: Consent,
    ) -> String {
        let url = url::Url::parse(authorize_url).unwrap();
        let page = self.client.get(url.clone()).send().await.unwrap();
        assert!(
            page.status().is_success(),
            "authorize page: {}",
            page.status()
        );
        let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        form.push(("username".into(), username.into()));
        let id_field = if url.path().starts_with("/w/") {
            "sub"
        } else {
            "phid"
        };
        form.push((id_field.into(), id.unwrap_or_default().into()));
        let decision = match consent {
            Consent::Allow => "allow",
            Consent::Deny => "deny",
        };
        form.push(("decision".into(), decision.into()));
        let mut post = url.clone();
        post.set_query(None);
        let response = self.client.post(post).form(&form).send().await.unwrap();
        response
            .headers()
            .get("location")
            .expect("redirect back")
            .to_str()
            .unwrap()
            .to_string()
    }
}
