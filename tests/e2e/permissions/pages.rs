//! The group access pages in Chromium, driven to the end with bitu-web and bitu-rq: request,
//! the two-manager approval, rejection, cancelling, renewing and revoking from the members
//! page.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::TestContext;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::mailbox::Mail;

use super::support::{managed, posix_group, wait_membership};
use crate::authz::support::PASSWORD;
use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::ui::support::{click, sign_in, type_into, wait_for_path, wait_for_text};

/// Signs `uid` in with a fresh browser.
async fn browser_of(base: &str, uid: &str) -> Chrome {
    let chrome = Chrome::start().await;
    sign_in(&chrome, &format!("{base}/login/"), uid, PASSWORD).await;
    chrome
}

/// Asks for the group `cn` from the own page, with `comment`; returns the request id.
async fn request(chrome: &Chrome, base: &str, cn: &str, comment: &str) -> u64 {
    chrome
        .client
        .goto(&format!("{base}/permissions/my/"))
        .await
        .unwrap();
    click(chrome, &format!("a[href$='/{cn}']")).await;
    wait_for_text(chrome, &format!("Request access to {cn}")).await;
    type_into(chrome, "comment", comment).await;
    click(chrome, "form.form button[type=submit]").await;
    wait_for_text(chrome, "<h2>History</h2>").await;
    let url = chrome.client.current_url().await.unwrap();
    url.path()
        .trim_start_matches("/permissions/log/")
        .parse()
        .unwrap()
}

/// Decides request `id` from the manager's pending page.
async fn decide(chrome: &Chrome, base: &str, id: u64, decision: &str, comment: &str) {
    chrome
        .client
        .goto(&format!("{base}/permissions/pending/"))
        .await
        .unwrap();
    click(chrome, &format!("a[href='/permissions/approve/{id}']")).await;
    wait_for_text(chrome, "Approve</button>").await;
    type_into(chrome, "comment", comment).await;
    click(chrome, &format!("button[value={decision}]")).await;
    wait_for_path(chrome, "/permissions/pending/").await;
    let page = chrome.client.source().await.unwrap();
    assert!(
        !page.contains(&format!("/permissions/approve/{id}\"")),
        "a request one acted on stays off one's pending list"
    );
}

