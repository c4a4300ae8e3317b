//! `bitu-web`: the browser UI of Bitu.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod app;
mod auth;
mod csp;
mod error;
mod i18n;
#[cfg(test)]
mod i18n_keys;
mod middleware;
mod nav;
mod pages;
mod resume;
mod routes;
mod session_store;
mod statics;
mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use bitu_core::Services;
use bitu_core::config::DEFAULT_CONFIG_PATH;
use clap::Parser;

/// Serves Bitu's web pages: sign-up, account self-service, SSH keys, /healthz and /metrics.
///
/// Reads [database], [ldap], [redis], [site], [web], [session], [rate_limit], [password],
/// [account], [keys], [signup], [blocklist], [queue], [metrics] and [logging] of the
/// configuration file. Listens on the socket systemd passes (bitu-web.socket, LISTEN_FDS)
/// when there is one, else on --bind or [web] bind. Tells systemd READY=1 once MariaDB,
/// LDAP and Redis answered and the schema is current, and pings its watchdog. On SIGTERM
/// or SIGINT it stops accepting, answers in-flight requests within [web] shutdown_grace
/// (closing kept-alive connections after their answer) and exits 0; connections made
/// meanwhile wait in systemd's socket for the next process. GET /metrics answers only
/// clients in [metrics] allow. Runbook: /usr/share/doc/bitu/runbook.md.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(long, env = "BITU_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    /// Listen on this address instead of `[web] bind` (unused under socket activation).
    #[arg(long)]
    bind: Option<String>,
    /// Print every route (method, path, who may call it) as JSON lines and exit.
    #[arg(long)]
    routes: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bitu-web: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    if args.routes {
        println!("{}", routes::describe());
        return Ok(());
    }
    let (mut settings, _log_guard) = bitu_core::daemon::load(&args.config)?;
    if let Some(bind) = args.bind {
        settings.web.bind = bind;
    }
    // bitu-web.socket keeps the listening socket across restarts; connections wait in it.
    let listener = listenfd::ListenFd::from_env()
        .take_tcp_listener(0)
        .map_err(|e| format!("the socket passed by systemd (LISTEN_FDS) is unusable: {e}"))?;
    let bind = match &listener {
        Some(listener) => listener
            .local_addr()
            .map_or_else(|_| "the inherited socket".into(), |a| a.to_string()),
        None => settings.web.bind.clone(),
    };
    actix_web::rt::System::new().block_on(async move {
        let services = Services::connect(&settings)
            .await
            .map_err(|e| e.to_string())?;
        app::serve(settings, services, listener)
            .await
            .map_err(|e| format!("cannot serve on {bind}: {e}"))
    })
}
