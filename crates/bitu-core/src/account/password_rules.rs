//! Rules every new password passes, at signup, change and reset: length, not a name of the
//! account, not a common password, and a zxcvbn strength score.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::config::PasswordSettings;

const COMMON_PASSWORDS: &str = include_str!("../../../../shared/passwords/common-passwords.txt");

fn common_passwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_PASSWORDS.lines().map(str::trim).collect())
}

/// What the password must not resemble: the account's own names.
#[derive(Debug, Clone, Default)]
pub struct PasswordContext<'a> {
    /// Developer name (cn).
    pub cn: &'a str,
    /// Shell username (uid).
    pub uid: &'a str,
    /// Email address.
    pub email: &'a str,
}

/// Every reason `password` is refused, as messages for the person; empty when accepted.
pub fn check_new_password(
    settings: &PasswordSettings,
    password: &str,
    confirmation: &str,
    context: &PasswordContext<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if password != confirmation {
        problems.push("The two passwords do not match.".to_string());
    }
    let length = password.chars().count();
    if length < settings.min_length {
        problems.push(format!(
            "The password is too short: use at least {} characters.",
            settings.min_length
        ));
    }
    let lower = password.to_lowercase();
    let email_local = context.email.split('@').next().unwrap_or_default();
    let names = [context.cn, context.uid, email_local, context.email];
    if names
        .iter()
        .any(|name| !name.is_empty() && name.to_lowercase() == lower)
    {
        problems.push("The password must not be your developer name, username or email.".into());
    }
    if common_passwords().contains(lower.as_str()) {
        problems.push("This password is too common; choose one that is harder to guess.".into());
    } else if length >= settings.min_length {
        let inputs: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
        if u8::from(zxcvbn::zxcvbn(password, &inputs).score()) < settings.min_score {
            problems.push(
                "This password is too easy to guess; add words or characters that do not form \
                 a pattern."
                    .into(),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> Vec<String> {
        let context = PasswordContext {
            cn: "Jane Doe",
            uid: "janedoe",
            email: "jane.doe@example.org",
        };
        check_new_password(&PasswordSettings::default(), password, password, &context)
    }

    #[test]
    fn good_passwords_pass() {
        assert!(check("correct horse battery staple").is_empty());
        assert!(check("T9#kq!2vLp@x").is_empty());
    }

    #[test]
    fn bad_passwords_say_why() {
        assert!(check("short")[0].contains("too short"));
        assert!(check("1234567890").iter().any(|m| m.contains("too common")));
        assert!(
            check("JaneDoe")
                .iter()
                .any(|m| m.contains("developer name"))
        );
        assert!(check("janedoe").iter().any(|m| m.contains("username")));
        assert!(
            check("aaaaaaaaaaaa")
                .iter()
                .any(|m| m.contains("easy to guess"))
        );
        let context = PasswordContext::default();
        let settings = PasswordSettings::default();
        let problems = check_new_password(&settings, "one long secret", "another", &context);
        assert!(problems[0].contains("do not match"));
    }
}
