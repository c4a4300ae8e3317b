//! Group access through bitu-web over HTTP: the JSON API with `permissions` tokens, automatic
//! rules and prevalidation on the pages, and a manager's vote while LDAP is down (recorded at
//! once; the membership lands through bitu-rq once LDAP is back).

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::audit::Action;
use bitu_core::config::{Operator, RuleKind, RuleSettings};
use bitu_core::permissions::{State, store};
use bitu_testkit::{Browser, TcpProxy, TestContext, WebProcess};
use serde_json::{Value, json};

use super::support::{managed, posix_group, wait_membership};
use super::workflow::audit_rows;
use crate::authz::support::{PASSWORD, token_with};
use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::web::host_port;

async fn signed_in(web: &WebProcess, uid: &str) -> Browser {
    let browser = Browser::new(&web.base_url);
    browser.sign_in(uid, PASSWORD).await;
    browser
}

/// `method path` with `token` and an optional JSON body: (status, JSON answer).
async fn api(
    web: &WebProcess,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().unwrap(), web.url(path))
        .header("Authorization", format!("Token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        kind.starts_with("application/json"),
        "{method} {path}: {status} {kind}"
    );
    (status, response.json().await.unwrap())
}

async fn state_of(ctx: &TestContext, id: u64) -> State {
    let services = ctx.services();
    let mut conn = bitu_core::db::conn(&services.db).await.unwrap();
    store::get(&mut conn, id).await.unwrap().unwrap().state
}

