//! Page templates, compiled into the binary so a deployment cannot run with stale ones, and
//! the context every page's layout needs. Templates take their text from the message files
//! (see `bitu_core::i18n` and docs/i18n.md): `{{ msg(key="bitu-…", args=[…]) }}` for text,
//! `{{ msg_html(key="bitu-…") }}` for a message with links or bold, `{{ value | msg }}` for
//! a [`Msg`] a handler put in the context. One parsed copy serves every language:
//! [`Templates::render`] names the context's `lang` to these functions for the duration of
//! the (synchronous) render, through a thread-local, so languages cost no extra memory.

use std::cell::Cell;
use std::collections::HashMap;

use actix_session::SessionExt;
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest};
use bitu_core::i18n::{self, Arg, DEFAULT_LANG, Msg, QQX};
use tera::{Context, Tera, Value};

use crate::app::AppState;
use crate::auth::session_user;
use crate::error::WebError;
use crate::i18n::request_lang;
use crate::middleware::csrf::CsrfToken;
use crate::resume;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "macros.html",
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
    "twofactor/signin.html",
    "twofactor/enrol.html",
    "twofactor/codes.html",
    "twofactor/reset.html",
];

/// The parsed templates.
pub struct Templates {
    tera: Tera,
}

thread_local! {
    /// The language of the render running on this thread.
    static RENDER_LANG: Cell<&'static str> = const { Cell::new(DEFAULT_LANG) };
}

/// The language of the render running on this thread.
fn render_lang() -> &'static str {
    RENDER_LANG.with(Cell::get)
}

/// The static name of `lang` if it has a message file (or is `qqx`), else English.
fn known_lang(lang: &str) -> &'static str {
    i18n::languages()
        .chain([QQX])
        .find(|known| *known == lang)
        .unwrap_or(DEFAULT_LANG)
}

impl Templates {
    /// Parses every template; an error here is a bug caught at start-up.
    pub fn load() -> Result<Templates, tera::Error> {
        let mut tera = Tera::default();
        tera.register_function("static_url", crate::statics::StaticUrlFunction);
        tera.register_function("icon", crate::statics::icons::IconFunction);
        tera.register_function("msg", MsgFunction { html: false });
        tera.register_function("msg_html", MsgFunction { html: true });
        tera.register_filter("msg", MsgFilter);
        tera.add_raw_templates(TEMPLATES.iter().copied())?;
        Ok(Templates { tera })
    }

    /// Renders `name` with `context`, in the context's `lang` (English without one).
    pub fn render(&self, name: &str, context: &Context) -> Result<String, WebError> {
        let lang = known_lang(
            context
                .get("lang")
                .and_then(Value::as_str)
                .unwrap_or(DEFAULT_LANG),
        );
        let previous = RENDER_LANG.with(|current| current.replace(lang));
        let rendered = self.tera.render(name, context);
        RENDER_LANG.with(|current| current.set(previous));
        Ok(rendered?)
    }
}

/// `msg(key=…, args=[…])` (text, escaped by the template) and `msg_html(…)` (HTML with the
/// message's links and bold, parameters escaped), bound to a language. `fallback=…` is shown
/// instead when the key (built from data) names no message.
struct MsgFunction {
    html: bool,
}

impl tera::Function for MsgFunction {
    fn call(&self, params: &HashMap<String, Value>) -> tera::Result<Value> {
        let key = params
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| tera::Error::msg("msg() needs key=\"bitu-…\""))?;
        if let Some(fallback) = params.get("fallback")
            && !i18n::is_message(key)
        {
            // A key made from data (`"bitu-keys-state-" ~ state`) that has no message.
            return Ok(match fallback {
                Value::String(text) if self.html => Value::String(i18n::escape(text)),
                other => other.clone(),
            });
        }
        let mut msg = Msg::new(key);
        if let Some(args) = params.get("args") {
            let args = args
                .as_array()
                .ok_or_else(|| tera::Error::msg("msg(): args must be a list"))?;
            msg.args = args.iter().map(arg_of).collect();
        }
        Ok(Value::String(if self.html {
            i18n::html(render_lang(), &msg)
        } else {
            i18n::text(render_lang(), &msg)
        }))
    }

    fn is_safe(&self) -> bool {
        self.html
    }
}

