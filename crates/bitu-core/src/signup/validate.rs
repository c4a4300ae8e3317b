//! The sign-up validators. Each field runs the validators its `[signup]` list names, in
//! order, and every failure is reported at once, each with a message for its field.

use std::collections::BTreeMap;
use std::future::Future;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use unicode_security::MixedScript;

use super::names::{CN_MAX, UID_MAX, is_shell_name, sanitize_cn};
use crate::account::password_rules::{PasswordContext, check_new_password};
use crate::config::Settings;
use crate::db::schema::signups;
use crate::db::{self, DbPool};
use crate::directory::{Directory, Filter, UserStore};
use crate::error::Result;
use crate::i18n::Msg;
use crate::names::skeleton::skeleton;
use crate::names::{NameRules, confusables};

/// Says whether a name may not be registered, and why (for the person signing up).
pub trait NameBlocklist {
    /// `Some(message)` when `name` is blocked.
    fn blocked(&self, name: &str) -> impl Future<Output = Result<Option<Msg>>>;
}

/// A block list that blocks nothing (for callers with no list configured).
pub struct NoBlocklist;

impl NameBlocklist for NoBlocklist {
    async fn blocked(&self, _name: &str) -> Result<Option<Msg>> {
        Ok(None)
    }
}

impl NameBlocklist for crate::blocklist::Blocklist {
    async fn blocked(&self, name: &str) -> Result<Option<Msg>> {
        Ok(self
            .check(name)
            .await?
            .map(|_| Msg::new("bitu-signup-error-blocked")))
    }
}

/// What a person typed into the sign-up form.
#[derive(Debug, Clone, Default)]
pub struct SignupRequest {
    /// Developer name, as typed.
    pub cn: String,
    /// Shell username, as typed.
    pub uid: String,
    /// Email address, as typed.
    pub email: String,
    /// Password.
    pub password: String,
    /// Password again.
    pub password_again: String,
}

/// Messages per form field (`cn`, `uid`, `email`, `password`, `captcha`, `form`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub BTreeMap<String, Vec<Msg>>);

impl FieldErrors {
    /// Adds `message` to `field`.
    pub fn add(&mut self, field: &str, message: Msg) {
        self.0.entry(field.to_string()).or_default().push(message);
    }

    /// Adds every message of `messages` to `field`.
    pub fn extend(&mut self, field: &str, messages: Vec<Msg>) {
        for message in messages {
            self.add(field, message);
        }
    }

    /// Whether nothing was refused.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages of `field`.
    pub fn get(&self, field: &str) -> &[Msg] {
        self.0.get(field).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Which field of a stored sign-up a name or address is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingField {
    /// Developer name.
    Cn,
    /// Shell username.
    Uid,
    /// Email address.
    Mail,
}

/// The stored sign-ups, asked whether one already holds a name or address.
pub trait PendingSignups: Send + Sync {
    /// Whether a stored sign-up has `value` in `field`.
    fn is_pending(
        &self,
        field: PendingField,
        value: &str,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// The name in use (in the directory or held by a sign-up) whose look-alike skeleton
    /// `name` shares, `name` itself included.
    fn name_like(&self, name: &str) -> impl Future<Output = Result<Option<String>>> + Send;
}

impl PendingSignups for DbPool {
    async fn is_pending(&self, field: PendingField, value: &str) -> Result<bool> {
        let mut conn = db::conn(self).await?;
        let count: i64 = match field {
            PendingField::Cn => {
                signups::table
                    .filter(signups::cn.eq(value))
                    .count()
                    .get_result(&mut conn)
                    .await?
            }
            PendingField::Uid => {
                signups::table
                    .filter(signups::uid.eq(value))
                    .count()
                    .get_result(&mut conn)
                    .await?
            }
            PendingField::Mail => {
                signups::table
                    .filter(signups::mail.eq(value))
                    .count()
                    .get_result(&mut conn)
                    .await?
            }
        };
        Ok(count > 0)
    }

    async fn name_like(&self, name: &str) -> Result<Option<String>> {
        let mut conn = db::conn(self).await?;
        confusables::similar_name(&mut conn, name).await
    }
}

/// Runs the configured validators against the directory, the pending sign-ups and a block
/// list. A directory outage is an error, not a verdict: nothing can be said about names then.
pub struct Validator<'a, B, U = Directory, P = DbPool> {
    /// Settings (validator lists, password rules).
    pub settings: &'a Settings,
    /// The directory, for names and addresses already taken.
    pub directory: &'a U,
    /// The stored sign-ups (MariaDB).
    pub db: &'a P,
    /// The name block list.
    pub blocklist: &'a B,
}

fn looks_like_email(text: &str) -> bool {
    text.contains('@') && email_address::EmailAddress::is_valid(text.trim())
}

fn looks_like_url(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("://")
        || lower.starts_with("www.")
        || url::Url::parse(&lower).is_ok_and(|u| u.has_host())
}

/// Control, format (zero-width) and private-use characters have no place in a name.
fn has_invisible(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{E000}'..='\u{F8FF}' | '\u{00AD}')
    })
}

