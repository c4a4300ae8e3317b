//! The MariaDB pool when the server drops its connections (a restart): a busy pool hands
//! connections out without a round trip, so a dropped one fails at most one query before
//! every connection is verified again.

use std::time::Duration;

use bitu_core::account::sessions::purge_expired;
use bitu_core::db;
use bitu_testkit::{TcpProxy, TestContext};

use crate::web::host_port;

#[tokio::test]
async fn a_dropped_connection_fails_at_most_one_query() {
    let ctx = TestContext::new().await;
    let proxy = TcpProxy::start(&host_port(&ctx.env.database_url)).await;
    let mut settings = ctx.settings.database.clone();
    settings.url = settings
        .url
        .replace(&host_port(&ctx.env.database_url), &proxy.addr.to_string())
        // mysql_async would otherwise switch to the Unix socket, bypassing the relay.
        + "?prefer_socket=false";
    settings.pool_size = 1;
    let pool = db::build_pool(&settings).unwrap();
    purge_expired(&pool, 10).await.unwrap();

    // Checked out a moment ago: it goes out unverified, and may fail once.
    proxy.cut();
    let _ = purge_expired(&pool, 10).await;
    purge_expired(&pool, 10)
        .await
        .expect("after a failure the pool verifies and replaces the connection");

    // Idle past the verification threshold: verified before use, so nothing fails.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    proxy.cut();
    purge_expired(&pool, 10)
        .await
        .expect("an idle connection is verified first");
}
