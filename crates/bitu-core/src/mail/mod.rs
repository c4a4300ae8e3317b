//! Mail: the kinds of message Bitu sends, rendered from the tera templates in shared/mail/,
//! and the transports that deliver them (SMTP, .eml files, the log).

mod templates;
mod transport;

use serde::{Deserialize, Serialize};

pub use templates::Templates;
pub use transport::Transport;

use crate::config::Settings;

/// A message to send, before rendering. Each variant is a template in shared/mail/.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Message {
    /// Asks a new developer to open the activation link of their signup.
    Activation {
        /// Address of the new account.
        to: String,
        /// Developer name (`cn`) of the new account.
        developer_name: String,
        /// Subject line (`[signup] activation_subject`); empty for the template's own.
        #[serde(default)]
        subject: String,
        /// Row id of the sign-up.
        #[serde(default)]
        signup_id: u64,
        /// The activation token; the link is `/signup/activate/ID/TOKEN/`.
        token: String,
    },
    /// Tells the administrators (`[mail] admins`) something.
    AdminNotice {
        /// What it is about.
        subject: String,
        /// Plain text.
        body: String,
    },
    /// A password reset link for a developer who forgot their password.
    PasswordReset {
        /// The entry's address.
        to: String,
        /// Developer name.
        developer_name: String,
        /// Path of the link (under `[site] base_url`).
        path: String,
        /// When the link stops working, for people.
        expires: String,
    },
    /// The developer names and shell usernames of every account with an address.
    UsernameReminder {
        /// The address asked about.
        to: String,
        /// (developer name, shell username) of each account.
        accounts: Vec<(String, String)>,
    },
    /// Asks to confirm a new address before it replaces the old one.
    EmailChangeConfirm {
        /// The new address.
        to: String,
        /// Developer name.
        developer_name: String,
        /// Path of the confirmation link.
        path: String,
        /// When the link stops working, for people.
        expires: String,
    },
    /// Tells the old address that the account's address changed.
    EmailChanged {
        /// The old address.
        to: String,
        /// Developer name.
        developer_name: String,
        /// The new address, masked.
        new_address: String,
    },
    /// News about a group access request: a new one (to managers and notify lists), a
    /// decision, an expiry warning, the end of a grant, a revocation, a cancellation.
    GroupAccess {
        /// One recipient.
        to: String,
        /// new_request, approved, rejected, expiry_warning, expired, revoked, cancelled.
        event: String,
        /// cn of the group.
        group: String,
        /// Shell username of the requester.
        requester: String,
        /// The requester's reason, or the revoking manager's comment.
        comment: String,
        /// (manager, comment) of each decision so far.
        #[serde(default)]
        decisions: Vec<(String, String)>,
        /// When the grant ends, for people (empty: it does not).
        #[serde(default)]
        ends: String,
        /// Path of the page to look at (under `[site] base_url`).
        path: String,
    },
    /// News about the account's two-factor sign-in: enabled, disabled, a recovery code used,
    /// or reset by an account manager.
    TwoFactor {
        /// The account's address.
        to: String,
        /// Developer name.
        developer_name: String,
        /// enabled, disabled, recovery_used, reset.
        event: String,
        /// The account manager's comment (reset only).
        #[serde(default)]
        comment: String,
    },
}

impl Message {
    /// Name of the template (file stem in shared/mail/).
    pub fn template(&self) -> &'static str {
        match self {
            Message::Activation { .. } => "activation",
            Message::AdminNotice { .. } => "admin_notice",
            Message::PasswordReset { .. } => "password_reset",
            Message::UsernameReminder { .. } => "username_reminder",
            Message::EmailChangeConfirm { .. } => "email_change_confirm",
            Message::EmailChanged { .. } => "email_changed",
            Message::GroupAccess { .. } => "group_access",
            Message::TwoFactor { .. } => "twofactor",
        }
    }

    /// The recipient, for messages to one person (admin notices go to `[mail] admins`).
    pub fn recipient(&self) -> Option<&str> {
        match self {
            Message::Activation { to, .. }
            | Message::PasswordReset { to, .. }
            | Message::UsernameReminder { to, .. }
            | Message::EmailChangeConfirm { to, .. }
            | Message::EmailChanged { to, .. }
            | Message::GroupAccess { to, .. }
            | Message::TwoFactor { to, .. } => Some(to),
            Message::AdminNotice { .. } => None,
        }
    }

    /// Path of the message's link under `[site] base_url`, if it has one.
    pub fn link_path(&self) -> Option<String> {
        match self {
            Message::Activation {
                signup_id, token, ..
            } => Some(format!("/signup/activate/{signup_id}/{token}/")),
            Message::PasswordReset { path, .. }
            | Message::EmailChangeConfirm { path, .. }
            | Message::GroupAccess { path, .. } => Some(path.clone()),
            _ => None,
        }
    }
}

/// A rendered message, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Recipients.
    pub to: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

