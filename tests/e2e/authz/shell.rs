//! The login-shell select of a user whose shell is outside the allowed list (/bin/ksh, as 571
//! of 1,501 users of the original test directory have /bin/csh or /bin/ksh): shown as it is,
//! and kept when Save is pressed, driven in headless Chromium.

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_testkit::TestContext;
use bitu_testkit::chrome::Chrome;
use fantoccini::Locator;

use super::support::{PASSWORD, ldapmodify, user_dn};

async fn login_shell(ctx: &TestContext, uid: &str) -> String {
    let mut admin = ctx.ldap_admin().await;
    let (entries, _) = admin
        .search(
            &user_dn(ctx, uid),
            ldap3::Scope::Base,
            "(objectClass=*)",
            vec!["loginShell"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let entry = ldap3::SearchEntry::construct(entries.into_iter().next().unwrap());
    entry.attrs["loginShell"][0].clone()
}

async fn wait_for_query(chrome: &Chrome, query: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let url = chrome.client.current_url().await.unwrap();
        if url.query() == Some(query) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "still on {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn selected_shell(chrome: &Chrome) -> String {
    let select = chrome
        .client
        .find(Locator::Css("select[name=value]"))
        .await
        .unwrap();
    select.prop("value").await.unwrap().unwrap_or_default()
}

async fn save_shell(chrome: &Chrome) {
    chrome
        .client
        .find(Locator::Css(
            "form[action='/account/attribute/loginShell/'] button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_shell_outside_the_list_is_shown_and_kept_on_save() {
    let ctx = TestContext::new().await;
    ctx.create_user("kory", "Kory Korn", &ssha(PASSWORD)).await;
    let dn = user_dn(&ctx, "kory");
    ldapmodify(
        &ctx,
        &format!("dn: {dn}\nchangetype: modify\nreplace: loginShell\nloginShell: /bin/ksh\n"),
    );
    assert!(
        !ctx.settings.account.editable[0]
            .choices
            .contains(&"/bin/ksh".to_string()),
        "the test needs /bin/ksh outside the allowed shells"
    );
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    chrome
        .client
        .goto(&web.url("/login/?next=/account/"))
        .await
        .unwrap();
    for (id, text) in [("name", "kory"), ("password", PASSWORD)] {
        let field = chrome.client.find(Locator::Id(id)).await.unwrap();
        field.send_keys(text).await.unwrap();
    }
    chrome
        .client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while chrome.client.current_url().await.unwrap().path() != "/account/" {
        assert!(std::time::Instant::now() < deadline, "sign-in did not land");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!(selected_shell(&chrome).await, "/bin/ksh");
    save_shell(&chrome).await;
    wait_for_query(&chrome, "saved=loginShell").await;
    assert_eq!(
        login_shell(&ctx, "kory").await,
        "/bin/ksh",
        "Save overwrote the shell"
    );
    assert_eq!(selected_shell(&chrome).await, "/bin/ksh");

    // Picking an allowed shell still works, and then /bin/ksh is no longer offered.
    chrome
        .client
        .find(Locator::Css(
            "select[name=value] option[value='/bin/zsh'], select[name=value] option:nth-child(3)",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let chosen = selected_shell(&chrome).await;
    assert_ne!(chosen, "/bin/ksh");
    save_shell(&chrome).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while login_shell(&ctx, "kory").await != chosen {
        assert!(std::time::Instant::now() < deadline, "{chosen} never saved");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    chrome.client.goto(&web.url("/account/")).await.unwrap();
    assert!(!chrome.client.source().await.unwrap().contains("ksh"));
    chrome.close().await;
}
