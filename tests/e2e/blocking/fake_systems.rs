//! Local stand-ins for Gerrit, GitLab and Phabricator on one server, answering in their
//! documented shapes: Gerrit's `)]}'` line before JSON, 204/409 and 201/200 for the account's
//! `active` flag; GitLab's user list and 201 on block/unblock; Phabricator's Conduit envelope.
//! Each can be made to answer 503, or slower than the client's timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bitu_core::config::IntegrationSettings;
use serde_json::json;

/// How a system answers now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Health {
    /// Normally.
    #[default]
    Up,
    /// HTTP 503 to everything.
    Down,
    /// After a delay longer than the client's timeout.
    Slow,
}

/// One state-changing call a system received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    pub system: &'static str,
    pub call: String,
    pub user_agent: String,
}

#[derive(Default)]
pub struct State {
    pub health: HashMap<&'static str, Health>,
    /// Blocked flag per system and account (Gerrit by uid, the others by developer name).
    pub blocked: HashMap<(&'static str, String), bool>,
    pub effects: Vec<Effect>,
    /// More GitLab users answering to the known developer name (a duplicated identity).
    pub gitlab_extra_users: usize,
}

/// The running server; stopped when dropped.
pub struct FakeSystems {
    pub base_url: String,
    pub state: Arc<Mutex<State>>,
    handle: actix_web::dev::ServerHandle,
}

/// The delay of a slow system: longer than the clients' timeout in these tests.
pub const SLOW: Duration = Duration::from_secs(3);

impl FakeSystems {
    /// Starts the server; `uid` and `cn` are the account every system knows.
    pub async fn start(uid: &str, cn: &str) -> FakeSystems {
        let mut state = State::default();
        state.blocked.insert(("gerrit", uid.to_string()), false);
        state.blocked.insert(("gitlab", cn.to_string()), false);
        state.blocked.insert(("phabricator", cn.to_string()), false);
        let state = Arc::new(Mutex::new(state));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        FakeSystems {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    /// Settings for `system` pointing here, with a secret file in `dir`.
    pub fn settings(&self, system: &str, dir: &std::path::Path) -> IntegrationSettings {
        let secret = dir.join(format!("{system}.secret"));
        std::fs::write(&secret, format!("{system}-secret\n")).unwrap();
        IntegrationSettings {
            enabled: true,
            url: format!("{}/{system}", self.base_url),
            username: "bitu-bot".into(),
            secret_file: Some(secret),
            timeout: Duration::from_secs(1),
            provider: "openid_connect".into(),
        }
    }

    pub fn set_health(&self, system: &'static str, health: Health) {
        self.state.lock().unwrap().health.insert(system, health);
    }

    /// The state-changing calls `system` received.
    pub fn effects(&self, system: &str) -> Vec<Effect> {
        let state = self.state.lock().unwrap();
        state
            .effects
            .iter()
            .filter(|e| e.system == system)
            .cloned()
            .collect()
    }

    pub fn is_blocked(&self, system: &'static str, who: &str) -> bool {
        self.state.lock().unwrap().blocked[&(system, who.to_string())]
    }
}

impl Drop for FakeSystems {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn answer(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let path = request.path().to_string();
    let system: &'static str = ["gerrit", "gitlab", "phabricator"]
        .into_iter()
        .find(|s| path.starts_with(&format!("/{s}/")))
        .unwrap_or("none");
    let health = state
        .lock()
        .unwrap()
        .health
        .get(system)
        .copied()
        .unwrap_or_default();
    match health {
        Health::Down => return HttpResponse::ServiceUnavailable().body("upstream connect error"),
        Health::Slow => tokio::time::sleep(SLOW).await,
        Health::Up => {}
    }
    let rest = &path[system.len() + 1..];
    let user_agent = request
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(request.query_string().as_bytes())
            .into_owned()
            .collect();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let auth = |header: &str| {
        request
            .headers()
            .get(header)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut state = state.lock().unwrap();
    let effect = |state: &mut State, call: String| {
        state.effects.push(Effect {
            system,
            call,
            user_agent: user_agent.clone(),
        })
    };
    let method = request.method().as_str().to_string();
    match system {
        "gerrit" => {
            // Basic bitu-bot:gerrit-secret.
            if auth("authorization") != "Basic Yml0dS1ib3Q6Z2Vycml0LXNlY3JldA==" {
                return HttpResponse::Unauthorized().body("Unauthorized");
            }
            if rest == "/a/accounts/" {
                let q = query.get("q").cloned().unwrap_or_default();
                let found: Vec<_> = state
                    .blocked
                    .keys()
                    .filter(|(s, uid)| *s == "gerrit" && q.ends_with(&format!("username:{uid}")))
                    .map(|_| json!({"_account_id": 1000096}))
                    .collect();
                return HttpResponse::Ok()
                    .content_type("application/json")
                    .body(format!(")]}}'\n{}", json!(found)));
            }
            let Some(key) = state.blocked.keys().find(|(s, _)| *s == "gerrit").cloned() else {
                return HttpResponse::NotFound().finish();
            };
            if rest == "/a/accounts/1000096/active" {
                let was_blocked = state.blocked[&key];
                effect(&mut state, format!("{method} active"));
                return match method.as_str() {
                    "DELETE" if was_blocked => HttpResponse::Conflict().body("account not active"),
                    "DELETE" => {
                        state.blocked.insert(key, true);
                        HttpResponse::NoContent().finish()
                    }
                    "PUT" if !was_blocked => HttpResponse::Ok().body(")]}'\n\"ok\""),
                    "PUT" => {
                        state.blocked.insert(key, false);
                        HttpResponse::Created().body(")]}'\n\"ok\"")
                    }
                    _ => HttpResponse::MethodNotAllowed().finish(),
                };
            }
            HttpResponse::NotFound().finish()
        }
        "gitlab" => {
            if auth("private-token") != "gitlab-secret" {
                return HttpResponse::Unauthorized().json(json!({"message": "401 Unauthorized"}));
            }
            let key = (
                "gitlab",
                query.get("extern_uid").cloned().unwrap_or_default(),
            );
            if rest == "/api/v4/users" {
                let users: Vec<_> = match state.blocked.get(&key) {
                    Some(blocked)
                        if query.get("provider").map(String::as_str) == Some("openid_connect") =>
                    {
                        (0..=state.gitlab_extra_users)
                            .map(|n| {
                                json!({"id": 42 + n, "username": format!("someone{n}"),
                                "state": if *blocked { "blocked" } else { "active" }})
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                return HttpResponse::Ok().json(users);
            }
            let Some(key) = state.blocked.keys().find(|(s, _)| *s == "gitlab").cloned() else {
                return HttpResponse::NotFound().finish();
            };
            let verb = rest.strip_prefix("/api/v4/users/42/");
            match verb {
                Some(v @ ("block" | "unblock")) if method == "POST" => {
                    effect(&mut state, v.to_string());
                    state.blocked.insert(key, v == "block");
                    HttpResponse::Created().json(true)
                }
                _ => HttpResponse::NotFound().json(json!({"message": "404 Not found"})),
            }
        }
        "phabricator" => {
            if form.get("api.token").map(String::as_str) != Some("phabricator-secret") {
                return HttpResponse::Ok().json(json!({"result": null,
                    "error_code": "ERR-INVALID-AUTH", "error_info": "API token is not valid."}));
            }
            let key = state
                .blocked
                .keys()
                .find(|(s, _)| *s == "phabricator")
                .cloned()
                .unwrap();
            match rest {
                "/api/user.ldapquery" => {
                    let name = form.get("ldapnames[0]").cloned().unwrap_or_default();
                    if name != key.1 {
                        return HttpResponse::Ok().json(json!({"result": null,
                            "error_code": "ERR-INVALID-PARAMETER",
                            "error_info": format!("Unknown users: {name}")}));
                    }
                    let roles = if state.blocked[&key] {
                        vec!["disabled", "verified", "approved", "activated"]
                    } else {
                        vec!["verified", "approved", "activated"]
                    };
                    HttpResponse::Ok().json(json!({"result": [{"phid": "PHID-USER-abc123",
                        "userName": "Someone", "realName": name, "roles": roles}],
                        "error_code": null, "error_info": null}))
                }
                "/api/user.disable" | "/api/user.enable" => {
                    let disable = rest.ends_with("disable");
                    effect(&mut state, rest.trim_start_matches("/api/").to_string());
                    state.blocked.insert(key, disable);
                    HttpResponse::Ok().json(json!({"result": true, "error_code": null,
                        "error_info": null}))
                }
                _ => HttpResponse::Ok().json(json!({"result": null,
                    "error_code": "ERR-CONDUIT-CALL", "error_info": "Unknown method"})),
            }
        }
        _ => HttpResponse::NotFound().finish(),
    }
}
