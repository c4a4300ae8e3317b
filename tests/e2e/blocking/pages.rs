//! The account manager's pages in Chromium, driven to the end with a real bitu-rq and the
//! local Gerrit/GitLab/Phabricator: search, the block form (comment, mail, keys), the log
//! filling in per system, the unblock form (keys and address restored by default); and a
//! system that is down shown as failed with its next try, completed by "retry now".

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{TestContext, WebProcess};
use fantoccini::Locator;
use serde_json::Value;

use super::fake_systems::{FakeSystems, Health};
use super::integrations::settings_with;
use super::support::{KEY, PASSWORD, can_bind, user_with_everything, values};
use crate::jobs_support::WorkerProcess;
use crate::ui::support::{click, sign_in, type_into, wait_for_path, wait_for_text};

/// The rows (system, state) of the newest action on the log page, as shown.
async fn newest_rows(chrome: &Chrome) -> Vec<(String, String)> {
    let rows = chrome
        .client
        .execute(
            "const s = document.querySelector('section.block-action');
             return s ? [...s.querySelectorAll('tbody tr')].map(r =>
                 [...r.querySelectorAll('td')].slice(0, 2).map(td => td.textContent.trim())) : [];",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value::<Vec<Vec<String>>>(rows)
        .unwrap()
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect()
}

/// Reloads the log page until `check` holds for the newest action's rows; returns them.
async fn wait_for_rows(
    chrome: &Chrome,
    what: &str,
    check: impl Fn(&[(String, String)]) -> bool,
) -> Vec<(String, String)> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rows = newest_rows(chrome).await;
        if check(&rows) {
            return rows;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the log still shows {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        chrome.client.refresh().await.unwrap();
    }
}

fn all_done(rows: &[(String, String)]) -> bool {
    rows.len() == 4 && rows.iter().all(|(_, state)| state == "done")
}

async fn is_checked(chrome: &Chrome, name: &str) -> Value {
    chrome
        .client
        .execute(
            &format!("return document.querySelector('input[name={name}]').checked;"),
            vec![],
        )
        .await
        .unwrap()
}

/// An account manager and an account with a key, a token and a session; the fakes and
/// bitu-rq running; Chromium signed in as the manager.
struct Scene {
    ctx: TestContext,
    fake: FakeSystems,
    web: WebProcess,
    _worker: WorkerProcess,
    chrome: Chrome,
}

async fn scene(uid: &str, cn: &str, tune: impl FnOnce(&mut bitu_core::Settings)) -> Scene {
    let mut ctx = TestContext::new().await;
    ctx.settings.authz.account_managers = vec!["amy".into()];
    ctx.create_user("amy", "Amy Accountmanager", &ssha(PASSWORD))
        .await;
    user_with_everything(&ctx, &ctx.services(), uid, cn).await;
    let fake = FakeSystems::start(uid, cn).await;
    let mut settings = settings_with(&ctx, &fake);
    tune(&mut settings);
    let config = ctx.write_config_with(&settings);
    let worker = WorkerProcess::start(&config, &[]).await;
    let web = WebProcess::start(&config).await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "amy", PASSWORD).await;
    Scene {
        ctx,
        fake,
        web,
        _worker: worker,
        chrome,
    }
}

/// Searches for `query` and opens the block form of `uid` from the results.
async fn block_through_the_form(s: &Scene, query: &str, uid: &str, comment: &str, all: bool) {
    let chrome = &s.chrome;
    chrome
        .client
        .goto(&s.web.url("/wikimedia/block/"))
        .await
        .unwrap();
    type_into(chrome, "q", query).await;
    click(
        chrome,
        "form[action='/wikimedia/block/'] button[type=submit]",
    )
    .await;
    wait_for_text(chrome, "<td>active</td>").await;
    click(chrome, &format!("a[href='/wikimedia/block/{uid}']")).await;
    wait_for_path(chrome, &format!("/wikimedia/block/{uid}")).await;
    let form = wait_for_text(chrome, "This blocks the account in:").await;
    for system in ["LDAP: binds fail", "Gerrit:", "GitLab:", "Phabricator:"] {
        assert!(form.contains(system), "{system} not in the warning: {form}");
    }
    type_into(chrome, "comment", comment).await;
    if all {
        click(chrome, "input[name=unset_email]").await;
        click(chrome, "input[name=keys]").await;
    }
    click(
        chrome,
        &format!("form[action='/wikimedia/block/{uid}'] button[type=submit]"),
    )
    .await;
    wait_for_path(chrome, &format!("/wikimedia/block/{uid}/log")).await;
}

