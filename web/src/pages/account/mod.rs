//! Sign-in and the signed-in user's own account: overview, attributes, password, API tokens.

pub mod api;
pub mod attribute;
pub mod email;
pub mod login;
pub mod logout;
pub mod overview;
pub mod password;
pub mod reset;
pub mod tokens;
pub mod username;

use std::time::{Duration, Instant};

use actix_web::web;

/// Waits until `floor` has passed since `started`, so answers about unknown and known
/// accounts take the same time.
pub async fn answer_no_sooner_than(started: Instant, floor: Duration) {
    if let Some(rest) = floor.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
}

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
        .service(api::me)
        .service(email::show)
        .service(email::submit)
        .service(email::confirm_page)
        .service(email::confirm)
        .service(reset::request_page)
        .service(reset::request)
        .service(reset::open_link)
        .service(reset::set_page)
        .service(reset::set)
        .service(username::page)
        .service(username::request);
}
