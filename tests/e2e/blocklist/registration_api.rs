//! The registration APIs Striker calls: `POST /signup/api/username/` and
//! `GET /signup/api/ip/<ip>/`, through a real bitu-web.

use std::time::Duration;

use bitu_core::blocklist::ip::{IpImport, apply_blocks};
use bitu_core::blocklist::mediawiki::GlobalBlock;
use bitu_core::blocklist::{parse_line, store};
use bitu_core::db;
use bitu_testkit::{TestContext, WebProcess};
use serde_json::{Value, json};

async fn post(web: &WebProcess, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(web.url("/signup/api/username/"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_and_ip_apis_keep_strikers_contract() {
    let ctx = TestContext::new().await;
    ctx.create_user("taken", "Taken Name", "{SSHA}unused").await;
    let pool = db::build_pool(&ctx.settings.database).unwrap();
    let mut conn = db::conn(&pool).await.unwrap();
    let now = chrono::Utc::now().naive_utc();
    store::add_manual(&mut conn, &parse_line("User:Grawp.*").unwrap(), now)
        .await
        .unwrap();
    let block = GlobalBlock {
        id: 1,
        target: "198.51.100.0/24".into(),
        by: "Steward".into(),
        wiki: "metawiki".into(),
        timestamp: chrono::Utc::now(),
        expiry: None,
        reason: "Open proxy".into(),
    };
    let import = IpImport {
        now,
        stale_after: Duration::from_secs(7 * 86400),
        expired_retention: Duration::from_secs(60 * 86400),
        full: true,
        dry_run: false,
    };
    apply_blocks(&mut conn, "meta-ip", &[block], import)
        .await
        .unwrap();
    let mut settings = ctx.settings.clone();
    settings.blocklist.reload_interval = Duration::ZERO;
    settings.blocklist.api_requests_per_ip = 30;
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;

    let (status, body) = post(&web, json!({"username": "holger drachmann"})).await;
    assert_eq!(
        (status, body),
        (
            201,
            json!({"username": "holger drachmann",
        "uid": "holgerdrachmann", "sanitized": "Holger drachmann"})
        )
    );
    let (status, body) = post(
        &web,
        json!({"username": "Holger Drachmann", "uid": "hdrachmann"}),
    )
    .await;
    assert_eq!((status, &body["uid"]), (201, &json!("hdrachmann")));

    let (status, body) = post(&web, json!({"username": "Grawp the vandal"})).await;
    assert_eq!(status, 400);
    assert!(
        body["username"][0].as_str().unwrap().contains("block list"),
        "{body}"
    );
    assert_eq!(body.as_object().unwrap().len(), 1);
    let (status, body) = post(&web, json!({"username": "Fine Name", "uid": "grawpy"})).await;
    assert_eq!(status, 400);
    assert!(
        body.get("username").is_none() && body["uid"].is_array(),
        "{body}"
    );
    let (status, body) = post(&web, json!({"username": "Grawp", "uid": "Bad Uid"})).await;
    assert_eq!(status, 400);
    assert!(
        body["username"].is_array() && !body["uid"].as_array().unwrap().is_empty(),
        "{body}"
    );
    let (status, body) = post(&web, json!({"username": "Taken Name"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(&web, json!({})).await;
    assert_eq!(
        (status, body),
        (400, json!({"username": ["This field is required."]}))
    );

    // The IP API wants a token or a session, and lists the covering blocks.
    let client = reqwest::Client::new();
    let anonymous = client
        .get(web.url("/signup/api/ip/198.51.100.7/"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let new = bitu_core::account::tokens::NewToken {
        name: "striker",
        scopes: &[bitu_core::authz::Scope::CheckIpBlocks],
        lifetime_days: None,
    };
    let (_, token) = bitu_core::account::tokens::create(
        &pool,
        &ctx.settings.api_tokens,
        &bitu_core::audit::Actor::cli("test"),
        "taken",
        &new,
    )
    .await
    .unwrap();
    let get = |path: &str| {
        client
            .get(web.url(path))
            .header("Authorization", format!("Token {token}"))
            .send()
    };
    let blocked: Value = get("/signup/api/ip/198.51.100.7/")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        blocked,
        json!([{"comment": "Open proxy", "expiry": "infinity",
        "network": "198.51.100.0/24"}])
    );
    let free: Value = get("/signup/api/ip/2001:db8::1/")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(free, json!([]));
    assert_eq!(
        get("/signup/api/ip/not-an-ip/")
            .await
            .unwrap()
            .status()
            .as_u16(),
        400
    );

    // Per-IP rate limit: 30 calls a minute, about a dozen made so far.
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(post(&web, json!({"username": "Holger"})).await.0);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}
