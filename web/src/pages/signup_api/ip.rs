//! `GET /signup/api/ip/<ip>/`: the unexpired global IP blocks covering an address, for
//! authenticated callers (API token or session): `[{"comment", "expiry", "network"}]`.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, web};
use bitu_core::blocklist::ip::blocks_for;
use bitu_core::db;
use bitu_core::i18n;
use serde_json::json;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::WebError;

/// An API message: English whatever the request's language (Striker reads this contract).
fn english(key: &str) -> String {
    i18n::text(i18n::DEFAULT_LANG, &i18n::Msg::new(key))
}

/// `GET /signup/api/ip/{ip}/`
pub async fn blocks(
    req: HttpRequest,
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    super::rate_limit(&req, &state).await?;
    let Ok(address) = path.trim().parse::<IpAddr>() else {
        return Ok(HttpResponse::BadRequest().json(json!({"ip": [english("bitu-api-error-ip")]})));
    };
    let mut conn = db::conn(&state.services.db).await?;
    let now = chrono::Utc::now().naive_utc();
    let blocks: Vec<_> = blocks_for(&mut conn, address, now)
        .await?
        .into_iter()
        .map(|block| {
            json!({
                "comment": block.reason,
                "expiry": block.expiry.map_or_else(
                    || "infinity".to_string(),
                    |t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
                "network": block.network,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(blocks))
}
