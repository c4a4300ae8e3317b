//! Entries PHP cannot run: MediaWiki wraps each in `/^(?:…)$/usi`, so an unescaped `/` ends
//! the pattern and the entry never matches there. Bitu skips it, saying why.

use bitu_testkit::TestContext;

use super::fake_wiki::Page;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_with_an_unescaped_slash_is_skipped_with_the_reason() {
    let ctx = TestContext::new().await;
    let (wiki, mut settings) = wiki_with_fixtures(&ctx).await;
    wiki.set_page(
        WIKITECH_PAGE,
        Page::Text("# entries\n.*troll[^/]*\n.*vandal\\/.*\nUser:Grawp.*\n".into()),
    );
    settings.blocklist.sources.truncate(1);
    let config = ctx.write_config_with(&settings);
    let output = run_bin("bitu-blocksync", &config, &[]).await;
    assert!(output.status.success(), "{}", text(&output));
    let report = stdout(&output);
    assert!(
        report.contains("wikitech: skipped line 2: .*troll[^/]*: unescaped / at byte"),
        "{report}"
    );
    assert!(report.contains("wikitech: 2 added"), "{report}");

    // MediaWiki lets Trollface through: the entry that would refuse it never runs there.
    let lines = check_names(&config, &["Trollface", "Grawp the vandal"]);
    assert_eq!(lines[0], "Trollface\tOK");
    assert!(
        lines[1].starts_with("Grawp the vandal\tBLOCKED\twikitech\t4\t"),
        "{lines:?}"
    );

    // Nor can such an entry be added by hand.
    let output = run_bin("bitu", &config, &["blocklist", "add", "User:AC/DC.*"]).await;
    assert!(!output.status.success());
    assert!(text(&output).contains("unescaped /"), "{}", text(&output));
}
