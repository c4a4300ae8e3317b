//! One bitu-blocksync run: every enabled source under a named lock, each in its own
//! transaction; a failing source keeps its previous entries and fails the run.

use chrono::NaiveDateTime;
use std::fmt::Write as _;
use tracing::{error, info};

use super::ip::{self, IpImport};
use super::mediawiki::{ClientOptions, WikiClient, user_agent};
use super::sync::{apply_page, read_page};
use crate::config::{BlocklistSource, Settings, SourceKind};
use crate::db::{self, DbPool, lock};
use crate::error::{Error, Result};

/// Named lock held for the whole run, so two runs never import at the same time.
pub const LOCK_NAME: &str = "bitu-blocksync";

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The time the run acts at (tests and replays set it; normally now).
    pub now: Option<NaiveDateTime>,
    /// Report what would change without writing.
    pub dry_run: bool,
    /// Walk every global block even when the source is incremental.
    pub full: bool,
    /// Only these sources (all enabled ones when empty).
    pub only: Vec<String>,
}

/// What a run did: a report for people, and which sources failed.
#[derive(Debug, Clone, Default)]
pub struct ImportOutcome {
    /// Lines for stdout: per-source summaries and, in a dry run, the diff.
    pub report: String,
    /// `(source, error)` for each source that failed.
    pub failed: Vec<(String, String)>,
    /// Whether another run held the lock, so nothing was done.
    pub locked_out: bool,
}

fn client(settings: &Settings) -> Result<WikiClient> {
    let blocklist = &settings.blocklist;
    let contact = if blocklist.contact.is_empty() {
        settings.site.base_url.as_str()
    } else {
        blocklist.contact.as_str()
    };
    WikiClient::new(ClientOptions {
        user_agent: user_agent(contact),
        timeout: blocklist.timeout,
        retries: blocklist.retries,
        backoff: blocklist.retry_backoff,
        maxlag: blocklist.maxlag,
    })
}

/// Runs every selected source; errors only when the run as a whole cannot start.
pub async fn run(
    settings: &Settings,
    pool: &DbPool,
    options: &ImportOptions,
) -> Result<ImportOutcome> {
    let sources: Vec<&BlocklistSource> = settings
        .blocklist
        .sources
        .iter()
        .filter(|s| {
            if options.only.is_empty() {
                s.enabled
            } else {
                options.only.contains(&s.name)
            }
        })
        .collect();
    if let Some(unknown) = options
        .only
        .iter()
        .find(|name| !settings.blocklist.sources.iter().any(|s| &s.name == *name))
    {
        return Err(Error::Config(crate::config::ConfigError::Invalid(format!(
            "no source named {unknown:?} in [blocklist]"
        ))));
    }
    let mut outcome = ImportOutcome::default();
    if sources.is_empty() {
        outcome
            .report
            .push_str("no block list sources enabled; nothing to import\n");
        return Ok(outcome);
    }
    let mut holder = db::conn(pool).await?;
    if !lock::acquire(&mut holder, LOCK_NAME, settings.blocklist.lock_wait).await? {
        outcome.locked_out = true;
        outcome
            .report
            .push_str("another bitu-blocksync run holds the lock; nothing done\n");
        return Ok(outcome);
    }
    let client = client(settings)?;
    let now = options
        .now
        .unwrap_or_else(|| chrono::Utc::now().naive_utc());
    for source in sources {
        let result = match source.kind {
            SourceKind::Titleblacklist => {
                import_titleblacklist(settings, pool, &client, source, now, options).await
            }
            SourceKind::Globalblocks => {
                import_globalblocks(settings, pool, &client, source, now, options).await
            }
        };
        match result {
            Ok(report) => {
                info!(source = %source.name, "block list source imported");
                outcome.report.push_str(&report);
            }
            Err(e) => {
                error!(source = %source.name, error = %e, "block list source failed; its entries are kept");
                let _ = writeln!(outcome.report, "{}: FAILED: {e}", source.name);
                outcome.failed.push((source.name.clone(), e.to_string()));
            }
        }
    }
    lock::release(&mut holder, LOCK_NAME).await?;
    Ok(outcome)
}

