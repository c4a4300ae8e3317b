//! An import stopped half-way (after a few committed batches, as a killed run would be) and
//! started again ends exactly where an uninterrupted import ends.

use bitu_core::import_django::STOP_AFTER_BATCHES_ENV;
use bitu_testkit::{TestContext, process};

use super::fixture::{legacy_database, settings_for};
use super::import::{counts, snapshot};
use crate::jobs_support::bitu;

#[tokio::test]
async fn an_interrupted_import_resumes_to_the_same_state() {
    // The reference: one uninterrupted run.
    let whole = TestContext::new().await;
    let whole_legacy = legacy_database(&whole).await;
    let config = whole.write_config_with(&settings_for(&whole));
    let (ok, out) = bitu(&config, &["import-django", "--from", &whole_legacy.url]);
    assert!(ok, "{out}");
    // Each test has its own groups subtree: compare the rest.
    let expected: Vec<String> = snapshot(&whole.settings.database.url, false)
        .await
        .iter()
        .map(|l| l.replace(&whole.settings.ldap.groups_dn, "GROUPS"))
        .collect();

    let ctx = TestContext::new().await;
    let legacy = legacy_database(&ctx).await;
    let config = ctx.write_config_with(&settings_for(&ctx));
    let args = [
        "import-django",
        "--from",
        legacy.url.as_str(),
        "--batch-size",
        "1",
    ];
    // Stopped after 7 one-row batches: inside the block list, sign-ups done.
    let output = process::command("bitu", &config)
        .args(args)
        .env(STOP_AFTER_BATCHES_ENV, "7")
        .output()
        .unwrap();
    let stopped = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stopped}");
    assert!(stopped.contains("stopped after 7 batches"), "{stopped}");
    assert!(
        stopped.contains("run the import again to resume"),
        "{stopped}"
    );
    let partial = snapshot(&ctx.settings.database.url, false).await;
    assert_ne!(partial, expected);
    assert_eq!(
        partial.iter().filter(|l| l.starts_with("map|")).count(),
        3,
        "{partial:?}"
    );

    let (ok, resumed) = bitu(&config, &args);
    assert!(ok, "{resumed}");
    let report = counts(&resumed);
    assert!(
        report.contains(&"signups_signup\t6\t0\t2\t4".to_string()),
        "{resumed}"
    );
    let resumed: Vec<String> = snapshot(&ctx.settings.database.url, false)
        .await
        .iter()
        .map(|l| l.replace(&ctx.settings.ldap.groups_dn, "GROUPS"))
        .collect();
    assert_eq!(resumed, expected);
}
