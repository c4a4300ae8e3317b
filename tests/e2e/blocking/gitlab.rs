//! GitLab must find exactly one user for the developer name: none or several is a failure with
//! its reason on the managers' log (and API), and nothing is blocked on a guess.

use bitu_core::Settings;
use bitu_core::account::password::ssha;
use bitu_core::audit::Actor;
use bitu_core::blocking::{self, ActionKind, BlockRequest, System, store};
use bitu_core::queue::Queue;
use bitu_testkit::{Browser, TestContext};

use super::fake_systems::FakeSystems;
use super::support::PASSWORD;

/// Asks for a block of `uid` and runs its GitLab part once; the reason it failed with.
async fn block_fails_in_gitlab(ctx: &TestContext, settings: &Settings, uid: &str) -> String {
    let services = ctx.services();
    let queue = Queue::new(services.redis.clone(), settings);
    let id = blocking::request(
        &services,
        settings,
        &queue,
        &Actor::session("amy", None),
        &BlockRequest {
            uid,
            action: ActionKind::Block,
            comment: "spam",
            unset_email: false,
            move_keys: false,
        },
    )
    .await
    .unwrap();
    let retry_at = Some(blocking::now() + chrono::TimeDelta::hours(1));
    let error = blocking::apply(&services, settings, id, System::GitLab, retry_at)
        .await
        .unwrap_err()
        .to_string();
    let row = store::system(&services.db, id, "gitlab").await.unwrap();
    assert_eq!(row.state, "failed");
    assert_eq!(row.reason.as_deref(), Some(error.as_str()));
    assert!(row.retry_at.is_some());
    error
}

#[tokio::test]
async fn gitlab_with_no_user_or_several_users_is_a_failure_shown_on_the_log() {
    let mut ctx = TestContext::new().await;
    ctx.settings.authz.account_managers = vec!["amy".into()];
    ctx.create_user("amy", "Amy Accountmanager", &ssha(PASSWORD))
        .await;
    ctx.create_user("gil", "Gil Nowhere", &ssha(PASSWORD)).await;
    ctx.create_user("gia", "Gia Twice", &ssha(PASSWORD)).await;
    // GitLab knows only Gia; under her name it has two users.
    let fake = FakeSystems::start("gia", "Gia Twice").await;
    fake.state.lock().unwrap().gitlab_extra_users = 1;
    let mut settings: Settings = ctx.settings.clone();
    settings.blocking.gitlab = fake.settings("gitlab", ctx.dir.path());

    let none = block_fails_in_gitlab(&ctx, &settings, "gil").await;
    assert_eq!(
        none,
        "gitlab: no user has the openid_connect identity \"Gil Nowhere\"; expected exactly one"
    );
    let several = block_fails_in_gitlab(&ctx, &settings, "gia").await;
    assert_eq!(
        several,
        "gitlab: 2 users have the openid_connect identity \"Gia Twice\"; expected exactly one"
    );
    assert!(fake.effects("gitlab").is_empty(), "blocked on a guess");

    let web = bitu_testkit::process::WebProcess::start(&ctx.write_config_with(&settings)).await;
    let manager = Browser::new(&web.base_url);
    manager.sign_in("amy", PASSWORD).await;
    for (uid, reason) in [
        ("gil", "no user has the openid_connect identity"),
        ("gia", "2 users have the openid_connect identity"),
    ] {
        let log = manager
            .get(&format!("/wikimedia/block/{uid}/log"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            log.contains(&format!("failed: gitlab: {reason}")) && log.contains("retrying at"),
            "{log}"
        );
    }
}