/// `value | msg`: a [`Msg`] from a handler as text in the language; a string naming a
/// message (`bitu-…`, e.g. a configured label) as that message; any other string stays.
struct MsgFilter;

impl tera::Filter for MsgFilter {
    fn filter(&self, value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
        Ok(match value {
            Value::String(key) if i18n::is_message(key) => {
                Value::String(i18n::text(render_lang(), &Msg::new(key.as_str())))
            }
            Value::String(_) => value.clone(),
            Value::Null => Value::String(String::new()),
            other => match serde_json::from_value::<Msg>(other.clone()) {
                Ok(msg) => Value::String(i18n::text(render_lang(), &msg)),
                Err(_) => Value::String(other.to_string()),
            },
        })
    }
}

/// A template value as a message parameter: numbers stay numbers (for `{{PLURAL}}`), an
/// object with a `key` is a nested message.
fn arg_of(value: &Value) -> Arg {
    match value {
        Value::String(text) => Arg::Text(text.clone()),
        Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Arg::Text(n.to_string()), Arg::Num),
        Value::Null => Arg::Text(String::new()),
        Value::Object(_) => serde_json::from_value::<Msg>(value.clone())
            .map_or_else(|_| Arg::Text(value.to_string()), Arg::from),
        other => Arg::Text(other.to_string()),
    }
}

/// A page's title: a message (what every page should pass), or text already in the
/// reader's language (user data, or a page not converted yet).
pub enum Title {
    /// Text shown as it is.
    Text(String),
    /// A message rendered in the request's language.
    Msg(Msg),
}

impl From<&str> for Title {
    fn from(text: &str) -> Title {
        Title::Text(text.to_string())
    }
}

impl From<&String> for Title {
    fn from(text: &String) -> Title {
        Title::Text(text.clone())
    }
}

impl From<Msg> for Title {
    fn from(msg: Msg) -> Title {
        Title::Msg(msg)
    }
}

/// Layout values for a page: its language (`lang`, `dir`), site name, title, the signed-in
/// user, the CSRF token, and `resumed`: the fields of a form kept across a sign-in for this
/// page (see `resume`), which its template shows again.
pub fn page_context(req: &HttpRequest, state: &AppState, title: impl Into<Title>) -> Context {
    let mut context = Context::new();
    let lang = request_lang(req);
    context.insert("lang", lang.code());
    context.insert("dir", lang.dir());
    let resumed: HashMap<String, String> = if req.method() == Method::GET {
        resume::take(&req.get_session(), req.path())
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    context.insert("resumed", &resumed);
    context.insert("site_name", &state.settings.site.name);
    let title = match title.into() {
        Title::Text(text) => text,
        Title::Msg(msg) => i18n::text(lang.code(), &msg),
    };
    context.insert("title", &title);
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

/// A refused form's errors grouped by the input they are about (its id), for the error
/// summary and the fields' `aria-invalid`; `field_of` names the input of each message key.
pub fn errors_by_field(
    errors: &[Msg],
    field_of: impl Fn(&str) -> &'static str,
) -> std::collections::BTreeMap<&'static str, Vec<Msg>> {
    let mut by_field: std::collections::BTreeMap<&'static str, Vec<Msg>> = Default::default();
    for error in errors {
        by_field
            .entry(field_of(&error.key))
            .or_default()
            .push(error.clone());
    }
    by_field
}

/// The input of the password forms (change, reset) a password message is about.
pub fn password_field(key: &str) -> &'static str {
    match key {
        "bitu-password-error-current" => "old",
        "bitu-password-error-mismatch" => "new2",
        _ => "new1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        Templates::load().unwrap();
    }
}
