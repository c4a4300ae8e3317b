//! Password reset, forgotten username and address change, mailed through the real bitu-rq.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext, WebProcess};

use crate::jobs_support::{WorkerProcess, fast_settings};

const PASSWORD: &str = "Amber-Falcon-Orchard-19";
const NEW_PASSWORD: &str = "Silent-Harbor-Violet-33";

fn link_path(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

struct Setup {
    ctx: TestContext,
    web: WebProcess,
    _worker: WorkerProcess,
}

async fn setup() -> Setup {
    let ctx = TestContext::new().await;
    let config = ctx.write_config_with(&fast_settings(&ctx));
    let web = WebProcess::start(&config).await;
    let worker = WorkerProcess::start(&config, &[]).await;
    Setup {
        ctx,
        web,
        _worker: worker,
    }
}

#[tokio::test]
async fn reset_links_work_once_and_die_with_any_change_of_the_entry() {
    let Setup { ctx, web, _worker } = setup().await;
    ctx.create_user("rita", "Rita Reset", &ssha(PASSWORD)).await;
    let browser = Browser::new(&web.base_url);

    // Known and unknown names: the same page, about the same time.
    let mut pages = Vec::new();
    for name in ["Rita Reset", "Nobody Known"] {
        let started = Instant::now();
        let response = browser.post_form("/password/reset/", &[("cn", name)]).await;
        pages.push((started.elapsed(), body(response).await));
    }
    assert_eq!(pages[0].1, pages[1].1);
    assert!(pages[0].0.abs_diff(pages[1].0) < Duration::from_millis(150));
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        ctx.mailbox.messages().len(),
        1,
        "a mail for an unknown name"
    );
    let first = link_path(&mails[0].text, "/password/reset/rita/");

    // A second link, then any change of the entry: both old links die.
    browser
        .post_form("/password/reset/", &[("cn", "rita reset")])
        .await;
    let mails = ctx.mailbox.wait_for(2, Duration::from_secs(20)).await;
    let second = link_path(&mails[1].text, "/password/reset/rita/");
    let mut admin = ctx.ldap_admin().await;
    admin
        .modify(
            &format!("uid=rita,{}", ctx.settings.ldap.users_dn),
            vec![ldap3::Mod::Replace(
                "loginShell",
                HashSet::from(["/bin/zsh"]),
            )],
        )
        .await
        .unwrap();
    for dead in [&first, &second] {
        let visitor = Browser::new(&web.base_url);
        assert_eq!(visitor.get(dead).await.status().as_u16(), 303);
        let page = visitor.get("/password/reset/set/").await;
        assert_eq!(page.status().as_u16(), 400, "{dead} still works");
    }

    // A fresh link sets the password once; afterwards it is dead too.
    browser
        .post_form("/password/reset/", &[("cn", "Rita Reset")])
        .await;
    let mails = ctx.mailbox.wait_for(3, Duration::from_secs(20)).await;
    let third = link_path(&mails[2].text, "/password/reset/rita/");
    let signed_in = Browser::new(&web.base_url);
    signed_in.sign_in("rita", PASSWORD).await;
    let visitor = Browser::new(&web.base_url);
    visitor.get(&third).await;
    let form = body(visitor.get("/password/reset/set/").await).await;
    assert!(form.contains("Choose a new password"), "{form}");
    let weak = visitor
        .post_form(
            "/password/reset/set/",
            &[("new_password", "short"), ("new_password_again", "short")],
        )
        .await;
    assert!(body(weak).await.contains("too short"));
    let done = visitor
        .post_form(
            "/password/reset/set/",
            &[
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert!(body(done).await.contains("Your new password is set"));
    Browser::new(&web.base_url)
        .sign_in("rita", NEW_PASSWORD)
        .await;
    assert_eq!(
        signed_in.get("/account/").await.status().as_u16(),
        302,
        "other sessions end"
    );
    let reuse = Browser::new(&web.base_url);
    reuse.get(&third).await;
    assert_eq!(
        reuse.get("/password/reset/set/").await.status().as_u16(),
        400
    );
}

#[tokio::test]
async fn expired_reset_links_and_blocked_accounts_get_nothing() {
    let ctx = TestContext::new().await;
    let mut settings = fast_settings(&ctx);
    settings.account.reset_link_lifetime = Duration::from_secs(1);
    let config = ctx.write_config_with(&settings);
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;
    ctx.create_user("eve", "Eve Expire", &ssha(PASSWORD)).await;
    let blocked_dn = ctx.create_user("bea", "Bea Blocked", &ssha(PASSWORD)).await;
    let mut admin = ctx.ldap_admin().await;
    let policy = ctx.settings.ldap.ppolicy_dn.clone();
    admin
        .modify(
            &blocked_dn,
            vec![
                ldap3::Mod::Add("pwdPolicySubentry", HashSet::from([policy.as_str()])),
                ldap3::Mod::Add("pwdAccountLockedTime", HashSet::from(["000001010000Z"])),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let browser = Browser::new(&web.base_url);
    browser
        .post_form("/password/reset/", &[("cn", "Bea Blocked")])
        .await;
    browser
        .post_form("/password/reset/", &[("cn", "Eve Expire")])
        .await;
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        ctx.mailbox.messages().len(),
        1,
        "the blocked account got a reset mail"
    );
    assert!(mails[0].to[0].starts_with("eve."));
    let path = link_path(&mails[0].text, "/password/reset/eve/");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser.get(&path).await;
    assert_eq!(
        browser.get("/password/reset/set/").await.status().as_u16(),
        400
    );
}

#[tokio::test]
async fn forgotten_usernames_are_mailed_to_the_address_only() {
    let Setup { ctx, web, _worker } = setup().await;
    ctx.create_user("una", "Una Username", &ssha(PASSWORD))
        .await;
    let address = ctx.mailbox.address("una");
    let browser = Browser::new(&web.base_url);
    let known = body(
        browser
            .post_form("/username/", &[("email", &address)])
            .await,
    )
    .await;
    let unknown_address = ctx.mailbox.address("nobody");
    let unknown = body(
        browser
            .post_form("/username/", &[("email", &unknown_address)])
            .await,
    )
    .await;
    assert_eq!(known, unknown);
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(ctx.mailbox.messages().len(), 1);
    assert!(
        mails[0]
            .text
            .contains("developer account name: Una Username")
    );
    assert!(mails[0].text.contains("shell username: una"));
}

#[tokio::test]
async fn email_change_needs_the_same_user_once_and_notifies_the_old_address() {
    let Setup { ctx, web, _worker } = setup().await;
    ctx.create_user("emil", "Emil Mail", &ssha(PASSWORD)).await;
    ctx.create_user("other", "Other User", &ssha(PASSWORD))
        .await;
    let old = ctx.mailbox.address("emil");
    let new = ctx.mailbox.address("emil-new");
    let browser = Browser::new(&web.base_url);
    browser.sign_in("emil", PASSWORD).await;

    let refused = body(
        browser
            .post_form(
                "/account/email/",
                &[
                    ("email", "not an address"),
                    ("email_again", "not an address"),
                ],
            )
            .await,
    )
    .await;
    assert!(refused.contains("valid email"));
    let taken = ctx.mailbox.address("other");
    let refused = body(
        browser
            .post_form(
                "/account/email/",
                &[("email", &taken), ("email_again", &taken)],
            )
            .await,
    )
    .await;
    assert!(refused.contains("already used"));

    // The current password is asked again; a wrong one sends nothing.
    let refused = body(
        browser
            .post_form(
                "/account/email/",
                &[
                    ("email", &new),
                    ("email_again", &new),
                    ("current_password", "not-the-password"),
                ],
            )
            .await,
    )
    .await;
    assert!(
        refused.contains("current password is not right"),
        "{refused}"
    );

    let sent = body(
        browser
            .post_form(
                "/account/email/",
                &[
                    ("email", &new),
                    ("email_again", &new),
                    ("current_password", PASSWORD),
                ],
            )
            .await,
    )
    .await;
    assert!(sent.contains("We have sent a link"));
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(mails[0].to, vec![new.clone()]);
    let path = link_path(&mails[0].text, "/account/email/confirm/");

    // Another signed-in user cannot use it; nor can someone signed out.
    let mallory = Browser::new(&web.base_url);
    mallory.sign_in("other", PASSWORD).await;
    assert_eq!(mallory.get(&path).await.status().as_u16(), 400);
    assert_eq!(
        Browser::new(&web.base_url)
            .get(&path)
            .await
            .status()
            .as_u16(),
        302
    );

    let confirm = body(browser.get(&path).await).await;
    assert!(confirm.contains("Use this address"), "{confirm}");
    let form_values: Vec<(String, String)> =
        url::form_urlencoded::parse(path.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let fields: Vec<(&str, &str)> = form_values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = browser.post_form("/account/email/confirm/", &fields).await;
    assert_eq!(done.status().as_u16(), 303);
    let page = body(browser.get("/account/").await).await;
    assert!(page.contains(&new), "account page shows the new address");
    let notices = ctx.mailbox.wait_for(2, Duration::from_secs(20)).await;
    let notice = notices
        .iter()
        .find(|m| m.to == vec![old.clone()])
        .expect("notice to the old address");
    assert!(notice.text.contains("was changed"));

    // Once only: the address changed, so the link no longer matches the entry.
    assert_eq!(browser.get(&path).await.status().as_u16(), 400);
    let again = browser.post_form("/account/email/confirm/", &fields).await;
    assert_eq!(again.status().as_u16(), 400);
}
