//! The actix application: shared state, middleware and routes.

use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::{App, HttpServer, middleware as actix_middleware, web};
use bitu_core::account::rate_limit::RateLimiter;
use bitu_core::account::sessions;
use bitu_core::blocklist::Blocklist;
use bitu_core::queue::{Queue, outbox};
use bitu_core::signup::service::SignupService;
use bitu_core::{Services, Settings};
use tracing::{info, warn};

use crate::middleware::csrf::csrf;
use crate::middleware::host_check::host_check;
use crate::pages;
use crate::session_store::DbSessionStore;
use crate::templates::Templates;

/// What every request handler can reach.
pub struct AppState {
    /// The loaded configuration.
    pub settings: Arc<Settings>,
    /// MariaDB, LDAP and Redis.
    pub services: Services,
    /// Page templates.
    pub templates: Templates,
    /// Counters against guessing and flooding, shared through Redis.
    pub rate_limiter: RateLimiter,
    /// The job queues, to push jobs right after their transaction.
    pub queue: Queue,
    /// The username block list, compiled once and reloaded when it changes.
    pub blocklist: Blocklist,
}

impl AppState {
    /// The sign-up service over this state.
    pub fn signup_service(&self) -> SignupService<'_, Blocklist> {
        SignupService {
            settings: &self.settings,
            services: &self.services,
            queue: &self.queue,
            blocklist: &self.blocklist,
        }
    }
}

/// Registers every route; shared by the server and by tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(pages::health::healthz)
        .service(pages::home::home)
        .service(pages::assets::stylesheet)
        .service(pages::assets::signup_script)
        .configure(pages::account::configure)
        .configure(pages::signup::configure)
        .configure(pages::keys::configure)
        .default_service(web::to(pages::not_found::not_found));
}

/// How often expired session rows are deleted.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Serves until SIGTERM or SIGINT, then lets in-flight requests finish within the grace.
pub async fn serve(settings: Settings, services: Services) -> std::io::Result<()> {
    let settings = Arc::new(settings);
    let secret = settings
        .secret_key()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let cookie_key = Key::derive_from(secret);
    let templates = Templates::load().map_err(std::io::Error::other)?;
    let rate_limiter = RateLimiter::new(
        services.redis.clone(),
        &settings.redis.key_prefix,
        settings.rate_limit.signin_failures_per_ip,
    );
    let store = DbSessionStore::new(services.db.clone());
    tokio::spawn(purge_expired_sessions(services.db.clone()));
    let queue = Queue::new(services.redis.clone(), &settings);
    // Jobs written while Redis was away go out now; bitu-rq relays them too.
    match outbox::relay(&services.db, &queue).await {
        Ok(0) => {}
        Ok(relayed) => info!(relayed, "relayed outstanding jobs from the outbox"),
        Err(e) => warn!(error = %e, "outbox relay failed; bitu-rq will retry"),
    }
    let blocklist = Blocklist::new(services.db.clone(), &settings.blocklist);
    let state = web::Data::new(AppState {
        settings: settings.clone(),
        services,
        templates,
        rate_limiter,
        queue,
        blocklist,
    });
    let secure = settings.site.base_url.starts_with("https://");
    let idle = actix_web::cookie::time::Duration::seconds(
        i64::try_from(settings.session.idle_timeout.as_secs()).unwrap_or(i64::MAX),
    );
    let cookie_name = settings.session.cookie_name.clone();
    let server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store.clone(), cookie_key.clone())
            .cookie_name(cookie_name.clone())
            .cookie_http_only(true)
            .cookie_secure(secure)
            .cookie_same_site(SameSite::Lax)
            .session_lifecycle(
                PersistentSession::default()
                    .session_ttl(idle)
                    .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
            )
            .build();
        App::new()
            .app_data(state.clone())
            .wrap(actix_middleware::from_fn(csrf))
            .wrap(sessions)
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

async fn purge_expired_sessions(pool: bitu_core::db::DbPool) {
    loop {
        match sessions::purge_expired(&pool, 1000).await {
            Ok(0) => tokio::time::sleep(SESSION_PURGE_INTERVAL).await,
            Ok(purged) => info!(purged, "deleted expired sessions"),
            Err(e) => {
                warn!(error = %e, "cannot delete expired sessions");
                tokio::time::sleep(SESSION_PURGE_INTERVAL).await;
            }
        }
    }
}
