//! `POST /permissions/renew/{id}`: the holder of a time-limited grant asks to renew it (a new
//! request, with a comment, remembering the grant it renews).

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::Created;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use bitu_core::i18n::Msg;

/// `POST /permissions/renew/{id}`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let comment = super::field(&form, "comment");
    let renewed = super::service(&state)
        .renew(&user.actor(), &user.uid, *id, comment)
        .await;
    let message = match renewed {
        Ok(Some(Created::Stored(new, _))) => {
            return Ok(super::see_other(&format!("/permissions/log/{new}")));
        }
        Ok(Some(Created::AlreadyPending)) => {
            crate::i18n::text(&req, &Msg::new("bitu-permissions-error-already-pending"))
        }
        Ok(None) => return Err(WebError::NotFound),
        Err(bitu_core::Error::Invalid(message)) => crate::i18n::text(
            &req,
            &Msg::new("bitu-permissions-error-reason").arg(message),
        ),
        Err(e) => return Err(e.into()),
    };
    super::my::render(&req, &state, Some((*id, message, comment.to_string()))).await
}
