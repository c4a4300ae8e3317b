//! `bitu audit`: the audit trail for on-call, newest first, filtered by actor, target,
//! action and time.

use std::path::Path;
use std::process::ExitCode;

use bitu_core::audit::{Action, AuditRow, Filter, search};
use chrono::{NaiveDate, NaiveDateTime, TimeDelta, Utc};
use clap::Args;

/// Options of `bitu audit`.
#[derive(Args)]
pub struct AuditArgs {
    /// Rows by this actor: a shell username, or the OS user who ran `bitu`.
    #[arg(long)]
    actor: Option<String>,
    /// Rows about this target (uid, group DN, key fingerprint, token id) or account.
    #[arg(long)]
    target: Option<String>,
    /// Rows of this action, e.g. account.password.change.
    #[arg(long, value_parser = parse_action)]
    action: Option<Action>,
    /// Rows since a time ("2026-11-28", "2026-11-28 14:00", UTC) or for a while ("7days").
    #[arg(long, value_parser = parse_since)]
    since: Option<NaiveDateTime>,
    /// At most this many rows.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    /// Print a JSON array instead of tab-separated lines.
    #[arg(long)]
    json: bool,
}

fn parse_action(text: &str) -> Result<Action, String> {
    text.parse()
}

/// A UTC time or date, or a duration back from now.
fn parse_since(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(at);
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    }
    let ago = humantime_serde::re::humantime::parse_duration(text).map_err(|_| {
        format!("{text:?} is neither a time (2026-11-28 14:00) nor a duration (7days)")
    })?;
    let ago = TimeDelta::seconds(i64::try_from(ago.as_secs()).unwrap_or(i64::MAX));
    Ok(Utc::now().naive_utc() - ago)
}

fn actor(row: &AuditRow) -> String {
    match (&row.actor_uid, &row.actor_detail) {
        (Some(uid), Some(detail)) => format!("{uid} ({} {detail})", row.actor_kind),
        (Some(uid), None) => format!("{uid} ({})", row.actor_kind),
        (None, Some(detail)) => format!("{} {detail}", row.actor_kind),
        (None, None) => row.actor_kind.clone(),
    }
}

fn as_json(row: &AuditRow) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "at": row.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "actor_uid": row.actor_uid,
        "actor_kind": row.actor_kind,
        "actor_detail": row.actor_detail,
        "action": row.action,
        "target_kind": row.target_kind,
        "target": row.target,
        "subject_uid": row.subject_uid,
        "client_address": row.client_address,
        "outcome": row.outcome,
        "detail": serde_json::from_str::<serde_json::Value>(&row.detail)
            .unwrap_or(serde_json::Value::Null),
    })
}

/// Prints the matching rows.
pub fn run(config: &Path, args: AuditArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    let filter = Filter {
        actor: args.actor,
        target: args.target,
        action: args.action,
        subject: None,
        since: args.since,
        limit: args.limit,
    };
    let rows = super::runtime()?.block_on(async move {
        let pool = bitu_core::db::build_pool(&settings.database).map_err(|e| e.to_string())?;
        search(&pool, &filter).await.map_err(|e| e.to_string())
    })?;
    if args.json {
        let all: Vec<serde_json::Value> = rows.iter().map(as_json).collect();
        println!("{}", serde_json::Value::Array(all));
        return Ok(ExitCode::SUCCESS);
    }
    println!("at (UTC)\tactor\taction\ttarget\tclient\toutcome\tdetail");
    for row in &rows {
        println!(
            "{}\t{}\t{}\t{} {}\t{}\t{}\t{}",
            row.at.format("%Y-%m-%d %H:%M:%S"),
            actor(row),
            row.action,
            row.target_kind,
            row.target,
            row.client_address.as_deref().unwrap_or("-"),
            row.outcome,
            row.detail
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_times_dates_and_durations() {
        assert_eq!(
            parse_since("2026-11-28 14:02").unwrap().to_string(),
            "2026-11-28 14:02:00"
        );
        assert_eq!(
            parse_since("2026-11-28").unwrap().to_string(),
            "2026-11-28 00:00:00"
        );
        let day_ago = parse_since("1day").unwrap();
        let expected = Utc::now().naive_utc() - TimeDelta::days(1);
        assert!((expected - day_ago).num_seconds().abs() < 5);
        assert!(parse_since("yesterday-ish").is_err());
    }
}
