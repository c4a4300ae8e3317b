//! `bitu blocklist`: why a name is refused, and the entries added by hand.

use std::io::BufRead;
use std::net::IpAddr;
use std::path::Path;
use std::process::ExitCode;

use bitu_core::blocklist::{self, Matcher, ip, parse_line, store};
use bitu_core::db;
use bitu_core::names::NameRules;
use clap::{Args, Subcommand};

/// Options of `bitu blocklist`.
#[derive(Args)]
pub struct BlocklistArgs {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check names as signup does; prints `NAME<TAB>BLOCKED<TAB>ORIGIN<TAB>LINE<TAB>PATTERN`,
    /// `NAME<TAB>INVALID<TAB>CLASS<TAB>REASON` for names MediaWiki cannot create (CLASS is
    /// `invalid-title` or `not-creatable`), or `NAME<TAB>OK`. Without names, reads them from
    /// stdin, one per line.
    Check {
        /// Names to check.
        names: Vec<String>,
    },
    /// Add a `manual` entry: a Titleblacklist line, e.g. '.*spammer.* <casesensitive>'.
    Add {
        /// The entry, pattern and optional `<options>`.
        line: String,
        /// Why (stored as the entry's comment).
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Remove `manual` entries, by pattern as written or by `--id`.
    Remove {
        /// Patterns to remove.
        patterns: Vec<String>,
        /// Ids (from `bitu blocklist list`) to remove.
        #[arg(long = "id")]
        ids: Vec<i64>,
    },
    /// List entries, tab-separated: ID ORIGIN LINE PATTERN OPTIONS COMMENT LAST_SEEN.
    List {
        /// Entries of this origin (default: `manual`).
        #[arg(long, default_value = blocklist::MANUAL, conflicts_with = "all")]
        origin: String,
        /// Entries of every origin.
        #[arg(long)]
        all: bool,
    },
    /// Check addresses against imported IP blocks; prints `IP<TAB>BLOCKED<TAB>NETWORK<TAB>
    /// EXPIRY<TAB>WIKI<TAB>REASON` per covering block, or `IP<TAB>OK`.
    Ip {
        /// Addresses to check.
        #[arg(required = true)]
        addresses: Vec<IpAddr>,
    },
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Runs one `bitu blocklist` command.
pub fn run(config: &Path, args: BlocklistArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    super::runtime()?.block_on(async move {
        let pool = db::build_pool(&settings.database).map_err(text)?;
        let mut conn = db::conn(&pool).await.map_err(text)?;
        db::migrate::ensure_current(&mut conn).await.map_err(text)?;
        let now = chrono::Utc::now().naive_utc();
        match args.command {
            Command::Check { names } => {
                let names = if names.is_empty() {
                    std::io::stdin()
                        .lock()
                        .lines()
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("cannot read names from stdin: {e}"))?
                        .into_iter()
                        .filter(|name| !name.trim().is_empty())
                        .collect()
                } else {
                    names
                };
                let (_, entries) = store::matcher_entries(&mut conn).await.map_err(text)?;
                let matcher = Matcher::build(entries, settings.blocklist.backtrack_limit);
                let rules = NameRules::new(&settings.names);
                for name in names {
                    // A name MediaWiki cannot create never reaches the block list there.
                    if let Err(problem) = rules.canonical(&name) {
                        println!("{name}\tINVALID\t{}\t{problem}", problem.class());
                        continue;
                    }
                    match matcher.check_with(&name, &rules) {
                        Some(found) => println!(
                            "{name}\tBLOCKED\t{}\t{}\t{}",
                            found.origin,
                            found.line.map_or_else(|| "-".into(), |l| l.to_string()),
                            found.pattern
                        ),
                        None => println!("{name}\tOK"),
                    }
                }
            }
            Command::Add { line, comment } => {
                let mut parsed =
                    parse_line(&line).ok_or_else(|| format!("{line:?} holds no pattern"))?;
                blocklist::validate(
                    &parsed.pattern,
                    &parsed.options,
                    settings.blocklist.backtrack_limit,
                )
                .map_err(|reason| format!("{}: {reason}", parsed.pattern))?;
                if !comment.is_empty() {
                    parsed.comment = comment;
                }
                if !parsed.options.applies_to_new_accounts() {
                    eprintln!("bitu: note: a moveonly entry never refuses a signup");
                }
                if store::add_manual(&mut conn, &parsed, now)
                    .await
                    .map_err(text)?
                {
                    println!("added {}", parsed.pattern);
                } else {
                    println!("already there: {}", parsed.pattern);
                }
            }
            Command::Remove { patterns, ids } => {
                if patterns.is_empty() && ids.is_empty() {
                    return Err("name the patterns or --id of the entries to remove".into());
                }
                let removed = store::remove_manual(&mut conn, &ids, &patterns)
                    .await
                    .map_err(text)?;
                println!(
                    "removed {removed} entr{}",
                    if removed == 1 { "y" } else { "ies" }
                );
                if removed == 0 {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::List { origin, all } => {
                let origin = (!all).then_some(origin.as_str());
                for row in store::entries(&mut conn, origin).await.map_err(text)? {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        row.id,
                        row.origin,
                        row.line.map_or_else(|| "-".into(), |l| l.to_string()),
                        row.pattern,
                        row.options,
                        row.comment,
                        row.last_seen.format("%Y-%m-%dT%H:%M:%SZ"),
                    );
                }
            }
            Command::Ip { addresses } => {
                for address in addresses {
                    let blocks = ip::blocks_for(&mut conn, address, now)
                        .await
                        .map_err(text)?;
                    if blocks.is_empty() {
                        println!("{address}\tOK");
                    }
                    for block in blocks {
                        println!(
                            "{address}\tBLOCKED\t{}\t{}\t{}\t{}",
                            block.network,
                            block.expiry.map_or_else(
                                || "infinity".into(),
                                |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                            ),
                            block.wiki,
                            block.reason
                        );
                    }
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
