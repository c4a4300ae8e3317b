//! Changing the email asks for the current password, and wrong ones count as failed sign-ins
//! of the account (an open session is no password-guessing oracle); a token cannot do it.

use bitu_core::account::password::ssha;
use bitu_testkit::{Browser, TestContext};

use super::support::{PASSWORD, token_with};

#[tokio::test]
async fn wrong_current_passwords_are_limited_and_tokens_cannot_change_the_email() {
    let ctx = TestContext::new().await;
    ctx.create_user("elle", "Elle Email", &ssha(PASSWORD)).await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    browser.sign_in("elle", PASSWORD).await;
    let new = ctx.mailbox.address("elle-new");
    let attempt = |password: &'static str| {
        let fields = [
            ("email", new.clone()),
            ("email_again", new.clone()),
            ("current_password", password.to_string()),
        ];
        let browser = &browser;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser
                .post_form("/account/email/", &fields)
                .await
                .status()
                .as_u16()
        }
    };
    let limit = ctx.settings.rate_limit.signin_failures_per_account;
    for _ in 0..limit {
        assert_eq!(attempt("guess").await, 200);
    }
    assert_eq!(attempt("guess").await, 429);
    assert_eq!(
        attempt(PASSWORD).await,
        429,
        "the limit holds for the right one too"
    );

    let token = token_with(
        &browser,
        &["read_account", "manage_keys", "check_ip_blocks"],
    )
    .await;
    let response = reqwest::Client::new()
        .post(web.url("/account/email/"))
        .header("Authorization", format!("Token {token}"))
        .form(&[
            ("email", new.as_str()),
            ("email_again", new.as_str()),
            ("current_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
}
