//! `GET /healthz`: the state of MariaDB, LDAP and Redis as JSON; 503 when any is down.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::app::AppState;

/// Longest a single check may take before it counts as down.
const CHECK_LIMIT: Duration = Duration::from_secs(2);

/// The health endpoint for load balancers and monitoring.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let health = state.services.health(CHECK_LIMIT).await;
    let ok = health.all_ok();
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "checks": health,
    });
    let mut response = if ok {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}
