//! The LDAP server list and reconnection: first healthy server wins, a dropped connection is
//! replaced, and an outage is reported as "unavailable", not as a wrong answer.

use bitu_core::Error;
use bitu_core::directory::Directory;
use bitu_testkit::process::free_port;
use bitu_testkit::{TcpProxy, TestContext};

fn ldap_addr(ctx: &TestContext) -> String {
    ctx.env
        .ldap_url
        .trim_start_matches("ldap://")
        .trim_end_matches('/')
        .to_string()
}

#[tokio::test]
async fn second_server_is_used_when_the_first_is_down() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.ldap.clone();
    let dead = format!("ldap://127.0.0.1:{}", free_port());
    settings.servers = vec![dead, ctx.env.ldap_url.clone()];
    let directory = Directory::new(settings).unwrap();
    directory.ping().await.unwrap();
    assert!(
        directory
            .find_user_by_uid("nobody")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn first_server_wins_again_once_it_is_back() {
    let ctx = TestContext::new().await;
    let first = TcpProxy::start(&ldap_addr(&ctx)).await;
    let second = TcpProxy::start(&ldap_addr(&ctx)).await;
    let mut settings = ctx.settings.ldap.clone();
    settings.servers = vec![first.url("ldap"), second.url("ldap")];
    settings.pool_size = 1;
    let directory = Directory::new(settings).unwrap();

    first.down();
    directory.ping().await.unwrap();
    // The only pooled connection now goes through the second server; take that one down.
    first.up();
    second.down();
    directory.ping().await.unwrap();
}

#[tokio::test]
async fn a_dropped_connection_is_replaced() {
    let ctx = TestContext::new().await;
    let proxy = TcpProxy::start(&ldap_addr(&ctx)).await;
    let mut settings = ctx.settings.ldap.clone();
    settings.servers = vec![proxy.url("ldap")];
    let directory = Directory::new(settings).unwrap();
    directory.ping().await.unwrap();
    // As when slapd restarts: every open connection is cut, the server itself stays up.
    proxy.cut();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    directory.ping().await.unwrap();
    assert!(
        directory
            .find_user_by_uid("nobody")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn no_server_answering_is_unavailable_not_empty() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.ldap.clone();
    settings.servers = vec![
        format!("ldap://127.0.0.1:{}", free_port()),
        format!("ldap://127.0.0.1:{}", free_port()),
    ];
    let directory = Directory::new(settings).unwrap();
    let err = directory.find_user_by_uid("alice").await.unwrap_err();
    assert!(matches!(err, Error::DirectoryUnavailable(_)), "{err:?}");
    assert!(err.is_unavailable());
}
