//! `bitu block`: a block from the command line (no prompt with `--yes`), applied by bitu-rq,
//! and `--status` printing the state and the log.

use bitu_core::account::password::ssha;
use bitu_testkit::TestContext;

use super::support::{PASSWORD, can_bind, values};
use crate::jobs_support::{WorkerProcess, bitu, fast_settings, wait_until};

#[tokio::test]
async fn bitu_block_blocks_and_reports_the_status() {
    let ctx = TestContext::new().await;
    ctx.create_user("cleo", "Cleo Cli", &ssha(PASSWORD)).await;
    let mail = values(&ctx, "cleo", "mail").await;
    let config = ctx.write_config_with(&fast_settings(&ctx));
    let _worker = WorkerProcess::start(&config, &[]).await;
    let (ok, out) = bitu(
        &config,
        &[
            "block",
            "cleo",
            "--comment",
            "from the CLI",
            "--unset-email",
            "--yes",
        ],
    );
    assert!(ok, "{out}");
    wait_until(
        "the CLI's block applied",
        std::time::Duration::from_secs(30),
        || async { !can_bind(&ctx, "cleo").await },
    )
    .await;
    let (ok, out) = bitu(&config, &["block", "cleo", "--status"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("\"blocked\"") && out.contains("from the CLI"),
        "{out}"
    );
    let (ok, out) = bitu(&config, &["block", "cleo"]);
    assert!(!ok, "blocked without a comment: {out}");
    assert!(values(&ctx, "cleo", "mail").await.is_empty());

    let (ok, out) = bitu(
        &config,
        &[
            "block",
            "cleo",
            "--unblock",
            "--comment",
            "appeal",
            "--restore-email",
            "--yes",
        ],
    );
    assert!(ok, "{out}");
    wait_until(
        "the CLI's unblock applied",
        std::time::Duration::from_secs(30),
        || async { can_bind(&ctx, "cleo").await },
    )
    .await;
    wait_until(
        "the address restored",
        std::time::Duration::from_secs(30),
        || async { values(&ctx, "cleo", "mail").await == mail },
    )
    .await;
}
