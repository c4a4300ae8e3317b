//! `POST /account/attribute/{name}/`: change an attribute the configuration lets users edit,
//! to one of its allowed values; written to LDAP at once.

use actix_web::{HttpResponse, web};
use bitu_core::account::attributes;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// The submitted value.
#[derive(Deserialize)]
pub struct AttributeForm {
    value: String,
}

/// Saves the value and returns to the account page.
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
    form: web::Form<AttributeForm>,
) -> Result<HttpResponse, WebError> {
    let attribute = attributes::change(
        &state.services.db,
        &state.services.directory,
        &state.settings.account.editable,
        &user.actor(),
        &user.uid,
        &name,
        &form.value,
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/account/?saved={attribute}")))
        .finish())
}
