//! Benchmark (run by bench/names.sh): `bitu names backfill` over 100,000 LDAP entries.

use std::collections::HashSet;
use std::time::Instant;

use bitu_testkit::TestContext;
use bitu_testkit::process::run;
use futures_util::StreamExt;

/// Entries in the directory.
const ENTRIES: usize = 100_000;

/// A developer name for entry `i`: varied scripts and accents, all distinct skeletons.
fn name(i: usize) -> String {
    const FIRST: [&str; 8] = [
        "Ada", "Émile", "Jürgen", "Иван", "Zoë", "Łukasz", "Ngozi", "Björk",
    ];
    format!("{} Bench{i:06}", FIRST[i % FIRST.len()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: bench/names.sh"]
async fn bench_backfill_100000_ldap_entries() {
    let ctx = TestContext::new().await;
    let users_dn = ctx.settings.ldap.users_dn.clone();
    let admin = ctx.ldap_admin().await;
    let started = Instant::now();
    futures_util::stream::iter(0..ENTRIES)
        .for_each_concurrent(16, |i| {
            let mut ldap = admin.clone();
            let users_dn = users_dn.clone();
            async move {
                let uid = format!("bench{i:06}");
                let cn = name(i);
                let number = (100_000 + i).to_string();
                let home = format!("/home/{uid}");
                let attrs: Vec<(&str, Vec<&str>)> = vec![
                    ("objectClass", vec!["inetOrgPerson", "posixAccount"]),
                    ("uid", vec![uid.as_str()]),
                    ("cn", vec![cn.as_str()]),
                    ("sn", vec![cn.as_str()]),
                    ("uidNumber", vec![number.as_str()]),
                    ("gidNumber", vec!["500"]),
                    ("homeDirectory", vec![home.as_str()]),
                ];
                let attrs: Vec<(String, HashSet<String>)> = attrs
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k.to_string(),
                            v.into_iter().map(String::from).collect::<HashSet<_>>(),
                        )
                    })
                    .collect();
                let dn = format!("uid={uid},{users_dn}");
                // The dev slapd now and then fails a commit under load ("txn_commit failed").
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    match ldap.add(&dn, attrs.clone()).await.and_then(|r| r.success()) {
                        Ok(_) => break,
                        // The failed attempt was committed after all.
                        Err(ldap3::LdapError::LdapResult { result })
                            if result.rc == 68 && attempts > 1 =>
                        {
                            break;
                        }
                        Err(e) if attempts >= 5 => panic!("cannot add {uid}: {e}"),
                        Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                    }
                }
            }
        })
        .await;
    println!(
        "setup: {ENTRIES} LDAP entries added in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let config = ctx.write_config();
    for run_name in ["first", "again"] {
        let started = Instant::now();
        let output = run("bitu", &config, &["names", "backfill"]);
        let elapsed = started.elapsed().as_secs_f64();
        assert!(output.status.success(), "{output:?}");
        let summary = String::from_utf8_lossy(&output.stdout);
        println!(
            "backfill ({run_name}): {} ({elapsed:.1} s wall)",
            summary.trim()
        );
    }
}
