//! Every binary: --help, --version, clear one-line errors, no panics; the one-shots and the
//! worker start, connect and stop as systemd expects.

use std::process::Stdio;
use std::time::Duration;

use bitu_testkit::TestContext;
use bitu_testkit::process::{command, free_port, run};

const BINARIES: &[&str] = &[
    "bitu",
    "bitu-web",
    "bitu-rq",
    "bitu-blocksync",
    "bitu-expire",
];

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn help_and_version_work_without_config() {
    let nowhere = std::path::Path::new("/nonexistent/bitu.toml");
    for binary in BINARIES {
        let help = run(binary, nowhere, &["--help"]);
        assert!(help.status.success(), "{binary} --help: {}", text(&help));
        assert!(
            text(&help).contains("--config"),
            "{binary} --help lacks --config"
        );
        let version = run(binary, nowhere, &["--version"]);
        assert!(version.status.success());
        assert!(text(&version).contains(env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn missing_or_bad_config_is_one_clear_line() {
    let dir = tempfile_dir();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[ldap]\nservrs = []\n").unwrap();
    for binary in &["bitu-web", "bitu-rq", "bitu-blocksync", "bitu-expire"] {
        for config in [
            std::path::Path::new("/nonexistent/bitu.toml"),
            bad.as_path(),
        ] {
            let output = run(binary, config, &[]);
            let stderr = String::from_utf8_lossy(&output.stderr).to_string();
            assert!(
                !output.status.success(),
                "{binary} accepted {}",
                config.display()
            );
            assert_eq!(stderr.trim().lines().count(), 1, "{binary}: {stderr}");
            assert!(!stderr.contains("panicked"), "{binary}: {stderr}");
            assert!(
                stderr.starts_with(&format!("{binary}: ")),
                "{binary}: {stderr}"
            );
        }
    }
    let output = run("bitu-web", &bad, &[]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("ldap.servrs"));
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bitu-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn unreachable_service_is_one_clear_line() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.ldap.servers = vec![format!("ldap://127.0.0.1:{}", free_port())];
    let config = ctx.write_config_with(&settings);
    for binary in &["bitu-web", "bitu-rq", "bitu-blocksync", "bitu-expire"] {
        let output = run(binary, &config, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(!output.status.success());
        let last = stderr.trim().lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("{binary}: LDAP directory unavailable")),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"));
    }
}

#[tokio::test]
async fn one_shots_exit_zero_and_the_worker_stops_on_sigterm() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config();
    for binary in ["bitu-blocksync", "bitu-expire"] {
        let output = run(binary, &config, &[]);
        assert!(output.status.success(), "{binary}: {}", text(&output));
    }
    let mut worker = command("bitu-rq", &config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(worker.try_wait().unwrap().is_none(), "bitu-rq exited early");
    std::process::Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    let output = worker.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

#[tokio::test]
async fn bitu_migrate_and_check_config() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config();
    let output = run("bitu", &config, &["migrate"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("schema is current"));
    let output = run("bitu", &config, &["migrate", "--check"]);
    assert!(output.status.success(), "{}", text(&output));

    let output = run("bitu", &config, &["check-config"]);
    assert!(output.status.success(), "{}", text(&output));
    let bad = ctx.dir.path().join("bad.toml");
    std::fs::write(&bad, "[web]\nworkers = 0\n\n[ldap]\nservrs = []\n").unwrap();
    let output = run("bitu", &config, &["check-config", bad.to_str().unwrap()]);
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("bad.toml:2: web.workers: must be at least 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bad.toml:5: ldap.servrs: unknown key"),
        "{stdout}"
    );
}

#[tokio::test]
async fn bitu_web_refuses_a_schema_that_is_behind() {
    let ctx = TestContext::new().await;
    let name = format!("bitu_t_{}_empty", ctx.id);
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
    let mut settings = ctx.settings.clone();
    settings.database.url = format!("{}/{name}", ctx.env.database_url.trim_end_matches('/'));
    {
        use diesel_async::{AsyncConnection, AsyncMysqlConnection, SimpleAsyncConnection};
        let mut conn = AsyncMysqlConnection::establish(&ctx.env.database_url)
            .await
            .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
    }
    let output = run("bitu-web", &ctx.write_config_with(&settings), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    bitu_testkit::database::drop_database(&ctx.env.database_url, &name).await;
    assert!(!output.status.success());
    assert!(stderr.contains("run `bitu migrate`"), "{stderr}");
}
