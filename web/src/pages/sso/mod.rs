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
use bitu_core::i18n::Msg;

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

/// A page in the site layout saying what happened, with `status`: a title, paragraphs and
/// an optional link (URL and text), all messages rendered in the request's language.
pub fn message(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    title: Msg,
    paragraphs: &[Msg],
    link: Option<(&str, Msg)>,
) -> Result<HttpResponse, WebError> {
    let mut context = page_context(req, state, title);
    context.insert("paragraphs", paragraphs);
    if let Some((url, text)) = link {
        context.insert("link_url", url);
        context.insert("link_text", &text);
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
    let again = || {
        if linking {
            Some(("/account/", Msg::new("bitu-sso-back-account")))
        } else {
            Some(("/login/", Msg::new("bitu-sso-back-signin")))
        }
    };
    let page = |status, name: &str| {
        message(
            req,
            state,
            status,
            Msg::new(format!("bitu-sso-{name}-title")),
            &[Msg::new(format!("bitu-sso-{name}-text"))],
            again(),
        )
    };
    match error {
        SsoError::Core(e) => Err(e.into()),
        SsoError::UnknownBackend => Err(WebError::NotFound),
        SsoError::ProviderDown(detail) => {
            tracing::warn!(detail, "single sign-on: the provider is unavailable");
            page(StatusCode::SERVICE_UNAVAILABLE, "down")
        }
        SsoError::Denied => page(StatusCode::FORBIDDEN, "denied"),
        SsoError::BadState => page(StatusCode::BAD_REQUEST, "bad-state"),
        SsoError::Refused(detail) => {
            tracing::warn!(detail, "single sign-on: the provider's answer was refused");
            page(StatusCode::BAD_REQUEST, "refused")
        }
        SsoError::NoAccount(name) => message(
            req,
            state,
            StatusCode::FORBIDDEN,
            Msg::new("bitu-sso-no-account-title"),
            &[
                Msg::new("bitu-sso-no-account-text").arg(name),
                Msg::new("bitu-sso-no-account-signup"),
            ],
            Some(("/signup/", Msg::new("bitu-sso-no-account-signup-link"))),
        ),
        SsoError::Locked => page(StatusCode::FORBIDDEN, "locked"),
    }
}
