//! A cookie-keeping HTTP client acting like a person's browser against a running bitu-web:
//! it follows no redirects (tests look at them) and fetches the CSRF token its pages carry.

use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Client, Response, redirect};

/// One browser: its own cookies.
pub struct Browser {
    /// The HTTP client.
    pub client: Client,
    jar: Arc<Jar>,
    base_url: String,
}

impl Browser {
    /// A browser with no cookies, talking to `base_url`.
    pub fn new(base_url: &str) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            // Idle connections retire before bitu-web's 5 s keep-alive closes them, so a
            // request never races the server's close (IncompleteMessage on a loaded machine).
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("HTTP client");
        Browser {
            client,
            jar,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Points the browser at another server (same cookies), e.g. after a restart elsewhere.
    pub fn set_base_url(&mut self, base_url: &str) {
        self.base_url = base_url.trim_end_matches('/').to_string();
    }

    /// The value of cookie `name` for this site.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base_url.parse().ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    }

    /// Sets cookie `name` for this site (e.g. to replay an old session cookie).
    pub fn set_cookie(&self, name: &str, value: &str) {
        if let Ok(url) = self.base_url.parse() {
            self.jar
                .add_cookie_str(&format!("{name}={value}; Path=/"), &url);
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// The CSRF token a page would carry for this browser now (it is bound to the session
    /// or, signed out, to the anonymous cookie): read from the sign-in form.
    pub async fn csrf_token(&self) -> String {
        let page = self.get("/login/").await.text().await.expect("page");
        page.split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a CSRF token in the sign-in form")
            .to_string()
    }

    /// `POST path` with form `fields`, adding the CSRF token (see [`Browser::csrf_token`]).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// `POST path` with form `fields` exactly as given (no CSRF token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Signs in; panics unless the server redirects (success).
    pub async fn sign_in(&self, name: &str, password: &str) -> Response {
        let response = self
            .post_form(
                "/login/",
                &[("name", name), ("password", password), ("next", "")],
            )
            .await;
        assert_eq!(response.status().as_u16(), 303, "sign-in as {name} failed");
        response
    }
}
