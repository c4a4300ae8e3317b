//! Every state-changing action of the web UI leaves exactly one audit row, naming the actor,
//! the target and the client, and the account page lists the user's own rows.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::audit::Action;
use bitu_testkit::{Browser, TestContext, WebProcess};

use super::{all_rows, rows_of};
use crate::jobs_support::{WorkerProcess, fast_settings};
use crate::keys::support::{add_by_form, keygen, listed};
use crate::signup::{activation_path, sign_up};

const PASSWORD: &str = "Amber-Falcon-Orchard-19";
const NEW_PASSWORD: &str = "Silent-Harbor-Violet-33";
const RESET_PASSWORD: &str = "Crimson-Meadow-Lantern-57";

fn link_path(text: &str, marker: &str) -> String {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// Asserts that `action` left exactly one row, by `actor_kind`, about `target`.
async fn one_row(ctx: &TestContext, action: Action, actor_kind: &str, target: &str) {
    let rows = rows_of(ctx, action.as_str()).await;
    assert_eq!(rows.len(), 1, "{action}: {rows:#?}");
    let row = &rows[0];
    assert_eq!(row.actor_kind, actor_kind, "{action}: {row:#?}");
    assert_eq!(row.target, target, "{action}: {row:#?}");
    assert_eq!(row.outcome, "success");
    assert_eq!(row.client_address.as_deref(), Some("127.0.0.1"), "{action}");
}

#[tokio::test]
async fn every_change_leaves_exactly_one_row() {
    let ctx = TestContext::new().await;
    ctx.create_user("audra", "Audra Audit", &ssha(PASSWORD))
        .await;
    let config = ctx.write_config_with(&fast_settings(&ctx));
    let web = WebProcess::start(&config).await;
    let _worker = WorkerProcess::start(&config, &[]).await;

    // Sign-up and activation, by an anonymous visitor, then by the link's holder.
    let visitor = Browser::new(&web.base_url);
    let email = ctx.mailbox.address("newbie");
    let response = sign_up(&ctx, &visitor, "Newbie Dev", "newbie", &email, PASSWORD).await;
    assert_eq!(response.status().as_u16(), 303);
    one_row(&ctx, Action::SignupCreate, "anonymous", "newbie").await;
    let mails = ctx.mailbox.wait_for(1, Duration::from_secs(20)).await;
    visitor.get(&activation_path(&mails[0].text)).await;
    let response = visitor.post_form("/signup/activate/", &[]).await;
    assert_eq!(response.status().as_u16(), 200);
    one_row(&ctx, Action::SignupActivate, "link", "newbie").await;

    let browser = Browser::new(&web.base_url);
    browser.sign_in("audra", PASSWORD).await;

    let response = browser
        .post_form(
            "/account/password/",
            &[
                ("old_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    one_row(&ctx, Action::PasswordChange, "session", "audra").await;

    let response = browser
        .post_form("/account/attribute/loginShell/", &[("value", "/bin/zsh")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    one_row(&ctx, Action::AttributeChange, "session", "audra").await;
    let shell = &rows_of(&ctx, "account.attribute.change").await[0];
    assert_eq!(
        shell.detail,
        r#"{"attribute":"loginShell","value":"/bin/zsh"}"#
    );

    // Tokens: created and revoked; the row names the token by id, never its value.
    let page = browser
        .post_form(
            "/account/tokens/",
            &[("name", "audit script"), ("scope", "read_account")],
        )
        .await
        .text()
        .await
        .unwrap();
    let value = page
        .split("<code class=\"token\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    let created = rows_of(&ctx, "token.create").await;
    assert_eq!(created.len(), 1);
    let token_id = created[0].target.clone();
    one_row(&ctx, Action::TokenCreate, "session", &token_id).await;
    let response = browser
        .post_form(&format!("/account/tokens/{token_id}/revoke/"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    one_row(&ctx, Action::TokenRevoke, "session", &token_id).await;

    // Keys: added (suspended), activated, suspended, deleted.
    let pair = keygen(ctx.dir.path(), "ed25519", None);
    let (status, body) = add_by_form(&browser, &pair.public, "audit key", false).await;
    assert_eq!(status, 303, "{body}");
    let key = listed(&browser).await[0].clone();
    let id = key["id"].as_u64().unwrap();
    let fingerprint = key["fingerprint"].as_str().unwrap().to_string();
    one_row(&ctx, Action::KeyAdd, "session", &fingerprint).await;
    for (step, action) in [
        ("activate", Action::KeyActivate),
        ("suspend", Action::KeySuspend),
        ("delete", Action::KeyDelete),
    ] {
        let response = browser.post_form(&format!("/keys/{id}/{step}/"), &[]).await;
        assert_eq!(response.status().as_u16(), 303, "{step}");
        one_row(&ctx, action, "session", &fingerprint).await;
    }

    // Address change: the request, then the confirmation through the mailed link.
    let new = ctx.mailbox.address("audra-new");
    browser
        .post_form(
            "/account/email/",
            &[
                ("email", &new),
                ("email_again", &new),
                ("current_password", NEW_PASSWORD),
            ],
        )
        .await;
    one_row(&ctx, Action::EmailChangeRequest, "session", "audra").await;
    let mails = ctx.mailbox.wait_for(2, Duration::from_secs(20)).await;
    let link = mails.iter().find(|m| m.to == vec![new.clone()]).unwrap();
    let path = link_path(&link.text, "/account/email/confirm/");
    let fields: Vec<(String, String)> =
        url::form_urlencoded::parse(path.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = browser.post_form("/account/email/confirm/", &fields).await;
    assert_eq!(response.status().as_u16(), 303);
    one_row(&ctx, Action::EmailChange, "session", "audra").await;

    // Password reset through the mailed link, by its holder.
    browser
        .post_form("/password/reset/", &[("cn", "Audra Audit")])
        .await;
    let mails = ctx.mailbox.wait_for(4, Duration::from_secs(20)).await;
    let reset = mails
        .iter()
        .find(|m| m.text.contains("/password/reset/audra/"))
        .unwrap();
    let holder = Browser::new(&web.base_url);
    holder
        .get(&link_path(&reset.text, "/password/reset/audra/"))
        .await;
    let done = holder
        .post_form(
            "/password/reset/set/",
            &[
                ("new_password", RESET_PASSWORD),
                ("new_password_again", RESET_PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status().as_u16(), 200);
    one_row(&ctx, Action::PasswordReset, "link", "audra").await;

    // A session whose account gets locked in LDAP is ended, by Bitu, on its next request.
    ctx.create_user("locke", "Locke Locked", &ssha(PASSWORD))
        .await;
    let locked = Browser::new(&web.base_url);
    locked.sign_in("locke", PASSWORD).await;
    crate::authz::support::lock(&ctx, "locke");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while locked.get("/account/").await.status().as_u16() != 302 {
        assert!(std::time::Instant::now() < deadline, "session not ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    one_row(&ctx, Action::SessionEndLocked, "system", "locke").await;

    // One row per action, nothing else; none holds a secret.
    let rows = all_rows(&ctx).await;
    // Blocking's rows (account.block*) are checked by the blocking tests, group access rows
    // (group_access.*) by permissions::workflow, single sign-on and linking rows by sso::,
    // the import's row by the import tests, two-factor rows (account.twofactor.*) by
    // twofactor::.
    let expected = Action::ALL
        .iter()
        .filter(|a| !a.as_str().starts_with("account.block") && **a != Action::AccountUnblock)
        .filter(|a| !a.as_str().starts_with("group_access."))
        .filter(|a| !a.as_str().starts_with("account.twofactor."))
        .filter(|a| {
            ![
                Action::SignIn,
                Action::AccountLink,
                Action::AccountUnlink,
                Action::LegacyImport,
            ]
            .contains(a)
        })
        .count();
    assert_eq!(rows.len(), expected, "{rows:#?}");
    for row in &rows {
        for secret in [PASSWORD, NEW_PASSWORD, RESET_PASSWORD, value.as_str()] {
            assert!(!row.detail.contains(secret), "{row:#?}");
        }
    }

    // The account page lists the user's own rows only, newest first.
    let browser = Browser::new(&web.base_url);
    browser.sign_in("audra", RESET_PASSWORD).await;
    let page = browser.get("/account/").await.text().await.unwrap();
    // The activity list only: the layout's footer has list items too.
    let activity = page
        .split("Recent activity")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap();
    assert!(
        activity.contains("Password reset from 127.0.0.1, on "),
        "{activity}"
    );
    assert!(
        activity.contains("Email address changed from 127.0.0.1"),
        "{activity}"
    );
    assert!(
        !activity.contains("Signed up"),
        "another account's row: {activity}"
    );
    assert!(
        activity.find("Password reset").unwrap() < activity.find("Email address changed").unwrap()
    );
    // Eleven rows are audra's: the page shows the last ten, so the oldest is not listed.
    assert_eq!(activity.matches("<li>").count(), 10, "{activity}");
    assert!(!activity.contains("Password changed"), "{activity}");
}