#[tokio::test]
async fn a_manager_blocks_and_unblocks_through_the_pages_and_the_log_shows_each_system() {
    let s = scene("bea", "Bea Blocked", |_| {}).await;
    let (ctx, chrome) = (&s.ctx, &s.chrome);
    let mail = values(ctx, "bea", "mail").await;
    block_through_the_form(&s, "Bea B", "bea", "Spam across projects", true).await;
    let rows = wait_for_rows(chrome, "the block applied", all_done).await;
    let systems: Vec<&str> = rows.iter().map(|(system, _)| system.as_str()).collect();
    assert_eq!(systems, ["ldap", "gerrit", "gitlab", "phabricator"]);
    let page = chrome.client.source().await.unwrap();
    assert!(page.contains("Spam across projects") && page.contains("by amy"));
    assert!(page.contains(&format!("Email address removed: {}", mail[0])));
    assert!(!can_bind(ctx, "bea").await, "a blocked account still binds");
    assert!(values(ctx, "bea", "mail").await.is_empty());
    assert!(values(ctx, "bea", "sshPublicKey").await.is_empty());
    assert!(s.fake.is_blocked("gerrit", "bea"));
    assert!(s.fake.is_blocked("gitlab", "Bea Blocked"));
    assert!(s.fake.is_blocked("phabricator", "Bea Blocked"));

    // The search shows the block; the unblock form restores keys and address by default.
    chrome
        .client
        .goto(&s.web.url("/wikimedia/block/?q=bea"))
        .await
        .unwrap();
    wait_for_text(chrome, "blocked since").await;
    click(chrome, "a[href='/wikimedia/unblock/bea']").await;
    wait_for_path(chrome, "/wikimedia/unblock/bea").await;
    wait_for_text(chrome, &format!("block removed ({})", mail[0])).await;
    assert_eq!(is_checked(chrome, "keys").await, Value::Bool(true));
    assert_eq!(is_checked(chrome, "restore_email").await, Value::Bool(true));
    type_into(chrome, "comment", "Appeal granted").await;
    click(
        chrome,
        "form[action='/wikimedia/unblock/bea'] button[type=submit]",
    )
    .await;
    wait_for_path(chrome, "/wikimedia/block/bea/log").await;
    wait_for_rows(chrome, "the unblock applied", all_done).await;
    let page = wait_for_text(chrome, "Appeal granted").await;
    assert!(page.contains("unblock on"), "{page}");
    assert!(
        can_bind(ctx, "bea").await,
        "an unblocked account cannot bind"
    );
    assert_eq!(values(ctx, "bea", "mail").await, mail);
    let keys = values(ctx, "bea", "sshPublicKey").await;
    assert!(
        keys.len() == 1 && keys[0].starts_with(&KEY[..60]),
        "{keys:?}"
    );
    assert!(!s.fake.is_blocked("gerrit", "bea"));
    assert!(!s.fake.is_blocked("gitlab", "Bea Blocked"));
    assert!(!s.fake.is_blocked("phabricator", "Bea Blocked"));
    let found = chrome
        .client
        .find(Locator::Css("a[href='/wikimedia/block/bea']"))
        .await;
    assert!(found.is_ok(), "the log offers to block again");
    s.chrome.close().await;
}

#[tokio::test]
async fn a_system_down_shows_failed_with_its_next_try_and_retry_now_completes_it() {
    let s = scene("dan", "Dan Down", |settings| {
        // The worker's own next try is an hour away: only "retry now" can finish in time.
        settings.queue.backoff_base = Duration::from_secs(3600);
        settings.queue.backoff_max = Duration::from_secs(3600);
        settings.queue.max_attempts = 5;
    })
    .await;
    s.fake.set_health("gitlab", Health::Down);
    let chrome = &s.chrome;
    block_through_the_form(&s, "dan", "dan", "Abuse", false).await;
    let rows = wait_for_rows(chrome, "GitLab failed, the others done", |rows| {
        rows.len() == 4
            && rows
                .iter()
                .all(|(system, state)| system == "gitlab" || state == "done")
            && rows
                .iter()
                .any(|(system, state)| system == "gitlab" && state.starts_with("failed:"))
    })
    .await;
    let (_, gitlab) = rows.iter().find(|(system, _)| system == "gitlab").unwrap();
    assert!(
        gitlab.starts_with("failed: gitlab: HTTP 503") && gitlab.contains("(retrying at "),
        "{gitlab}"
    );
    let page = chrome.client.source().await.unwrap();
    assert!(page.contains("partially applied"), "{page}");
    assert!(!can_bind(&s.ctx, "dan").await);

    s.fake.set_health("gitlab", Health::Up);
    // Marks this document, so the wait below knows when the button's POST has landed.
    chrome
        .client
        .execute("window.beforeRetry = true;", vec![])
        .await
        .unwrap();
    click(chrome, "form[action$='/gitlab'] button[type=submit]").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while chrome
        .client
        .execute("return window.beforeRetry === true;", vec![])
        .await
        .unwrap_or(Value::Bool(true))
        == Value::Bool(true)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "retry now never answered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_for_rows(chrome, "GitLab done after retry now", all_done).await;
    let page = chrome.client.source().await.unwrap();
    assert!(!page.contains("partially applied"), "{page}");
    assert!(s.fake.is_blocked("gitlab", "Dan Down"));
    assert_eq!(s.fake.effects("gitlab").len(), 1);
    s.chrome.close().await;
}
