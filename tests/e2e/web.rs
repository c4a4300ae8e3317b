//! bitu-web as a process: health endpoint states, Host header check, pages, shutdown.

use std::time::Duration;

use bitu_testkit::{TcpProxy, TestContext, WebProcess};
use serde_json::Value;

async fn get(web: &WebProcess, path: &str, host: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(web.url(path));
    if let Some(host) = host {
        request = request.header("Host", host);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn health_is_ok_when_every_service_answers() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let (status, body) = get(&web, "/healthz", None).await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    for service in ["database", "ldap", "redis"] {
        assert_eq!(json["checks"][service]["ok"], true, "{body}");
    }
}

pub fn host_port(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap();
    let rest = rest.split('/').next().unwrap();
    rest.rsplit('@').next().unwrap().to_string()
}

#[tokio::test]
async fn health_names_each_service_that_is_down() {
    let ctx = TestContext::new().await;
    let ldap = TcpProxy::start(&host_port(&ctx.env.ldap_url)).await;
    let redis = TcpProxy::start(&host_port(&ctx.env.redis_url)).await;
    let database = TcpProxy::start(&host_port(&ctx.env.database_url)).await;
    let mut settings = ctx.settings.clone();
    settings.ldap.servers = vec![ldap.url("ldap")];
    settings.redis.url = redis.url("redis");
    settings.database.url = settings
        .database
        .url
        .replace(&host_port(&ctx.env.database_url), &database.addr.to_string())
        // mysql_async would otherwise switch to the Unix socket, bypassing the relay.
        + "?prefer_socket=false";
    settings.database.timeout = Duration::from_secs(1);
    settings.redis.timeout = Duration::from_secs(1);
    settings.ldap.timeout = Duration::from_secs(1);
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    assert_eq!(get(&web, "/healthz", None).await.0, 200);

    for (proxy, service) in [(&ldap, "ldap"), (&redis, "redis"), (&database, "database")] {
        proxy.down();
        let (status, body) = get(&web, "/healthz", None).await;
        assert_eq!(status, 503, "{service} down: {body}");
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["status"], "unavailable");
        assert_eq!(json["checks"][service]["ok"], false, "{body}");
        // Pages that need nothing else still render while one service is down.
        assert_eq!(get(&web, "/", None).await.0, 200);
        proxy.up();
        let (status, body) = get(&web, "/healthz", None).await;
        assert_eq!(status, 200, "{service} back: {body}");
    }
}

#[tokio::test]
async fn host_header_must_be_allowed() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.site.allowed_hosts = vec!["127.0.0.1".into(), ".example.org".into()];
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    assert_eq!(get(&web, "/", None).await.0, 200);
    assert_eq!(get(&web, "/", Some("idm.example.org")).await.0, 200);
    let (status, body) = get(&web, "/", Some("evil.example.com")).await;
    assert_eq!(status, 400);
    assert!(body.contains("not served here"), "{body}");
    assert_eq!(
        get(&web, "/healthz", Some("example.org.evil.com:80"))
            .await
            .0,
        400
    );
}

#[tokio::test]
async fn pages_render_in_the_layout() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let (status, body) = get(&web, "/", None).await;
    assert_eq!(status, 200);
    assert!(body.contains("<title>Welcome – Bitu</title>"), "{body}");
    // The stylesheet under its hashed name (ui::layout checks the names and caching).
    let stylesheet = body
        .split("href=\"/static/bitu.")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no stylesheet in {body}"));
    assert_eq!(
        get(&web, &format!("/static/bitu.{stylesheet}"), None)
            .await
            .0,
        200
    );
    let (status, body) = get(&web, "/no/such/page", None).await;
    assert_eq!(status, 404);
    assert!(body.contains("Not found"));
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let ctx = TestContext::new().await;
    let mut web = ctx.start_web().await;
    assert_eq!(get(&web, "/healthz", None).await.0, 200);
    let status = web.terminate();
    assert!(status.success(), "exit status {status}: {}", web.log());
}
