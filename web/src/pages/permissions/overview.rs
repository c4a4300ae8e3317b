//! `/permissions/`: the start of group access; everyone starts at their own page, which links
//! managers on to what waits for them.

use actix_web::HttpResponse;

/// `GET /permissions/`
pub async fn page() -> HttpResponse {
    super::see_other("/permissions/my/")
}
