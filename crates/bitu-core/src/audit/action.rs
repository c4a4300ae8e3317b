//! The actions the audit trail knows, each with its stored name (stable: rows and scripts
//! depend on it) and the phrase shown to the account's owner.

use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal, $phrase:literal;)*) => {
        /// A kind of change. Add a variant for each new kind; never rename a stored name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The stored name, e.g. `account.password.change`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The message key of [`Action::phrase`] in i18n/: `bitu-audit-` and the stored
            /// name with dashes (`bitu-audit-account-password-change`).
            pub fn message_key(self) -> String {
                format!("bitu-audit-{}", self.as_str().replace(['.', '_'], "-"))
            }

            /// What happened, as the account's owner reads it ("Password changed").
            pub fn phrase(self) -> &'static str {
                match self {
                    $(Action::$variant => $phrase,)*
                }
            }
        }
    };
}

actions! {
    /// A sign-up was stored (its activation mail queued).
    SignupCreate => "signup.create", "Signed up";
    /// A sign-up was confirmed through its mailed link (provisioning queued).
    SignupActivate => "signup.activate", "Account activated";
    /// A new address was asked for; the link went to it.
    EmailChangeRequest => "account.email.change_request", "Email change requested";
    /// The address was replaced through the mailed link.
    EmailChange => "account.email.change", "Email address changed";
    /// The password was changed by its owner.
    PasswordChange => "account.password.change", "Password changed";
    /// The password was set through a reset link.
    PasswordReset => "account.password.reset", "Password reset";
    /// A user-editable attribute (e.g. the login shell) was changed.
    AttributeChange => "account.attribute.change", "Account setting changed";
    /// An SSH key was added.
    KeyAdd => "key.add", "SSH key added";
    /// An SSH key was pushed to its system.
    KeyActivate => "key.activate", "SSH key activated";
    /// An SSH key was removed from its system, kept in Bitu.
    KeySuspend => "key.suspend", "SSH key suspended";
    /// A suspended SSH key was deleted.
    KeyDelete => "key.delete", "SSH key deleted";
    /// An API token was made.
    TokenCreate => "token.create", "API token created";
    /// An API token was revoked.
    TokenRevoke => "token.revoke", "API token revoked";
    /// A session was ended because its account is locked or disabled in LDAP, or gone.
    SessionEndLocked => "session.end.locked", "Signed out: account locked";
    /// An account manager blocked the account (each system's part queued).
    AccountBlock => "account.block", "Account blocked";
    /// An account manager unblocked the account (each system's part queued).
    AccountUnblock => "account.unblock", "Account unblocked";
    /// One system's part of a block or unblock was applied, or failed.
    AccountBlockApply => "account.block.apply", "Block or unblock applied in a system";
    /// Access to a group was requested.
    GroupAccessRequest => "group_access.request", "Group access requested";
    /// A manager approved a group access request.
    GroupAccessApprove => "group_access.approve", "Group access request approved by a manager";
    /// A manager rejected a group access request.
    GroupAccessReject => "group_access.reject", "Group access request rejected by a manager";
    /// A group access request was cancelled (by its requester, or as stale).
    GroupAccessCancel => "group_access.cancel", "Group access request cancelled";
    /// A manager took group access away.
    GroupAccessRevoke => "group_access.revoke", "Group access revoked";
    /// A time-limited group access ended by itself.
    GroupAccessExpire => "group_access.expire", "Group access expired";
    /// A batch of rows of the Django original was imported (`bitu import-django`).
    LegacyImport => "import.django", "Data imported from the previous Bitu";
    /// Bitu decided a request whose votes were recorded while LDAP was away.
    GroupAccessDecide => "group_access.decide", "Group access request decided";
    /// Someone signed in through the identity provider (refused: the account is locked).
    SignIn => "account.signin", "Signed in";
    /// A Wikimedia or Phabricator account was linked, or its name refreshed (refused: it is
    /// linked to another account).
    AccountLink => "account.link", "Linked account added or refreshed";
    /// A linked Wikimedia or Phabricator account was unlinked.
    AccountUnlink => "account.unlink", "Linked account removed";
    /// Two-factor sign-in was enabled (the first code confirmed the enrolment).
    TwoFactorEnable => "account.twofactor.enable", "Two-factor sign-in enabled";
    /// Two-factor sign-in was disabled by its owner (code and password given).
    TwoFactorDisable => "account.twofactor.disable", "Two-factor sign-in disabled";
    /// A recovery code was spent (signing in, or disabling).
    TwoFactorRecoveryUse => "account.twofactor.recovery_use", "Two-factor recovery code used";
    /// A wrong, spent or replayed two-factor code was given.
    TwoFactorFail => "account.twofactor.fail", "Wrong two-factor code";
    /// An account manager reset the account's two-factor sign-in.
    TwoFactorReset => "account.twofactor.reset", "Two-factor sign-in reset by an account manager";
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(name: &str) -> Result<Action, String> {
        Action::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                format!("unknown action {name:?}; known: {}", known.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for action in Action::ALL {
            assert!(seen.insert(action.as_str()), "{action} twice");
            assert_eq!(action.as_str().parse::<Action>().unwrap(), *action);
        }
        assert!("account.nothing".parse::<Action>().is_err());
    }
}
