//! The static files, compiled into the binary: our layout stylesheet and script, and the
//! vendored Codex stylesheets (packaging/codex/update.sh). Each is served under a name that
//! carries a hash of its content (`/static/bitu.3f2a….css`), computed once at start, so a
//! browser may keep it for a year (`immutable`) and a new release is fetched at once. The
//! plain names still answer, briefly cached, for pages rendered by an older release.

pub mod icons;

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// The plain name (`bitu.css`).
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// The bytes.
    pub body: &'static [u8],
}

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($name:literal, $type:expr, $path:literal) => {
        Asset {
            name: $name,
            content_type: $type,
            body: include_bytes!(concat!("../../static/", $path)),
        }
    };
}

/// Every static file.
pub const ASSETS: &[Asset] = &[
    asset!("bitu.css", CSS, "bitu.css"),
    asset!("codex.css", CSS, "codex/codex.style.css"),
    asset!("codex-rtl.css", CSS, "codex/codex.style-rtl.css"),
    asset!("codex-tokens.css", CSS, "codex/theme-wikimedia-ui.css"),
    asset!(
        "codex-tokens-dark.css",
        CSS,
        "codex/theme-wikimedia-ui-mode-dark.css"
    ),
    asset!("signup.js", JS, "signup.js"),
    asset!("layout.js", JS, "layout.js"),
    asset!("favicon.svg", "image/svg+xml", "favicon.svg"),
];

/// `name` with the first 16 hex digits of the SHA-256 of `body` before its extension.
fn hashed_name(name: &str, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
        None => format!("{name}.{hash}"),
    }
}

/// The hashed names, in [`ASSETS`] order, computed on first use.
static HASHED: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| hashed_name(asset.name, asset.body))
        .collect()
});

/// How a file name under `/static/` was found.
pub enum Found {
    /// By its hashed name: the same bytes forever.
    Hashed(&'static Asset),
    /// By its plain name: whatever this release has.
    Plain(&'static Asset),
}

/// The asset `file` (a name under `/static/`) names, if any.
pub fn find(file: &str) -> Option<Found> {
    ASSETS
        .iter()
        .zip(HASHED.iter())
        .find_map(|(asset, hashed)| {
            if hashed == file {
                Some(Found::Hashed(asset))
            } else if asset.name == file {
                Some(Found::Plain(asset))
            } else {
                None
            }
        })
}

/// The URL of the asset named `name` (`/static/bitu.<hash>.css`); the plain path when there
/// is no such asset.
pub fn url(name: &str) -> String {
    ASSETS
        .iter()
        .zip(HASHED.iter())
        .find(|(asset, _)| asset.name == name)
        .map_or_else(
            || format!("/static/{name}"),
            |(_, hashed)| format!("/static/{hashed}"),
        )
}

/// Computes the hashes now (at start) rather than on the first request.
pub fn init() {
    LazyLock::force(&HASHED);
}

/// The tera function `static_url(name="bitu.css")`: the hashed URL (letters, digits, dots
/// and dashes only, so it needs no escaping).
pub struct StaticUrlFunction;

impl tera::Function for StaticUrlFunction {
    fn call(
        &self,
        args: &std::collections::HashMap<String, tera::Value>,
    ) -> tera::Result<tera::Value> {
        let name = args
            .get("name")
            .and_then(tera::Value::as_str)
            .ok_or_else(|| tera::Error::msg("static_url needs name=\"file\""))?;
        if !ASSETS.iter().any(|asset| asset.name == name) {
            return Err(tera::Error::msg(format!("no static file {name:?}")));
        }
        Ok(tera::Value::String(url(name)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension_and_change_with_the_content() {
        let a = hashed_name("bitu.css", b"a");
        let b = hashed_name("bitu.css", b"b");
        assert!(a.starts_with("bitu.") && a.ends_with(".css") && a.len() == "bitu..css".len() + 16);
        assert_ne!(a, b);
    }

    #[test]
    fn files_are_found_by_both_names() {
        let url = url("codex.css");
        let hashed = url.trim_start_matches("/static/");
        assert!(matches!(find(hashed), Some(Found::Hashed(a)) if a.name == "codex.css"));
        assert!(matches!(find("codex.css"), Some(Found::Plain(_))));
        assert!(find("codex.0000000000000000.css").is_none());
        assert!(find("../Cargo.toml").is_none());
    }
}
