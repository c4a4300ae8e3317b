//! The authorization matrix: every route `bitu-web --routes` lists (the table the server
//! registers) × every kind of caller, each cell with the status it must get. A route without
//! a row here, or a row without a route, fails the test.

use std::collections::BTreeMap;
use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::config::RequestableGroup;
use bitu_testkit::{Browser, TestContext, WebProcess, process};
use reqwest::Method;
use serde_json::Value;

use super::support::{PASSWORD, add_group, lock, token_with, user_dn};
use crate::permissions::support::managed;

/// The callers, in column order.
const CALLERS: [&str; 7] = [
    "anonymous",
    "user",
    "locked user",
    "group manager",
    "account manager",
    "token with the scope",
    "token without it",
];

/// Expected status per route (`METHOD path`), per caller in [`CALLERS`] order. Requests carry
/// placeholder parameters (id 999999, uid nobody) and empty bodies, so a caller the guard lets
/// through gets the handler's own answer (404 for no such key, 400 for an empty form).
const EXPECTED: &[(&str, [u16; 7])] = &[
    ("GET /healthz", [200; 7]),
    ("GET /", [200; 7]),
    ("GET /static/{file}", [200; 7]),
    ("GET /favicon.ico", [200; 7]),
    ("GET /login/", [200; 7]),
    ("POST /login/", [200; 7]),
    ("GET /accounts/login/", [200; 7]),
    // No [oidc] or [linking] in this test: the backends do not exist.
    ("GET /login/{backend}/", [404; 7]),
    ("GET /complete/{backend}/", [404; 7]),
    ("GET /password/reset/", [200; 7]),
    ("POST /password/reset/", [200; 7]),
    ("GET /password/reset/{uid}/{expires}/{token}/", [303; 7]),
    ("GET /password/reset/set/", [400; 7]),
    ("POST /password/reset/set/", [400; 7]),
    ("GET /username/", [200; 7]),
    ("POST /username/", [200; 7]),
    ("GET /account/", [302, 200, 302, 200, 200, 200, 403]),
    ("GET /api/account", [401, 200, 401, 200, 200, 200, 403]),
    (
        "POST /account/attribute/{name}/",
        [302, 400, 302, 400, 400, 403, 403],
    ),
    (
        "GET /account/password/",
        [302, 200, 302, 200, 200, 403, 403],
    ),
    (
        "POST /account/password/",
        [302, 400, 302, 400, 400, 403, 403],
    ),
    ("GET /account/email/", [302, 200, 302, 200, 200, 403, 403]),
    ("POST /account/email/", [302, 400, 302, 400, 400, 403, 403]),
    (
        "GET /account/email/confirm/",
        [302, 400, 302, 400, 400, 403, 403],
    ),
    (
        "POST /account/email/confirm/",
        [302, 400, 302, 400, 400, 403, 403],
    ),
    (
        "POST /account/links/{system}/unlink/",
        [302, 404, 302, 404, 404, 403, 403],
    ),
    (
        "POST /account/links/dismiss/",
        [302, 303, 302, 303, 303, 403, 403],
    ),
    ("GET /account/tokens/", [302, 200, 302, 200, 200, 403, 403]),
    ("POST /account/tokens/", [302, 200, 302, 200, 200, 403, 403]),
    (
        "POST /account/tokens/{id}/revoke/",
        [302, 404, 302, 404, 404, 403, 403],
    ),
    ("GET /signup/", [200; 7]),
    ("POST /signup/", [400; 7]),
    ("GET /signup/done/", [200; 7]),
    ("GET /signup/captcha/{id}.png", [404; 7]),
    ("GET /signup/captcha/{id}.wav", [404; 7]),
    ("GET /signup/captcha/new/", [200; 7]),
    ("GET /signup/activate/{id}/{token}/", [303; 7]),
    ("GET /signup/activate/", [400; 7]),
    ("POST /signup/activate/", [400; 7]),
    ("POST /signup/api/username/", [400; 7]),
    (
        "GET /signup/api/ip/{ip}/",
        [401, 200, 401, 200, 200, 200, 403],
    ),
    ("GET /keys/", [302, 200, 302, 200, 200, 200, 403]),
    ("POST /keys/", [302, 400, 302, 400, 400, 400, 403]),
    (
        "POST /keys/{id}/activate/",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "POST /keys/{id}/suspend/",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "GET /keys/{id}/delete/",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "POST /keys/{id}/delete/",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    ("GET /api/keys", [401, 200, 401, 200, 200, 200, 403]),
    ("POST /api/keys", [401, 400, 401, 400, 400, 400, 403]),
    ("PUT /api/keys/{id}", [401, 404, 401, 404, 404, 404, 403]),
    ("DELETE /api/keys/{id}", [401, 404, 401, 404, 404, 404, 403]),
    // Blocking: account managers only; a token's `blocks` scope grants nothing without the
    // role (the matrix's tokens belong to a plain user). Unknown account `nobody`: 404.
    ("GET /wikimedia/log/", [200; 7]),
    ("GET /wikimedia/block/", [302, 403, 302, 403, 200, 403, 403]),
    (
        "GET /wikimedia/block/{uid}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    (
        "POST /wikimedia/block/{uid}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    (
        "GET /wikimedia/unblock/{uid}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    (
        "POST /wikimedia/unblock/{uid}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    (
        "GET /wikimedia/block/{uid}/log",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    (
        "POST /wikimedia/block/{uid}/retry/{id}/{system}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    ("POST /api/blocks", [401, 403, 401, 403, 400, 403, 403]),
    ("GET /api/blocks/{uid}", [401, 403, 401, 403, 404, 403, 403]),
    // The Django original's URLs: sign-in pages in place, redirects for anyone (the target
    // decides), and its JSON APIs with the permissions of their /api/ twins.
    ("GET /accounts/login/", [200; 7]),
    ("POST /accounts/login/", [308; 7]),
    ("GET /wikimedia/login/", [200; 7]),
    ("POST /wikimedia/login/", [308; 7]),
    ("GET /accounts/logout/", [301; 7]),
    ("POST /accounts/logout/", [308; 7]),
    ("GET /accounts/", [301; 7]),
    ("GET /ldapbackend/properties/", [301; 7]),
    ("GET /ldapbackend/password/", [301; 7]),
    ("POST /ldapbackend/password/", [308; 7]),
    ("GET /accounts/email/{tail:.*}", [301; 7]),
    ("GET /accounts/api/tokens/{tail:.*}", [301; 7]),
    ("GET /keymanagement/", [301; 7]),
    ("GET /keymanagement/create/", [301; 7]),
    ("POST /keymanagement/create/", [308; 7]),
    ("GET /keymanagement/{id}/activate/", [301; 7]),
    ("GET /keymanagement/{id}/deactivate/", [301; 7]),
    ("POST /keymanagement/{id}/activate/", [308; 7]),
    ("POST /keymanagement/{id}/deactivate/", [308; 7]),
    ("GET /keymanagement/{id}/delete/", [301; 7]),
    ("POST /keymanagement/{id}/delete/", [308; 7]),
    ("GET /wikimedia/password/{tail:.*}", [301; 7]),
    ("GET /wikimedia/whoami/", [301; 7]),
    ("GET /captcha/{tail:.*}", [301; 7]),
    (
        "GET /accounts/api/user",
        [401, 200, 401, 200, 200, 200, 403],
    ),
    ("GET /accounts/api/ssh", [401, 200, 401, 200, 200, 200, 403]),
    (
        "POST /accounts/api/ssh",
        [401, 400, 401, 400, 400, 400, 403],
    ),
    (
        "GET /accounts/api/ssh/{id}",
        [401, 404, 401, 404, 404, 404, 403],
    ),
    (
        "DELETE /accounts/api/ssh/{id}",
        [401, 404, 401, 404, 404, 404, 403],
    ),
    // Group access: requesting for everyone signed in (and `permissions` tokens); deciding
    // for managers of some group (gina); a token's scope grants nothing without the role.
    // Unknown group gerrit/x and request 999999: 404. A manager of another group: see
    // `a_manager_of_one_group_cannot_touch_another`.
    ("GET /permissions/", [302, 303, 302, 303, 303, 303, 403]),
    ("GET /permissions/my/", [302, 200, 302, 200, 200, 200, 403]),
    (
        "GET /permissions/request/{system}/{key}",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "POST /permissions/request/{system}/{key}",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "POST /permissions/cancel/{id}",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "POST /permissions/renew/{id}",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "GET /permissions/log/{id}",
        [302, 404, 302, 404, 404, 404, 403],
    ),
    (
        "GET /permissions/pending/",
        [302, 403, 302, 200, 403, 403, 403],
    ),
    (
        "GET /permissions/approve/{id}",
        [302, 403, 302, 404, 403, 403, 403],
    ),
    (
        "POST /permissions/approve/{id}",
        [302, 403, 302, 404, 403, 403, 403],
    ),
    ("GET /permissions/log/", [302, 403, 302, 200, 403, 403, 403]),
    (
        "GET /permissions/members/{system}/{key}",
        [302, 403, 302, 404, 403, 403, 403],
    ),
    (
        "POST /permissions/revoke/{id}",
        [302, 403, 302, 404, 403, 403, 403],
    ),
    (
        "GET /permissions/api/requests/",
        [401, 200, 401, 200, 200, 200, 403],
    ),
    (
        "POST /permissions/api/requests/",
        [401, 400, 401, 400, 400, 400, 403],
    ),
    (
        "GET /api/permissions/requests",
        [401, 200, 401, 200, 200, 200, 403],
    ),
    (
        "POST /api/permissions/requests",
        [401, 400, 401, 400, 400, 400, 403],
    ),
    (
        "GET /api/permissions/pending",
        [401, 403, 401, 200, 403, 403, 403],
    ),
    (
        "POST /api/permissions/requests/{id}/decision",
        [401, 403, 401, 400, 403, 403, 403],
    ),
    // Two-factor sign-in (on in this test). No pending sign-in: back to the password form.
    // The enrolment's POST after its GET made a waiting secret: an empty code is wrong (400);
    // disabling what is not on leads back to the page. Resets: account managers only
    // (`nobody`: 404). The check API: `totp_check` tokens only (an empty body: 400).
    ("GET /login/2fa/", [303; 7]),
    ("POST /login/2fa/", [303; 7]),
    ("GET /account/2fa/", [302, 200, 302, 200, 200, 403, 403]),
    ("POST /account/2fa/", [302, 400, 302, 400, 400, 403, 403]),
    (
        "POST /account/2fa/disable/",
        [302, 303, 302, 303, 303, 403, 403],
    ),
    (
        "GET /wikimedia/2fa/{uid}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    (
        "POST /wikimedia/2fa/{uid}",
        [302, 403, 302, 403, 404, 403, 403],
    ),
    ("POST /api/totp/", [401, 403, 401, 403, 403, 400, 403]),
    (
        "POST /accounts/api/totp/",
        [401, 403, 401, 403, 403, 400, 403],
    ),
    ("GET /accounts/2fa/", [301; 7]),
    // Last: it ends the sessions of the callers that have one.
    ("POST /logout/", [303; 7]),
];

/// One route as `bitu-web --routes` prints it.
struct Route {
    method: Method,
    path: String,
    permission: Option<String>,
}

fn routes() -> Vec<Route> {
    let output = std::process::Command::new(process::bin_path("bitu-web"))
        .arg("--routes")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            Route {
                method: row["method"].as_str().unwrap().parse().unwrap(),
                path: row["path"].as_str().unwrap().to_string(),
                permission: row["permission"].as_str().map(str::to_string),
            }
        })
        .collect()
}

/// The scopes whose tokens should pass (first) and fail (second) for a permission.
fn token_scopes(permission: Option<&str>) -> (&'static [&'static str], &'static [&'static str]) {
    const ALL: &[&str] = &[
        "read_account",
        "manage_keys",
        "check_ip_blocks",
        "blocks",
        "permissions",
    ];
    match permission {
        // Public routes and session-only ones: every scope, then a single one.
        None | Some("manage_own_account") => (ALL, &["read_account"]),
        Some("read_own_account") => (&["read_account"], &["manage_keys"]),
        Some("read_own_keys") => (&["read_account"], &["check_ip_blocks"]),
        Some("manage_own_keys") => (&["manage_keys"], &["read_account"]),
        Some("check_ip_blocks") => (&["check_ip_blocks"], &["read_account"]),
        Some("block_accounts") => (&["blocks"], &["read_account"]),
        Some("request_groups") | Some("manage_group_requests") => {
            (&["permissions"], &["read_account"])
        }
        // Session only (account managers): no scope grants it.
        Some("manage_accounts") => (ALL, &["read_account"]),
        Some("check_totp") => (&["totp_check"], &["read_account"]),
        Some(other) => panic!("the matrix does not know permission {other}: add it"),
    }
}

