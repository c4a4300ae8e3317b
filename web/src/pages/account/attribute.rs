//! `POST /account/attribute/{name}/`: change an attribute the configuration lets users edit,
//! to one of its allowed values; written to LDAP at once.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
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
    let current = state
        .services
        .directory
        .find_user_by_uid(&user.uid)
        .await?
        .ok_or(WebError::NotFound)?;
    // The current value (possibly outside the choices, set by an administrator) is kept.
    let unchanged = current.entry.values(&editable.attribute) == [form.value.clone()];
    if unchanged {
        return Ok(saved(&editable.attribute));
    }
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
    Ok(saved(&editable.attribute))
}

/// Back to the account page, saying `attribute` was saved.
fn saved(attribute: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", format!("/account/?saved={attribute}")))
        .finish()
}
