//! The project's real binaries, run as child processes: `bitu-web` on a free port until
//! dropped, and one-shot commands.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Path of the built binary `name` (next to the test executable's `deps/` folder).
pub fn bin_path(name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(format!("CARGO_BIN_EXE_{name}")) {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (cargo build --workspace --bins)",
        path.display()
    );
    path
}

/// Runs `name` with `args` and `BITU_CONFIG` pointing at `config`, waiting for it to exit.
pub fn run(name: &str, config: &Path, args: &[&str]) -> Output {
    command(name, config)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

/// A command for binary `name` configured by `config`, without inherited `BITU_*` settings.
pub fn command(name: &str, config: &Path) -> Command {
    let mut command = Command::new(bin_path(name));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("BITU_") {
            command.env_remove(key);
        }
    }
    command.env("BITU_CONFIG", config).env_remove("RUST_LOG");
    command
}

/// A free TCP port on 127.0.0.1 (released before use; the race is acceptable for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// A running `bitu-web`, killed when dropped.
pub struct WebProcess {
    child: Option<Child>,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Where its stderr goes.
    pub log_path: PathBuf,
}

impl WebProcess {
    /// Starts `bitu-web` with `config` on a free port and waits until `/healthz` answers.
    pub async fn start(config: &Path) -> WebProcess {
        Self::start_on(config, free_port()).await
    }

    /// Starts `bitu-web` with `config` on `port` (e.g. the port of a killed one).
    pub async fn start_on(config: &Path, port: u16) -> WebProcess {
        let log_path = config.with_extension(format!("web-{port}.log"));
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("web log file");
        let child = command("bitu-web", config)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn bitu-web");
        let mut web = WebProcess {
            child: Some(child),
            base_url: format!("http://127.0.0.1:{port}"),
            log_path,
        };
        web.wait_until_serving(Duration::from_secs(30)).await;
        web
    }

    async fn wait_until_serving(&mut self, limit: Duration) {
        let started = Instant::now();
        let client = reqwest::Client::new();
        loop {
            if client
                .get(format!("{}/healthz", self.base_url))
                .send()
                .await
                .is_ok()
            {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("bitu-web exited with {status}: {}", self.log());
            }
            assert!(
                started.elapsed() < limit,
                "bitu-web did not answer within {limit:?}: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Kills the server at once (SIGKILL), as a crash or `systemctl kill` would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base_url
            .rsplit(':')
            .next()
            .and_then(|port| port.parse().ok())
            .expect("base URL has a port")
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("server still running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        child.wait().expect("wait for bitu-web")
    }

    /// `GET base_url + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

impl Drop for WebProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
