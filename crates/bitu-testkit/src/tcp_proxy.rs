//! A TCP relay in front of a real service, so a test can make that service "go down" (cut
//! every connection, refuse new ones) and come back, without disturbing other tests.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

#[derive(Default)]
struct State {
    down: AtomicBool,
    connections: Mutex<Vec<AbortHandle>>,
}

/// The relay; stops when dropped.
pub struct TcpProxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    state: Arc<State>,
    accept_loop: AbortHandle,
}

impl TcpProxy {
    /// Relays a free local port to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(State::default());
        let upstream = upstream.to_string();
        let loop_state = state.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if loop_state.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                if let Ok(mut connections) = loop_state.connections.lock() {
                    connections.push(task.abort_handle());
                }
            }
        })
        .abort_handle();
        TcpProxy {
            addr,
            state,
            accept_loop,
        }
    }

    /// `scheme://127.0.0.1:<port>` for this relay.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// Takes the service down: cuts open connections and closes new ones at once.
    pub fn down(&self) {
        self.state.down.store(true, Ordering::SeqCst);
        self.cut();
    }

    /// Brings the service back.
    pub fn up(&self) {
        self.state.down.store(false, Ordering::SeqCst);
    }

    /// Cuts every open connection (as a server restart would) but keeps accepting.
    pub fn cut(&self) {
        if let Ok(mut connections) = self.state.connections.lock() {
            for connection in connections.drain(..) {
                connection.abort();
            }
        }
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
        self.cut();
    }
}
