//! Every path no route claims.

use actix_web::{HttpResponse, web};

use super::Layout;
use crate::app::AppState;
use crate::error::WebError;

/// A 404 page in the site layout.
pub async fn not_found(state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let body = state.templates.render(
        "error.html",
        &Layout {
            site_name: &state.settings.site.name,
            title: "Not found",
        },
    )?;
    Ok(HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .body(body))
}