/// The state cell of request `id` on the requester's page.
async fn state_on_my_page(chrome: &Chrome, base: &str, id: u64) -> String {
    chrome
        .client
        .goto(&format!("{base}/permissions/my/"))
        .await
        .unwrap();
    chrome
        .client
        .find(fantoccini::Locator::Css(&format!("#request-{id} td.state")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Reloads my page until request `id` shows `expected`: bitu-rq marks a change applied only
/// after its LDAP write and mail, so the page may still say "(being applied)" for a moment.
async fn wait_state_on_my_page(chrome: &Chrome, base: &str, id: u64, expected: &str) {
    let started = std::time::Instant::now();
    loop {
        let state = state_on_my_page(chrome, base, id).await;
        if state == expected {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "request {id} shows {state:?}, not {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Waits for a mail to `to` whose subject contains `subject`.
async fn mail_to(ctx: &TestContext, to: &str, subject: &str) -> Mail {
    let started = std::time::Instant::now();
    loop {
        let mails = ctx.mailbox.messages_to(&ctx.mailbox.address(to));
        if let Some(mail) = mails.iter().find(|m| m.subject.contains(subject)) {
            return mail.clone();
        }
        let subjects: Vec<&String> = mails.iter().map(|m| &m.subject).collect();
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no {subject:?} mail to {to}: {subjects:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn request_approve_reject_cancel_renew_and_revoke_in_the_browser() {
    let mut ctx = TestContext::new().await;
    for uid in ["ursula", "vera", "gina", "hal"] {
        ctx.create_user(uid, &format!("{uid} Person"), &ssha(PASSWORD))
            .await;
    }
    let project = posix_group(&ctx, "project-x", "7301", "gina").await;
    let tools = posix_group(&ctx, "tools", "7302", "gina").await;
    let mut limited = managed(&tools, &["gina"], 1);
    limited.grant_for = Some(Duration::from_secs(180 * 24 * 3600));
    ctx.settings.permissions.groups = vec![managed(&project, &["gina", "hal"], 2), limited];
    let settings = fast_settings(&ctx);
    let _worker = WorkerProcess::start(&ctx.write_config_with(&settings), &[]).await;
    let web = ctx.start_web().await;
    let base = web.base_url.clone();

    // ursula asks; gina's approval keeps it pending, hal's approves it.
    let ursula = browser_of(&base, "ursula").await;
    let id = request(&ursula, &base, "project-x", "I work on project X").await;
    assert_eq!(state_on_my_page(&ursula, &base, id).await, "Pending");
    let gina = browser_of(&base, "gina").await;
    let pending = {
        gina.client
            .goto(&format!("{base}/permissions/pending/"))
            .await
            .unwrap();
        wait_for_text(&gina, "I work on project X").await
    };
    assert!(
        pending.contains(&ctx.mailbox.address("ursula")),
        "{pending}"
    );
    assert!(pending.contains("ursula Person"), "{pending}");
    decide(&gina, &base, id, "approve", "Fine by me").await;
    assert_eq!(state_on_my_page(&ursula, &base, id).await, "Pending");
    let hal = browser_of(&base, "hal").await;
    decide(&hal, &base, id, "approve", "Welcome aboard").await;
    wait_membership(&ctx, &project, "ursula", true).await;
    let approval = mail_to(&ctx, "ursula", "approved").await;
    assert!(approval.text.contains("Fine by me"), "{}", approval.text);
    assert!(
        approval.text.contains("Welcome aboard"),
        "{}",
        approval.text
    );
    assert!(
        state_on_my_page(&ursula, &base, id)
            .await
            .starts_with("Approved")
    );

    // vera asks and gina rejects; vera asks for tools and cancels.
    let vera = browser_of(&base, "vera").await;
    let rejected = request(&vera, &base, "project-x", "Me as well").await;
    decide(&gina, &base, rejected, "reject", "Not this one").await;
    assert_eq!(state_on_my_page(&vera, &base, rejected).await, "Rejected");
    let cancelled = request(&vera, &base, "tools", "Tools please").await;
    state_on_my_page(&vera, &base, cancelled).await;
    click(
        &vera,
        &format!("form[action='/permissions/cancel/{cancelled}'] button"),
    )
    .await;
    wait_for_path(&vera, "/permissions/my/").await;
    assert_eq!(state_on_my_page(&vera, &base, cancelled).await, "Cancelled");

    // ursula gets tools for a limited time, renews it, and loses it to a revocation.
    let granted = request(&ursula, &base, "tools", "Tools for a while").await;
    decide(&gina, &base, granted, "approve", "For 180 days").await;
    wait_membership(&ctx, &tools, "ursula", true).await;
    state_on_my_page(&ursula, &base, granted).await;
    type_into(&ursula, &format!("renew-comment-{granted}"), "Still needed").await;
    click(
        &ursula,
        &format!("form[action='/permissions/renew/{granted}'] button"),
    )
    .await;
    wait_for_text(&ursula, "<dt>Renews</dt>").await;
    let url = ursula.client.current_url().await.unwrap();
    let renewal: u64 = url
        .path()
        .trim_start_matches("/permissions/log/")
        .parse()
        .unwrap();
    decide(&gina, &base, renewal, "approve", "Another 180 days").await;
    assert!(
        state_on_my_page(&ursula, &base, renewal)
            .await
            .starts_with("Approved")
    );
    assert_eq!(state_on_my_page(&ursula, &base, granted).await, "Expired");
    wait_membership(&ctx, &tools, "ursula", true).await;
    gina.client
        .goto(&format!("{base}/permissions/members/ldap/tools"))
        .await
        .unwrap();
    wait_for_text(&gina, "member-ursula").await;
    type_into(
        &gina,
        &format!("revoke-comment-{renewal}"),
        "Tools are gone",
    )
    .await;
    click(
        &gina,
        &format!("form[action='/permissions/revoke/{renewal}'] button"),
    )
    .await;
    wait_for_path(&gina, "/permissions/members/ldap/tools").await;
    wait_membership(&ctx, &tools, "ursula", false).await;
    let revoked = mail_to(&ctx, "ursula", "revoked").await;
    assert!(revoked.text.contains("Tools are gone"), "{}", revoked.text);
    wait_state_on_my_page(&ursula, &base, renewal, "Revoked").await;
    for chrome in [ursula, gina, hal, vera] {
        chrome.close().await;
    }
}
