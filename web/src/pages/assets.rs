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

const FAVICON: &str = include_str!("../../static/favicon.svg");

/// The site icon (also at `/favicon.ico`, where browsers look without a `<link>`).
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON)
}
