//! The timer units: each binary run twice at once (both exit 0, or one waits; data intact),
//! the run records behind the "last success" metric, bitu-rq's scheduler under the same
//! locks, and `systemd-analyze verify` on every unit.

use std::time::Duration;

use bitu_testkit::TestContext;
use bitu_testkit::process::{bin_path, run};

use super::support::{count, execute};
use crate::blocklist::wiki_with_fixtures;
use crate::jobs_support::{WorkerProcess, bitu, fast_settings, wait_until};

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `binary` twice at the same moment; both outputs.
async fn twice_at_once(
    binary: &'static str,
    config: &std::path::Path,
) -> [std::process::Output; 2] {
    let (a, b) = (config.to_path_buf(), config.to_path_buf());
    let (first, second) = tokio::join!(
        tokio::task::spawn_blocking(move || run(binary, &a, &[])),
        tokio::task::spawn_blocking(move || run(binary, &b, &[])),
    );
    [first.unwrap(), second.unwrap()]
}

/// 20,000 sign-ups past `[signup] expire_after` and 50 recent ones.
async fn old_and_new_signups(ctx: &TestContext, prefix: &str) {
    for (age_days, low, high) in [(30, 1, 20_000), (0, 20_001, 20_050)] {
        execute(
            ctx,
            &format!(
                "INSERT INTO signups (cn, uid, mail, password_hash, token_hash, created_at, \
                 link_expires_at) SELECT CONCAT('{prefix} ', seq), CONCAT('{prefix}', seq), \
                 CONCAT('{prefix}', seq, '@example.org'), 'x', UNHEX(SHA2(seq, 256)), \
                 NOW() - INTERVAL {age_days} DAY, NOW() FROM seq_{low}_to_{high}"
            ),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_timer_binary_run_twice_at_once_exits_0_and_keeps_data_intact() {
    let ctx = TestContext::new().await;
    let (_wiki, settings) = wiki_with_fixtures(&ctx).await;
    let config = ctx.write_config_with(&settings);
    old_and_new_signups(&ctx, "old").await;
    let (fresh, report) = bitu(&config, &["timers", "--stale-after", "1h"]);
    assert!(!fresh && report.contains("bitu-expire\tnever"), "{report}");

    let [a, b] = twice_at_once("bitu-expire", &config).await;
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    assert_eq!(count(&ctx, "SELECT COUNT(*) AS n FROM signups").await, 50);
    assert_eq!(
        count(
            &ctx,
            "SELECT COUNT(*) AS n FROM signups WHERE uid >= 'old20001'"
        )
        .await,
        50,
        "recent sign-ups must stay"
    );

    let [a, b] = twice_at_once("bitu-blocksync", &config).await;
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    let entries = "SELECT COUNT(*) AS n FROM blocklist_entries";
    let imported = count(&ctx, entries).await;
    assert_eq!(imported, 17 + 22, "{}", text(&a));
    // Whichever ran second waited for the lock and found nothing left to change.
    let reports = format!("{}{}", text(&a), text(&b));
    assert_eq!(
        reports.matches("wikitech: 17 added").count(),
        1,
        "{reports}"
    );
    let again = run("bitu-blocksync", &config, &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(count(&ctx, entries).await, imported);

    // Every regular run left its record; a skipped one is neither success nor failure.
    let successes = |job: &str| {
        format!("SELECT CAST(successes AS SIGNED) AS n FROM timer_runs WHERE name = '{job}'")
    };
    assert!(count(&ctx, &successes("bitu-expire")).await >= 1);
    let (fresh, report) = bitu(&config, &["timers", "--stale-after", "1h"]);
    assert!(fresh, "{report}");
    assert!(report.contains("by manual on "), "{report}");
    assert!(count(&ctx, &successes("bitu-blocksync")).await >= 2);
    assert_eq!(
        count(
            &ctx,
            "SELECT COUNT(*) AS n FROM timer_runs WHERE failures > 0 OR last_trigger <> 'manual' \
             OR last_success_at IS NULL"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rq_scheduler_runs_expiry_under_the_same_lock_as_the_timer() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.metrics.worker_bind = String::new();
    settings.scheduler.enabled = true;
    settings.scheduler.blocksync = String::new();
    settings.scheduler.expire = "*/1 * * * * *".into();
    let config = ctx.write_config_with(&settings);
    old_and_new_signups(&ctx, "sched").await;
    let worker = WorkerProcess::start(&config, &[]).await;
    // The timer's binary at the same time as the scheduled runs: never both at work.
    let [a, b] = twice_at_once("bitu-expire", &config).await;
    assert!(a.status.success(), "{}", text(&a));
    assert!(b.status.success(), "{}", text(&b));
    let mut worker = worker;
    wait_until("a scheduled run", Duration::from_secs(20), || async {
        worker.log().contains("scheduled run finished")
    })
    .await;
    let (status, _) = worker.terminate(Duration::from_secs(20)).await;
    assert!(status.success());
    assert_eq!(count(&ctx, "SELECT COUNT(*) AS n FROM signups").await, 50);
    assert_eq!(
        count(
            &ctx,
            "SELECT COUNT(*) AS n FROM timer_runs WHERE name = 'bitu-expire' \
             AND last_trigger = 'scheduler' AND successes >= 2 AND failures = 0",
        )
        .await,
        1
    );
}

#[test]
fn every_systemd_unit_passes_systemd_analyze_verify() {
    let Ok(tool) = which("systemd-analyze") else {
        eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install systemd)");
        return;
    };
    let units = bitu_testkit::env::repo_root().join("packaging/systemd");
    let dir = std::env::temp_dir().join(format!("bitu-units-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin_dir = bin_path("bitu").parent().unwrap().to_path_buf();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&units).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // The units name the installed binaries; here the freshly built ones stand in.
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("/usr/bin/bitu", &format!("{}/bitu", bin_dir.display()));
        std::fs::write(dir.join(&name), text).unwrap();
        if !name.ends_with("@.service") {
            names.push(name);
        }
    }
    names.sort();
    // The failure hook is a template: verify it through an instance.
    names.push("bitu-failure@bitu-expire.service.service".into());
    assert!(names.len() >= 8, "{names:?}");
    let output = std::process::Command::new(tool)
        .args(["verify", "--man=no"])
        .args(&names)
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    assert!(report.trim().is_empty(), "warnings: {report}");
}

fn which(tool: &str) -> Result<std::path::PathBuf, ()> {
    ["/usr/bin", "/bin", "/usr/sbin"]
        .iter()
        .map(|dir| std::path::Path::new(dir).join(tool))
        .find(|path| path.exists())
        .ok_or(())
}
