//! The mail templates of shared/mail/, compiled in so every daemon renders the same text.

use tera::{Context, Tera};

use super::{MailError, Message, Rendered};
use crate::config::SiteSettings;

macro_rules! shared {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../../shared/mail/", $name)),
        )
    };
}

const TEMPLATES: &[(&str, &str)] = &[
    shared!("layout.html"),
    shared!("activation.subject.txt"),
    shared!("activation.txt"),
    shared!("activation.html"),
    shared!("admin_notice.subject.txt"),
    shared!("admin_notice.txt"),
    shared!("admin_notice.html"),
    shared!("password_reset.subject.txt"),
    shared!("password_reset.txt"),
    shared!("password_reset.html"),
    shared!("username_reminder.subject.txt"),
    shared!("username_reminder.txt"),
    shared!("username_reminder.html"),
    shared!("email_change_confirm.subject.txt"),
    shared!("email_change_confirm.txt"),
    shared!("email_change_confirm.html"),
    shared!("email_changed.subject.txt"),
    shared!("email_changed.txt"),
    shared!("email_changed.html"),
    shared!("group_access.subject.txt"),
    shared!("group_access.txt"),
    shared!("group_access.html"),
    shared!("twofactor.subject.txt"),
    shared!("twofactor.txt"),
    shared!("twofactor.html"),
];

/// Parsed templates plus the site values every one of them sees.
pub struct Templates {
    tera: Tera,
    site_name: String,
    base_url: String,
}

fn template_error(template: &str, error: &tera::Error) -> MailError {
    // Tera keeps the useful part in the source chain.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    MailError::Template {
        template: template.to_string(),
        message,
    }
}

impl Templates {
    /// Parses every template; an error here is a bug caught at start-up.
    pub fn load(site: &SiteSettings) -> Result<Templates, MailError> {
        let mut tera = Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| template_error("shared/mail", &e))?;
        Ok(Templates {
            tera,
            site_name: site.name.clone(),
            base_url: site.base_url.trim_end_matches('/').to_string(),
        })
    }

    /// Renders subject, text and HTML of `message` for `to`.
    pub fn render(&self, message: &Message, to: Vec<String>) -> Result<Rendered, MailError> {
        // Every field of the message is a template variable, plus the site's and the link.
        let mut context =
            Context::from_serialize(message).map_err(|e| template_error(message.template(), &e))?;
        context.insert("site_name", &self.site_name);
        context.insert("base_url", &self.base_url);
        if let Some(path) = message.link_path() {
            context.insert("link", &format!("{}{path}", self.base_url));
        }
        let render = |suffix: &str| {
            let name = format!("{}.{suffix}", message.template());
            self.tera
                .render(&name, &context)
                .map_err(|e| template_error(&name, &e))
        };
        let subject = render("subject.txt")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Rendered {
            to,
            subject,
            text: render("txt")?,
            html: render("html")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_with_links_from_the_base_url() {
        let site = SiteSettings {
            name: "Bitu <Test>".into(),
            base_url: "https://idm.example.org/".into(),
            ..SiteSettings::default()
        };
        let templates = Templates::load(&site).unwrap();
        let rendered = templates
            .render(
                &Message::Activation {
                    to: "a@example.org".into(),
                    developer_name: "Ada & Co".into(),
                    subject: String::new(),
                    signup_id: 7,
                    token: "t0k-en".into(),
                },
                vec!["a@example.org".into()],
            )
            .unwrap();
        assert_eq!(rendered.subject, "Activate your Bitu <Test> account");
        assert!(
            rendered
                .text
                .contains("https://idm.example.org/signup/activate/7/t0k-en/"),
            "{}",
            rendered.text
        );
        assert!(rendered.text.contains("Hello Ada & Co,"));
        assert!(
            rendered.html.contains("Hello Ada &amp; Co,"),
            "{}",
            rendered.html
        );
        let notice = templates
            .render(
                &Message::AdminNotice {
                    subject: "jobs\nfailed".into(),
                    body: "<b>3</b> jobs".into(),
                },
                vec![],
            )
            .unwrap();
        assert_eq!(notice.subject, "[Bitu <Test>] jobs failed");
        assert!(notice.html.contains("&lt;b&gt;3"), "{}", notice.html);
    }
}
