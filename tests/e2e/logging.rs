//! `[logging]` as operators use it: debug for target `bitu` into a file, the rest unchanged.

use std::collections::BTreeMap;

use bitu_core::config::{HandlerKind, HandlerSettings, LoggerSettings};
use bitu_testkit::{TestContext, WebProcess};

#[tokio::test]
async fn debug_for_bitu_goes_to_its_file_and_not_to_the_console() {
    let ctx = TestContext::new().await;
    let debug_log = ctx.dir.path().join("bitu_debug.log");
    let mut settings = ctx.settings.clone();
    settings.logging.handlers.insert(
        "console".into(),
        HandlerSettings {
            kind: HandlerKind::Console,
            path: None,
            level: "info".into(),
        },
    );
    settings.logging.handlers.insert(
        "debugfile".into(),
        HandlerSettings {
            kind: HandlerKind::File,
            path: Some(debug_log.clone()),
            level: "debug".into(),
        },
    );
    settings.logging.loggers = BTreeMap::from([(
        "bitu".to_string(),
        LoggerSettings {
            level: "debug".into(),
            handlers: vec!["debugfile".into()],
            propagate: true,
        },
    )]);
    let mut web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    reqwest::get(web.url("/healthz")).await.unwrap();
    assert!(web.terminate().success());

    let file = std::fs::read_to_string(&debug_log).unwrap();
    assert!(
        file.contains("DEBUG"),
        "no debug lines in the file:\n{file}"
    );
    assert!(file.contains("bitu_core::directory"), "{file}");
    // Only `bitu*` targets reach the file: actix's own info lines stay out.
    for line in file.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.contains(" bitu"),
            "foreign target in debug file: {line}"
        );
    }
    let console = web.log();
    assert!(
        !console.contains("DEBUG"),
        "debug leaked to the console:\n{console}"
    );
    assert!(
        console.contains("INFO"),
        "console lost its info lines:\n{console}"
    );
}
