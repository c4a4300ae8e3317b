//! The access log never holds a mailed link's secret: reset and activation tokens in the
//! path are masked.

use std::time::{Duration, Instant};

use bitu_testkit::{TestContext, WebProcess};

/// Waits until the server's log has `count` access lines.
async fn access_lines(web: &WebProcess, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let lines: Vec<String> = web
            .log()
            .lines()
            // The start-up health probe is an access line too; only the tested paths count.
            .filter(|line| line.contains("bitu_web::access") && !line.contains("/healthz"))
            .map(str::to_string)
            .collect();
        if lines.len() >= count {
            return lines;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{}", web.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reset_and_activation_tokens_never_reach_the_access_log() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let reset_secret = "ResetTokenAbc123DoNotLog";
    let activation_secret = "ActivationTokenXyz789DoNotLog";
    for path in [
        format!("/password/reset/rita/1764339000/{reset_secret}/"),
        format!("/signup/activate/12/{activation_secret}/"),
    ] {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(web.url(&path))
            .send()
            .await
            .unwrap();
    }
    let lines = access_lines(&web, 2).await;
    let log = web.log();
    assert!(!log.contains(reset_secret), "{log}");
    assert!(!log.contains(activation_secret), "{log}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("GET /password/reset/rita/1764339000/[secret]/")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("GET /signup/activate/12/[secret]/")),
        "{lines:#?}"
    );
}
