//! `POST /logout/`: ends the session (its row is deleted).

use actix_session::Session;
use actix_web::HttpResponse;

/// Signs out and returns to the start page.
pub async fn submit(session: Session) -> HttpResponse {
    session.purge();
    HttpResponse::SeeOther()
        .insert_header(("Location", "/"))
        .finish()
}