fn line_text(line: Option<i32>) -> String {
    line.map_or_else(|| "-".into(), |l| l.to_string())
}

async fn import_titleblacklist(
    settings: &Settings,
    pool: &DbPool,
    client: &WikiClient,
    source: &BlocklistSource,
    now: NaiveDateTime,
    options: &ImportOptions,
) -> Result<String> {
    let text = client.page_text(&source.api_url, &source.page).await?;
    let limit = settings.blocklist.backtrack_limit;
    let name = source.name.clone();
    // Compiling thousands of patterns is CPU work; keep it off the async threads.
    let read = tokio::task::spawn_blocking(move || read_page(&name, &text, limit))
        .await
        .map_err(|e| Error::Internal(format!("page reader failed: {e}")))?;
    let mut conn = db::conn(pool).await?;
    let changes = apply_page(
        &mut conn,
        &source.name,
        &read.entries,
        now,
        settings.blocklist.stale_after,
        options.dry_run,
    )
    .await?;
    let mut out = String::new();
    let name = &source.name;
    for skipped in &read.skipped {
        let line = skipped.line.unwrap_or(0);
        let _ = writeln!(
            out,
            "{name}: skipped line {line}: {}: {}",
            skipped.pattern, skipped.reason
        );
    }
    for (line, first) in &read.duplicates {
        let _ = writeln!(out, "{name}: skipped line {line}: repeats line {first}");
    }
    if options.dry_run {
        for added in &changes.added {
            let _ = writeln!(
                out,
                "+ {name}:{}\t{}\t{}",
                added.line, added.pattern, added.options
            );
        }
        for removed in &changes.removed {
            let _ = writeln!(
                out,
                "- {name}:{}\t{}\t{}",
                line_text(removed.line),
                removed.pattern,
                removed.options
            );
        }
    }
    let _ = writeln!(
        out,
        "{name}: {} added, {} removed, {} kept ({} moved), {} absent but kept until stale, {} skipped{}",
        changes.added.len(),
        changes.removed.len(),
        changes.kept,
        changes.moved,
        changes.absent.len(),
        read.skipped.len() + read.duplicates.len(),
        if options.dry_run { " (dry run)" } else { "" },
    );
    Ok(out)
}

async fn import_globalblocks(
    settings: &Settings,
    pool: &DbPool,
    client: &WikiClient,
    source: &BlocklistSource,
    now: NaiveDateTime,
    options: &ImportOptions,
) -> Result<String> {
    let mut conn = db::conn(pool).await?;
    let known = ip::known_block_ids(&mut conn, &source.name).await?;
    drop(conn);
    let incremental = source.incremental && !options.full && !known.is_empty();
    let (blocks, stopped) = client
        .global_blocks(&source.api_url, source.page_size, |block| {
            incremental && known.contains(&block.id)
        })
        .await?;
    let mut conn = db::conn(pool).await?;
    let changes = ip::apply_blocks(
        &mut conn,
        &source.name,
        &blocks,
        IpImport {
            now,
            stale_after: settings.blocklist.stale_after,
            expired_retention: settings.blocklist.expired_ip_retention,
            full: !incremental,
            dry_run: options.dry_run,
        },
    )
    .await?;
    Ok(format!(
        "{}: {} fetched, {} added, {} refreshed, {} account blocks ignored, {} expired removed, {} stale removed{}{}\n",
        source.name,
        changes.fetched,
        changes.added,
        changes.refreshed,
        changes.not_addresses,
        changes.removed_expired,
        changes.removed_stale,
        if stopped {
            ", stopped at a known block"
        } else {
            ""
        },
        if options.dry_run { " (dry run)" } else { "" },
    ))
}