#[tokio::test]
async fn the_api_decides_with_tokens_and_rules_apply_on_the_pages() {
    let mut ctx = TestContext::new().await;
    for uid in ["ursula", "gina", "hal"] {
        ctx.create_user(uid, &format!("{uid} Person"), &ssha(PASSWORD))
            .await;
    }
    let project = posix_group(&ctx, "project-x", "7401", "gina").await;
    let other = posix_group(&ctx, "project-y", "7402", "hal").await;
    let auto = posix_group(&ctx, "shell-users", "7403", "hal").await;
    let hidden = posix_group(&ctx, "insiders", "7404", "hal").await;
    let mut by_shell = managed(&auto, &[], 1);
    by_shell.rules = vec![RuleSettings {
        kind: RuleKind::LdapAttribute,
        attribute: "loginShell".into(),
        operator: Operator::Present,
        ..RuleSettings::default()
    }];
    let mut prevalidated = managed(&hidden, &["hal"], 1);
    prevalidated.rules.push(RuleSettings {
        kind: RuleKind::EmailDomain,
        domain: "elsewhere.net".into(),
        prevalidate: true,
        ..RuleSettings::default()
    });
    ctx.settings.permissions.groups = vec![
        managed(&project, &["gina"], 1),
        managed(&other, &["hal"], 1),
        by_shell,
        prevalidated,
    ];
    let settings = fast_settings(&ctx);
    let _worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    let web = ctx.start_web().await;
    let ursula = signed_in(&web, "ursula").await;
    let gina = signed_in(&web, "gina").await;
    let mine = token_with(&ursula, &["permissions"]).await;
    let managers = token_with(&gina, &["permissions"]).await;

    // The prevalidated group is hidden from ursula's page and its request page is 404.
    let page = ursula.get("/permissions/my/").await.text().await.unwrap();
    assert!(
        page.contains("/permissions/request/ldap/project-x"),
        "{page}\n{}",
        web.log()
    );
    assert!(!page.contains("insiders"), "{page}");
    assert_eq!(
        ursula
            .get("/permissions/request/ldap/insiders")
            .await
            .status(),
        404
    );
    assert_eq!(
        ursula
            .get("/permissions/request/ldap/nothing")
            .await
            .status(),
        404
    );
    // The attribute rule approves on creation, through the page.
    let created = ursula
        .post_form(
            "/permissions/request/ldap/shell-users",
            &[("comment", "A shell")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let history = created.headers()["location"].to_str().unwrap().to_string();
    let page = ursula.get(&history).await;
    assert_eq!(page.status(), 200, "{}", web.log());
    wait_membership(&ctx, &auto, "ursula", true).await;
    // A group one is in says so.
    let page = ursula
        .get("/permissions/request/ldap/shell-users")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("already a member"), "{page}");
    // A comment is required, and at most 2,000 characters; nothing typed is lost.
    let refused = ursula
        .post_form("/permissions/request/ldap/project-x", &[("comment", "  ")])
        .await;
    assert_eq!(refused.status(), 400);
    let long = "x".repeat(2001);
    let refused = ursula
        .post_form("/permissions/request/ldap/project-x", &[("comment", &long)])
        .await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains(&long));

    // The API: create, refuse a second pending one, list.
    let (status, body) = api(
        &web,
        &mine,
        "POST",
        "/api/permissions/requests",
        Some(json!({"system": "ldap", "key": "project-x", "comment": "API please"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_u64().unwrap();
    assert_eq!(body["state"], "pending");
    let (status, body) = api(
        &web,
        &mine,
        "POST",
        "/permissions/api/requests/",
        Some(json!({"group": project, "comment": "again"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = api(
        &web,
        &mine,
        "POST",
        "/api/permissions/requests",
        Some(json!({"group": "cn=nothing,dc=example,dc=org", "comment": "x"})),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = api(&web, &mine, "GET", "/permissions/api/requests/", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["requests"].as_array().unwrap().len(), 2, "{body}");
    // ursula manages nothing: 403 in JSON.
    let (status, _) = api(&web, &mine, "GET", "/api/permissions/pending", None).await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &web,
        &mine,
        "POST",
        &format!("/api/permissions/requests/{id}/decision"),
        Some(json!({"approve": true, "comment": "self"})),
    )
    .await;
    assert_eq!(status, 403);

    // gina lists what waits for her and approves.
    let (status, body) = api(&web, &managers, "GET", "/api/permissions/pending", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["requests"][0]["request"]["id"], json!(id), "{body}");
    assert_eq!(
        body["requests"][0]["requester"]["mail"],
        json!(ctx.mailbox.address("ursula"))
    );
    // A request for project-y (hal's) is not hers to decide.
    let (_, body) = api(
        &web,
        &mine,
        "POST",
        "/api/permissions/requests",
        Some(json!({"system": "ldap", "key": "project-y", "comment": "Y please"})),
    )
    .await;
    let other_id = body["id"].as_u64().unwrap();
    let (status, _) = api(
        &web,
        &managers,
        "POST",
        &format!("/api/permissions/requests/{other_id}/decision"),
        Some(json!({"approve": true, "comment": "not mine"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &web,
        &managers,
        "POST",
        &format!("/api/permissions/requests/{id}/decision"),
        Some(json!({"approve": true})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = api(
        &web,
        &managers,
        "POST",
        &format!("/api/permissions/requests/{id}/decision"),
        Some(json!({"approve": true, "comment": "Go ahead"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "approved");
    wait_membership(&ctx, &project, "ursula", true).await;
    let (status, _) = api(
        &web,
        &managers,
        "POST",
        "/api/permissions/requests/999999/decision",
        Some(json!({"approve": true, "comment": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    // Every decision left its audit row.
    let services = ctx.services();
    assert_eq!(audit_rows(&services, Action::GroupAccessApprove).await, 1);
    assert_eq!(audit_rows(&services, Action::GroupAccessRequest).await, 3);
}

#[tokio::test]
async fn a_vote_while_ldap_is_down_is_recorded_and_lands_later() {
    let mut ctx = TestContext::new().await;
    for uid in ["ursula", "gina", "hal"] {
        ctx.create_user(uid, &format!("{uid} Person"), &ssha(PASSWORD))
            .await;
    }
    let project = posix_group(&ctx, "project-x", "7501", "gina").await;
    ctx.settings.permissions.groups = vec![managed(&project, &["gina", "hal"], 2)];
    // bitu-web and bitu-rq reach LDAP through a relay; who is signed in stays known for a
    // while, as in production between cache refreshes.
    let ldap = TcpProxy::start(&host_port(&ctx.env.ldap_url)).await;
    let mut settings = fast_settings(&ctx);
    settings.ldap.servers = vec![ldap.url("ldap")];
    settings.ldap.timeout = Duration::from_secs(1);
    settings.authz.account_state_ttl = Duration::from_secs(600);
    settings.authz.group_cache_ttl = Duration::from_secs(600);
    // The decision job retries through the outage.
    settings.queue.max_attempts = 100;
    let config = ctx.write_config_with(&settings);
    let _worker = WorkerProcess::start(&config, &[]).await;
    let web = WebProcess::start(&config).await;
    let ursula = signed_in(&web, "ursula").await;
    let gina = signed_in(&web, "gina").await;
    let hal = signed_in(&web, "hal").await;
    let hal_token = token_with(&hal, &["permissions"]).await;

    let created = ursula
        .post_form(
            "/permissions/request/ldap/project-x",
            &[("comment", "I work on X")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let id: u64 = created.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/permissions/log/")
        .parse()
        .unwrap();
    let voted = gina
        .post_form(
            &format!("/permissions/approve/{id}"),
            &[("decision", "approve"), ("comment", "Fine by me")],
        )
        .await;
    assert_eq!(voted.status(), 303);
    assert_eq!(state_of(&ctx, id).await, State::Pending);
    // hal's page was seen while LDAP answered; then LDAP goes away.
    assert_eq!(
        hal.get(&format!("/permissions/approve/{id}"))
            .await
            .status(),
        200
    );
    ldap.down();
    // JSON endpoints needing LDAP answer 503 in JSON.
    let (status, body) = api(&web, &hal_token, "GET", "/api/permissions/pending", None).await;
    assert_eq!(status, 503, "{body}");
    let voted = hal
        .post_form(
            &format!("/permissions/approve/{id}"),
            &[("decision", "approve"), ("comment", "Welcome aboard")],
        )
        .await;
    assert_eq!(voted.status(), 303, "{}", voted.text().await.unwrap());
    // Recorded: the vote and its audit row are there; the outcome waits for LDAP.
    let services = ctx.services();
    {
        let mut conn = bitu_core::db::conn(&services.db).await.unwrap();
        let events = store::events(&mut conn, id).await.unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.kind == "approve" && e.actor_uid.as_deref() == Some("hal"))
        );
    }
    assert_eq!(audit_rows(&services, Action::GroupAccessApprove).await, 2);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(state_of(&ctx, id).await, State::Pending);
    ldap.up();
    wait_membership(&ctx, &project, "ursula", true).await;
    assert_eq!(state_of(&ctx, id).await, State::Approved);
    assert_eq!(audit_rows(&services, Action::GroupAccessDecide).await, 1);
    let started = std::time::Instant::now();
    loop {
        let mails = ctx.mailbox.messages_to(&ctx.mailbox.address("ursula"));
        if let Some(mail) = mails.iter().find(|m| m.subject.contains("approved")) {
            assert!(
                mail.text.contains("Fine by me") && mail.text.contains("Welcome aboard"),
                "{}",
                mail.text
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
