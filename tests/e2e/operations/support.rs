//! Helpers: bitu-web started the way systemd starts it (a listening socket held by the
//! caller, passed as fd 3 with LISTEN_FDS/LISTEN_PID), a notification socket standing in for
//! systemd's, metric lookups and SQL.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use bitu_testkit::TestContext;
use bitu_testkit::process::bin_path;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

/// A listening socket as systemd makes it for bitu-web.socket (Backlog=4096).
pub fn listening_socket() -> std::net::TcpListener {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket.listen(4096).unwrap().into_std().unwrap()
}

/// `bitu-web` on a socket this test holds, so the socket outlives each process.
pub struct SocketWeb {
    child: Option<Child>,
    /// Its stderr.
    pub log_path: PathBuf,
}

/// A command running `binary` with `config` and the given socket as fd 3, LISTEN_FDS=1 and
/// LISTEN_PID set to its own pid, as systemd's socket activation does. The socket travels
/// as stdin to a bash wrapper that moves it to fd 3 before exec (bash keeps it open).
pub fn socket_activated(binary: &str, config: &Path, socket: &std::net::TcpListener) -> Command {
    let fd: OwnedFd = socket.try_clone().unwrap().into();
    let mut command = Command::new("bash");
    command
        .args([
            "-c",
            "exec 3<&0 </dev/null; LISTEN_FDS=1 LISTEN_PID=$$ exec \"$0\" \"$@\"",
        ])
        .arg(bin_path(binary))
        .stdin(Stdio::from(fd));
    clean_env(&mut command, config);
    command
}

/// Drops inherited `BITU_*`, `RUST_LOG` and systemd variables; points at `config`.
pub fn clean_env(command: &mut Command, config: &Path) {
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("BITU_") || key_text.starts_with("LISTEN_") {
            command.env_remove(&key);
        }
    }
    command
        .env("BITU_CONFIG", config)
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC");
}

impl SocketWeb {
    /// Starts bitu-web on `socket` and waits until `/healthz` answers through it.
    pub async fn start(config: &Path, socket: &std::net::TcpListener, n: usize) -> SocketWeb {
        let log_path = config.with_extension(format!("socket-web-{n}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let child = socket_activated("bitu-web", config, socket)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut web = SocketWeb {
            child: Some(child),
            log_path,
        };
        let port = socket.local_addr().unwrap().port();
        let started = Instant::now();
        while !web.log().contains("bitu-web listening") {
            if let Some(status) = web.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("bitu-web exited with {status}: {}", web.log());
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{}", web.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let health = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
        assert!(health.is_ok(), "{}", web.log());
        web
    }

    /// What it logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGTERM, then waits for the exit (as `systemctl stop` does).
    pub async fn terminate(&mut self) -> (ExitStatus, Duration) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SocketWeb {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
pub struct Notifications {
    socket: UnixDatagram,
    /// Its path, for NOTIFY_SOCKET.
    pub path: PathBuf,
}

impl Notifications {
    /// Binds a fresh socket in `dir`.
    pub fn new(dir: &Path) -> Notifications {
        let path = dir.join(format!("notify-{}.sock", rand_suffix()));
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Notifications { socket, path }
    }

    /// Messages received until `until` matches one, or `limit` passes (then it panics).
    pub fn wait_for(&self, until: &str, limit: Duration) -> Vec<String> {
        let started = Instant::now();
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        while started.elapsed() < limit {
            if let Ok(n) = self.socket.recv(&mut buffer) {
                let message = String::from_utf8_lossy(&buffer[..n]).to_string();
                let done = message.lines().any(|line| line == until);
                seen.push(message);
                if done {
                    return seen;
                }
            }
        }
        panic!("no {until} within {limit:?}; received {seen:?}");
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// The value of the sample `name{labels}` (labels as written by the exporter, e.g.
/// `outcome="ok"`), 0 when absent.
pub fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let (metric_name, rest) = series.split_once('{').unwrap_or((series, ""));
            metric_name == name && labels.iter().all(|label| rest.contains(label))
        })
        .filter_map(|(_, value)| value.parse::<f64>().ok())
        .sum()
}

/// Runs `sql` on the test's database.
pub async fn execute(ctx: &TestContext, sql: &str) -> usize {
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    diesel::sql_query(sql).execute(&mut conn).await.unwrap()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) AS n ...` on the test's database.
pub async fn count(ctx: &TestContext, sql: &str) -> i64 {
    let mut conn = AsyncMysqlConnection::establish(&ctx.settings.database.url)
        .await
        .unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}
