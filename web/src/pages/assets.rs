//! Static assets, compiled into the binary.

use actix_web::{HttpResponse, get};

const STYLESHEET: &str = include_str!("../../static/bitu.css");
const SIGNUP_SCRIPT: &str = include_str!("../../static/signup.js");

/// The site stylesheet.
#[get("/static/bitu.css")]
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The sign-up page's progressive enhancement.
#[get("/static/signup.js")]
pub async fn signup_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(SIGNUP_SCRIPT)
}
