//! Every path no route claims.

use actix_web::{HttpRequest, HttpResponse, web};

use bitu_core::i18n::Msg;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::page_context;

/// A 404 page in the site layout.
pub async fn not_found(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, WebError> {
    let body = state.templates.render(
        "error.html",
        &page_context(&req, &state, Msg::new("bitu-error-notfound-title")),
    )?;
    Ok(HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .body(body))
}
