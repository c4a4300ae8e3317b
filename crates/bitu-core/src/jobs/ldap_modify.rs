//! `ldap_modify`: change attributes of a user entry, each change idempotent.

use std::collections::HashSet;

use ldap3::Mod;
use serde::{Deserialize, Serialize};

use crate::directory::{RC_NO_SUCH_ATTRIBUTE, RC_VALUE_EXISTS, expect_success};
use crate::queue::{BackgroundJob, Envelope, JobContext, JobResult, QueueName};

/// What a change does to an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    /// Add values; values already there are fine.
    Add,
    /// Remove values (all of them when none are given); absent values are fine.
    Delete,
    /// Set the attribute to exactly these values.
    Replace,
}

/// One attribute change of an [`LdapModify`] job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// Add, delete or replace.
    pub op: ChangeOp,
    /// Attribute name.
    pub attribute: String,
    /// Values added, removed or set.
    #[serde(default)]
    pub values: Vec<String>,
}

/// Changes attributes of a user entry; each change is idempotent, so a rerun is harmless.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LdapModify {
    /// Shell username of the user whose entry changes.
    pub uid: String,
    /// Changes, applied one by one in order.
    pub changes: Vec<AttributeChange>,
}

impl BackgroundJob for LdapModify {
    const KIND: &'static str = "ldap_modify";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, _envelope: &Envelope) -> JobResult {
        let directory = &ctx.services.directory;
        let dn = directory.user_dn(&self.uid);
        for change in &self.changes {
            let values: HashSet<String> = change.values.iter().cloned().collect();
            let attribute = change.attribute.clone();
            let (op, harmless) = match change.op {
                ChangeOp::Add => (Mod::Add(attribute, values), RC_VALUE_EXISTS),
                ChangeOp::Delete => (Mod::Delete(attribute, values), RC_NO_SUCH_ATTRIBUTE),
                ChangeOp::Replace => (Mod::Replace(attribute, values), 0),
            };
            let result = directory.modify(&dn, vec![op]).await?;
            if result.rc != harmless {
                expect_success(result)?;
            }
        }
        Ok(None)
    }
}
