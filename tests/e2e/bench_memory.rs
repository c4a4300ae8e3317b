//! bitu-web's memory with 10,000 block-list patterns, run by bench/memory.sh (`--ignored`):
//! RSS after start, after the list is loaded and compiled, and after 4,000 sign-up name
//! checks from 4 clients (VmRSS and the peak, VmHWM, from /proc). Not part of the normal run.

use std::time::Duration;

use bitu_core::blocklist::{ImportOptions, run_import};
use bitu_testkit::{Browser, TestContext, WebProcess};

use crate::blocklist::bench::synthetic_page;
use crate::blocklist::fake_wiki::Page;
use crate::blocklist::{WIKITECH_PAGE, wiki_with_fixtures};

const GIVEN: [&str; 10] = [
    "Holger", "Ada", "Grace", "Linus", "Mei", "Olu", "Sven", "Ana", "Kenji", "Zofia",
];
const FAMILY: [&str; 10] = [
    "Drachmann",
    "Lovelace",
    "Hopper",
    "Berg",
    "Chen",
    "Adeyemi",
    "Larsen",
    "Silva",
    "Sato",
    "Nowak",
];

/// The `/proc/<pid>/status` fields `names`, in KiB (0 when missing).
fn status_kib<const N: usize>(pid: u32, names: [&str; N]) -> [u64; N] {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    names.map(|name| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    })
}

fn report(pid: u32, when: &str) {
    // RssAnon: heap and stacks; RssFile: the mapped binary and libraries, as far as touched.
    let [rss, peak, anon, file] = status_kib(pid, ["VmRSS:", "VmHWM:", "RssAnon:", "RssFile:"]);
    println!(
        "BENCH bitu-web {when}: RSS {:.1} MiB (anonymous {:.1}, file-backed {:.1}), peak {:.1} MiB",
        rss as f64 / 1024.0,
        anon as f64 / 1024.0,
        file as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

#[tokio::test]
#[ignore = "benchmark: bench/memory.sh"]
async fn bench_web_memory_with_10000_patterns() {
    let ctx = TestContext::new().await;
    let (wiki, mut settings) = wiki_with_fixtures(&ctx).await;
    settings.blocklist.api_requests_per_ip = u32::MAX;
    if let Some(workers) = std::env::var("BENCH_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
    {
        settings.web.workers = workers;
    }
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    Browser::new(&web.base_url).get("/login/").await;
    report(web.pid(), "after start");

    wiki.set_page(WIKITECH_PAGE, Page::Text(synthetic_page(10_000)));
    settings.blocklist.sources.truncate(1);
    let pool = bitu_core::db::build_pool(&settings.database).unwrap();
    let outcome = run_import(&settings, &pool, &ImportOptions::default())
        .await
        .unwrap();
    assert!(outcome.failed.is_empty());
    tokio::time::sleep(settings.blocklist.reload_interval + Duration::from_millis(200)).await;
    let api = reqwest::Client::new();
    let url = web.url("/signup/api/username/");
    let check = move |name: String| {
        let api = api.clone();
        let url = url.clone();
        async move {
            let status = api
                .post(url)
                .json(&serde_json::json!({ "username": name }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            assert!(status == 200 || status == 201 || status == 400, "{status}");
        }
    };
    check("Warm Up".into()).await;
    report(web.pid(), "with 10,000 patterns loaded");

    let mut clients = Vec::new();
    for client in 0..4 {
        let check = check.clone();
        clients.push(tokio::spawn(async move {
            for n in 0..1000 {
                let i = client * 1000 + n;
                let name = format!("{} {}{}", GIVEN[i % 10], FAMILY[(i / 10) % 10], i / 100);
                check(name).await;
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    report(web.pid(), "after 4,000 name checks");
}
