//! Sign-up: the form, its captcha, and the activation link's confirmation.

pub mod activate;
pub mod captcha;
pub mod form;

use actix_web::web;

/// Registers this feature's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(form::show)
        .service(form::submit)
        .service(form::done)
        .service(captcha::image)
        .service(captcha::fresh)
        .service(activate::open_link)
        .service(activate::confirm_page)
        .service(activate::confirm);
}
