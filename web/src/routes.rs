//! Every route of bitu-web: method, path, who may call it, and the handler. [`configure`]
//! registers exactly this table and the guard middleware enforces its access rules, so a route
//! cannot exist without one; `bitu-web --routes` prints it (the authorization matrix test reads
//! it from there).

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, guard, web};
use bitu_core::authz::Permission;
use serde::Serialize;

use crate::pages::legacy::{self, redirect};
use crate::pages::{
    account, assets, blocking, health, home, keys, not_found, permissions, signup, signup_api, sso,
    twofactor,
};

/// Who may call a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "access", rename_all = "snake_case")]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Only a principal the permission is granted to.
    Require(Permission),
}

/// A route open to anyone.
pub fn public() -> Access {
    Access::Public
}

/// A route needing `permission`.
pub fn require(permission: Permission) -> Access {
    Access::Require(permission)
}

/// One row of the table.
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path pattern as actix matches it (`/keys/{id}/delete/`).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    register: Box<dyn Fn(&mut web::ServiceConfig)>,
}

/// A row: `method path` served by `handler` for those `access` admits.
fn route<F, Args>(method: Method, path: &'static str, access: Access, handler: F) -> Route
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let guard_method = method.clone();
    Route {
        method,
        path,
        access,
        register: Box::new(move |cfg| {
            // The method guard on the resource lets another resource with the same path
            // answer other methods (as the actix route macros do).
            // HEAD answers as GET does (actix sends only the headers).
            let method_guard =
                guard::Any(guard::Method(guard_method.clone())).or(guard::fn_guard({
                    let get = guard_method == Method::GET;
                    move |ctx| get && ctx.head().method == Method::HEAD
                }));
            cfg.service(web::resource(path).guard(method_guard).to(handler.clone()));
        }),
    }
}

fn get<F, Args>(path: &'static str, access: Access, handler: F) -> Route
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    route(Method::GET, path, access, handler)
}

fn post<F, Args>(path: &'static str, access: Access, handler: F) -> Route
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    route(Method::POST, path, access, handler)
}

