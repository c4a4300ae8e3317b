//! SSH keys of the signed-in user: the list (synchronised with the directory on every view),
//! adding, activating, suspending and deleting, and the same as a JSON API.

pub mod api;
pub mod delete;
pub mod list;
pub mod state;
pub mod view;

use actix_web::web;

/// Registers this feature's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list::page)
        .service(list::add)
        .service(state::activate)
        .service(state::suspend)
        .service(delete::confirm)
        .service(delete::submit)
        .service(api::list)
        .service(api::create)
        .service(api::update)
        .service(api::remove);
}
