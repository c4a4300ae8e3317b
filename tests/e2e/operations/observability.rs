//! What monitoring sees: /metrics of bitu-web and bitu-rq moving after a sign-in and a job,
//! the allow list, JSON log lines with the client's address, and systemd's notifications.

use std::process::Stdio;
use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::config::LogFormat;
use bitu_core::queue::{Envelope, Job, Probe, Queue};
use bitu_testkit::process::{command, free_port, run};
use bitu_testkit::{Browser, TestContext, WebProcess};

use super::support::{Notifications, clean_env, metric};
use crate::jobs_support::{WorkerProcess, fast_settings, probe_counts, wait_until};

const PASSWORD: &str = "Velvet-Tundra-Compass-81";

async fn scrape(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_move_after_a_sign_in_and_a_job() {
    let ctx = TestContext::new().await;
    ctx.create_user("metra", "Met Ra", &ssha(PASSWORD)).await;
    let mut settings = fast_settings(&ctx);
    let rq_port = free_port();
    settings.metrics.worker_bind = format!("127.0.0.1:{rq_port}");
    settings.web.trusted_proxies = vec!["127.0.0.1".into()];
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let worker = WorkerProcess::start(&config, &[]).await;
    let (web_metrics, rq_metrics) = (
        web.url("/metrics"),
        format!("http://127.0.0.1:{rq_port}/metrics"),
    );

    let before = scrape(&web_metrics).await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("metra", PASSWORD).await;
    let refused = browser
        .post_form("/login/", &[("name", "metra"), ("password", "wrong")])
        .await;
    assert_eq!(refused.status().as_u16(), 200);
    let after = scrape(&web_metrics).await;
    let ok = ["bitu_signins_total", "outcome=\"ok\""];
    let failed = ["bitu_signins_total", "outcome=\"failed\""];
    assert_eq!(
        metric(&after, ok[0], &ok[1..]) - metric(&before, ok[0], &ok[1..]),
        1.0
    );
    assert_eq!(
        metric(&after, failed[0], &failed[1..]) - metric(&before, failed[0], &failed[1..]),
        1.0
    );
    let login = ["route=\"/login/\"", "method=\"POST\"", "status=\"303\""];
    assert_eq!(
        metric(&after, "bitu_http_requests_total", &login),
        1.0,
        "{after}"
    );
    assert!(
        metric(
            &after,
            "bitu_http_request_duration_seconds_count",
            &["route=\"/login/\""]
        ) >= 2.0
    );
    assert!(
        metric(
            &after,
            "bitu_backend_call_duration_seconds_count",
            &["backend=\"ldap\""]
        ) > 0.0
    );
    assert!(
        after.contains("bitu_build_info{daemon=\"bitu-web\""),
        "{after}"
    );

    let queue = Queue::new(ctx.services().redis, &settings);
    let job = Job::new(Probe {
        label: Some("metrics".into()),
        sleep_ms: 0,
        fail_attempts: 0,
    });
    let before = scrape(&rq_metrics).await;
    queue.push(&[Envelope::new(job)]).await.unwrap();
    wait_until("the job", Duration::from_secs(20), || async {
        probe_counts(&ctx, &queue, "metrics").await.len() == 1
    })
    .await;
    let done = ["kind=\"probe\"", "outcome=\"done\""];
    wait_until("the job counted", Duration::from_secs(5), || async {
        metric(&scrape(&rq_metrics).await, "bitu_jobs_total", &done) == 1.0
    })
    .await;
    assert_eq!(metric(&before, "bitu_jobs_total", &done), 0.0);
    let after = scrape(&rq_metrics).await;
    assert!(
        after.contains("bitu_queue_depth{queue=\"default\"} 0"),
        "{after}"
    );
    assert!(
        after.contains("bitu_build_info{daemon=\"bitu-rq\""),
        "{after}"
    );

    // A timer run shows up as its last success, in either daemon's metrics.
    let expire = run("bitu-expire", &config, &[]);
    assert!(expire.status.success());
    let last = metric(
        &scrape(&web_metrics).await,
        "bitu_timer_last_success_timestamp_seconds",
        &["timer=\"bitu-expire\""],
    );
    let now = chrono::Utc::now().timestamp() as f64;
    assert!((now - last).abs() < 60.0, "last success {last}, now {now}");

    // The public, forwarded through the trusted proxy, does not get the metrics.
    let forwarded = reqwest::Client::new()
        .get(&web_metrics)
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status().as_u16(), 404);
    drop(worker);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_forwarded_client() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.logging.format = LogFormat::Json;
    settings.web.trusted_proxies = vec!["127.0.0.1".into()];
    let mut web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let response = reqwest::Client::new()
        .get(web.url("/login/?next=/secret-token"))
        .header("X-Forwarded-For", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(web.terminate().success());
    let log = web.log();
    let mut access = Vec::new();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
        if value["target"] == "bitu_web::access" {
            access.push(
                value["fields"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            );
        }
    }
    let line = access
        .iter()
        .find(|m| m.contains("GET /login/"))
        .unwrap_or_else(|| panic!("no access line: {log}"));
    assert!(line.starts_with("198.51.100.7 "), "{line}");
    assert!(line.contains(" 200 "), "{line}");
    assert!(
        !line.contains("secret-token"),
        "query string logged: {line}"
    );
}

#[tokio::test]
async fn web_and_rq_tell_systemd_ready_watchdog_and_stopping() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.metrics.worker_bind = String::new();
    let config = ctx.write_config_with(&settings);
    for (binary, args) in [
        (
            "bitu-web",
            vec!["--bind".to_string(), format!("127.0.0.1:{}", free_port())],
        ),
        ("bitu-rq", vec![]),
    ] {
        let notify = Notifications::new(ctx.dir.path());
        let mut child = command(binary, &config);
        clean_env(&mut child, &config);
        let mut child = child
            .args(&args)
            .env("NOTIFY_SOCKET", &notify.path)
            .env("WATCHDOG_USEC", "300000")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let seen = notify.wait_for("READY=1", Duration::from_secs(30));
        assert!(!seen.iter().any(|m| m.contains("STOPPING")), "{seen:?}");
        // Pings at half the 300 ms the unit would ask for.
        let pings = notify.wait_for("WATCHDOG=1", Duration::from_secs(2));
        assert!(pings.len() <= 2, "{binary}: {pings:?}");
        notify.wait_for("WATCHDOG=1", Duration::from_secs(2));
        std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        notify.wait_for("STOPPING=1", Duration::from_secs(10));
        assert!(child.wait().unwrap().success(), "{binary} exit status");
    }
}