/// The table, in matching order.
pub fn routes() -> Vec<Route> {
    use Permission::*;
    vec![
        get("/healthz", public(), health::healthz),
        get("/", public(), home::home),
        get("/static/{file}", public(), assets::file),
        get("/favicon.ico", public(), assets::favicon),
        // Sign-in, sign-out and the anonymous recovery flows.
        get("/login/", public(), account::login::show),
        post("/login/", public(), account::login::submit),
        post("/logout/", public(), account::logout::submit),
        // Single sign-on: the paths the identity provider and the linking sites have
        // registered. Linking checks for a signed-in session itself (the same paths serve the
        // sign-in). The original's /accounts/login/ is with the other legacy paths below.
        get("/login/2fa/", public(), twofactor::signin::show),
        post("/login/2fa/", public(), twofactor::signin::submit),
        get(
            "/account/2fa/",
            require(ManageOwnAccount),
            twofactor::enrol::page,
        ),
        post(
            "/account/2fa/",
            require(ManageOwnAccount),
            twofactor::enrol::confirm,
        ),
        post(
            "/account/2fa/disable/",
            require(ManageOwnAccount),
            twofactor::disable::submit,
        ),
        get(
            "/wikimedia/2fa/{uid}",
            require(ManageAccounts),
            twofactor::reset::page,
        ),
        post(
            "/wikimedia/2fa/{uid}",
            require(ManageAccounts),
            twofactor::reset::submit,
        ),
        post("/api/totp/", require(CheckTotp), twofactor::api::check),
        post(
            "/accounts/api/totp/",
            require(CheckTotp),
            twofactor::api::check,
        ),
        get("/accounts/2fa/", public(), redirect("/account/2fa/")),
        get("/login/{backend}/", public(), sso::start::begin),
        get("/complete/{backend}/", public(), sso::complete::finish),
        get("/password/reset/", public(), account::reset::request_page),
        post("/password/reset/", public(), account::reset::request),
        get(
            "/password/reset/{uid}/{expires}/{token}/",
            public(),
            account::reset::open_link,
        ),
        get("/password/reset/set/", public(), account::reset::set_page),
        post("/password/reset/set/", public(), account::reset::set),
        get("/username/", public(), account::username::page),
        post("/username/", public(), account::username::request),
        // The signed-in user's own account.
        get(
            "/account/",
            require(ReadOwnAccount),
            account::overview::page,
        ),
        get("/api/account", require(ReadOwnAccount), account::api::me),
        post(
            "/account/attribute/{name}/",
            require(ManageOwnAccount),
            account::attribute::submit,
        ),
        get(
            "/account/password/",
            require(ManageOwnAccount),
            account::password::show,
        ),
        post(
            "/account/password/",
            require(ManageOwnAccount),
            account::password::submit,
        ),
        get(
            "/account/email/",
            require(ManageOwnAccount),
            account::email::show,
        ),
        post(
            "/account/email/",
            require(ManageOwnAccount),
            account::email::submit,
        ),
        get(
            "/account/email/confirm/",
            require(ManageOwnAccount),
            account::email::confirm_page,
        ),
        post(
            "/account/email/confirm/",
            require(ManageOwnAccount),
            account::email::confirm,
        ),
        get(
            "/account/tokens/",
            require(ManageOwnAccount),
            account::tokens::page,
        ),
        post(
            "/account/tokens/",
            require(ManageOwnAccount),
            account::tokens::create,
        ),
        post(
            "/account/tokens/{id}/revoke/",
            require(ManageOwnAccount),
            account::tokens::revoke,
        ),
        post(
            "/account/links/{system}/unlink/",
            require(ManageOwnAccount),
            sso::links::unlink,
        ),
        post(
            "/account/links/dismiss/",
            require(ManageOwnAccount),
            sso::links::dismiss,
        ),
        // Sign-up.
        get("/signup/", public(), signup::form::show),
        post("/signup/", public(), signup::form::submit),
        get("/signup/done/", public(), signup::form::done),
        get("/signup/captcha/{id}.png", public(), signup::captcha::image),
        get("/signup/captcha/{id}.wav", public(), signup::captcha::audio),
        get("/signup/captcha/new/", public(), signup::captcha::fresh),
        get(
            "/signup/activate/{id}/{token}/",
            public(),
            signup::activate::open_link,
        ),
        get(
            "/signup/activate/",
            public(),
            signup::activate::confirm_page,
        ),
        post("/signup/activate/", public(), signup::activate::confirm),
        post(
            "/signup/api/username/",
            public(),
            signup_api::username::check,
        ),
        get(
            "/signup/api/ip/{ip}/",
            require(CheckIpBlocks),
            signup_api::ip::blocks,
        ),
        // SSH keys.
        get("/keys/", require(ReadOwnKeys), keys::list::page),
        post("/keys/", require(ManageOwnKeys), keys::list::add),
        post(
            "/keys/{id}/activate/",
            require(ManageOwnKeys),
            keys::state::activate,
        ),
        post(
            "/keys/{id}/suspend/",
            require(ManageOwnKeys),
            keys::state::suspend,
        ),
        get(
            "/keys/{id}/delete/",
            require(ManageOwnKeys),
            keys::delete::confirm,
        ),
        post(
            "/keys/{id}/delete/",
            require(ManageOwnKeys),
            keys::delete::submit,
        ),
        get("/api/keys", require(ReadOwnKeys), keys::api::list),
        post("/api/keys", require(ManageOwnKeys), keys::api::create),
        route(
            Method::PUT,
            "/api/keys/{id}",
            require(ManageOwnKeys),
            keys::api::update,
        ),
        route(
            Method::DELETE,
            "/api/keys/{id}",
            require(ManageOwnKeys),
            keys::api::remove,
        ),
        // Account blocking (the original's /wikimedia/ paths) and its public log.
        get("/wikimedia/log/", public(), blocking::public_log::page),
        get(
            "/wikimedia/block/",
            require(BlockAccounts),
            blocking::search::page,
        ),
        get(
            "/wikimedia/block/{uid}",
            require(BlockAccounts),
            blocking::block::page,
        ),
        post(
            "/wikimedia/block/{uid}",
            require(BlockAccounts),
            blocking::block::submit,
        ),
        get(
            "/wikimedia/unblock/{uid}",
            require(BlockAccounts),
            blocking::unblock::page,
        ),
        post(
            "/wikimedia/unblock/{uid}",
            require(BlockAccounts),
            blocking::unblock::submit,
        ),
        get(
            "/wikimedia/block/{uid}/log",
            require(BlockAccounts),
            blocking::account_log::page,
        ),
        post(
            "/wikimedia/block/{uid}/retry/{id}/{system}",
            require(BlockAccounts),
            blocking::account_log::retry,
        ),
        post("/api/blocks", require(BlockAccounts), blocking::api::create),
        get(
            "/api/blocks/{uid}",
            require(BlockAccounts),
            blocking::api::status,
        ),
        // The Django original's URLs (table in docs/runbook.md): the sign-in pages in place,
        // the rest redirected (301 GET, 308 POST); the targets check who may do what.
        get("/accounts/login/", public(), account::login::show),
        post("/accounts/login/", public(), redirect("/login/")),
        get("/wikimedia/login/", public(), account::login::show),
        post("/wikimedia/login/", public(), redirect("/login/")),
        get("/accounts/logout/", public(), redirect("/")),
        post("/accounts/logout/", public(), redirect("/logout/")),
        get("/accounts/", public(), redirect("/account/")),
        get("/ldapbackend/properties/", public(), redirect("/account/")),
        get(
            "/ldapbackend/password/",
            public(),
            redirect("/account/password/"),
        ),
        post(
            "/ldapbackend/password/",
            public(),
            redirect("/account/password/"),
        ),
        get(
            "/accounts/email/{tail:.*}",
            public(),
            redirect("/account/email/"),
        ),
        get(
            "/accounts/api/tokens/{tail:.*}",
            public(),
            redirect("/account/tokens/"),
        ),
        get("/keymanagement/", public(), redirect("/keys/")),
        get("/keymanagement/create/", public(), redirect("/keys/")),
        post("/keymanagement/create/", public(), redirect("/keys/")),
        // A bookmarked or mailed state link shows the keys; only a POST changes a key.
        get(
            "/keymanagement/{id}/activate/",
            public(),
            redirect("/keys/"),
        ),
        get(
            "/keymanagement/{id}/deactivate/",
            public(),
            redirect("/keys/"),
        ),
        post(
            "/keymanagement/{id}/activate/",
            public(),
            redirect("/keys/{id}/activate/"),
        ),
        post(
            "/keymanagement/{id}/deactivate/",
            public(),
            redirect("/keys/{id}/suspend/"),
        ),
        get(
            "/keymanagement/{id}/delete/",
            public(),
            redirect("/keys/{id}/delete/"),
        ),
        post(
            "/keymanagement/{id}/delete/",
            public(),
            redirect("/keys/{id}/delete/"),
        ),
        get(
            "/wikimedia/password/{tail:.*}",
            public(),
            redirect("/password/reset/"),
        ),
        get("/wikimedia/whoami/", public(), redirect("/account/")),
        get(
            "/captcha/{tail:.*}",
            public(),
            redirect("/signup/captcha/new/"),
        ),
        get(
            "/accounts/api/user",
            require(ReadOwnAccount),
            legacy::api::user,
        ),
        get(
            "/accounts/api/ssh",
            require(ReadOwnKeys),
            legacy::api::ssh_list,
        ),
        post(
            "/accounts/api/ssh",
            require(ManageOwnKeys),
            legacy::api::ssh_create,
        ),
        get(
            "/accounts/api/ssh/{id}",
            require(ReadOwnKeys),
            legacy::api::ssh_get,
        ),
        route(
            Method::DELETE,
            "/accounts/api/ssh/{id}",
            require(ManageOwnKeys),
            legacy::api::ssh_delete,
        ),
        // Group access requests (the original's /permissions/ paths). Managers' routes need
        // the role for some group; the handlers check the request's own group (403).
        get(
            "/permissions/",
            require(RequestGroups),
            permissions::overview::page,
        ),
        get(
            "/permissions/my/",
            require(RequestGroups),
            permissions::my::page,
        ),
        get(
            "/permissions/request/{system}/{key}",
            require(RequestGroups),
            permissions::request::page,
        ),
        post(
            "/permissions/request/{system}/{key}",
            require(RequestGroups),
            permissions::request::submit,
        ),
        post(
            "/permissions/cancel/{id}",
            require(RequestGroups),
            permissions::cancel::submit,
        ),
        post(
            "/permissions/renew/{id}",
            require(RequestGroups),
            permissions::renew::submit,
        ),
        get(
            "/permissions/log/{id}",
            require(RequestGroups),
            permissions::history::page,
        ),
        get(
            "/permissions/pending/",
            require(ManageGroupRequests),
            permissions::pending::page,
        ),
        get(
            "/permissions/approve/{id}",
            require(ManageGroupRequests),
            permissions::approve::page,
        ),
        post(
            "/permissions/approve/{id}",
            require(ManageGroupRequests),
            permissions::approve::submit,
        ),
        get(
            "/permissions/log/",
            require(ManageGroupRequests),
            permissions::log::page,
        ),
        get(
            "/permissions/members/{system}/{key}",
            require(ManageGroupRequests),
            permissions::members::page,
        ),
        post(
            "/permissions/revoke/{id}",
            require(ManageGroupRequests),
            permissions::revoke::submit,
        ),
        get(
            "/permissions/api/requests/",
            require(RequestGroups),
            permissions::api::mine,
        ),
        post(
            "/permissions/api/requests/",
            require(RequestGroups),
            permissions::api::create,
        ),
        get(
            "/api/permissions/requests",
            require(RequestGroups),
            permissions::api::mine,
        ),
        post(
            "/api/permissions/requests",
            require(RequestGroups),
            permissions::api::create,
        ),
        get(
            "/api/permissions/pending",
            require(ManageGroupRequests),
            permissions::api::pending,
        ),
        post(
            "/api/permissions/requests/{id}/decision",
            require(ManageGroupRequests),
            permissions::api::decide,
        ),
    ]
}

