//! Getting back in: password reset links and forgotten-username mails, and the change of
//! the address itself. Every link is signed over the entry's current state (see
//! [`signed_links`](super::signed_links)), so the reset itself or any other change of the
//! entry kills it. The mails are prepared in bitu-rq, so a request's answer and timing are
//! the same whether or not an account exists.

use chrono::{DateTime, TimeDelta, Utc};
use tracing::info;

use super::signed_links::{self, LinkPurpose};
use crate::clock::Clock;
use crate::config::Settings;
use crate::directory::{DirectoryUser, UserAttribute, UserStore};
use crate::error::Result;
use crate::mail::Message;

/// Whether the entry is blocked (pointed at the disabling password policy, or locked).
pub fn is_blocked(settings: &Settings, user: &DirectoryUser) -> bool {
    crate::authz::state::is_locked(user, &settings.ldap.ppolicy_dn)
}

fn seconds(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
}

fn expiry_text(expires: i64) -> String {
    DateTime::<Utc>::from_timestamp(expires, 0)
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The reset mail for `name` (a developer name or a shell username), or `None` when there is
/// nobody to mail: unknown name, no address, or a blocked account (blocked accounts cannot
/// reset).
pub async fn reset_mail(
    users: &impl UserStore,
    settings: &Settings,
    clock: &impl Clock,
    name: &str,
) -> Result<Option<Message>> {
    let Some(user) = super::signin::find_by_name(users, name).await? else {
        info!("password reset asked for an unknown name");
        return Ok(None);
    };
    let Some(mail) = user.mail() else {
        return Ok(None);
    };
    if is_blocked(settings, &user) {
        info!(uid = user.uid(), "password reset refused: account blocked");
        return Ok(None);
    }
    let secret = settings.secret_key()?;
    let expires = (clock.now() + seconds(settings.account.reset_link_lifetime)).timestamp();
    let token = signed_links::sign(secret, LinkPurpose::PasswordReset, &user, "", expires)?;
    Ok(Some(Message::PasswordReset {
        to: mail.to_string(),
        developer_name: user.cn().to_string(),
        path: format!("/password/reset/{}/{expires}/{token}/", user.uid()),
        expires: expiry_text(expires),
    }))
}

/// The entry a reset link is for, if the link is valid for the entry as it is now.
pub async fn check_reset_link(
    users: &impl UserStore,
    settings: &Settings,
    clock: &impl Clock,
    uid: &str,
    expires: i64,
    token: &str,
) -> Result<Option<DirectoryUser>> {
    let Some(user) = users.find_user_by(UserAttribute::Uid, uid).await? else {
        return Ok(None);
    };
    let valid = signed_links::verify(
        settings.secret_key()?,
        LinkPurpose::PasswordReset,
        &user,
        "",
        expires,
        clock.now().timestamp(),
        token,
    );
    Ok((valid && !is_blocked(settings, &user)).then_some(user))
}

/// The forgotten-username mail for `email`, listing every entry with that address, or `None`.
pub async fn username_mail(users: &impl UserStore, email: &str) -> Result<Option<Message>> {
    let email = email.trim();
    if email.is_empty() {
        return Ok(None);
    }
    let users = users
        .find_users_where(crate::directory::Filter::eq(
            UserAttribute::Mail.name(),
            email,
        ))
        .await?;
    if users.is_empty() {
        return Ok(None);
    }
    Ok(Some(Message::UsernameReminder {
        to: email.to_string(),
        accounts: users
            .iter()
            .map(|user| (user.cn().to_string(), user.uid().to_string()))
            .collect(),
    }))
}

/// The verification mail to `new_mail` for `user`'s address change.
pub fn email_change_mail(
    settings: &Settings,
    user: &DirectoryUser,
    new_mail: &str,
) -> Result<Message> {
    let expires = (Utc::now() + seconds(settings.account.email_link_lifetime)).timestamp();
    let token = signed_links::sign(
        settings.secret_key()?,
        LinkPurpose::EmailChange,
        user,
        new_mail,
        expires,
    )?;
    let encoded: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("mail", new_mail)
        .append_pair("expires", &expires.to_string())
        .append_pair("token", &token)
        .finish();
    Ok(Message::EmailChangeConfirm {
        to: new_mail.to_string(),
        developer_name: user.cn().to_string(),
        path: format!("/account/email/confirm/?{encoded}"),
        expires: expiry_text(expires),
    })
}

/// Whether an address-change link is valid for `user` as the entry is now (which also
/// means the address did not change since the link was made).
pub fn check_email_change(
    settings: &Settings,
    user: &DirectoryUser,
    new_mail: &str,
    expires: i64,
    token: &str,
) -> Result<bool> {
    Ok(signed_links::verify(
        settings.secret_key()?,
        LinkPurpose::EmailChange,
        user,
        new_mail,
        expires,
        Utc::now().timestamp(),
        token,
    ))
}
