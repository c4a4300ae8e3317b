//! The captcha image, its spoken alternative, and a fresh challenge for the page script's
//! refresh button.

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::signup::captcha::{self, Spoken};
use serde_json::json;

use crate::app::AppState;
use crate::auth::client_ip;
use crate::error::WebError;

/// A new challenge for the request's client; [`WebError::TooManyRequests`] past its limit.
pub async fn issue(req: &HttpRequest, state: &AppState) -> Result<String, WebError> {
    let client = client_ip(req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let limits = &state.settings.rate_limit;
    captcha::issue(&state.services.db, &state.rate_limiter, limits, &client)
        .await?
        .ok_or(WebError::TooManyRequests)
}

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

/// `GET /signup/captcha/{id}.wav`: the characters spoken, with fresh noise on every call;
/// counted against the client like new challenges.
pub async fn audio(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let client = client_ip(&req, &state.settings.web.trusted_proxies)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    let spoken = captcha::spoken(
        &state.services.db,
        &state.rate_limiter,
        &state.settings.rate_limit,
        &client,
        &id,
    )
    .await?;
    match spoken {
        Spoken::Wav(wav) => Ok(HttpResponse::Ok()
            .content_type("audio/wav")
            .insert_header((CACHE_CONTROL, "no-store"))
            // The saved file's name says nothing of the answer either.
            .insert_header(("Content-Disposition", "inline; filename=\"captcha.wav\""))
            .body(wav)),
        Spoken::Unknown => Err(WebError::NotFound),
        Spoken::TooMany => Err(WebError::TooManyRequests),
    }
}

/// `GET /signup/captcha/new/`: `{"id": "..."}` of a new challenge; 429 past the client's limit.
pub async fn fresh(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let id = issue(&req, &state).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(json!({ "id": id })))
}