/// Registers every route of the table; shared by the server and by tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for route in routes() {
        (route.register)(cfg);
    }
    crate::middleware::error_pages::configure_extractors(cfg);
    cfg.default_service(web::to(not_found::not_found));
}

/// Who may call `method path` (a pattern of the table); `None` for no route.
pub struct AccessTable(Vec<(Method, &'static str, Access)>);

impl AccessTable {
    /// The table's access rules.
    pub fn new() -> AccessTable {
        AccessTable(
            routes()
                .into_iter()
                .map(|r| (r.method, r.path, r.access))
                .collect(),
        )
    }

    /// The rule of the route `method pattern`.
    pub fn get(&self, method: &Method, pattern: &str) -> Option<&Access> {
        // HEAD is served by the GET route, with its rule.
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.0
            .iter()
            .find(|(m, p, _)| m == method && *p == pattern)
            .map(|(_, _, access)| access)
    }
}

/// The table as JSON lines (`{"method", "path", "access", ...}`), for `bitu-web --routes`.
pub fn describe() -> String {
    routes()
        .iter()
        .map(|r| {
            let mut row = serde_json::json!({ "method": r.method.as_str(), "path": r.path });
            if let (Some(row), Ok(serde_json::Value::Object(access))) =
                (row.as_object_mut(), serde_json::to_value(&r.access))
            {
                row.extend(access);
            }
            row.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_listed_once() {
        let routes = routes();
        let mut seen = std::collections::HashSet::new();
        for r in &routes {
            assert!(
                seen.insert((r.method.clone(), r.path)),
                "{} {}",
                r.method,
                r.path
            );
        }
        assert!(describe().contains(r#""permission":"manage_own_keys""#));
    }
}
