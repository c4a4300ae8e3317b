//! The audit trail: one row per change, in the change's transaction; `bitu audit`; the
//! account page's recent activity; retention by bitu-expire.

mod actions;
mod atomic;
mod cli;
mod retention;

use bitu_core::audit::{AuditRow, Filter, search};
use bitu_testkit::TestContext;

/// Every audit row of the test's database, newest first.
pub async fn all_rows(ctx: &TestContext) -> Vec<AuditRow> {
    let pool = bitu_core::db::build_pool(&ctx.settings.database).unwrap();
    let filter = Filter {
        limit: 10_000,
        ..Filter::default()
    };
    search(&pool, &filter).await.unwrap()
}

/// Rows of `action` (its stored name).
pub async fn rows_of(ctx: &TestContext, action: &str) -> Vec<AuditRow> {
    all_rows(ctx)
        .await
        .into_iter()
        .filter(|row| row.action == action)
        .collect()
}
