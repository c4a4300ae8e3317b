//! `GET /`: the start page.

use actix_web::{HttpRequest, HttpResponse, web};

use bitu_core::i18n::Msg;

use crate::app::AppState;
use crate::error::WebError;
use crate::templates::{html, page_context};

/// The start page, in the site layout.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    html(
        &state,
        "home.html",
        &page_context(&req, &state, Msg::new("bitu-home-title")),
    )
}
