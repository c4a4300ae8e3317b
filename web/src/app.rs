//! The actix application: shared state, middleware and routes.

use std::sync::Arc;

use actix_web::{App, HttpServer, middleware as actix_middleware, web};
use bitu_core::{Services, Settings};
use tracing::info;

use crate::middleware::host_check::host_check;
use crate::pages;
use crate::templates::Templates;

/// What every request handler can reach.
pub struct AppState {
    /// The loaded configuration.
    pub settings: Arc<Settings>,
    /// MariaDB, LDAP and Redis.
    pub services: Services,
    /// Page templates.
    pub templates: Templates,
}

/// Registers every route; shared by the server and by tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::health::healthz)
        .service(pages::home::home)
        .service(pages::assets::stylesheet)
        .default_service(web::to(pages::not_found::not_found));
}

/// Serves until SIGTERM or SIGINT, then lets in-flight requests finish within the grace.
pub async fn serve(settings: Settings, services: Services) -> std::io::Result<()> {
    let settings = Arc::new(settings);
    let templates = Templates::load().map_err(std::io::Error::other)?;
    let state = web::Data::new(AppState {
        settings: settings.clone(),
        services,
        templates,
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(actix_middleware::from_fn(host_check))
            .wrap(
                // %U is the path without the query string, which may carry secrets.
                actix_middleware::Logger::new("%a \"%{method}xi %U\" %s %b %Dms")
                    .custom_request_replace("method", |req| req.method().to_string())
                    .log_target("bitu_web::access"),
            )
            .configure(configure)
    })
    .workers(settings.web.workers)
    .shutdown_timeout(settings.web.shutdown_grace.as_secs())
    .bind(&settings.web.bind)?;
    for addr in server.addrs() {
        info!(%addr, "bitu-web listening");
    }
    server.run().await
}
