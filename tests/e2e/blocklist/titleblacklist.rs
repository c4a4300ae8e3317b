//! Titleblacklist imports and the names they refuse.

use std::time::Duration;

use bitu_core::blocklist::{Blocklist, parse_line, store};
use bitu_core::db;
use bitu_testkit::TestContext;

use super::fake_wiki::Page;
use super::*;

/// Names and what MediaWiki does with them under the two fixture pages: `origin:line` of
/// the entry reported, or OK. Entries are ordered by origin, so `meta` wins over `wikitech`.
const TABLE: &[(&str, &str)] = &[
    ("Holger Drachmann", "OK"),
    ("Alice Example", "OK"),
    ("Root", "wikitech:6"),
    ("root", "wikitech:6"),
    ("Rooted", "OK"),
    ("Admin Bob", "wikitech:6"),
    ("Administrators", "OK"),
    ("Steward", "meta:19"),
    ("steward", "meta:19"),
    ("Stewards", "OK"),
    ("My toolforge admin", "wikitech:7"),
    ("Jane WMF", "wikitech:8"),
    ("Jane wmf", "OK"),
    ("Jane (WMF)", "wikitech:8"),
    ("Bob (wmf)", "meta:45"),
    ("Cloud-Team", "wikitech:9"),
    ("Cloudy", "OK"),
    ("Wikimedia Staff", "meta:17"),
    ("Wikipedia Ops", "wikitech:10"),
    ("Nagios-bot", "wikitech:11"),
    ("Puppetmaster", "wikitech:12"),
    ("Www-data", "wikitech:15"),
    ("nobody", "wikitech:15"),
    ("Systemd-resolve", "wikitech:15"),
    ("Tools.mytool", "wikitech:16"),
    ("12345", "wikitech:17"),
    ("Test", "wikitech:20"),
    ("Test user 5", "wikitech:20"),
    ("Testament", "OK"),
    ("Qwasdf", "wikitech:21"),
    ("Grawp", "meta:31"),
    ("GRAWP", "meta:31"),
    ("Gr4wp", "meta:31"),
    ("The hagger", "meta:32"),
    ("HAGGER", "meta:32"),
    // MediaWiki cannot create these names, so the block list is never asked about them.
    ("H@gger", "INVALID"),
    ("Zzzzzzzzzzzz", "meta:33"),
    ("Zzzzzzzzz", "OK"),
    ("Jimbo Wales", "meta:18"),
    ("JimboWales fan", "meta:18"),
    ("Checkusers", "meta:20"),
    ("Ｊａｎｅ", "meta:23"),
    ("Jane\u{200B}Doe", "INVALID"),
    ("Jane\u{2060}Doe", "meta:24"),
    ("Jane\u{200E}Doe", "OK"),
    ("Jane\u{2003}Doe", "OK"),
    ("Jane\u{E000}", "INVALID"),
    ("\u{1D400}dmin", "meta:26"),
    ("Hey!!!!!", "meta:27"),
    ("Hey!!!!", "OK"),
    ("李Иван", "meta:28"),
    ("Иван李", "OK"),
    ("Abcabcabcabc", "meta:34"),
    ("Encyclopedia is dead", "meta:35"),
    ("Wikipedia is dead", "OK"),
    ("Spam", "meta:36"),
    ("Spam bot", "meta:36"),
    ("Spambot", "OK"),
    ("Antispam", "OK"),
    ("Spammer123456", "OK"),
    ("Trolll", "meta:38"),
    ("XTrolll", "meta:38"),
    ("Xtrolll", "OK"),
    ("Sock puppet 2", "meta:39"),
    ("Vandal", "OK"),
    ("Wordy", "OK"),
    ("Literal", "OK"),
    ("Very bad", "OK"),
    ("Help", "OK"),
    ("Nova Resource test", "OK"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_pages_refuse_the_names_mediawiki_refuses() {
    let ctx = TestContext::new().await;
    let (wiki, settings) = wiki_with_fixtures(&ctx).await;
    let config = ctx.write_config_with(&settings);
    let output = run_bin("bitu-blocksync", &config, &[]).await;
    assert!(output.status.success(), "{}", text(&output));
    let report = stdout(&output);
    // Every entry line is stored or reported skipped with a reason.
    assert!(
        report.contains("wikitech: 17 added, 0 removed, 0 kept"),
        "{report}"
    );
    assert!(
        report.contains("meta: 22 added, 0 removed, 0 kept"),
        "{report}"
    );
    // Line 44 (`Main Page/.*`) has an unescaped `/`: PHP cannot run it, so neither does Bitu.
    for line in [44, 48, 49, 50, 51, 52] {
        let prefix = format!("meta: skipped line {line}: ");
        let skipped = report.lines().find(|l| l.starts_with(&prefix));
        let skipped = skipped.unwrap_or_else(|| panic!("line {line} not reported: {report}"));
        assert!(skipped.len() > prefix.len() + 10, "no reason: {skipped}");
    }
    // Wikimedia's API etiquette: raw wikitext of the main slot, maxlag, a contact.
    let requests = wiki.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.params["rvslots"], "main");
        assert_eq!(request.params["rvprop"], "content");
        assert_eq!(request.params["maxlag"], "5");
        assert!(request.user_agent.starts_with("Bitu-blocksync/"));
        assert!(
            request
                .user_agent
                .contains("https://idm.example.org/contact")
        );
    }

    let names: Vec<&str> = TABLE.iter().map(|(name, _)| *name).collect();
    let lines = check_names(&config, &names);
    assert_eq!(lines.len(), TABLE.len(), "{lines:?}");
    let mut wrong = Vec::new();
    for ((name, expected), line) in TABLE.iter().zip(&lines) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields[0], *name);
        let got = match fields[1] {
            "OK" => "OK".to_string(),
            "INVALID" => "INVALID".to_string(),
            "BLOCKED" => format!("{}:{}", fields[2], fields[3]),
            other => panic!("bad status {other}"),
        };
        if got != *expected {
            wrong.push(format!("{name:?}: expected {expected}, got {line}"));
        }
    }
    assert!(TABLE.len() >= 60);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Names on the command line work too, and the pattern is given as written.
    let output = run("bitu", &config, &["blocklist", "check", "Root", "Alice"]);
    assert_eq!(
        stdout(&output),
        "Root\tBLOCKED\twikitech\t6\tUser:(Root|Admin|Administrator|Sysop|Steward|Webmaster)( .*)?\n\
         Alice\tOK\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_entries_go_after_seven_days_and_a_failing_source_keeps_its_own() {
    let ctx = TestContext::new().await;
    let (wiki, settings) = wiki_with_fixtures(&ctx).await;
    let config = ctx.write_config_with(&settings);
    assert!(
        run_bin("bitu-blocksync", &config, &[])
            .await
            .status
            .success()
    );

    // The page loses its Nagios line and gains one.
    let page = fixture("wikitech-titleblacklist.wikitext").replace(
        "User:Nagios.* <newaccountonly>\n",
        "User:Icinga.* <newaccountonly>\n",
    );
    wiki.set_page(WIKITECH_PAGE, Page::Text(page));
    let dry = run_bin(
        "bitu-blocksync",
        &config,
        &["--dry-run", "--source", "wikitech"],
    )
    .await;
    assert!(dry.status.success(), "{}", text(&dry));
    let report = stdout(&dry);
    assert!(
        report.contains("+ wikitech:11\tUser:Icinga.*\tnewaccountonly"),
        "{report}"
    );
    assert!(
        report.contains("1 added, 0 removed, 16 kept (0 moved), 1 absent"),
        "{report}"
    );
    assert_eq!(check_names(&config, &["Icinga"]), ["Icinga\tOK"]);

    // Gone from the page but within the grace period: still refused.
    assert!(
        run_bin("bitu-blocksync", &config, &[])
            .await
            .status
            .success()
    );
    assert_eq!(
        check_names(&config, &["Nagios", "Icinga"]),
        [
            "Nagios\tBLOCKED\twikitech\t11\tUser:Nagios.*",
            "Icinga\tBLOCKED\twikitech\t11\tUser:Icinga.*"
        ]
    );
    // Eight days on (injected clock), the unseen entry is deleted.
    let later = (chrono::Utc::now() + chrono::Duration::days(8)).to_rfc3339();
    let output = run_bin("bitu-blocksync", &config, &["--now", &later]).await;
    assert!(
        stdout(&output).contains("wikitech: 0 added, 1 removed, 17 kept"),
        "{}",
        text(&output)
    );
    assert_eq!(check_names(&config, &["Nagios"]), ["Nagios\tOK"]);

    // meta breaks: the run fails naming it, meta keeps its entries, wikitech still imports.
    wiki.set_page(META_PAGE, Page::Broken);
    wiki.set_page(
        WIKITECH_PAGE,
        Page::Text(fixture("wikitech-titleblacklist.wikitext")),
    );
    let output = run_bin("bitu-blocksync", &config, &[]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("1 source(s) failed") && stderr.contains("meta"),
        "{stderr}"
    );
    assert!(
        stdout(&output).contains("meta: FAILED: "),
        "{}",
        text(&output)
    );
    assert!(
        stdout(&output).contains("wikitech: 1 added"),
        "{}",
        text(&output)
    );
    assert_eq!(
        check_names(&config, &["Grawp", "Nagios"]),
        [
            "Grawp\tBLOCKED\tmeta\t31\t.*[Gg]r[a4]wp.*",
            "Nagios\tBLOCKED\twikitech\t11\tUser:Nagios.*"
        ]
    );
    // A page that does not exist is a failure too, not an empty list.
    wiki.set_page(META_PAGE, Page::Missing);
    let output = run_bin("bitu-blocksync", &config, &["--source", "meta"]).await;
    assert!(!output.status.success());
    assert!(
        stdout(&output).contains("does not exist"),
        "{}",
        text(&output)
    );
    assert_eq!(check_names(&config, &["Grawp"]).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_and_lag_are_retried_and_two_runs_never_overlap() {
    let ctx = TestContext::new().await;
    let (wiki, settings) = wiki_with_fixtures(&ctx).await;
    let config = ctx.write_config_with(&settings);
    {
        let mut state = wiki.state.lock().unwrap();
        state.fail_next = 1;
        state.lag_next = 1;
    }
    let output = run_bin("bitu-blocksync", &config, &["--source", "wikitech"]).await;
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(wiki.requests().len(), 3);

    // Another run holds the lock: this one does nothing and says so.
    let pool = db::build_pool(&settings.database).unwrap();
    let mut holder = db::conn(&pool).await.unwrap();
    let name = bitu_core::blocklist::LOCK_NAME;
    assert!(
        db::lock::acquire(&mut holder, name, Duration::ZERO)
            .await
            .unwrap()
    );
    let output = run_bin("bitu-blocksync", &config, &["--source", "meta"]).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(stdout(&output).contains("holds the lock; nothing done"));
    assert_eq!(
        check_names(&config, &["Grawp"]),
        ["Grawp\tBLOCKED\twikitech\t24\t.*[Gg][Rr][Aa][Ww][Pp].*"]
    );
    db::lock::release(&mut holder, name).await.unwrap();
    let output = run_bin("bitu-blocksync", &config, &["--source", "meta"]).await;
    assert!(
        stdout(&output).contains("meta: 22 added"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_entries_are_added_listed_checked_and_removed() {
    let ctx = TestContext::new().await;
    let config = ctx.write_config();
    let output = run(
        "bitu",
        &config,
        &[
            "blocklist",
            "add",
            ".*spammer.* <casesensitive>",
            "--comment",
            "T123",
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    let again = run(
        "bitu",
        &config,
        &["blocklist", "add", ".*spammer.* <casesensitive>"],
    );
    assert!(stdout(&again).starts_with("already there"));
    let bad = run("bitu", &config, &["blocklist", "add", ".*(oops.*"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".*(oops.*: "));

    let list = stdout(&run("bitu", &config, &["blocklist", "list"]));
    let fields: Vec<&str> = list.trim_end().split('\t').collect();
    assert_eq!(
        &fields[1..6],
        ["manual", "-", ".*spammer.*", "casesensitive", "T123"]
    );
    assert_eq!(
        check_names(&config, &["Big spammer", "Spammer"]),
        [
            "Big spammer\tBLOCKED\tmanual\t-\t.*spammer.*",
            "Spammer\tOK"
        ]
    );
    let output = run("bitu", &config, &["blocklist", "remove", "--id", fields[0]]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(check_names(&config, &["Big spammer"]), ["Big spammer\tOK"]);
    assert!(
        !run("bitu", &config, &["blocklist", "remove", "nothing"])
            .status
            .success()
    );
}

#[tokio::test]
async fn a_running_daemon_reloads_only_when_the_entries_change() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.blocklist.clone();
    settings.reload_interval = Duration::ZERO;
    let pool = db::build_pool(&ctx.settings.database).unwrap();
    let blocklist = Blocklist::new(pool.clone(), &settings);
    assert_eq!(blocklist.check("Holger").await.unwrap(), None);
    let first = blocklist.matcher().await.unwrap();
    assert!(std::sync::Arc::ptr_eq(
        &first,
        &blocklist.matcher().await.unwrap()
    ));

    let mut conn = db::conn(&pool).await.unwrap();
    let now = chrono::Utc::now().naive_utc();
    let parsed = parse_line("User:Holger.*").unwrap();
    assert!(store::add_manual(&mut conn, &parsed, now).await.unwrap());
    let found = blocklist.check("Holger").await.unwrap().unwrap();
    assert_eq!((found.origin.as_str(), found.line), ("manual", None));
    assert!(!std::sync::Arc::ptr_eq(
        &first,
        &blocklist.matcher().await.unwrap()
    ));
}

/// The Korean Wikipedia's real list (tests/fixtures/blocklist/README.md) and what MediaWiki
/// does with these names under it: every pattern runs `/usi`, so `(\ba|A)` matches any `a`.
const KOWIKI_TABLE: &[(&str, &str)] = &[
    ("Kim Minsu", "OK"),
    ("Admin Kim", "kowiki:26"),
    ("Badminton Fan", "kowiki:26"),
    ("Sysop Lee", "kowiki:27"),
    ("Moderator Park", "kowiki:28"),
    ("Arbitrator", "kowiki:29"),
    ("CheckUser Fan", "kowiki:30"),
    ("Hey?!?!", "kowiki:36"),
    ("Hey!!!!", "OK"),
    ("Hey ! ?", "kowiki:38"),
    ("Hey!!!!!!", "kowiki:42"),
    ("Loooooooooooong", "kowiki:44"),
    ("Looooong", "OK"),
    ("Abcdefghijklmnopqrstuvwxyz Bcdefghi", "kowiki:45"),
    ("Abcdefghijklmnopqrstuvwxyz Bcdefgh", "OK"),
    ("127.0.0.1", "INVALID"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_list_kowiki_refuses_what_mediawiki_refuses() {
    let ctx = TestContext::new().await;
    let (wiki, mut settings) = wiki_with_fixtures(&ctx).await;
    wiki.set_page(
        WIKITECH_PAGE,
        Page::Text(fixture("kowiki-titleblacklist.wikitext")),
    );
    settings.blocklist.sources.truncate(1);
    settings.blocklist.sources[0].name = "kowiki".into();
    let config = ctx.write_config_with(&settings);
    let output = run_bin("bitu-blocksync", &config, &[]).await;
    assert!(output.status.success(), "{}", text(&output));
    let report = stdout(&output);
    // All 24 entry lines are read by an engine; none is skipped.
    assert!(
        report.contains("kowiki: 24 added, 0 removed, 0 kept"),
        "{report}"
    );
    assert!(!report.contains("skipped line"), "{report}");

    let names: Vec<&str> = KOWIKI_TABLE.iter().map(|(name, _)| *name).collect();
    let lines = check_names(&config, &names);
    let mut wrong = Vec::new();
    for ((name, expected), line) in KOWIKI_TABLE.iter().zip(&lines) {
        let fields: Vec<&str> = line.split('\t').collect();
        let got = match fields[1] {
            "OK" => "OK".to_string(),
            "INVALID" => "INVALID".to_string(),
            _ => format!("{}:{}", fields[2], fields[3]),
        };
        if got != *expected {
            wrong.push(format!("{name:?}: expected {expected}, got {line}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
