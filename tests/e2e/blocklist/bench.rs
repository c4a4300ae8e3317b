//! Benchmarks, not run by `cargo test`: run `bench/blocklist.sh` (release build).
//! Matching one name against 10,000 patterns, and importing a 10,000-line page.

use std::time::{Duration, Instant};

use bitu_core::blocklist::{ImportOptions, Matcher, parse_page, run_import};
use bitu_testkit::TestContext;

use super::fake_wiki::Page;
use super::*;

/// Deterministic xorshift, so every run benchmarks the same list.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn word(&mut self) -> String {
        let len = 4 + self.next(7) as usize;
        (0..len)
            .map(|_| (b'a' + self.next(26) as u8) as char)
            .collect()
    }
}

/// A page of `lines` entries shaped like real lists: mostly `.*word.*`, some anchored user
/// names, case-sensitive ones, Unicode ranges, and about 1% needing PCRE features.
pub fn synthetic_page(lines: usize) -> String {
    let mut rng = Rng(0x5EED_B17B);
    let mut page = String::from("# Synthetic Titleblacklist for benchmarks\n");
    for i in 0..lines {
        let w = rng.word();
        let line = match i % 100 {
            0 => format!(".*(.)\\1{{{},}}.* <newaccountonly>", 8 + rng.next(4)),
            1 => format!("(?!User:{w}).*{}[0-9]{{6,}}.* <newaccountonly>", rng.word()),
            2..=9 => format!("User:{w}.* <newaccountonly>"),
            10..=14 => format!(
                ".*{}{w}.* <casesensitive|newaccountonly>",
                w[..1].to_uppercase()
            ),
            15..=17 => format!(".*\\b{w}\\b.* <newaccountonly> # word"),
            18 => format!(
                ".*[\\x{{{:X}}}-\\x{{{:X}}}].* <newaccountonly>",
                0x2000 + i,
                0x2000 + i + 3
            ),
            19 => format!("{w}.*/.* <moveonly>"),
            20..=24 => format!("(User|User talk):.*{w}.* <newaccountonly>"),
            _ => format!(".*{w}.* <newaccountonly>"),
        };
        page.push_str(&line);
        page.push('\n');
    }
    page
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

#[test]
#[ignore = "benchmark: bench/blocklist.sh"]
fn bench_match_one_name_against_10000_patterns() {
    let page = synthetic_page(10_000);
    let entries: Vec<_> = parse_page(&page)
        .into_iter()
        .map(|p| bitu_core::blocklist::Entry {
            origin: "bench".into(),
            line: Some(p.line),
            pattern: p.pattern,
            options: p.options,
        })
        .collect();
    let rss_before = rss_kib();
    let started = Instant::now();
    let matcher = Matcher::build(entries, 100_000);
    let build = started.elapsed();
    println!(
        "match: built: +{} MiB RSS",
        rss_kib().saturating_sub(rss_before) / 1024
    );
    let mut rng = Rng(42);
    let names: Vec<String> = (0..20_000)
        .map(|i| match i % 4 {
            0 => "Holger Drachmann".to_string(),
            1 => format!("{} {}", rng.word(), rng.word()),
            2 => format!("Holger Drachmann{i}"),
            _ => format!("{}{}", rng.word(), i),
        })
        .collect();
    // Cold: every pattern a name selects is compiled on first use. Warm: the same names again.
    for pass in ["cold", "warm"] {
        let mut times = Vec::with_capacity(names.len());
        let mut blocked = 0;
        for name in &names {
            let t = Instant::now();
            blocked += usize::from(matcher.check(name).is_some());
            times.push(t.elapsed());
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        println!(
            "match ({pass}): {} patterns ({} words, {} PCRE, {} skipped, {} moveonly) built in {build:?}, \
             +{} MiB RSS; {} names ({blocked} blocked): p50 {:?} p99 {p99:?} max {:?} \
             (target p99 <= 1 ms: {})",
            matcher.len(),
            matcher.word_len(),
            matcher.pcre_len(),
            matcher.skipped().len(),
            matcher.not_for_accounts(),
            rss_kib().saturating_sub(rss_before) / 1024,
            names.len(),
            percentile(&times, 0.5),
            times[times.len() - 1],
            if p99 <= Duration::from_millis(1) {
                "met"
            } else {
                "NOT met"
            },
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: bench/blocklist.sh"]
async fn bench_import_a_10000_line_page() {
    let ctx = TestContext::new().await;
    let (wiki, mut settings) = wiki_with_fixtures(&ctx).await;
    wiki.set_page(WIKITECH_PAGE, Page::Text(synthetic_page(10_000)));
    settings.blocklist.sources.truncate(1);
    let pool = bitu_core::db::build_pool(&settings.database).unwrap();
    let options = ImportOptions::default();
    for run in ["first import (10,000 new)", "second import (no change)"] {
        let started = Instant::now();
        let outcome = run_import(&settings, &pool, &options).await.unwrap();
        assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
        let summary = outcome
            .report
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        println!("import: {run}: {:?}: {summary}", started.elapsed());
    }
}
