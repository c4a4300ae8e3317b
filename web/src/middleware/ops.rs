//! What operations need around every request: Prometheus counters by route and status, the
//! allow-listed `/metrics` endpoint, and `Connection: close` once a graceful stop began, so
//! keep-alive clients move to the next process instead of hitting a closing socket.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{ConnectionType, Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use bitu_core::metrics::{HTTP_DURATION, HTTP_REQUESTS, PrometheusHandle, refresh_timer_gauges};
use metrics::{counter, histogram};
use tracing::warn;

use crate::app::AppState;
use crate::auth::client_ip;

/// Set when SIGTERM arrived: answers from then on close their connection.
#[derive(Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

impl Stopping {
    /// Marks the server as stopping.
    pub fn begin(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop began.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The recorder's handle, when metrics are on.
#[derive(Clone)]
pub struct Metrics(pub PrometheusHandle);

/// Counts and times every request, answers allow-listed `GET /metrics`, and closes
/// connections after their answer while stopping.
pub async fn ops(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let mut res = if req.path() == "/metrics" && method == Method::GET {
        match scrape(&req).await {
            Some(response) => req.into_response(response).map_into_right_body(),
            None => next.call(req).await?.map_into_left_body(),
        }
    } else {
        next.call(req).await?.map_into_left_body()
    };
    let stopping = res
        .request()
        .app_data::<web::Data<Stopping>>()
        .is_some_and(|s| s.is_set());
    if stopping {
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    if res.request().app_data::<web::Data<Metrics>>().is_some() {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_string());
        let status = res.status().as_u16().to_string();
        counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method.to_string(), "status" => status)
            .increment(1);
        histogram!(HTTP_DURATION, "route" => route).record(started.elapsed().as_secs_f64());
    }
    Ok(res)
}

/// The metrics page for an allowed client; `None` (the route does not exist) for others.
async fn scrape(req: &ServiceRequest) -> Option<HttpResponse<BoxBody>> {
    let metrics = req.app_data::<web::Data<Metrics>>()?;
    let state = req.app_data::<web::Data<AppState>>()?;
    let client = client_ip(req.request(), &state.settings.web.trusted_proxies)?;
    if !state.settings.metrics.allows(client) {
        return None;
    }
    if let Err(error) = refresh_timer_gauges(&state.services.db).await {
        warn!(%error, "cannot read the timer run records for /metrics");
    }
    Some(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(metrics.0.render()),
    )
}
