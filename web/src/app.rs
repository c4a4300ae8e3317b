//! The actix application: shared state, middleware and routes.

use std::sync::Arc;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::{App, HttpServer, middleware as actix_middleware, web};
use bitu_core::account::rate_limit::RateLimiter;
use bitu_core::account::sessions::{self, Sessions};
use bitu_core::account::signin::SigninService;
use bitu_core::authz::Authz;
use bitu_core::blocklist::Blocklist;
use bitu_core::clock::SystemClock;
use bitu_core::db::DbPool;
use bitu_core::directory::Directory;
use bitu_core::queue::{Queue, outbox};
use bitu_core::signup::admission::SignupGate;
use bitu_core::signup::service::SignupService;
use bitu_core::twofactor::{RedisReplayGuard, TwoFactor};
use bitu_core::{Services, Settings};
use tracing::{info, warn};

use crate::auth::client_ip;
use crate::i18n::language;
use crate::middleware::access_log::masked_path;
use crate::middleware::csrf::csrf;
use crate::middleware::error_pages::error_pages;
use crate::middleware::guard::guard;
use crate::middleware::host_check::{host_check, is_allowed_host};
use crate::middleware::ops::{Metrics, Stopping, ops};
use crate::routes::{AccessTable, configure};
use crate::session_store::DbSessionStore;
use crate::templates::Templates;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The loaded configuration.
    pub settings: Arc<Settings>,
    /// MariaDB, LDAP and Redis.
    pub services: Services,
    /// Page templates.
    pub templates: Arc<Templates>,
    /// Counters against guessing and flooding, shared through Redis.
    pub rate_limiter: RateLimiter,
    /// The job queues, to push jobs right after their transaction.
    pub queue: Queue,
    /// The username block list, compiled once and reloaded when it changes.
    pub blocklist: Arc<Blocklist>,
    /// Browser sessions (the store behind the session middleware, and its cache).
    pub sessions: Sessions,
    /// Permission checks, with their caches of group members and account states.
    pub authz: Authz,
    /// HTTP to the identity provider and the linking sites (one per worker thread).
    pub sso_http: bitu_core::sso::Http,
    /// Which two-factor codes were used, shared through Redis.
    pub replay: RedisReplayGuard,
}

impl AppState {
    /// A copy for one worker thread: its own lazy pools, so every connection is driven by
    /// the thread that uses it (a current-thread runtime polls only its own sockets); the
    /// caches, limits and block list stay shared.
    pub fn for_worker(&self) -> AppState {
        let services = match Services::new(&self.settings) {
            Ok(services) => services,
            Err(e) => {
                warn!(error = %e, "cannot build this worker's pools; sharing the main ones");
                return self.clone();
            }
        };
        let sso_http = bitu_core::sso::Http::new(self.settings.oidc.timeout)
            .unwrap_or_else(|_| self.sso_http.clone());
        AppState {
            sso_http,
            sessions: self.sessions.on_pool(services.db.clone()),
            rate_limiter: self.rate_limiter.on_pool(services.redis.clone()),
            queue: self.queue.on_pool(services.redis.clone()),
            replay: RedisReplayGuard::new(services.redis.clone(), &self.settings.redis.key_prefix),
            services,
            ..self.clone()
        }
    }

    /// The sign-in service over this state.
    pub fn signin_service(&self) -> SigninService<'_, Directory, RateLimiter, SystemClock> {
        SigninService {
            users: &self.services.directory,
            limiter: &self.rate_limiter,
            clock: &SystemClock,
            limits: &self.settings.rate_limit,
            disabled_policy: &self.settings.ldap.ppolicy_dn,
        }
    }

    /// Two-factor sign-in over this state.
    pub fn twofactor(&self) -> TwoFactor<'_, RateLimiter, RedisReplayGuard, SystemClock> {
        TwoFactor {
            db: &self.services.db,
            queue: &self.queue,
            settings: &self.settings.twofactor,
            limiter: &self.rate_limiter,
            replay: &self.replay,
            clock: &SystemClock,
        }
    }

    /// Sign-up admission (attempts per address, global IP blocks) over this state.
    pub fn signup_gate(&self) -> SignupGate<'_, RateLimiter, DbPool, SystemClock> {
        SignupGate {
            limiter: &self.rate_limiter,
            ip_blocks: &self.services.db,
            clock: &SystemClock,
            settings: &self.settings,
        }
    }

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

