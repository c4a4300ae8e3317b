//! bitu-rq's own `/metrics` for Prometheus: a minimal HTTP/1.1 responder (one request per
//! connection) on `[metrics] worker_bind`, for clients in `[metrics] allow`. Queue depths
//! and timer records are read at scrape time, so they are never staler than the scrape.

use std::net::SocketAddr;
use std::time::Duration;

use bitu_core::config::MetricsSettings;
use bitu_core::db::DbPool;
use bitu_core::metrics::{PrometheusHandle, QUEUE_DEPTH, refresh_timer_gauges};
use bitu_core::queue::Queue;
use metrics::gauge;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

/// What a scrape reads.
#[derive(Clone)]
pub struct Exporter {
    /// The process's recorder.
    pub handle: PrometheusHandle,
    /// For queue depths.
    pub queue: Queue,
    /// For the timer run records.
    pub db: DbPool,
    /// Who may scrape.
    pub settings: MetricsSettings,
}

/// Serves `/metrics` until `stop`; a port already taken is logged and skipped, since jobs
/// matter more than their metrics.
pub async fn spawn(exporter: Exporter, mut stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    let addr = exporter.settings.worker_bind.clone();
    if addr.is_empty() {
        return None;
    }
    let listener = match TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(error) => {
            warn!(%error, %addr, "cannot serve /metrics (metrics.worker_bind); running without");
            return None;
        }
    };
    info!(%addr, "serving /metrics");
    Some(tokio::spawn(async move {
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        debug!(%error, "metrics accept failed");
                        continue;
                    }
                },
                _ = stop.wait_for(|stopped| *stopped) => return,
            };
            let exporter = exporter.clone();
            tokio::spawn(async move {
                let answer =
                    tokio::time::timeout(Duration::from_secs(10), answer(&exporter, stream, peer));
                if let Ok(Err(error)) = answer.await {
                    debug!(%error, "metrics request failed");
                }
            });
        }
    }))
}

async fn answer(
    exporter: &Exporter,
    mut stream: TcpStream,
    peer: SocketAddr,
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut words = line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body) = if !exporter.settings.allows(peer.ip()) {
        ("403 Forbidden", "not allowed (metrics.allow)\n".to_string())
    } else if method != "GET" || path.split('?').next() != Some("/metrics") {
        ("404 Not Found", "only GET /metrics here\n".to_string())
    } else {
        refresh(exporter).await;
        ("200 OK", exporter.handle.render())
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

async fn refresh(exporter: &Exporter) {
    match exporter.queue.list(0).await {
        Ok(listing) => {
            for (queue, count, _) in &listing.queued {
                gauge!(QUEUE_DEPTH, "queue" => queue.name()).set(*count as f64);
            }
            gauge!(QUEUE_DEPTH, "queue" => "delayed").set(listing.delayed.0 as f64);
            gauge!(QUEUE_DEPTH, "queue" => "failed").set(listing.failed.0 as f64);
        }
        Err(error) => debug!(%error, "cannot read queue depths for /metrics"),
    }
    if let Err(error) = refresh_timer_gauges(&exporter.db).await {
        debug!(%error, "cannot read timer run records for /metrics");
    }
}
