//! Page templates, compiled into the binary so a deployment cannot run with stale ones, and
//! the context every page's layout needs.

use std::collections::HashMap;

use actix_session::SessionExt;
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest};
use tera::{Context, Tera};

use crate::app::AppState;
use crate::auth::session_user;
use crate::error::WebError;
use crate::middleware::csrf::CsrfToken;
use crate::resume;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "home.html",
    "error.html",
    "message.html",
    "cookies_disabled.html",
    "csrf_failed.html",
    "account/login.html",
    "account/overview.html",
    "account/password.html",
    "account/tokens.html",
    "account/reset_request.html",
    "account/reset_set.html",
    "account/username.html",
    "account/email.html",
    "account/email_confirm.html",
    "signup/form.html",
    "signup/disabled.html",
    "signup/confirm.html",
    "keys/list.html",
    "keys/delete.html",
    "blocking/search.html",
    "blocking/block.html",
    "blocking/unblock.html",
    "blocking/log.html",
    "blocking/public_log.html",
    "permissions/my.html",
    "permissions/request.html",
    "permissions/pending.html",
    "permissions/approve.html",
    "permissions/history.html",
    "permissions/events.html",
    "permissions/log.html",
    "permissions/members.html",
];

/// The parsed templates.
pub struct Templates {
    tera: Tera,
}

impl Templates {
    /// Parses every template; an error here is a bug caught at start-up.
    pub fn load() -> Result<Templates, tera::Error> {
        let mut tera = Tera::default();
        tera.register_function("static_url", crate::statics::StaticUrlFunction);
        tera.register_function("icon", crate::statics::icons::IconFunction);
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        Ok(Templates { tera })
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: &Context) -> Result<String, WebError> {
        Ok(self.tera.render(name, context)?)
    }
}

/// Layout values for a page: site name, title, the signed-in user, the CSRF token, and
/// `resumed`: the fields of a form kept across a sign-in for this page (see `resume`), which
/// its template shows again.
pub fn page_context(req: &HttpRequest, state: &AppState, title: &str) -> Context {
    let mut context = Context::new();
    let resumed: HashMap<String, String> = if req.method() == Method::GET {
        resume::take(&req.get_session(), req.path())
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    context.insert("resumed", &resumed);
    context.insert("site_name", &state.settings.site.name);
    context.insert("title", title);
    context.insert("request_path", req.path());
    if let Some((uid, cn)) = session_user(req, state) {
        context.insert("user_uid", &uid);
        context.insert("user_cn", &cn);
    }
    if let Some(nav) = crate::nav::of(req) {
        context.insert("nav", &nav);
    }
    context.insert("footer", &state.settings.site.footer);
    if let Some(token) = req.extensions().get::<CsrfToken>() {
        context.insert("csrf_token", &token.0);
    }
    context
}

/// Renders `name` as a 200 HTML response.
pub fn html(
    state: &AppState,
    name: &str,
    context: &Context,
) -> Result<actix_web::HttpResponse, WebError> {
    html_status(state, name, context, StatusCode::OK)
}

/// Renders `name` as an HTML response with `status`.
pub fn html_status(
    state: &AppState,
    name: &str,
    context: &Context,
    status: StatusCode,
) -> Result<actix_web::HttpResponse, WebError> {
    let body = state.templates.render(name, context)?;
    Ok(actix_web::HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// Renders a form page: 400 when it shows the form refused (`refused`), 200 otherwise.
pub fn form_html(
    state: &AppState,
    name: &str,
    context: &Context,
    refused: bool,
) -> Result<actix_web::HttpResponse, WebError> {
    let status = if refused {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html_status(state, name, context, status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        Templates::load().unwrap();
    }
}
