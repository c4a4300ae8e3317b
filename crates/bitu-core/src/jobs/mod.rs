//! Every kind of background job, one file each. A new kind is a struct implementing
//! [`BackgroundJob`](crate::queue::BackgroundJob) in a file here, plus its line in [`KINDS`];
//! bitu-rq, the envelope decoder, `[queue.kinds]` and `bitu jobs` learn of it from there.

mod block_system;
mod group_access_decide;
mod group_membership;
mod ldap_modify;
mod link_account;
mod password_reset_mail;
mod probe;
mod provision_account;
mod send_mail;
mod username_reminder_mail;

pub use block_system::BlockSystem;
pub use group_access_decide::GroupAccessDecide;
pub use group_membership::GroupMembership;
pub use ldap_modify::{AttributeChange, ChangeOp, LdapModify};
pub use link_account::LinkAccount;
pub use password_reset_mail::PasswordResetMail;
pub use probe::Probe;
pub use provision_account::ProvisionAccount;
pub use send_mail::SendMail;
pub use username_reminder_mail::UsernameReminderMail;

use crate::queue::Kind;

/// Every kind this build runs. Old workers put kinds they do not know into the failed set,
/// from where `bitu jobs retry` brings them back after an upgrade.
pub static KINDS: &[Kind] = &[
    Kind::of::<SendMail>(),
    Kind::of::<LdapModify>(),
    Kind::of::<Probe>(),
    Kind::of::<ProvisionAccount>(),
    Kind::of::<PasswordResetMail>(),
    Kind::of::<UsernameReminderMail>(),
    Kind::of::<BlockSystem>(),
    Kind::of::<GroupMembership>(),
    Kind::of::<GroupAccessDecide>(),
    Kind::of::<LinkAccount>(),
];
