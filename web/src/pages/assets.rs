//! Static assets, compiled into the binary.

use actix_web::HttpResponse;

const STYLESHEET: &str = include_str!("../../static/bitu.css");
const SIGNUP_SCRIPT: &str = include_str!("../../static/signup.js");

/// The site stylesheet.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The sign-up page's progressive enhancement.
pub async fn signup_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(SIGNUP_SCRIPT)
}
