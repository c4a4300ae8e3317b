//! `[mail]`: who mail comes from and how it leaves (SMTP, a folder of .eml files, or the log).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How mail is delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// To an SMTP server (`[mail.smtp]`).
    #[default]
    Smtp,
    /// As .eml files into `[mail] file_dir`, for development.
    File,
    /// Into the log, for development.
    Console,
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a local relay).
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The `[mail.smtp]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmtpSettings {
    /// Server host name (also the name its certificate must carry).
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Transport security.
    pub tls: SmtpTls,
    /// User to authenticate as; no authentication when empty.
    pub username: String,
    /// Password of `username`.
    pub password: String,
    /// Read `password` from this file instead.
    pub password_file: Option<PathBuf>,
    /// How long to wait for the server at each step.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 25,
            tls: SmtpTls::None,
            username: String::new(),
            password: String::new(),
            password_file: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The `[mail]` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MailSettings {
    /// `smtp`, `file` or `console`.
    pub transport: MailTransportKind,
    /// Sender of every message, e.g. `Bitu <noreply@example.org>`.
    pub from: String,
    /// Recipients of messages for the administrators.
    pub admins: Vec<String>,
    /// Folder the `file` transport writes into.
    pub file_dir: PathBuf,
    /// The SMTP server.
    pub smtp: SmtpSettings,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            transport: MailTransportKind::Smtp,
            from: "Bitu <noreply@localhost>".into(),
            admins: Vec::new(),
            file_dir: PathBuf::from("/var/spool/bitu/mail"),
            smtp: SmtpSettings::default(),
        }
    }
}

impl MailSettings {
    /// Problems of values that parse but cannot work.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push((
                "mail.from".into(),
                format!("{:?} is not a mail address", self.from),
            ));
        }
        for admin in &self.admins {
            if admin.parse::<lettre::message::Mailbox>().is_err() {
                problems.push((
                    "mail.admins".into(),
                    format!("{admin:?} is not a mail address"),
                ));
            }
        }
        if self.transport == MailTransportKind::Smtp && self.smtp.host.is_empty() {
            problems.push(("mail.smtp.host".into(), "must not be empty".into()));
        }
        if self.smtp.timeout.is_zero() {
            problems.push(("mail.smtp.timeout".into(), "must be positive".into()));
        }
        problems
    }
}
