//! `/static/<file>`: the embedded static files (see `statics`), and `/favicon.ico`.

use actix_web::{HttpResponse, web};

use crate::error::WebError;
use crate::statics::{self, Asset, Found};

/// A year: a hashed name never changes its bytes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The plain names change with each release.
const SHORT: &str = "public, max-age=300";

fn serve(asset: &Asset, cache: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", cache))
        .body(asset.body)
}

/// `GET /static/{file}`: by hashed name for a year, by plain name for five minutes.
pub async fn file(file: web::Path<String>) -> Result<HttpResponse, WebError> {
    match statics::find(&file) {
        Some(Found::Hashed(asset)) => Ok(serve(asset, IMMUTABLE)),
        Some(Found::Plain(asset)) => Ok(serve(asset, SHORT)),
        None => Err(WebError::NotFound),
    }
}

/// The site icon at `/favicon.ico`, where browsers look without a `<link>`.
pub async fn favicon() -> Result<HttpResponse, WebError> {
    match statics::find("favicon.svg") {
        Some(Found::Hashed(asset) | Found::Plain(asset)) => {
            Ok(serve(asset, "public, max-age=86400"))
        }
        None => Err(WebError::NotFound),
    }
}
