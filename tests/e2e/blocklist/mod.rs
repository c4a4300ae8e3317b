//! Block lists end to end: bitu-blocksync imports Titleblacklist pages (two hand-made in the
//! real format and the Korean Wikipedia's real list, see tests/fixtures/blocklist/README.md)
//! and global blocks from a local fake of the wiki API, then `bitu blocklist` answers as the
//! on-call would use it.

pub mod bench;
pub mod fake_wiki;
mod ip_blocks;
mod php_delimiter;
mod registration_api;
mod titleblacklist;

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::Duration;

use bitu_core::Settings;
use bitu_core::config::{BlocklistSource, SourceKind};
use bitu_testkit::TestContext;
use bitu_testkit::process::{command, run};

use fake_wiki::{FakeWiki, Page};

pub const WIKITECH_PAGE: &str = "MediaWiki:Titleblacklist";
pub const META_PAGE: &str = "Title blacklist";

pub fn fixture(name: &str) -> String {
    let path = bitu_testkit::env::repo_root()
        .join("tests/fixtures/blocklist")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A wiki serving both fixture pages, and settings importing them as `wikitech` and `meta`.
pub async fn wiki_with_fixtures(ctx: &TestContext) -> (FakeWiki, Settings) {
    let wiki = FakeWiki::start().await;
    wiki.set_page(
        WIKITECH_PAGE,
        Page::Text(fixture("wikitech-titleblacklist.wikitext")),
    );
    wiki.set_page(
        META_PAGE,
        Page::Text(fixture("meta-title-blacklist.wikitext")),
    );
    let mut settings = ctx.settings.clone();
    let blocklist = &mut settings.blocklist;
    blocklist.retries = 2;
    blocklist.retry_backoff = Duration::from_millis(10);
    blocklist.timeout = Duration::from_secs(5);
    blocklist.reload_interval = Duration::ZERO;
    blocklist.contact = "https://idm.example.org/contact".into();
    blocklist.sources = vec![
        BlocklistSource {
            name: "wikitech".into(),
            api_url: wiki.api_url.clone(),
            page: WIKITECH_PAGE.into(),
            ..BlocklistSource::default()
        },
        BlocklistSource {
            name: "meta".into(),
            api_url: wiki.api_url.clone(),
            page: META_PAGE.into(),
            ..BlocklistSource::default()
        },
        BlocklistSource {
            name: "meta-ip".into(),
            kind: SourceKind::Globalblocks,
            api_url: wiki.api_url.clone(),
            enabled: false,
            page_size: 2,
            ..BlocklistSource::default()
        },
    ];
    (wiki, settings)
}

pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs the binary on a blocking thread, so the fake wiki keeps answering meanwhile.
pub async fn run_bin(name: &str, config: &std::path::Path, args: &[&str]) -> Output {
    let (name, config) = (name.to_string(), config.to_path_buf());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&name, &config, &args)
    })
    .await
    .unwrap()
}

/// `bitu blocklist check` with the names on stdin; one output line per name.
pub fn check_names(config: &std::path::Path, names: &[&str]) -> Vec<String> {
    let mut child = command("bitu", config)
        .args(["blocklist", "check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for name in names {
        writeln!(stdin, "{name}").unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    stdout(&output).lines().map(str::to_string).collect()
}
