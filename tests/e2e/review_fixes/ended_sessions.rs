//! A session ended on one host stays ended: another host still holding it in its cache can
//! no longer write it back (the store wrote every save with REPLACE INTO).

use std::time::Duration;

use bitu_core::account::password::ssha;
use bitu_core::account::sessions::Sessions;
use bitu_testkit::{Browser, TestContext, WebProcess};
use chrono::TimeDelta;

const PASSWORD: &str = "Quiet-Otter-Harbour-42";

#[tokio::test]
async fn a_session_signed_out_on_one_host_is_not_revived_by_another() {
    let ctx = TestContext::new().await;
    ctx.create_user("hana", "Hana Hosts", &ssha(PASSWORD)).await;
    let mut settings = ctx.settings.clone();
    settings.session.cache_ttl = Duration::from_secs(600);
    let config = ctx.write_config_with(&settings);
    let host_a = WebProcess::start(&config).await;
    let host_b = WebProcess::start(&config).await;

    let browser = Browser::new(&host_a.base_url);
    browser.sign_in("hana", PASSWORD).await;
    let cookie = browser.cookie("bitu_session").unwrap();
    // Host B reads the session once, and keeps it in its cache.
    let on_b = Browser::new(&host_b.base_url);
    on_b.set_cookie("bitu_session", &cookie);
    assert_eq!(on_b.get("/account/").await.status().as_u16(), 200);

    // Signed out on host A: the row is deleted.
    let response = browser.post_form("/logout/", &[]).await;
    assert_eq!(response.status().as_u16(), 303);

    // Host B, still holding the session, changes it (opening a reset link stores the link).
    let response = on_b
        .get("/password/reset/hana/1764339000/not-a-token/")
        .await;
    assert_eq!(response.status().as_u16(), 303);

    // The ended session did not come back: host A (which reads the table) signs no one in.
    let replay = Browser::new(&host_a.base_url);
    replay.set_cookie("bitu_session", &cookie);
    assert_eq!(
        replay.get("/account/").await.status().as_u16(),
        302,
        "the ended session was written back"
    );
}

#[tokio::test]
async fn updating_a_deleted_session_writes_nothing_and_inserting_never_overwrites() {
    let ctx = TestContext::new().await;
    let services = ctx.services();
    let host_a = Sessions::new(services.db.clone(), Duration::from_secs(600));
    let host_b = Sessions::new(ctx.services().db, Duration::from_secs(600));
    let ttl = TimeDelta::hours(1);
    let signed_in = r#"{"uid":"\"hana\""}"#;

    host_a.insert("key-1", signed_in, ttl).await.unwrap();
    assert!(host_b.load("key-1").await.unwrap().is_some());
    host_a.delete("key-1").await.unwrap();
    assert!(!host_b.update("key-1", signed_in, ttl).await.unwrap());
    assert!(host_a.load("key-1").await.unwrap().is_none());
    assert!(
        host_b.load("key-1").await.unwrap().is_none(),
        "B forgot it too"
    );

    // A key that exists is never silently replaced by an insert.
    host_a.insert("key-2", signed_in, ttl).await.unwrap();
    assert!(host_b.insert("key-2", "{}", ttl).await.is_err());
    assert!(host_b.update("key-2", "{}", ttl).await.unwrap());
}
