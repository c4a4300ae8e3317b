//! Single sign-on and linked accounts, under the paths providers have registered:
//! `/login/<backend>/` starts a flow, `/complete/<backend>/` finishes it. The backend is the
//! `[oidc]` provider (sign-in) or a `[linking.*]` site (linking, for a signed-in session only).

pub mod complete;
pub mod links;
pub mod start;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use bitu_core::sso::SsoError;
use bitu_core::sso::linking::{Consumer, System};
use bitu_core::sso::oidc::Provider;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::page_context;

/// Session key: the provider's `groups` claim at sign-in (JSON list), shown on the account page.
pub const SESSION_GROUPS: &str = "sso_groups";
/// Session key: set when the session began at the identity provider (sign-out offers its
/// end-session page).
pub const SESSION_VIA_OIDC: &str = "sso_oidc";
/// Session key: the linking banner was dismissed.
pub const SESSION_BANNER_DISMISSED: &str = "sso_banner_dismissed";

/// What a backend name in the path stands for.
pub enum Backend<'a> {
    /// The identity provider.
    SignIn(Provider<'a>),
    /// A site whose account gets linked.
    Link(Consumer<'a>),
}

/// `<base URL>/complete/<backend>/`: where the provider sends people back.
fn redirect_url(state: &AppState, backend: &str) -> String {
    format!(
        "{}/complete/{backend}/",
        state.settings.site.base_url.trim_end_matches('/')
    )
}

/// The configured (and enabled) backend called `name`.
pub fn backend<'a>(state: &'a AppState, name: &str) -> Option<Backend<'a>> {
    let settings = &state.settings;
    if settings.oidc.enabled && settings.oidc.backend == name {
        return Some(Backend::SignIn(Provider {
            settings: &settings.oidc,
            http: &state.sso_http,
            redirect_url: redirect_url(state, name),
        }));
    }
    consumer(state, name).map(Backend::Link)
}

/// The linking site called `name`, when enabled.
fn consumer<'a>(state: &'a AppState, name: &str) -> Option<Consumer<'a>> {
    let linking = &state.settings.linking;
    [
        (System::Wikimedia, &linking.mediawiki),
        (System::Phabricator, &linking.phabricator),
    ]
    .into_iter()
    .find(|(_, link)| link.enabled && link.backend == name)
    .map(|(system, link)| Consumer {
        system,
        settings: link,
        http: &state.sso_http,
        redirect_url: redirect_url(state, name),
        flow_lifetime: state.settings.oidc.flow_lifetime,
    })
}

/// The backend name of `system`'s linking, when enabled.
pub fn link_backend(state: &AppState, system: System) -> Option<&str> {
    let link = match system {
        System::Wikimedia => &state.settings.linking.mediawiki,
        System::Phabricator => &state.settings.linking.phabricator,
    };
    link.enabled.then_some(link.backend.as_str())
}

/// A page in the site layout saying what happened, with `status`.
pub fn message(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    title: &str,
    paragraphs: &[&str],
    link: Option<(&str, &str)>,
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, title);
    context.insert("paragraphs", paragraphs);
    if let Some((url, text)) = link {
        context.insert("link_url", url);
        context.insert("link_text", text);
    }
    let body = state.templates.render("message.html", &context)?;
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header(("Retry-After", "60"));
    }
    Ok(response.content_type("text/html; charset=utf-8").body(body))
}

/// The page for a flow that did not finish; `linking` picks the wording.
pub fn failure_page(
    req: &HttpRequest,
    state: &AppState,
    error: SsoError,
    linking: bool,
) -> Result<HttpResponse, WebError> {
    let again = if linking {
        ("/account/", "Back to your account")
    } else {
        ("/login/", "Back to sign-in")
    };
    match error {
        SsoError::Core(e) => Err(e.into()),
        SsoError::UnknownBackend => Err(WebError::NotFound),
        SsoError::ProviderDown(detail) => {
            tracing::warn!(detail, "single sign-on: the provider is unavailable");
            message(
                req,
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                "The other site is not answering",
                &[
                    "The identity provider or the site you were linking is not answering right \
                     now, so this could not be finished. Nothing was changed; please try again \
                     in a few minutes.",
                ],
                Some(again),
            )
        }
        SsoError::Denied => message(
            req,
            state,
            StatusCode::FORBIDDEN,
            "Cancelled",
            &[
                "You declined at the other site, so nothing was done. You can start again \
               whenever you like.",
            ],
            Some(again),
        ),
        SsoError::BadState => message(
            req,
            state,
            StatusCode::BAD_REQUEST,
            "This link has expired or was already used",
            &[
                "The answer from the other site does not belong to a sign-in or linking that \
               is still open: it was used already, took too long, or was altered. Please \
               start again.",
            ],
            Some(again),
        ),
        SsoError::Refused(detail) => {
            tracing::warn!(detail, "single sign-on: the provider's answer was refused");
            message(
                req,
                state,
                StatusCode::BAD_REQUEST,
                "The answer could not be verified",
                &[
                    "The other site's answer did not pass Bitu's checks, so nothing was done. \
                   Please start again; if this keeps happening, tell the administrators.",
                ],
                Some(again),
            )
        }
        SsoError::NoAccount(name) => {
            let text = format!(
                "You signed in at the identity provider as {name}, but there is no developer \
                 account for that name here. Bitu never creates one automatically."
            );
            message(
                req,
                state,
                StatusCode::FORBIDDEN,
                "No developer account",
                &[&text, "If you have none yet, you can create one."],
                Some(("/signup/", "Create a developer account")),
            )
        }
        SsoError::Locked => message(
            req,
            state,
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            &[
                "This account is locked or disabled, so it cannot sign in. Contact the \
               administrators if you think this is a mistake.",
            ],
            Some(again),
        ),
    }
}
