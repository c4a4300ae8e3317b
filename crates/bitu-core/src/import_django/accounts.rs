//! The original's tables that carry nothing Bitu keeps: its user rows (the accounts are in
//! the directory), Django's groups and permissions, social-auth state and sessions (the
//! two-factor tables are imported by `twofactor`). Each is counted and reported with the reason; what
//! carries meaning (last logins, linked accounts per provider) is summarised in notes.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::{Run, TableReport};
use crate::error::Result;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Each counted-only table and why nothing of it is written.
pub const REPORTED: &[(&str, &str)] = &[
    (
        "accounts_user",
        "accounts are in the directory; Bitu keeps no user rows",
    ),
    (
        "accounts_user_groups",
        "Django groups; Bitu's roles come from LDAP groups ([authz])",
    ),
    (
        "accounts_user_user_permissions",
        "Django permissions; Bitu's roles come from LDAP groups ([authz])",
    ),
    (
        "auth_group",
        "Django groups; Bitu's roles come from LDAP groups ([authz])",
    ),
    (
        "auth_group_permissions",
        "Django permissions; Bitu's roles come from LDAP groups ([authz])",
    ),
    (
        "auth_permission",
        "Django permissions; Bitu's roles come from LDAP groups ([authz])",
    ),
    (
        "social_auth_usersocialauth",
        "linked accounts: the links that matter are in the directory",
    ),
    (
        "social_auth_association",
        "sign-in protocol state, useless after the cut-over",
    ),
    (
        "social_auth_code",
        "sign-in protocol state, useless after the cut-over",
    ),
    (
        "social_auth_nonce",
        "sign-in protocol state, useless after the cut-over",
    ),
    (
        "social_auth_partial",
        "sign-in protocol state, useless after the cut-over",
    ),
    (
        "django_session",
        "sessions end at the cut-over: everyone signs in again",
    ),
    ("captcha_captchastore", "captchas live minutes"),
    ("django_content_type", "Django's bookkeeping"),
    ("django_migrations", "Django's bookkeeping"),
    (
        "signups_signuppassword",
        "read with its sign-up (signups_signup)",
    ),
];

async fn count(run: &mut Run<'_>, sql: &str) -> Result<i64> {
    let rows: Vec<Count> = diesel::sql_query(sql).load(&mut run.source).await?;
    Ok(rows.into_iter().next().map_or(0, |c| c.n))
}

/// Counts and reports every table of [`REPORTED`].
pub(crate) async fn report(run: &mut Run<'_>) -> Result<()> {
    for (table, reason) in REPORTED {
        let n = count(run, &format!("SELECT COUNT(*) AS n FROM `{table}`")).await?;
        let n = u64::try_from(n).unwrap_or_default();
        let mut report = TableReport {
            table: (*table).to_string(),
            read: n,
            ..TableReport::default()
        };
        if *table == "signups_signuppassword" {
            report.notes.push((*reason).to_string());
        } else if n > 0 {
            report.skipped.insert((*reason).to_string(), n);
        }
        match *table {
            "accounts_user" => {
                let active = count(
                    run,
                    "SELECT COUNT(*) AS n FROM accounts_user WHERE is_active",
                )
                .await?;
                let staff = count(
                    run,
                    "SELECT COUNT(*) AS n FROM accounts_user WHERE is_staff OR is_superuser",
                )
                .await?;
                let recent = count(
                    run,
                    "SELECT COUNT(*) AS n FROM accounts_user \
                     WHERE last_login > NOW() - INTERVAL 90 DAY",
                )
                .await?;
                report.notes.push(format!(
                    "{active} active; {staff} staff or superuser (give them Bitu's roles \
                     through [authz] groups); {recent} signed in during the last 90 days"
                ));
            }
            "social_auth_usersocialauth" => {
                let rows: Vec<Named> = diesel::sql_query(
                    "SELECT provider AS name, COUNT(*) AS n FROM social_auth_usersocialauth \
                     GROUP BY provider ORDER BY provider",
                )
                .load(&mut run.source)
                .await?;
                for row in rows {
                    report
                        .notes
                        .push(format!("{} accounts linked to {}", row.n, row.name));
                }
            }
            _ => {}
        }
        run.report.add_table(report);
    }
    Ok(())
}