impl<B: NameBlocklist, U: UserStore, P: PendingSignups> Validator<'_, B, U, P> {
    async fn pending(&self, column: &str, value: &str) -> Result<bool> {
        let field = match column {
            "cn" => PendingField::Cn,
            "uid" => PendingField::Uid,
            _ => PendingField::Mail,
        };
        self.db.is_pending(field, value).await
    }

    async fn name_taken(&self, name: &str) -> Result<bool> {
        let found = self
            .directory
            .find_users_where(Filter::Or(vec![
                Filter::eq("cn", name),
                Filter::eq("uid", name),
            ]))
            .await?;
        Ok(!found.is_empty())
    }

    /// Another name in use, or reserved by configuration, that `cn` looks like (same
    /// confusable skeleton): one indexed lookup in `name_skeletons`, which holds the LDAP
    /// names and those of pending sign-ups. The very same name is not counted here.
    async fn similar_name(&self, cn: &str) -> Result<Option<String>> {
        let wanted = skeleton(cn);
        if let Some(reserved) = self
            .settings
            .names
            .reserved
            .iter()
            .find(|reserved| reserved.as_str() != cn && skeleton(reserved) == wanted)
        {
            return Ok(Some(reserved.clone()));
        }
        Ok(self
            .db
            .name_like(cn)
            .await?
            .filter(|existing| existing != cn))
    }

    /// Messages for a developer name (checked in its stored, canonical form). A name
    /// MediaWiki could not create gets only that reason: the other checks need a name.
    pub async fn check_cn(&self, raw: &str) -> Result<Vec<Msg>> {
        let rules = NameRules::new(&self.settings.names);
        let mut problems = Vec::new();
        let validators = &self.settings.signup.cn_validators;
        let cn = if validators.iter().any(|v| v == "mediawiki") {
            match rules.canonical(raw) {
                Ok(cn) => cn,
                Err(problem) => return Ok(vec![problem.msg()]),
            }
        } else {
            sanitize_cn(&self.settings.names, raw)
        };
        if cn.is_empty() {
            problems.push(Msg::new("bitu-signup-error-cn-empty"));
            return Ok(problems);
        }
        for validator in &self.settings.signup.cn_validators {
            match validator.as_str() {
                "length" if cn.chars().count() > CN_MAX => {
                    problems.push(Msg::new("bitu-signup-error-cn-length").arg(CN_MAX))
                }
                "characters" if has_invisible(&cn) || !cn.is_single_script() => {
                    problems.push(Msg::new("bitu-signup-error-cn-characters"))
                }
                "not_email" if looks_like_email(&cn) => {
                    problems.push(Msg::new("bitu-signup-error-cn-email"))
                }
                "not_url" if looks_like_url(&cn) => {
                    problems.push(Msg::new("bitu-signup-error-cn-url"))
                }
                "not_in_directory" if self.name_taken(&cn).await? => {
                    problems.push(Msg::new("bitu-signup-error-cn-taken"))
                }
                "not_blocked" => {
                    if let Some(reason) = self.blocklist.blocked(&cn).await? {
                        problems.push(reason);
                    }
                }
                "not_confusable" => {
                    if let Some(existing) = self.similar_name(&cn).await? {
                        problems.push(Msg::new("bitu-signup-error-cn-similar").arg(existing));
                    }
                }
                "not_pending" if self.pending("cn", &cn).await? => {
                    problems.push(Msg::new("bitu-signup-error-cn-pending"))
                }
                _ => {}
            }
        }
        Ok(problems)
    }

    /// Messages for a shell username.
    pub async fn check_uid(&self, uid: &str) -> Result<Vec<Msg>> {
        let mut problems = Vec::new();
        if uid.is_empty() {
            problems.push(Msg::new("bitu-signup-error-uid-empty"));
            return Ok(problems);
        }
        for validator in &self.settings.signup.uid_validators {
            match validator.as_str() {
                "length" if uid.chars().count() > UID_MAX => {
                    problems.push(Msg::new("bitu-signup-error-uid-length").arg(UID_MAX))
                }
                "shell_format" if !is_shell_name(uid) => {
                    problems.push(Msg::new("bitu-signup-error-uid-format"))
                }
                "not_in_directory" if self.name_taken(uid).await? => {
                    problems.push(Msg::new("bitu-signup-error-uid-taken"))
                }
                "not_blocked" => {
                    if let Some(reason) = self.blocklist.blocked(uid).await? {
                        problems.push(reason);
                    }
                }
                "not_pending" if self.pending("uid", uid).await? => {
                    problems.push(Msg::new("bitu-signup-error-uid-pending"))
                }
                _ => {}
            }
        }
        Ok(problems)
    }

    /// Messages for an email address (compared in lower case).
    pub async fn check_email(&self, raw: &str) -> Result<Vec<Msg>> {
        let email = raw.trim().to_lowercase();
        let mut problems = Vec::new();
        if email.is_empty() {
            problems.push(Msg::new("bitu-signup-error-email-empty"));
            return Ok(problems);
        }
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        for validator in &self.settings.signup.email_validators {
            match validator.as_str() {
                "syntax" if !email_address::EmailAddress::is_valid(&email) || email.len() > 254 => {
                    problems.push(Msg::new("bitu-signup-error-email-syntax"))
                }
                "allowed_domain"
                    if self
                        .settings
                        .signup
                        .email_deny_domains
                        .iter()
                        .any(|denied| {
                            let denied = denied.to_lowercase();
                            match denied.strip_prefix('.') {
                                Some(parent) => domain == parent || domain.ends_with(&denied),
                                None => domain == denied,
                            }
                        }) =>
                {
                    problems.push(Msg::new("bitu-signup-error-email-domain"))
                }
                "not_in_directory"
                    if !self
                        .directory
                        .find_users_where(Filter::eq("mail", email.as_str()))
                        .await?
                        .is_empty() =>
                {
                    problems.push(Msg::new("bitu-signup-error-email-taken"))
                }
                "not_pending" if self.pending("mail", &email).await? => {
                    problems.push(Msg::new("bitu-signup-error-email-pending"))
                }
                _ => {}
            }
        }
        Ok(problems)
    }

    /// Every field of a sign-up, all messages at once.
    pub async fn check_all(&self, request: &SignupRequest) -> Result<FieldErrors> {
        let mut errors = FieldErrors::default();
        errors.extend("cn", self.check_cn(&request.cn).await?);
        errors.extend("uid", self.check_uid(request.uid.trim()).await?);
        errors.extend("email", self.check_email(&request.email).await?);
        let context = PasswordContext {
            cn: request.cn.trim(),
            uid: request.uid.trim(),
            email: request.email.trim(),
        };
        errors.extend(
            "password",
            check_new_password(
                &self.settings.password,
                &request.password,
                &request.password_again,
                &context,
            ),
        );
        Ok(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_addresses_urls_and_invisible_characters() {
        assert!(looks_like_email("john@example.org"));
        assert!(!looks_like_email("John Doe"));
        assert!(looks_like_url("https://example.org"));
        assert!(looks_like_url("www.example.org"));
        assert!(!looks_like_url("John Doe"));
        assert!(has_invisible("John\u{200B}Doe"));
        assert!(!has_invisible("Jöhn Dœ"));
        assert!(!"Аlice".is_single_script(), "Cyrillic А with Latin");
        assert!("Алиса".is_single_script());
    }

    use crate::memory::{MemoryDirectory, MemorySignups};

    /// Blocks names containing "admin", as a Titleblacklist line `.*admin.*` would.
    struct AdminBlocked;

    impl NameBlocklist for AdminBlocked {
        async fn blocked(&self, name: &str) -> Result<Option<Msg>> {
            Ok(name
                .to_lowercase()
                .contains("admin")
                .then(|| Msg::new("bitu-signup-error-blocked")))
        }
    }

    const STRONG: &str = "violet tugboat mandolin 1947";

    fn request(cn: &str, uid: &str, email: &str) -> SignupRequest {
        SignupRequest {
            cn: cn.into(),
            uid: uid.into(),
            email: email.into(),
            password: STRONG.into(),
            password_again: STRONG.into(),
        }
    }

    struct World {
        settings: Settings,
        directory: MemoryDirectory,
        signups: MemorySignups,
    }

    impl World {
        fn new() -> World {
            let directory = MemoryDirectory::new();
            directory.add_user("alice", "Alice Liddell", "alice@example.org", "x");
            let signups = MemorySignups::default();
            signups.add("Dana Scully", "dscully", "dana@example.org");
            let mut settings = Settings::default();
            settings.signup.email_deny_domains = vec![".mailinator.com".into()];
            World {
                settings,
                directory,
                signups,
            }
        }

        async fn check(&self, request: &SignupRequest) -> FieldErrors {
            Validator {
                settings: &self.settings,
                directory: &self.directory,
                db: &self.signups,
                blocklist: &AdminBlocked,
            }
            .check_all(request)
            .await
            .unwrap()
        }
    }

    fn mentions(errors: &FieldErrors, field: &str, words: &str) -> bool {
        errors
            .get(field)
            .iter()
            .any(|message| message.to_string().contains(words))
    }

    #[tokio::test]
    async fn a_fresh_name_address_and_strong_password_pass() {
        let world = World::new();
        let errors = world
            .check(&request("Fox Mulder", "fmulder", "fox@example.org"))
            .await;
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[tokio::test]
    async fn names_and_addresses_in_the_directory_are_taken_whatever_their_case() {
        let world = World::new();
        let errors = world
            .check(&request("Alice Liddell", "alice", "ALICE@example.org"))
            .await;
        assert!(mentions(&errors, "cn", "already taken"), "{errors:?}");
        assert!(mentions(&errors, "uid", "already taken"), "{errors:?}");
        assert!(mentions(&errors, "email", "already used"), "{errors:?}");
    }

    #[tokio::test]
    async fn names_and_addresses_of_stored_sign_ups_are_pending() {
        let world = World::new();
        let errors = world
            .check(&request("Dana Scully", "dscully", "Dana@Example.org"))
            .await;
        for field in ["cn", "uid", "email"] {
            assert!(
                mentions(&errors, field, "just signed up"),
                "{field}: {errors:?}"
            );
        }
    }

    #[tokio::test]
    async fn blocked_names_bad_addresses_and_mismatched_passwords_are_each_named() {
        let world = World::new();
        let mut bad = request("Sysadmin Sam", "admin2", "sam@spam.mailinator.com");
        bad.password_again = "something else entirely".into();
        let errors = world.check(&bad).await;
        assert!(mentions(&errors, "cn", "not allowed"), "{errors:?}");
        assert!(mentions(&errors, "uid", "not allowed"), "{errors:?}");
        assert!(mentions(&errors, "email", "mail provider"), "{errors:?}");
        assert!(!errors.get("password").is_empty(), "{errors:?}");

        let errors = world
            .check(&request("www.example.org", "Bad Uid", "not-an-address"))
            .await;
        assert!(mentions(&errors, "cn", "URL"), "{errors:?}");
        assert!(mentions(&errors, "uid", "lower-case"), "{errors:?}");
        assert!(mentions(&errors, "email", "valid email"), "{errors:?}");
    }

    #[tokio::test]
    async fn a_directory_outage_is_an_error_not_a_verdict() {
        struct Down;
        impl UserStore for Down {
            fn user_dn(&self, uid: &str) -> String {
                uid.to_string()
            }
            async fn find_users_where(
                &self,
                _filter: Filter,
            ) -> Result<Vec<crate::directory::DirectoryUser>> {
                Err(crate::Error::DirectoryUnavailable("refused".into()))
            }
            async fn modify_user(&self, _uid: &str, _mods: Vec<ldap3::Mod<String>>) -> Result<()> {
                Err(crate::Error::DirectoryUnavailable("refused".into()))
            }
            async fn create_user(
                &self,
                _user: &crate::directory::NewUser,
            ) -> Result<crate::directory::Created> {
                Err(crate::Error::DirectoryUnavailable("refused".into()))
            }
            async fn verify_password(&self, _dn: &str, _password: &str) -> Result<bool> {
                Err(crate::Error::DirectoryUnavailable("refused".into()))
            }
        }
        let world = World::new();
        let outcome = Validator {
            settings: &world.settings,
            directory: &Down,
            db: &world.signups,
            blocklist: &AdminBlocked,
        }
        .check_all(&request("Fox Mulder", "fmulder", "fox@example.org"))
        .await;
        assert!(outcome.is_err_and(|e| e.is_unavailable()));
    }
}
