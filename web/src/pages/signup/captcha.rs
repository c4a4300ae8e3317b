//! The captcha image, and a fresh challenge for the page script's refresh button.

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};
use bitu_core::signup::captcha;
use serde_json::json;

use crate::app::AppState;
use crate::error::WebError;

/// `GET /signup/captcha/{id}.png`
pub async fn image(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let png = captcha::image(&state.services.db, &id)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut response = HttpResponse::Ok().content_type("image/png").body(png);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /signup/captcha/new/`: `{"id": "..."}` of a new challenge.
pub async fn fresh(state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let id = captcha::create(&state.services.db).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({ "id": id })))
}
