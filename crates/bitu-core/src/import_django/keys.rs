//! `keymanagement_sshkey`: every key of the original with its state and its comment. Active
//! keys are in the directory already (the keys page finds them there); what only the
//! original's database held is carried over: suspended keys, and comments. The original's
//! LDAP backend (`ldapbackend`) is our LDAP key system; other names must be configured here.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text, Unsigned};
use diesel_async::RunQueryDsl;

use super::{Family, Outcome, Run, SourceRow};
use crate::db::schema::ssh_keys;
use crate::error::Result;
use crate::keys::parse::{MAX_COMMENT_CHARS, read_public_key};
use crate::keys::store::{Inserted, insert_on};

/// A key row with its owner.
#[derive(QueryableByName)]
pub(crate) struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    system: String,
    #[diesel(sql_type = Text)]
    ssh_public_key: String,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Bool)]
    active: bool,
    #[diesel(sql_type = Text)]
    username: String,
}

impl SourceRow for Row {
    fn legacy_id(&self) -> String {
        self.id.to_string()
    }
}

/// `keymanagement_sshkey`.
pub(crate) struct Keys;

impl Family for Keys {
    type Row = Row;
    const TABLE: &'static str = "keymanagement_sshkey";
    const START: &'static str = "0";

    async fn fetch(run: &mut Run<'_>, after: &str, limit: u32) -> Result<Vec<Row>> {
        Ok(diesel::sql_query(
            "SELECT k.id, k.system, k.ssh_public_key, k.comment, k.active, u.username \
             FROM keymanagement_sshkey k JOIN accounts_user u ON u.id = k.user_id \
             WHERE k.id > CAST(? AS SIGNED) ORDER BY k.id LIMIT ?",
        )
        .bind::<Text, _>(after)
        .bind::<Unsigned<Integer>, _>(limit)
        .load(&mut run.source)
        .await?)
    }

    async fn import_row(run: &mut Run<'_>, row: &Row) -> Result<Outcome> {
        let configured = run.settings.keys.system(&row.system).or_else(|| {
            (row.system == super::permissions::ORIGINAL_LDAP_SYSTEM)
                .then(|| {
                    run.settings
                        .keys
                        .systems
                        .iter()
                        .find(|s| s.kind == crate::config::KeySystemKind::Ldap)
                })
                .flatten()
        });
        let Some(system) = configured.map(|s| s.name.clone()) else {
            return Ok(Outcome::Skipped(format!(
                "key system {:?} is not configured ([keys] systems)",
                row.system
            )));
        };
        let Some(mut key) = read_public_key(row.ssh_public_key.trim()) else {
            return Ok(Outcome::Skipped("not a public key line".into()));
        };
        // The comment kept in the original's database wins over the one in the key line.
        if !row.comment.trim().is_empty() {
            key.comment = row.comment.trim().chars().take(MAX_COMMENT_CHARS).collect();
        }
        let inserted = insert_on(
            &mut run.dest,
            &row.username,
            &system,
            &key,
            row.active,
            false,
        )
        .await?;
        let id = match inserted {
            Inserted::New(stored) => stored.id,
            Inserted::AlreadyYours(stored) => {
                // Found in the directory before the import: keep its state, take the comment.
                diesel::update(ssh_keys::table.filter(ssh_keys::id.eq(stored.id)))
                    .set(ssh_keys::comment.eq(&key.comment))
                    .execute(&mut *run.dest)
                    .await?;
                stored.id
            }
            Inserted::TakenByAnother => {
                return Ok(Outcome::Skipped(
                    "the same key belongs to another account here".into(),
                ));
            }
        };
        Ok(Outcome::Imported {
            table: "ssh_keys",
            id,
        })
    }
}
