//! `GET /`: the start page.

use actix_web::{HttpResponse, get, web};

use super::Layout;
use crate::app::AppState;
use crate::error::WebError;

/// The start page, in the site layout.
#[get("/")]
pub async fn home(state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let body = state.templates.render(
        "home.html",
        &Layout {
            site_name: &state.settings.site.name,
            title: "Welcome",
        },
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}
