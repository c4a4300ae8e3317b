//! Rules every new password passes, at signup, change and reset: length, not a name of the
//! account, not a common password, and a zxcvbn strength score that counts the account's
//! names and the site's words as the first things a guesser tries.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::password_hints::{suggestion_key, warning_key};
use crate::config::PasswordSettings;
use crate::i18n::Msg;

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

/// What zxcvbn should know a guesser would try first: the account's names and address, their
/// parts (words of the developer name, pieces of the address), and the site's own words.
fn user_inputs(context: &PasswordContext<'_>, site_words: &[String]) -> Vec<String> {
    let email_local = context.email.split('@').next().unwrap_or_default();
    let whole = [context.cn, context.uid, email_local, context.email];
    let mut words: Vec<String> = whole
        .iter()
        .flat_map(|name| {
            let parts = name.split(|c: char| !c.is_alphanumeric());
            std::iter::once(*name).chain(parts)
        })
        .chain(site_words.iter().map(String::as_str))
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// The refusal of a guessable password, with zxcvbn's warning and suggestions when it has
/// them (it gives none for scores of 3 and up, so a site demanding 4 gets the general advice).
/// One message: its `$1` is the hints, each a sentence, joined.
fn too_guessable(feedback: Option<&zxcvbn::feedback::Feedback>) -> Msg {
    let sentence = |key: &str| Msg::new("bitu-password-hint-sentence").arg(Msg::new(key));
    let warning = feedback
        .and_then(zxcvbn::feedback::Feedback::warning)
        .map(|w| sentence(warning_key(w)));
    let suggestions = feedback
        .map(zxcvbn::feedback::Feedback::suggestions)
        .unwrap_or_default();
    let mut hints: Vec<Msg> = warning.into_iter().collect();
    if suggestions.is_empty() {
        hints.push(sentence("bitu-password-hint-general"));
    }
    hints.extend(suggestions.iter().map(|s| sentence(suggestion_key(*s))));
    let joined = hints
        .into_iter()
        .reduce(|all, next| Msg::new("bitu-password-hint-join").arg(all).arg(next));
    Msg::new("bitu-password-error-guessable")
        .arg(joined.unwrap_or_else(|| sentence("bitu-password-hint-general")))
}

/// Every reason `password` is refused, as messages for the person; empty when accepted.
pub fn check_new_password(
    settings: &PasswordSettings,
    password: &str,
    confirmation: &str,
    context: &PasswordContext<'_>,
) -> Vec<Msg> {
    let mut problems = Vec::new();
    if password != confirmation {
        problems.push(Msg::new("bitu-password-error-mismatch"));
    }
    let length = password.chars().count();
    if length < settings.min_length {
        problems.push(Msg::new("bitu-password-error-short").arg(settings.min_length));
    }
    let lower = password.to_lowercase();
    let email_local = context.email.split('@').next().unwrap_or_default();
    let names = [context.cn, context.uid, email_local, context.email];
    if names
        .iter()
        .any(|name| !name.is_empty() && name.to_lowercase() == lower)
    {
        problems.push(Msg::new("bitu-password-error-name"));
    }
    if common_passwords().contains(lower.as_str()) {
        problems.push(Msg::new("bitu-password-error-common"));
    } else if length >= settings.min_length {
        let words = user_inputs(context, &settings.site_words);
        let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(password, &inputs);
        if u8::from(estimate.score()) < settings.min_score {
            problems.push(too_guessable(estimate.feedback()));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn english(problems: Vec<Msg>) -> Vec<String> {
        problems.iter().map(ToString::to_string).collect()
    }

    fn check(password: &str) -> Vec<String> {
        let context = PasswordContext {
            cn: "Jane Doe",
            uid: "janedoe",
            email: "jane.doe@example.org",
        };
        english(check_new_password(
            &PasswordSettings::default(),
            password,
            password,
            &context,
        ))
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
        assert!(problems[0].to_string().contains("do not match"));
    }

    fn check_for(uid: &str, cn: &str, email: &str, password: &str) -> Vec<String> {
        let context = PasswordContext { cn, uid, email };
        english(check_new_password(
            &PasswordSettings::default(),
            password,
            password,
            &context,
        ))
    }

    #[test]
    fn a_name_with_a_few_digits_is_refused_with_advice() {
        let problems = check_for(
            "uichecker",
            "UI Checker",
            "ui@example.org",
            "uichecker-1234",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("This password is too easy to guess."),
            "{problems:?}"
        );
        // zxcvbn's own feedback follows: at least one more sentence.
        assert!(problems[0].matches('.').count() >= 2, "{problems:?}");
        for password in ["jane.doe1987!", "JaneDoe-2024"] {
            let problems = check_for("janedoe", "Jane Doe", "jane.doe@example.org", password);
            assert!(!problems.is_empty(), "{password} was accepted");
        }
    }

    #[test]
    fn the_sites_words_count_as_easy_guesses() {
        let plain = "Toolforge-2024";
        assert!(!check_for("x", "Someone", "", plain).is_empty());
        let mut settings = PasswordSettings::default();
        settings.site_words.clear();
        let context = PasswordContext::default();
        // Without the site's words the same password passes: the words made the difference.
        assert!(check_new_password(&settings, plain, plain, &context).is_empty());
    }

    #[test]
    fn the_user_inputs_hold_the_names_their_parts_and_the_site_words() {
        let context = PasswordContext {
            cn: "Jane Q. Doe",
            uid: "jdoe",
            email: "jane.doe@example.org",
        };
        let words = user_inputs(&context, &["bitu".to_string()]);
        for word in [
            "jane q. doe",
            "jane",
            "doe",
            "jdoe",
            "jane.doe",
            "example",
            "bitu",
        ] {
            assert!(
                words.contains(&word.to_string()),
                "{word} missing from {words:?}"
            );
        }
        assert!(!words.contains(&"q".to_string()));
    }
}
