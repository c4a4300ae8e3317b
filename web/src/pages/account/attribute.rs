//! `POST /account/attribute/{name}/`: change an attribute the configuration lets users edit,
//! to one of its allowed values; written to LDAP at once.

use std::collections::HashSet;

use actix_web::{HttpResponse, post, web};
use ldap3::Mod;
use serde::Deserialize;
use tracing::info;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// The submitted value.
#[derive(Deserialize)]
pub struct AttributeForm {
    value: String,
}

/// Saves the value and returns to the account page.
#[post("/account/attribute/{name}/")]
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
    form: web::Form<AttributeForm>,
) -> Result<HttpResponse, WebError> {
    let editable = state
        .settings
        .account
        .editable
        .iter()
        .find(|e| e.attribute.eq_ignore_ascii_case(&name))
        .ok_or(WebError::NotFound)?;
    if !editable.choices.iter().any(|choice| *choice == form.value) {
        return Err(WebError::Core(bitu_core::Error::Invalid(format!(
            "{} is not an allowed value",
            form.value
        ))));
    }
    let mods = vec![Mod::Replace(
        editable.attribute.clone(),
        HashSet::from([form.value.clone()]),
    )];
    state
        .services
        .directory
        .modify_user(&user.uid, mods)
        .await?;
    info!(uid = %user.uid, attribute = %editable.attribute, "attribute changed");
    Ok(HttpResponse::SeeOther()
        .insert_header((
            "Location",
            format!("/account/?saved={}", editable.attribute),
        ))
        .finish())
}
