//! `bitu activationlink`: a fresh activation link for someone whose mail never arrived.

use std::path::Path;
use std::process::ExitCode;

use bitu_core::signup::store;
use chrono::{TimeDelta, Utc};
use clap::Args;

/// Options of `bitu activationlink`.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct ActivationLinkArgs {
    /// The sign-up of this shell username.
    #[arg(long)]
    uid: Option<String>,
    /// The sign-up of this email address.
    #[arg(long)]
    email: Option<String>,
    /// List sign-ups waiting for activation.
    #[arg(long)]
    list: bool,
}

/// Prints a new link (the earlier one stops working), or the waiting sign-ups.
pub fn run(config: &Path, args: ActivationLinkArgs) -> Result<ExitCode, String> {
    let (settings, _guard) = bitu_core::daemon::load(config)?;
    super::runtime()?.block_on(async move {
        let pool = bitu_core::db::build_pool(&settings.database).map_err(|e| e.to_string())?;
        let signups = store::find_by(&pool, args.uid.as_deref(), args.email.as_deref())
            .await
            .map_err(|e| e.to_string())?;
        let waiting: Vec<_> = signups
            .iter()
            .filter(|s| s.activated_at.is_none())
            .collect();
        if args.list {
            println!("id\tuid\tcn\tmail\tcreated\tlink expires");
            for signup in &waiting {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    signup.id,
                    signup.uid,
                    signup.cn,
                    signup.mail,
                    signup.created_at,
                    signup.link_expires_at
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        let Some(signup) = waiting.first() else {
            let activated = signups.iter().any(|s| s.activated_at.is_some());
            return Err(if activated {
                "that sign-up is already activated; the account exists or is being created".into()
            } else {
                "no sign-up waiting for activation matches".to_string()
            });
        };
        let lifetime = TimeDelta::seconds(
            i64::try_from(settings.signup.activation_lifetime.as_secs()).unwrap_or(i64::MAX),
        );
        let token = store::renew_token(&pool, signup.id, lifetime)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "{}/signup/activate/{}/{token}/",
            settings.site.base_url.trim_end_matches('/'),
            signup.id
        );
        eprintln!(
            "link for {} ({}), valid until {} UTC; earlier links no longer work",
            signup.uid,
            signup.mail,
            (Utc::now() + lifetime).format("%Y-%m-%d %H:%M")
        );
        Ok(ExitCode::SUCCESS)
    })
}