/// How long accepted connections get to reach a worker before a stop (a busy host needs
/// hundreds of milliseconds).
const ACCEPTED_SETTLE: Duration = Duration::from_secs(1);
/// How often expired session rows are deleted.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// Serves until SIGTERM or SIGINT, then lets in-flight requests finish within the grace. On
/// `listener` (a socket systemd passed) when given, else on `[web] bind`.
pub async fn serve(
    mut settings: Settings,
    services: Services,
    listener: Option<std::net::TcpListener>,
) -> std::io::Result<()> {
    // The service name always works as Host, so a standby can be tried with it (runbook).
    if let Some(name) = url::Url::parse(&settings.site.base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        && !is_allowed_host(&name, &settings.site.allowed_hosts)
    {
        settings.site.allowed_hosts.push(name);
    }
    let metrics = match settings.metrics.enabled {
        true => Some(web::Data::new(Metrics(
            bitu_core::metrics::install("bitu-web").map_err(std::io::Error::other)?,
        ))),
        false => None,
    };
    let stopping = web::Data::new(Stopping::default());
    let settings = Arc::new(settings);
    let secret = settings
        .secret_key()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let cookie_key = Key::derive_from(secret);
    let templates = Arc::new(Templates::load().map_err(std::io::Error::other)?);
    let rate_limiter = RateLimiter::new(
        services.redis.clone(),
        &settings.redis.key_prefix,
        settings.rate_limit.signin_failures_per_ip,
    );
    let sessions = Sessions::new(services.db.clone(), settings.session.cache_ttl);
    tokio::spawn(purge_expired_sessions(services.db.clone()));
    let queue = Queue::new(services.redis.clone(), &settings);
    // Jobs written while Redis was away go out now; bitu-rq relays them too.
    match outbox::relay(&services.db, &queue).await {
        Ok(0) => {}
        Ok(relayed) => info!(relayed, "relayed outstanding jobs from the outbox"),
        Err(e) => warn!(error = %e, "outbox relay failed; bitu-rq will retry"),
    }
    let blocklist = Arc::new(
        Blocklist::new(services.db.clone(), &settings.blocklist).with_name_rules(&settings.names),
    );
    let services_redis = services.redis.clone();
    let state = web::Data::new(AppState {
        settings: settings.clone(),
        services,
        templates,
        rate_limiter,
        queue,
        blocklist,
        sessions,
        authz: Authz::new(
            &settings.authz.with_permission_groups(&settings.permissions),
            &settings.ldap.ppolicy_dn,
        ),
        sso_http: bitu_core::sso::Http::new(settings.oidc.timeout)
            .map_err(|e| std::io::Error::other(e.to_string()))?,
        replay: RedisReplayGuard::new(services_redis, &settings.redis.key_prefix),
    });
    let access_table = web::Data::new(AccessTable::new());
    let secure = settings.site.base_url.starts_with("https://");
    let idle = actix_web::cookie::time::Duration::seconds(
        i64::try_from(settings.session.idle_timeout.as_secs()).unwrap_or(i64::MAX),
    );
    let cookie_name = settings.session.cookie_name.clone();
    let trusted_proxies = settings.web.trusted_proxies.clone();
    let csp = crate::csp::policy(&settings);
    crate::statics::init();
    let app_stopping = stopping.clone();
    let server = HttpServer::new(move || {
        let state = web::Data::new(state.for_worker());
        let store = DbSessionStore::new(state.sessions.clone());
        let sessions = SessionMiddleware::builder(store, cookie_key.clone())
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
        let proxies = trusted_proxies.clone();
        let mut app = App::new()
            .app_data(state)
            .app_data(access_table.clone())
            .app_data(app_stopping.clone());
        if let Some(metrics) = &metrics {
            app = app.app_data(metrics.clone());
        }
        // Error pages outside the guard, so its refusals (403) get the layout too.
        app.wrap(actix_middleware::from_fn(csrf))
            .wrap(actix_middleware::from_fn(guard))
            .wrap(actix_middleware::from_fn(error_pages))
            // Outside the CSRF check and error pages, whose pages need the language too.
            .wrap(actix_middleware::from_fn(language))
            .wrap(sessions)
            .wrap(actix_middleware::from_fn(host_check))
            .wrap(actix_middleware::from_fn(ops))
            .wrap(
                // On every answer: no page may be framed (clickjacking; old browsers read
                // X-Frame-Options), no inline script or style, forms only to known places.
                actix_middleware::DefaultHeaders::new()
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Content-Security-Policy", csp.clone()))
                    .add(("X-Content-Type-Options", "nosniff")),
            )
            .wrap(
                // The path without the query string (which may carry secrets), link tokens masked.
                actix_middleware::Logger::new("%{client}xi \"%{method}xi %{path}xi\" %s %b %Dms")
                    .custom_request_replace("method", |req| req.method().to_string())
                    .custom_request_replace("path", |req| masked_path(req.path()))
                    .custom_request_replace("client", move |req| {
                        client_ip(req.request(), &proxies)
                            .map_or_else(|| "-".to_string(), |ip| ip.to_string())
                    })
                    .log_target("bitu_web::access"),
            )
            .configure(configure)
    })
    .workers(settings.web.workers)
    .shutdown_timeout(settings.web.shutdown_grace.as_secs())
    .disable_signals();
    let inherited = listener.is_some();
    let server = match listener {
        Some(listener) => server.listen(listener)?,
        None => server.bind(&settings.web.bind)?,
    };
    for addr in server.addrs() {
        info!(%addr, inherited, "bitu-web listening");
    }
    let server = server.run();
    tokio::spawn(stop_on_signal(server.handle(), stopping.get_ref().clone()));
    bitu_core::systemd::ready("serving");
    let _watchdog = bitu_core::systemd::spawn_watchdog();
    server.await
}

/// On SIGTERM or SIGINT: close connections after their answer, stop accepting (connections
/// then wait in the socket's queue for the next process), let accepted ones reach a worker,
/// then drain in-flight requests within `[web] shutdown_grace`.
async fn stop_on_signal(server: actix_web::dev::ServerHandle, stopping: Stopping) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        warn!("cannot listen for SIGTERM; stop with SIGKILL");
        return;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    info!("bitu-web stopping: no new connections, draining requests");
    bitu_core::systemd::stopping();
    server.pause().await;
    // Only now: a closed keep-alive connection makes its client connect anew, to the queue.
    stopping.begin();
    // A worker drops connections still queued to it when it stops; let them land first.
    tokio::time::sleep(ACCEPTED_SETTLE).await;
    server.stop(true).await;
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
