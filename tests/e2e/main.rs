//! End-to-end tests against real slapd, MariaDB, Redis and the SMTP sink. One test binary
//! (link time is the cost of each), one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod account;
mod audit;
mod authz;
mod bench_memory;
mod bench_web;
mod bench_worker;
mod binaries;
mod blocking;
mod blocklist;
mod database;
mod directory;
mod failover;
mod import_django;
mod jobs_support;
mod keys;
mod logging;
mod mail_language;
mod mail_outages;
mod migrations;
mod names;
mod operations;
mod pages;
mod permissions;
mod queue;
mod recovery;
mod review_fixes;
mod schema;
mod signup;
mod sso;
mod twofactor;
mod ui;
mod web;
mod worker;