/// Why a mail was not sent. Addresses in messages are masked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// A template is broken or lacks a value.
    #[error("mail template {template}: {message}")]
    Template {
        /// Template name.
        template: String,
        /// What tera said.
        message: String,
    },
    /// An address does not parse.
    #[error("not a mail address: {0}")]
    Address(String),
    /// The server could not be reached or the connection broke; try again later.
    #[error("mail server unavailable: {0}")]
    Unavailable(String),
    /// The server said "not now" (4xx); try again later.
    #[error("mail deferred by the server: {0}")]
    Deferred(String),
    /// The server refused the mail for good (5xx).
    #[error("mail to {to} rejected: {reason}")]
    Rejected {
        /// Masked recipients.
        to: String,
        /// The server's answer, addresses masked.
        reason: String,
    },
    /// The file transport could not write.
    #[error("cannot write mail file: {0}")]
    File(String),
}

impl MailError {
    /// Whether sending again cannot help.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            MailError::Template { .. } | MailError::Address(_) | MailError::Rejected { .. }
        )
    }

    /// Whether the server refused the message for good (a 5xx answer).
    pub fn is_rejection(&self) -> bool {
        matches!(self, MailError::Rejected { .. })
    }
}

/// `alice@example.org` → `a***@example.org`, for logs.
pub fn mask_address(address: &str) -> String {
    let address = address.trim_matches(|c| c == '<' || c == '>');
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Masks every word of `text` that looks like a mail address (server answers quote them).
pub fn mask_addresses_in(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if !word.contains('@') {
                return word.to_string();
            }
            let start = word.find(char::is_alphanumeric).unwrap_or(0);
            let end = word
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_alphanumeric())
                .map_or(word.len(), |(i, c)| i + c.len_utf8())
                .max(start);
            format!(
                "{}{}{}",
                &word[..start],
                mask_address(&word[start..end]),
                &word[end..]
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Delivers rendered messages: the seam between Bitu's mail and the world ([`Transport`]:
/// SMTP, files or the log; tests capture what would go out).
pub trait MailTransport: Send + Sync {
    /// Sends `rendered`; `message_id` becomes its Message-ID.
    fn send(
        &self,
        rendered: &Rendered,
        message_id: &str,
    ) -> impl std::future::Future<Output = Result<(), MailError>> + Send;
}

impl MailTransport for Transport {
    async fn send(&self, rendered: &Rendered, message_id: &str) -> Result<(), MailError> {
        Transport::send(self, rendered, message_id).await
    }
}

/// Renders and sends messages.
pub struct Mailer<T = Transport> {
    templates: Templates,
    transport: T,
    admins: Vec<String>,
}

impl Mailer {
    /// A mailer for `[mail]` and `[site]` of `settings`; checks templates and addresses.
    pub fn new(settings: &Settings) -> Result<Mailer, MailError> {
        Mailer::with_transport(settings, Transport::new(&settings.mail, &settings.site)?)
    }
}

impl<T: MailTransport> Mailer<T> {
    /// A mailer for `[site]` and `[mail] admins` of `settings` delivering through `transport`.
    pub fn with_transport(settings: &Settings, transport: T) -> Result<Mailer<T>, MailError> {
        Ok(Mailer {
            templates: Templates::load(&settings.site)?,
            transport,
            admins: settings.mail.admins.clone(),
        })
    }

    /// The transport messages go through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Renders `message` with its template, in English.
    pub fn render(&self, message: &Message) -> Result<Rendered, MailError> {
        self.render_in(message, crate::i18n::DEFAULT_LANG)
    }

    /// Renders `message` with its template in `lang` (the recipient's language; English when
    /// there is no message file for it).
    pub fn render_in(&self, message: &Message, lang: &str) -> Result<Rendered, MailError> {
        let to = match message.recipient() {
            Some(to) => vec![to.to_string()],
            None => self.admins.clone(),
        };
        self.templates.render(message, to, lang)
    }

    /// Sends a rendered message; `message_id` becomes its Message-ID, so copies of one job
    /// are recognisable as such.
    pub async fn send(&self, rendered: &Rendered, message_id: &str) -> Result<(), MailError> {
        self.transport.send(rendered, message_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_address("alice@example.org"), "a***@example.org");
        assert_eq!(mask_address("<bob@x.org>"), "b***@x.org");
        assert_eq!(mask_address("nonsense"), "***");
        assert_eq!(
            mask_addresses_in("550 5.1.1 <carol@example.org>: Recipient address rejected"),
            "550 5.1.1 <c***@example.org>: Recipient address rejected"
        );
    }

    #[test]
    fn permanence() {
        assert!(
            MailError::Rejected {
                to: "x".into(),
                reason: "550".into()
            }
            .is_permanent()
        );
        assert!(!MailError::Unavailable("refused".into()).is_permanent());
        assert!(!MailError::Deferred("451".into()).is_permanent());
    }
}
