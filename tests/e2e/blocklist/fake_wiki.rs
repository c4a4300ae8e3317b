//! A local stand-in for a wiki's Action API: answers `prop=revisions` (formatversion 2, main
//! slot) and `list=globalblocks` (newest first, `bglimit`, continuation by `bgstart`) the way
//! MediaWiki does, and can fail on demand (HTTP 503, `maxlag`, a missing page).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// What a page request gets.
#[derive(Clone)]
pub enum Page {
    /// The page's wikitext.
    Text(String),
    /// `"missing": true`, as for a page that does not exist.
    Missing,
    /// HTTP 500 every time.
    Broken,
}

/// One request the wiki received.
#[derive(Clone, Debug)]
pub struct Request {
    pub params: HashMap<String, String>,
    pub user_agent: String,
}

#[derive(Default)]
pub struct State {
    pub pages: HashMap<String, Page>,
    /// `list=globalblocks` rows, newest first.
    pub blocks: Vec<Value>,
    pub requests: Vec<Request>,
    /// The next N requests get HTTP 503.
    pub fail_next: u32,
    /// The next N requests get a maxlag error.
    pub lag_next: u32,
}

/// The running server; stopped when dropped.
pub struct FakeWiki {
    pub api_url: String,
    pub state: Arc<Mutex<State>>,
    handle: actix_web::dev::ServerHandle,
}

impl FakeWiki {
    pub async fn start() -> FakeWiki {
        let state = Arc::new(Mutex::new(State::default()));
        let data = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/w/api.php", web::get().to(api))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        FakeWiki {
            api_url: format!("http://127.0.0.1:{port}/w/api.php"),
            state,
            handle,
        }
    }

    pub fn set_page(&self, title: &str, page: Page) {
        self.state.lock().unwrap().pages.insert(title.into(), page);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().requests.clone()
    }
}

impl Drop for FakeWiki {
    fn drop(&mut self) {
        let stop = self.handle.stop(false);
        drop(stop);
    }
}

async fn api(
    request: HttpRequest,
    query: web::Query<HashMap<String, String>>,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let params = query.into_inner();
    let mut state = state.lock().unwrap();
    state.requests.push(Request {
        params: params.clone(),
        user_agent: request
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    });
    if state.fail_next > 0 {
        state.fail_next -= 1;
        return HttpResponse::ServiceUnavailable().body("upstream connect error");
    }
    if state.lag_next > 0 {
        state.lag_next -= 1;
        return HttpResponse::Ok()
            .insert_header(("Retry-After", "0"))
            .json(json!({"error": {"code": "maxlag",
                "info": "Waiting for 10.64.0.1: 7 seconds lagged.", "lag": 7}}));
    }
    if params.get("prop").map(String::as_str) == Some("revisions") {
        let title = params.get("titles").cloned().unwrap_or_default();
        return match state.pages.get(&title) {
            Some(Page::Text(text)) => HttpResponse::Ok().json(json!({
                "batchcomplete": true,
                "query": {"pages": [{"pageid": 1234, "ns": 8, "title": title,
                    "revisions": [{"slots": {"main": {"contentmodel": "text",
                        "contentformat": "text/plain", "content": text}}}]}]}
            })),
            Some(Page::Broken) => HttpResponse::InternalServerError().body("fatal exception"),
            Some(Page::Missing) | None => HttpResponse::Ok().json(json!({
                "batchcomplete": true,
                "query": {"pages": [{"ns": 8, "title": title, "missing": true}]}
            })),
        };
    }
    if params.get("list").map(String::as_str) == Some("globalblocks") {
        let limit: usize = params
            .get("bglimit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(10);
        let start = params.get("bgstart").cloned();
        let rows: Vec<&Value> = state
            .blocks
            .iter()
            .filter(|b| match &start {
                Some(start) => b["timestamp"].as_str().unwrap() <= start.as_str(),
                None => true,
            })
            .collect();
        let mut body = json!({"batchcomplete": true,
            "query": {"globalblocks": rows.iter().take(limit).cloned().collect::<Vec<_>>()}});
        if let Some(next) = rows.get(limit) {
            body["continue"] = json!({"bgstart": next["timestamp"], "continue": "-||"});
        }
        return HttpResponse::Ok().json(body);
    }
    HttpResponse::Ok().json(json!({"error": {"code": "badvalue", "info": "unknown request"}}))
}
