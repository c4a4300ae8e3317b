//! Delivery: SMTP through lettre, .eml files into a folder, or the log.

use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tracing::info;

use super::{MailError, Rendered, mask_address, mask_addresses_in};
use crate::config::{MailSettings, MailTransportKind, SiteSettings, SmtpTls};

/// Where mail goes.
pub enum Transport {
    /// An SMTP server, over a small connection pool.
    Smtp {
        /// The lettre transport.
        smtp: Box<AsyncSmtpTransport<Tokio1Executor>>,
        /// Sender and Message-ID domain.
        from: Mailbox,
        /// Right-hand side of Message-IDs.
        domain: String,
    },
    /// Files named after the Message-ID in a folder (a rerun overwrites, never duplicates).
    File {
        /// The folder.
        dir: PathBuf,
        /// Sender.
        from: Mailbox,
        /// Right-hand side of Message-IDs.
        domain: String,
    },
    /// Log lines.
    Console {
        /// Sender.
        from: Mailbox,
    },
}

fn smtp_transport(
    settings: &MailSettings,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let smtp = &settings.smtp;
    let tls_parameters = || {
        TlsParameters::new(smtp.host.clone())
            .map_err(|e| MailError::Unavailable(format!("TLS set-up for {}: {e}", smtp.host)))
    };
    let tls = match smtp.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => Tls::Required(tls_parameters()?),
        SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(smtp.timeout));
    if !smtp.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            smtp.username.clone(),
            smtp.password.clone(),
        ));
    }
    Ok(builder.build())
}

impl Transport {
    /// The transport `[mail]` asks for.
    pub fn new(settings: &MailSettings, site: &SiteSettings) -> Result<Transport, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| MailError::Address(format!("mail.from {:?}", settings.from)))?;
        let domain = url::Url::parse(&site.base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| "bitu.invalid".into());
        Ok(match settings.transport {
            MailTransportKind::Smtp => Transport::Smtp {
                smtp: Box::new(smtp_transport(settings)?),
                from,
                domain,
            },
            MailTransportKind::File => Transport::File {
                dir: settings.file_dir.clone(),
                from,
                domain,
            },
            MailTransportKind::Console => Transport::Console { from },
        })
    }

    fn build(
        rendered: &Rendered,
        from: &Mailbox,
        message_id: String,
    ) -> Result<lettre::Message, MailError> {
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .subject(&rendered.subject)
            .message_id(Some(message_id));
        for to in &rendered.to {
            let mailbox: Mailbox = to
                .parse()
                .map_err(|_| MailError::Address(mask_address(to)))?;
            builder = builder.to(mailbox);
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html.clone()),
                    ),
            )
            .map_err(|e| MailError::Address(format!("cannot build the message: {e}")))
    }

    /// Sends `rendered` with Message-ID `<message_id@site host>`.
    pub async fn send(&self, rendered: &Rendered, message_id: &str) -> Result<(), MailError> {
        if rendered.to.is_empty() {
            // Admin notices with no admins configured go nowhere, by design.
            return Ok(());
        }
        match self {
            Transport::Smtp { smtp, from, domain } => {
                let message = Self::build(rendered, from, format!("<{message_id}@{domain}>"))?;
                smtp.send(message).await.map(|_| ()).map_err(|e| {
                    let reason = mask_addresses_in(&e.to_string());
                    if e.is_permanent() {
                        let to: Vec<String> = rendered.to.iter().map(|a| mask_address(a)).collect();
                        MailError::Rejected {
                            to: to.join(", "),
                            reason,
                        }
                    } else if e.is_transient() {
                        MailError::Deferred(reason)
                    } else {
                        MailError::Unavailable(reason)
                    }
                })
            }
            Transport::File { dir, from, domain } => {
                let message = Self::build(rendered, from, format!("<{message_id}@{domain}>"))?;
                let name: String = message_id
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let path = dir.join(format!("{name}.eml"));
                let partial = dir.join(format!(".{name}.eml.partial"));
                // Write then rename, so a reader never sees half a message.
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .map_err(|e| MailError::File(format!("{}: {e}", partial.display())))?;
                tokio::fs::rename(&partial, &path)
                    .await
                    .map_err(|e| MailError::File(format!("{}: {e}", path.display())))
            }
            Transport::Console { from } => {
                info!(
                    from = %from,
                    to = %rendered.to.join(", "),
                    subject = %rendered.subject,
                    "mail (console transport):\n{}",
                    rendered.text
                );
                Ok(())
            }
        }
    }
}
