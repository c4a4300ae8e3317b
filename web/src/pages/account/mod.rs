//! Sign-in and the signed-in user's own account: overview, attributes, password, API tokens.

pub mod api;
pub mod attribute;
pub mod login;
pub mod logout;
pub mod overview;
pub mod password;
pub mod tokens;

use actix_web::web;

/// Registers this feature's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(login::show)
        .service(login::submit)
        .service(logout::submit)
        .service(overview::page)
        .service(attribute::submit)
        .service(password::show)
        .service(password::submit)
        .service(tokens::page)
        .service(tokens::create)
        .service(tokens::revoke)
        .service(api::me);
}
