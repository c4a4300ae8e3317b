//! `link_account`: write (or remove) a linked Wikimedia or Phabricator account on a user
//! entry; the id and the name are replaced together, so a rerun is harmless.

use std::collections::HashSet;

use ldap3::Mod;
use serde::{Deserialize, Serialize};

use crate::directory::{Filter, RC_NO_SUCH_ATTRIBUTE, expect_success};
use crate::queue::{BackgroundJob, Envelope, JobContext, JobResult, QueueName};
use crate::sso::linking::{LinkedAccount, System};

/// Links `account` of `system` to `uid`'s entry, or unlinks when `account` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAccount {
    /// Shell username of the entry.
    pub uid: String,
    /// Wikimedia or Phabricator.
    pub system: System,
    /// The account to link; `None` unlinks.
    pub account: Option<LinkedAccount>,
}

impl BackgroundJob for LinkAccount {
    const KIND: &'static str = "link_account";
    const QUEUE: QueueName = QueueName::Default;

    async fn run(&self, ctx: &JobContext, _envelope: &Envelope) -> JobResult {
        let directory = &ctx.services.directory;
        let dn = directory.user_dn(&self.uid);
        let (id, name) = (self.system.id_attribute(), self.system.name_attribute());
        let Some(account) = &self.account else {
            for attribute in [id, name] {
                let result = directory
                    .modify(
                        &dn,
                        vec![Mod::Delete(attribute.to_string(), HashSet::new())],
                    )
                    .await?;
                if result.rc != RC_NO_SUCH_ATTRIBUTE {
                    expect_success(result)?;
                }
            }
            return Ok(None);
        };
        // Another entry may have linked the account since the web checked.
        let holders = directory
            .find_users_where(Filter::eq(id, account.id.clone()))
            .await?;
        if holders
            .iter()
            .any(|h| !h.uid().eq_ignore_ascii_case(&self.uid))
        {
            return Ok(Some("linked to another entry meanwhile; not written"));
        }
        let mods = vec![
            Mod::Replace(id.to_string(), HashSet::from([account.id.clone()])),
            Mod::Replace(name.to_string(), HashSet::from([account.name.clone()])),
        ];
        expect_success(directory.modify(&dn, mods).await?)?;
        Ok(None)
    }
}
