//! `POST /permissions/revoke/{id}`: a manager of the group takes a grant away, saying why
//! (required); bitu-rq removes the membership and mails the holder.

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::permissions::{Voted, store};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;
use bitu_core::i18n::Msg;

/// `POST /permissions/revoke/{id}`
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<u64>,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, WebError> {
    let mut conn = bitu_core::db::conn(&state.services.db).await?;
    let request = store::get(&mut conn, *id)
        .await?
        .ok_or(WebError::NotFound)?;
    drop(conn);
    let group = state
        .settings
        .permissions
        .group(&request.group_dn)
        .ok_or(WebError::NotFound)?;
    let members_path = format!(
        "/permissions/members/{}/{}",
        group.url_system(),
        group.url_key()
    );
    let comment = super::field(&form, "comment");
    let revoked = super::service(&state)
        .revoke(&user.actor(), &user.uid, *id, comment)
        .await;
    let message = match revoked {
        Ok(Voted::NotManager) => return Err(super::forbidden(&req)),
        Ok(_) => return Ok(super::see_other(&members_path)),
        Err(bitu_core::Error::Invalid(message)) => crate::i18n::text(
            &req,
            &Msg::new("bitu-permissions-error-not-accepted").arg(message),
        ),
        Err(e) => return Err(e.into()),
    };
    super::members::render(&req, &state, group, Some((*id, &message, comment))).await
}
