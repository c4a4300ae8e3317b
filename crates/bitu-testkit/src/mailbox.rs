//! Reads what the SMTP sink received. Each test uses addresses carrying its own id, so its
//! mailbox is the sink's Maildir filtered by recipient.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mail_parser::MessageParser;

/// One received message.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Recipients (To).
    pub to: Vec<String>,
    /// Sender (From).
    pub from: Option<String>,
    /// Subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, if any.
    pub html: Option<String>,
    /// The raw message.
    pub raw: Vec<u8>,
}

/// The mail of one test.
#[derive(Debug, Clone)]
pub struct Mailbox {
    maildir: PathBuf,
    tag: String,
}

impl Mailbox {
    /// Mail in `maildir` sent to addresses containing `tag`.
    pub fn new(maildir: PathBuf, tag: String) -> Mailbox {
        Mailbox { maildir, tag }
    }

    /// An address that lands in this mailbox.
    pub fn address(&self, local: &str) -> String {
        format!("{local}.{}@example.org", self.tag)
    }

    /// Every message received so far for this test, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.maildir.join(sub)).ok())
            .flat_map(|dir| dir.flatten())
            .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read(path).ok())
            .filter_map(parse)
            .filter(|mail| mail.to.iter().any(|to| to.contains(&self.tag)))
            .collect()
    }

    /// Messages to `address`.
    pub fn messages_to(&self, address: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits until `count` messages for this test arrived, or panics after `limit`.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                started.elapsed() < limit,
                "expected {count} mail(s) for {}, got {} after {limit:?}",
                self.tag,
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn parse(raw: Vec<u8>) -> Option<Mail> {
    let message = MessageParser::default().parse(&raw)?;
    let to = message
        .to()
        .map(|to| {
            to.iter()
                .filter_map(|addr| addr.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let from = message
        .from()
        .and_then(|from| from.first())
        .and_then(|addr| addr.address().map(str::to_string));
    let subject = message.subject().unwrap_or_default().to_string();
    let text = message
        .body_text(0)
        .map(|text| text.into_owned())
        .unwrap_or_default();
    let html = message.body_html(0).map(|html| html.into_owned());
    Some(Mail {
        to,
        from,
        subject,
        text,
        html,
        raw,
    })
}
