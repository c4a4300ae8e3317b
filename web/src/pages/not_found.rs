//! Every path no route claims: 404, as a page in the site layout or, under the JSON APIs'
//! paths, in JSON (the error-page middleware renders both).

use crate::error::WebError;

/// Not found.
pub async fn not_found() -> Result<actix_web::HttpResponse, WebError> {
    Err(WebError::NotFound)
}
