//! The mail templates of shared/mail/, compiled in so every daemon renders the same text.

use std::collections::HashMap;

use serde_json::Value;
use tera::{Context, Tera};

use super::{MailError, Message, Rendered};
use crate::config::SiteSettings;
use crate::i18n::{self, Arg, Msg};

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

/// Parsed templates, one copy per language (each with `msg()` bound to it), plus the site
/// values every one of them sees.
pub struct Templates {
    by_lang: HashMap<&'static str, Tera>,
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

/// `msg(key="bitu-…", args=[…])` in a mail template: the message in the template copy's
/// language, as text (`msg`) or as HTML with the message's bold and links (`msg_html`, for
/// `| safe`).
struct MsgFunction {
    lang: &'static str,
    html: bool,
}

impl tera::Function for MsgFunction {
    fn call(&self, params: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = params
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("msg() needs key=\"bitu-…\""))?;
        let mut msg = Msg::new(key);
        if let Some(args) = params.get("args").and_then(Value::as_array) {
            msg.args = args
                .iter()
                .map(|arg| match arg {
                    Value::String(text) => Arg::Text(text.clone()),
                    Value::Number(n) => n
                        .as_i64()
                        .map_or_else(|| Arg::Text(n.to_string()), Arg::Num),
                    Value::Null => Arg::Text(String::new()),
                    other => Arg::Text(other.to_string()),
                })
                .collect();
        }
        Ok(Value::String(if self.html {
            i18n::html(self.lang, &msg)
        } else {
            i18n::text(self.lang, &msg)
        }))
    }

    fn is_safe(&self) -> bool {
        self.html
    }
}

impl Templates {
    /// Parses every template for every language; an error here is a bug caught at start-up.
    pub fn load(site: &SiteSettings) -> Result<Templates, MailError> {
        let mut by_lang = HashMap::new();
        for lang in i18n::languages().chain([i18n::QQX]) {
            let mut tera = Tera::default();
            tera.register_function("msg", MsgFunction { lang, html: false });
            tera.register_function("msg_html", MsgFunction { lang, html: true });
            tera.add_raw_templates(TEMPLATES.iter().copied())
                .map_err(|e| template_error("shared/mail", &e))?;
            by_lang.insert(lang, tera);
        }
        Ok(Templates {
            by_lang,
            site_name: site.name.clone(),
            base_url: site.base_url.trim_end_matches('/').to_string(),
        })
    }

    /// Renders subject, text and HTML of `message` for `to`, in `lang` (a language without a
    /// message file falls back to English).
    pub fn render(
        &self,
        message: &Message,
        to: Vec<String>,
        lang: &str,
    ) -> Result<Rendered, MailError> {
        let lang = i18n::supported(lang).unwrap_or(i18n::DEFAULT_LANG);
        let tera = self
            .by_lang
            .get(lang)
            .or_else(|| self.by_lang.get(i18n::DEFAULT_LANG))
            .ok_or_else(|| MailError::Template {
                template: message.template().to_string(),
                message: "no templates for English".into(),
            })?;
        // Every field of the message is a template variable, plus the site's and the link.
        let mut context =
            Context::from_serialize(message).map_err(|e| template_error(message.template(), &e))?;
        context.insert("site_name", &self.site_name);
        context.insert("base_url", &self.base_url);
        context.insert("lang", lang);
        context.insert("dir", i18n::dir(lang));
        if let Some(path) = message.link_path() {
            context.insert("link", &format!("{}{path}", self.base_url));
        }
        let render = |suffix: &str| {
            let name = format!("{}.{suffix}", message.template());
            tera.render(&name, &context)
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
                "en",
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
                "en",
            )
            .unwrap();
        assert_eq!(notice.subject, "[Bitu <Test>] jobs failed");
        assert!(notice.html.contains("&lt;b&gt;3"), "{}", notice.html);
    }

    #[test]
    fn mails_are_written_in_the_language_asked_for() {
        let templates = Templates::load(&SiteSettings::default()).unwrap();
        let activation = Message::Activation {
            to: "a@example.org".into(),
            developer_name: "Ada".into(),
            subject: String::new(),
            signup_id: 7,
            token: "t".into(),
        };
        let keys = templates.render(&activation, vec![], "qqx").unwrap();
        assert!(
            keys.subject.starts_with("(bitu-mail-activation-subject: "),
            "{}",
            keys.subject
        );
        assert!(
            keys.text.contains("(bitu-mail-hello: Ada)"),
            "{}",
            keys.text
        );
        assert!(keys.html.contains("<html lang=\"qqx\""), "{}", keys.html);
        let hebrew = templates.render(&activation, vec![], "he-IL").unwrap();
        assert!(hebrew.html.contains("dir=\"rtl\""), "{}", hebrew.html);
        let unknown = templates.render(&activation, vec![], "de").unwrap();
        assert!(unknown.text.starts_with("Hello Ada,"), "{}", unknown.text);
        for event in [
            "new_request",
            "approved",
            "rejected",
            "expiry_warning",
            "expired",
            "revoked",
            "cancelled",
        ] {
            let message = Message::GroupAccess {
                to: "m@example.org".into(),
                event: event.into(),
                group: "admins".into(),
                requester: "ann".into(),
                comment: "because".into(),
                decisions: vec![("bob".into(), "fine".into())],
                ends: "2030-01-01".into(),
                path: "/permissions/log/1".into(),
            };
            let mail = templates.render(&message, vec![], "en").unwrap();
            assert!(mail.subject.contains("admins"), "{event}: {}", mail.subject);
            assert!(!mail.subject.contains('⧼'), "{event}: {}", mail.subject);
            assert!(!mail.text.contains('⧼'), "{event}: {}", mail.text);
            assert!(
                mail.text.contains("/permissions/log/1"),
                "{event}: {}",
                mail.text
            );
        }
    }
}
