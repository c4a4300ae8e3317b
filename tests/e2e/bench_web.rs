//! Web benchmarks, run by bench/web.sh (release build, `--ignored`): wrk against a real
//! bitu-web with 1,002 LDAP users and 10,000 block-list patterns, as the original was
//! measured (/work/shared/perf/targets.md). Prints one `BENCH` line per scenario and the
//! server's peak memory. Not part of the normal test run.

use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::blocklist::{ImportOptions, run_import};
use bitu_testkit::{Browser, TestContext, WebProcess};

use crate::blocklist::bench::synthetic_page;
use crate::blocklist::fake_wiki::Page;
use crate::blocklist::{WIKITECH_PAGE, wiki_with_fixtures};

const PASSWORD: &str = "Velvet-Tundra-Compass-81";
const USERS: usize = 1002;
const CAPTCHA_ANSWER: &str = "ACDEF";

fn seconds() -> u64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

/// Whether scenario `key` runs: all unless `BENCH_ONLY` lists keys (comma-separated).
fn selected(key: &str) -> bool {
    std::env::var("BENCH_ONLY")
        .map(|only| only.split(',').any(|k| k.trim() == key))
        .unwrap_or(true)
}

/// With `BENCH_PERF=DIR`, records every process's stacks (`perf record -a -g`) during a
/// scenario into DIR/<key>.data, to see where the two cores go.
fn start_perf(key: &str) -> Option<std::process::Child> {
    let dir = std::env::var("BENCH_PERF").ok()?;
    Command::new("perf")
        .args(["record", "-a", "-g", "-F", "499", "-o"])
        .arg(format!("{dir}/{key}.data"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()
}

/// Runs wrk as the targets were measured (`-t2 -c16 --latency`) and prints its figures;
/// `key` names the scenario for `BENCH_ONLY` and `BENCH_PERF`.
fn wrk(key: &str, name: &str, url: &str, script: Option<&str>, headers: &[String]) {
    if !selected(key) {
        return;
    }
    // Let the previous scenario's background work (InnoDB flushing its inserts) settle.
    std::thread::sleep(Duration::from_secs(5));
    let perf = start_perf(key);
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c16", &format!("-d{}s", seconds()), "--latency"]);
    for header in headers {
        command.args(["-H", header]);
    }
    if let Some(script) = script {
        let path = dir.path().join("script.lua");
        std::fs::write(&path, script).unwrap();
        command.arg("-s").arg(path);
    }
    let output = command
        .arg(url)
        .output()
        .expect("wrk (Debian package wrk) must be installed");
    if let Some(mut perf) = perf {
        // perf writes its file on SIGINT.
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait();
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |prefix: &str| {
        text.lines()
            .find(|line| line.trim_start().starts_with(prefix))
            .and_then(|line| line.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_string()
    };
    let non_2xx = text
        .lines()
        .find(|line| line.contains("Non-2xx"))
        .map(|line| line.trim().to_string())
        .unwrap_or_else(|| "all 2xx/3xx".into());
    println!(
        "BENCH {name}: {} req/s, p50 {}, p99 {} ({non_2xx})",
        field("Requests/sec:"),
        field("50%"),
        field("99%"),
    );
}

fn form_post(body: &str, cookie: &str) -> String {
    format!(
        "wrk.method = \"POST\"\nwrk.body = \"{body}\"\nwrk.headers[\"Content-Type\"] = \
         \"application/x-www-form-urlencoded\"\nwrk.headers[\"Cookie\"] = \"{cookie}\"\n"
    )
}

/// A `/proc/<pid>/status` field (`VmRSS`, `VmHWM`), as written there.
fn memory_field(pid: u32, field: &str) -> String {
    let prefix = format!("{field}:");
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(&prefix))
                .map(|line| line.trim_start_matches(&prefix).trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

fn peak_rss_kib(pid: u32) -> String {
    memory_field(pid, "VmHWM")
}

async fn add_users(ctx: &TestContext) {
    let mut admin = ctx.ldap_admin().await;
    let hash = ssha(PASSWORD);
    for n in 0..USERS {
        let uid = format!("bench{n:04}");
        let cn = format!("Bench User {n}");
        let mail = format!("{uid}@bench.example.org");
        let number = (60_000 + n).to_string();
        let home = format!("/home/{uid}");
        let attrs: Vec<(&str, HashSet<&str>)> = vec![
            (
                "objectClass",
                HashSet::from([
                    "inetOrgPerson",
                    "posixAccount",
                    "wikimediaPerson",
                    "ldapPublicKey",
                ]),
            ),
            ("uid", HashSet::from([uid.as_str()])),
            ("cn", HashSet::from([cn.as_str()])),
            ("sn", HashSet::from([cn.as_str()])),
            ("mail", HashSet::from([mail.as_str()])),
            ("uidNumber", HashSet::from([number.as_str()])),
            ("gidNumber", HashSet::from(["500"])),
            ("homeDirectory", HashSet::from([home.as_str()])),
            ("loginShell", HashSet::from(["/bin/bash"])),
            ("userPassword", HashSet::from([hash.as_str()])),
        ];
        admin
            .add(&format!("uid={uid},{}", ctx.settings.ldap.users_dn), attrs)
            .await
            .unwrap()
            .success()
            .unwrap();
    }
}

/// Captchas with a known answer, as many as a sign-up run can use.
async fn add_captchas(ctx: &TestContext, count: usize) -> Vec<String> {
    use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};
    let ids: Vec<String> = (0..count).map(|n| format!("{n:032x}")).collect();
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    for chunk in ids.chunks(2000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|id| format!("(UNHEX('{id}'), '{CAPTCHA_ANSWER}', NOW() + INTERVAL 1 HOUR)"))
            .collect();
        conn.batch_execute(&format!(
            "INSERT INTO signup_captchas (id, answer, expires_at) VALUES {}",
            values.join(",")
        ))
        .await
        .unwrap();
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: bench/web.sh"]
async fn bench_web_pages() {
    let ctx = TestContext::new().await;
    add_users(&ctx).await;
    let (wiki, mut settings) = wiki_with_fixtures(&ctx).await;
    settings.rate_limit.signin_failures_per_ip = u32::MAX;
    settings.rate_limit.signin_failures_per_account = u32::MAX;
    settings.signup.attempts_per_ip_per_hour = u32::MAX;
    settings.rate_limit.captchas_per_ip = u32::MAX;
    settings.blocklist.api_requests_per_ip = u32::MAX;
    settings.web.workers = 2;
    if std::env::var("BENCH_NO_ACCESS_LOG").is_ok() {
        settings.logging.loggers.insert(
            "bitu_web::access".into(),
            bitu_core::config::LoggerSettings {
                level: "warn".into(),
                ..Default::default()
            },
        );
    }
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    browser.get("/login/").await;
    println!(
        "BENCH bitu-web RSS after start: {}",
        memory_field(web.pid(), "VmRSS")
    );
    // The anonymous CSRF token is an HMAC bound to this cookie.
    let csrf_cookie = browser.cookie("bitu_csrf").unwrap();
    let csrf = browser.csrf_token().await;

    let username_api = "wrk.method = \"POST\"\nwrk.body = '{\"username\": \"Holger Drachmann\"}'\n\
                        wrk.headers[\"Content-Type\"] = \"application/json\"\n";
    wrk(
        "username-empty",
        "POST /signup/api/username/, no patterns",
        &web.url("/signup/api/username/"),
        Some(username_api),
        &[],
    );

    wiki.set_page(WIKITECH_PAGE, Page::Text(synthetic_page(10_000)));
    settings.blocklist.sources.truncate(1);
    let pool = bitu_core::db::build_pool(&settings.database).unwrap();
    let outcome = run_import(&settings, &pool, &ImportOptions::default())
        .await
        .unwrap();
    assert!(outcome.failed.is_empty());
    // Let the server notice the new list (it checks the version every reload_interval).
    tokio::time::sleep(settings.blocklist.reload_interval + Duration::from_millis(200)).await;
    reqwest::Client::new()
        .post(web.url("/signup/api/username/"))
        .json(&serde_json::json!({"username": "Warm Up"}))
        .send()
        .await
        .unwrap();
    println!(
        "BENCH bitu-web RSS with 10,000 patterns loaded: {} (peak {})",
        memory_field(web.pid(), "VmRSS"),
        peak_rss_kib(web.pid())
    );

    wrk("login-page", "GET /login/", &web.url("/login/"), None, &[]);
    wrk(
        "username",
        "POST /signup/api/username/, 10,000 patterns",
        &web.url("/signup/api/username/"),
        Some(username_api),
        &[],
    );
    let sign_in = form_post(
        &format!("name=bench0001&password={PASSWORD}&next=&csrf_token={csrf}"),
        &format!("bitu_csrf={csrf_cookie}"),
    );
    wrk(
        "sign-in",
        "POST /login/ (successful sign-in)",
        &web.url("/login/"),
        Some(&sign_in),
        &[],
    );

    browser.sign_in("bench0002", PASSWORD).await;
    let session = browser.cookie("bitu_session").unwrap();
    wrk(
        "account",
        "GET /account/ signed in (one LDAP read)",
        &web.url("/account/"),
        None,
        &[format!(
            "Cookie: bitu_session={session}; bitu_csrf={csrf_cookie}"
        )],
    );

    if !selected("signup") {
        println!(
            "BENCH bitu-web peak RSS (VmHWM): {}",
            peak_rss_kib(web.pid())
        );
        return;
    }
    let captchas = add_captchas(&ctx, 60_000).await;
    let ids_file = ctx.dir.path().join("captchas.txt");
    std::fs::write(&ids_file, captchas.join("\n")).unwrap();
    let signup = format!(
        r#"local ids = {{}}
for line in io.lines("{ids}") do ids[#ids + 1] = line end
-- thread_no is set per thread by setup(); a local of that name would hide it.
local counter = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("thread_no", threads) end
function init(args) counter = 0 end
function request()
  counter = counter + 1
  local n = counter * 2 + thread_no
  local id = ids[n % #ids + 1]
  local body = "cn=Bench+Signup+" .. n .. "&uid=bs" .. n .. "&email=bs" .. n ..
    "%40bench.example.org&password={PASSWORD}&password_again={PASSWORD}&captcha_id=" .. id ..
    "&captcha={CAPTCHA_ANSWER}&csrf_token={csrf}"
  return wrk.format("POST", nil, {{["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "bitu_csrf={csrf_cookie}"}}, body)
end
"#,
        ids = ids_file.display()
    );
    wrk(
        "signup",
        "POST /signup/, 10,000 patterns",
        &web.url("/signup/"),
        Some(&signup),
        &[],
    );

    println!(
        "BENCH bitu-web peak RSS (VmHWM): {}",
        peak_rss_kib(web.pid())
    );
}
