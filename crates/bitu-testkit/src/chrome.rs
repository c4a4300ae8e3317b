//! Headless Chromium (Debian's `chromium` and `chromium-driver`) driven over WebDriver, to
//! test pages as people use them: with JavaScript, without it, without cookies.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Map, Value, json};

use crate::process::free_port;

/// What the browser allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChromeOptions {
    /// Turn JavaScript off.
    pub no_javascript: bool,
    /// Refuse every cookie.
    pub no_cookies: bool,
}

/// A chromedriver with one headless Chromium session; both end when dropped.
pub struct Chrome {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Chrome {
    /// Starts Chromium with JavaScript and cookies on.
    pub async fn start() -> Chrome {
        Self::start_with(ChromeOptions::default()).await
    }

    /// Starts Chromium with `options`.
    pub async fn start_with(options: ChromeOptions) -> Chrome {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut prefs = Map::new();
        if options.no_javascript {
            prefs.insert(
                "profile.managed_default_content_settings.javascript".into(),
                json!(2),
            );
        }
        if options.no_cookies {
            prefs.insert(
                "profile.default_content_setting_values.cookies".into(),
                json!(2),
            );
            prefs.insert("profile.block_third_party_cookies".into(), json!(true));
        }
        // The flags keep Chromium off the network it cannot reach here, and quiet.
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1100,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut capabilities = Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": "/usr/bin/chromium", "args": args, "prefs": Value::Object(prefs) }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            // Plain HTTP to the local driver; no TLS stack needed.
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) => {
                    assert!(
                        started.elapsed() < Duration::from_secs(30),
                        "cannot start a Chromium session: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        };
        Chrome {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Saves a screenshot of the current page as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = crate::env::repo_root().join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
