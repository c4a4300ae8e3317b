//! axe-core (the npm package pinned in tests/axe, installed by packaging/dev/test.sh with
//! `npm ci`) injected into the page in Chromium: any violation, of any impact, fails.

use std::sync::OnceLock;

use bitu_testkit::chrome::Chrome;

/// The axe-core script, read once.
fn script() -> &'static str {
    static SCRIPT: OnceLock<String> = OnceLock::new();
    SCRIPT.get_or_init(|| {
        let path =
            bitu_testkit::env::repo_root().join("tests/axe/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `npm ci --prefix tests/axe` (packaging/dev/test.sh does)",
                path.display()
            )
        })
    })
}

/// Runs axe on the page as it is now; panics listing every violation (rule, impact, where).
pub async fn assert_accessible(chrome: &Chrome, state: &str) {
    let loaded = chrome
        .client
        .execute("return typeof window.axe !== 'undefined';", vec![])
        .await
        .unwrap();
    if loaded != serde_json::json!(true) {
        chrome.client.execute(script(), vec![]).await.unwrap();
    }
    let result = chrome
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] })\
               .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,\
                   nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary) }))))\
               .catch(e => done([{ id: 'axe-error', impact: 'error', help: String(e), nodes: [] }]));",
            vec![],
        )
        .await
        .unwrap();
    let violations = result.as_array().cloned().unwrap_or_default();
    assert!(
        violations.is_empty(),
        "accessibility violations on {state}:\n{}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}

/// Panics if the page is wider than the window (it would scroll sideways).
pub async fn assert_no_horizontal_scroll(chrome: &Chrome, state: &str) {
    let widths = chrome
        .client
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (
        widths[0].as_i64().unwrap_or(0),
        widths[1].as_i64().unwrap_or(0),
    );
    assert!(
        scroll <= client,
        "{state} is {scroll} px wide in a {client} px window"
    );
}
