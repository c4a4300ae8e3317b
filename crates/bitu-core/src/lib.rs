//! Bitu's core: configuration, errors, database, LDAP directory and queue access shared by
//! every daemon. It knows nothing of HTTP or command lines.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod audit;
pub mod authz;
pub mod blocking;
pub mod blocklist;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod db;
pub mod directory;
pub mod error;
pub mod i18n;
pub mod import_django;
pub mod integrations;
pub mod jobs;
pub mod keys;
pub mod logging;
pub mod mail;
#[cfg(test)]
pub mod memory;
pub mod metrics;
pub mod names;
pub mod permissions;
pub mod queue;
pub mod redis;
pub mod services;
pub mod signup;
pub mod sso;
pub mod systemd;
pub mod timer_runs;
pub mod twofactor;

pub use config::Settings;
pub use error::{Error, Result};
pub use services::Services;
