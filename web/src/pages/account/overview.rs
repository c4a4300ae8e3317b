//! `GET /account/`: the signed-in user's directory attributes, as configured, and their
//! recent activity (their own audit rows).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::audit::{self, AuditRow};
use bitu_core::authz::groups::memberships;
use serde::{Deserialize, Serialize};

use bitu_core::config::AccountSettings;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use crate::templates::{html, page_context};
use bitu_core::i18n::{Arg, Msg};

/// How many of the user's own audit rows the page lists.
const RECENT: i64 = 10;

/// One row of the attribute table.
#[derive(Serialize)]
struct Row<'a> {
    attribute: &'a str,
    display_name: &'a str,
    tooltip: Option<&'a str>,
    value: String,
    empty_text: &'a str,
    action_url: Option<&'a str>,
    action_label: &'a str,
    choices: Option<&'a [String]>,
    /// Whether the current value is one of `choices`; when not, the form offers it too, so
    /// saving another row keeps it (e.g. a /bin/ksh shell outside the allowed list).
    value_in_choices: bool,
}

/// Query: which notice to show after a change.
#[derive(Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The account page; reads the entry once from LDAP.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    session: Session,
    query: web::Query<OverviewQuery>,
) -> Result<HttpResponse, WebError> {
    let Some(entry) = state.services.directory.find_user_by_uid(&user.uid).await? else {
        // The entry went away (deleted by an administrator): the session means nothing now.
        session.purge();
        return Err(WebError::SignInRequired {
            next: "/account/".into(),
            ended: true,
        });
    };
    let account = &state.settings.account;
    let rows: Vec<Row<'_>> = account
        .attributes
        .iter()
        .map(|view| {
            let value = entry.entry.values(&view.attribute).join(", ");
            let choices = account
                .editable
                .iter()
                .find(|e| e.attribute.eq_ignore_ascii_case(&view.attribute))
                .map(|e| e.choices.as_slice());
            Row {
                attribute: &view.attribute,
                display_name: &view.display_name,
                tooltip: view.tooltip.as_deref(),
                value_in_choices: choices.is_some_and(|c| c.contains(&value)),
                value,
                empty_text: view.empty_text.as_deref().unwrap_or("bitu-overview-empty"),
                action_url: view.action_url.as_deref(),
                action_label: view
                    .action_label
                    .as_deref()
                    .unwrap_or("bitu-overview-change"),
                choices,
            }
        })
        .collect();
    let groups = memberships(&state.services.directory, entry.uid(), entry.dn()).await?;
    let activity: Vec<Msg> = audit::query::recent_for(&state.services.db, &user.uid, RECENT)
        .await?
        .iter()
        .map(AuditRow::describe_msg)
        .collect();
    let mut context = page_context(&req, &state, Msg::new("bitu-overview-title"));
    crate::pages::sso::links::account_context(&state, &session, &entry, &mut context);
    context.insert("cn", entry.cn());
    context.insert("rows", &rows);
    context.insert("twofactor", &state.settings.twofactor.enabled);
    context.insert("groups", &groups);
    context.insert("activity", &activity);
    let notice = query
        .saved
        .as_deref()
        .and_then(|key| saved_notice(account, key));
    context.insert("notice", &notice);
    html(&state, "account/overview.html", &context)
}

/// The notice for `?saved=key`: only keys this site sets, so a link cannot print its own text.
fn saved_notice(account: &AccountSettings, key: &str) -> Option<Msg> {
    match key {
        "password" => Some(Msg::new("bitu-notice-password-changed")),
        "mail" => Some(Msg::new("bitu-notice-email-changed")),
        "linked-wikimedia" | "linked-phabricator" => Some(Msg::new("bitu-notice-linking")),
        "unlinked-wikimedia" | "unlinked-phabricator" => Some(Msg::new("bitu-notice-unlinking")),
        attribute => {
            let editable = account
                .editable
                .iter()
                .any(|e| e.attribute.eq_ignore_ascii_case(attribute));
            let label = account
                .attributes
                .iter()
                .find(|view| view.attribute.eq_ignore_ascii_case(attribute))
                .map_or(attribute, |view| view.display_name.as_str());
            let label = match bitu_core::i18n::is_message(label) {
                true => Arg::from(Msg::new(label)),
                false => Arg::from(label),
            };
            editable.then(|| Msg::new("bitu-notice-attribute-saved").arg(label))
        }
    }
}
