//! Global IP blocks: IPv4, IPv6, single addresses and CIDR ranges, expiry, and paging that
//! stops where it should.

use chrono::{DateTime, Duration as Span, Utc};
use serde_json::{Value, json};

use bitu_core::blocklist::ip;
use bitu_core::db;
use bitu_testkit::TestContext;

use super::*;

fn block(
    id: i64,
    target: &str,
    age_hours: i64,
    expiry: Option<DateTime<Utc>>,
    reason: &str,
) -> Value {
    let now = Utc::now();
    json!({
        "id": id,
        "target": target,
        "by": "Example steward",
        "bywiki": "metawiki",
        "timestamp": (now - Span::hours(age_hours)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "expiry": expiry.map_or("infinity".to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        "reason": reason,
    })
}

fn ip_lines(config: &std::path::Path, addresses: &[&str]) -> Vec<String> {
    let mut args = vec!["blocklist", "ip"];
    args.extend_from_slice(addresses);
    let output = run("bitu", config, &args);
    assert!(output.status.success(), "{}", text(&output));
    stdout(&output).lines().map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v4_v6_ranges_expiry_and_incremental_paging() {
    let ctx = TestContext::new().await;
    let (wiki, settings) = wiki_with_fixtures(&ctx).await;
    let config = ctx.write_config_with(&settings);
    let now = Utc::now();
    wiki.state.lock().unwrap().blocks = vec![
        block(7, "198.51.100.0/24", 1, None, "Open proxy"),
        block(
            6,
            "2001:DB8:0:0:0:0:0:0/32",
            2,
            Some(now + Span::days(365)),
            "Cross-wiki spam",
        ),
        block(5, "Some Vandal", 3, None, "Long-term abuse"),
        block(4, "203.0.113.7", 4, Some(now + Span::days(30)), "Spambot"),
        block(3, "2a02:ec80::1", 5, None, "Proxy"),
        block(
            2,
            "192.0.2.0/28",
            6,
            Some(now - Span::hours(1)),
            "Old block",
        ),
        block(1, "192.0.2.100", 7, None, "Webhost"),
    ];
    let output = run_bin("bitu-blocksync", &config, &["--source", "meta-ip"]).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stdout(&output)
            .contains("meta-ip: 7 fetched, 6 added, 0 refreshed, 1 account blocks ignored"),
        "{}",
        text(&output)
    );
    // Seven rows at two per request: four requests, continuing by timestamp.
    let requests = wiki.requests();
    assert_eq!(requests.len(), 4);
    assert!(requests[1].params.contains_key("bgstart"));
    assert_eq!(requests[0].params["bglimit"], "2");

    let lines = ip_lines(
        &config,
        &[
            "198.51.100.42",
            "198.51.101.1",
            "2001:db8:1234::5",
            "2001:db9::",
            "203.0.113.7",
            "203.0.113.8",
            "2a02:ec80::1",
            "2a02:ec80::2",
            "192.0.2.5",
            "192.0.2.100",
        ],
    );
    let expected_starts = [
        "198.51.100.42\tBLOCKED\t198.51.100.0/24\tinfinity\tmetawiki\tOpen proxy",
        "198.51.101.1\tOK",
        "2001:db8:1234::5\tBLOCKED\t2001:db8::/32\t",
        "2001:db9::\tOK",
        "203.0.113.7\tBLOCKED\t203.0.113.7/32\t",
        "203.0.113.8\tOK",
        "2a02:ec80::1\tBLOCKED\t2a02:ec80::1/128\tinfinity",
        "2a02:ec80::2\tOK",
        "192.0.2.5\tOK",
        "192.0.2.100\tBLOCKED\t192.0.2.100/32",
    ];
    assert_eq!(lines.len(), expected_starts.len(), "{lines:?}");
    for (line, start) in lines.iter().zip(expected_starts) {
        assert!(
            line.starts_with(start),
            "{line:?} should start with {start:?}"
        );
    }

    // Two new blocks: an incremental run reads until the first known one, and stops.
    {
        let mut state = wiki.state.lock().unwrap();
        state
            .blocks
            .insert(0, block(8, "100.64.0.0/10", 0, None, "Carrier NAT abuse"));
        state
            .blocks
            .insert(0, block(9, "2001:db8::42", 0, None, "Newest"));
        state.requests.clear();
    }
    let output = run_bin("bitu-blocksync", &config, &["--source", "meta-ip"]).await;
    assert!(output.status.success(), "{}", text(&output));
    let report = stdout(&output);
    assert!(
        report.contains("2 fetched, 2 added, 0 refreshed"),
        "{report}"
    );
    assert!(report.contains("stopped at a known block"), "{report}");
    assert_eq!(wiki.requests().len(), 2);
    assert_eq!(
        ip_lines(&config, &["100.100.1.1"])[0],
        "100.100.1.1\tBLOCKED\t100.64.0.0/10\tinfinity\tmetawiki\tCarrier NAT abuse"
    );

    // --full walks everything again and refreshes what it knows.
    let output = run_bin(
        "bitu-blocksync",
        &config,
        &["--source", "meta-ip", "--full"],
    )
    .await;
    assert!(
        stdout(&output).contains("9 fetched, 0 added, 8 refreshed"),
        "{}",
        text(&output)
    );

    // 61 days on, the block that expired an hour ago is more than 60 days expired: deleted.
    let pool = db::build_pool(&settings.database).unwrap();
    let mut conn = db::conn(&pool).await.unwrap();
    assert!(
        ip::known_block_ids(&mut conn, "meta-ip")
            .await
            .unwrap()
            .contains(&2)
    );
    let later = (now + Span::days(61)).to_rfc3339();
    let output = run_bin(
        "bitu-blocksync",
        &config,
        &["--source", "meta-ip", "--now", &later],
    )
    .await;
    assert!(
        stdout(&output).contains("1 expired removed"),
        "{}",
        text(&output)
    );
    let known = ip::known_block_ids(&mut conn, "meta-ip").await.unwrap();
    let mut known: Vec<i64> = known.into_iter().collect();
    known.sort();
    assert_eq!(known, [1, 3, 4, 6, 7, 8, 9]);

    // Signup refuses a blocked address with the reason, only when the switch is on.
    let mut switch = settings.blocklist.clone();
    let address = "198.51.100.9".parse().unwrap();
    let now = Utc::now().naive_utc();
    assert_eq!(
        ip::signup_refusal(&mut conn, &switch, address, now)
            .await
            .unwrap(),
        None
    );
    switch.ip_check = true;
    let refusal = ip::signup_refusal(&mut conn, &switch, address, now)
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert!(refusal.contains("Open proxy"), "{refusal}");
}