/// The route's path with placeholder parameters.
fn concrete(path: &str) -> String {
    path.replace("{uid}", "nobody")
        .replace("{expires}", "0")
        .replace("{token}", "x")
        .replace("{id}", "999999")
        .replace("{name}", "loginShell")
        .replace("{ip}", "198.51.100.7")
        .replace("{system}", "gerrit")
        .replace("{tail:.*}", "x/")
        .replace("{backend}", "oidc")
        .replace("{file}", "bitu.css")
}

fn is_json(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/signup/api/")
        || path.starts_with("/accounts/api/")
        || path.starts_with("/permissions/api/")
}

/// Sends the route's request as a browser (anonymous or signed in) with its CSRF token.
async fn as_browser(browser: &Browser, route: &Route) -> u16 {
    let url = browser.url(&concrete(&route.path));
    let mut request = browser.client.request(route.method.clone(), url);
    if route.method != Method::GET {
        let token = browser.csrf_token().await;
        request = if is_json(&route.path) {
            request
                .header("X-CSRF-Token", token)
                .json(&serde_json::json!({}))
        } else {
            request.form(&[("csrf_token", token)])
        };
    }
    request.send().await.unwrap().status().as_u16()
}

/// Sends the route's request with an API token.
async fn as_token(web: &WebProcess, token: &str, route: &Route) -> u16 {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client
        .request(route.method.clone(), web.url(&concrete(&route.path)))
        .header("Authorization", format!("Token {token}"));
    if route.method != Method::GET {
        request = if is_json(&route.path) {
            request.json(&serde_json::json!({}))
        } else {
            request.form(&[("unused", "")])
        };
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_expected() {
    let mut ctx = TestContext::new().await;
    for (uid, cn) in [
        ("ursula", "Ursula User"),
        ("lorna", "Lorna Locked"),
        ("gina", "Gina Groupmanager"),
        ("amy", "Amy Accountmanager"),
        ("hal", "Hal Othermanager"),
    ] {
        ctx.create_user(uid, cn, &ssha(PASSWORD)).await;
    }
    let managers = add_group(
        &ctx,
        "bitu-account-managers",
        &[
            ("objectClass", &["groupOfNames"]),
            ("member", &[user_dn(&ctx, "amy").as_str()]),
        ],
    )
    .await;
    let project = add_group(
        &ctx,
        "project-x",
        &[
            ("objectClass", &["groupOfNames"]),
            ("member", &[user_dn(&ctx, "ursula").as_str()]),
        ],
    )
    .await;
    let other = add_group(
        &ctx,
        "project-y",
        &[
            ("objectClass", &["groupOfNames"]),
            ("member", &[user_dn(&ctx, "hal").as_str()]),
        ],
    )
    .await;
    let key_file = ctx.dir.path().join("twofactor.key");
    std::fs::write(&key_file, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap();
    let settings = &mut ctx.settings;
    settings.twofactor.enabled = true;
    settings.twofactor.key_file = Some(key_file);
    settings.permissions.groups = vec![
        managed(&project, &["gina"], 1),
        managed(&other, &["hal"], 1),
    ];
    settings.authz.account_manager_groups = vec![managers];
    settings.authz.requestable_groups = vec![RequestableGroup {
        group: project,
        managers: vec!["gina".into()],
        manager_groups: Vec::new(),
    }];
    // Every request sees LDAP as it is: the locked caller is locked from the first request.
    settings.authz.account_state_ttl = Duration::ZERO;
    settings.account.anonymous_response_time = Duration::ZERO;
    settings.rate_limit.signin_failures_per_ip = 10_000;
    settings.rate_limit.signin_failures_per_account = 10_000;
    settings.rate_limit.mail_requests_per_ip = 10_000;
    settings.rate_limit.captchas_per_ip = 100_000;
    settings.blocklist.api_requests_per_ip = 10_000;
    let web = ctx.start_web().await;

    let browsers: Vec<Browser> = (0..5).map(|_| Browser::new(&web.base_url)).collect();
    for (browser, uid) in browsers[1..].iter().zip(["ursula", "lorna", "gina", "amy"]) {
        browser.sign_in(uid, PASSWORD).await;
    }
    let mut tokens: BTreeMap<Vec<&str>, String> = BTreeMap::new();
    for route in routes() {
        let (right, wrong) = token_scopes(route.permission.as_deref());
        for scopes in [right, wrong] {
            if !tokens.contains_key(scopes) {
                let token = token_with(&browsers[1], scopes).await;
                tokens.insert(scopes.to_vec(), token);
            }
        }
    }
    lock(&ctx, "lorna");
    a_manager_of_one_group_cannot_touch_another(&browsers).await;

    let expected: BTreeMap<&str, [u16; 7]> = EXPECTED.iter().copied().collect();
    let mut routes = routes();
    let listed: Vec<String> = routes
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let missing: Vec<&String> = listed
        .iter()
        .filter(|key| !expected.contains_key(key.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in EXPECTED: {missing:?}"
    );
    let stale: Vec<&&str> = expected
        .keys()
        .filter(|key| !listed.iter().any(|l| l == *key))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
    // Sign-out last: it ends the sessions the other rows need.
    routes.sort_by_key(|r| r.path == "/logout/");

    let mut wrong_cells = Vec::new();
    println!("{:<46} {}", "route", CALLERS.join(" | "));
    for route in &routes {
        let key = format!("{} {}", route.method, route.path);
        let (right, wrong) = token_scopes(route.permission.as_deref());
        let mut got = [0u16; 7];
        for (i, browser) in browsers.iter().enumerate() {
            // Columns 0-4: anonymous, user, locked, group manager, account manager.
            got[i] = as_browser(browser, route).await;
        }
        got[5] = as_token(&web, &tokens[right], route).await;
        got[6] = as_token(&web, &tokens[wrong], route).await;
        println!("{key:<46} {got:?}");
        let want = expected[key.as_str()];
        for (i, caller) in CALLERS.iter().enumerate() {
            if got[i] != want[i] {
                wrong_cells.push(format!("{key} as {caller}: {} not {}", got[i], want[i]));
            }
        }
    }
    assert!(wrong_cells.is_empty(), "{}", wrong_cells.join("\n"));
}

/// gina manages project-x, not project-y: ursula's request for project-y is not hers to see,
/// decide or revoke (403), nor for amy, who manages no group; ursula sees her own.
async fn a_manager_of_one_group_cannot_touch_another(browsers: &[Browser]) {
    let (ursula, gina, amy) = (&browsers[1], &browsers[3], &browsers[4]);
    let created = ursula
        .post_form(
            "/permissions/request/ldap/project-y",
            &[("comment", "Y please")],
        )
        .await;
    assert_eq!(created.status(), 303);
    let history = created.headers()["location"].to_str().unwrap().to_string();
    let id = history.trim_start_matches("/permissions/log/");
    let decide = [("decision", "approve"), ("comment", "mine now")];
    let revoke = [("comment", "gone")];
    let cells = [
        (gina.get(&format!("/permissions/approve/{id}")).await, 403),
        (
            gina.post_form(&format!("/permissions/approve/{id}"), &decide)
                .await,
            403,
        ),
        (gina.get(&history).await, 403),
        (gina.get("/permissions/members/ldap/project-y").await, 403),
        (
            gina.post_form(&format!("/permissions/revoke/{id}"), &revoke)
                .await,
            403,
        ),
        (gina.get("/permissions/members/ldap/project-x").await, 200),
        (amy.get(&history).await, 403),
        (ursula.get(&history).await, 200),
    ];
    for (i, (response, want)) in cells.into_iter().enumerate() {
        assert_eq!(response.status().as_u16(), want, "cell {i}");
    }
}
