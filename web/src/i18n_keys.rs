//! The message files against the code: every message key the code or a template names is in
//! en.json and qqq.json, and every message of en.json is used somewhere. Keys are found as
//! literals (`"bitu-…"` in Rust, `"bitu-…"` or `'bitu-…'` in templates); a literal that
//! ends in `-{` (a `format!` prefix such as `"bitu-scope-{}"`) or a template's `"bitu-…-" ~`
//! counts every key it starts as used.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `bitu-` names that are not messages: daemons, locks, metrics.
const NOT_MESSAGES: &[&str] = &[
    "bitu-web",
    "bitu-rq",
    "bitu-expire",
    "bitu-blocksync",
    "bitu-migrate",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The code of a Rust file: without its test module (tests may name keys that do not exist)
/// and without comments.
fn code(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `bitu-…` literals of `text` between `quote`s, and the prefixes ending in `-{`.
fn literals(text: &str, quotes: &[char], keys: &mut BTreeSet<String>, prefixes: &mut Vec<String>) {
    for quote in quotes {
        let pattern = format!("{quote}bitu-");
        let mut rest = text;
        while let Some(start) = rest.find(&pattern) {
            let body = &rest[start + 1..];
            let len = body
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                .unwrap_or(body.len());
            let (name, after) = body.split_at(len);
            // An HTML attribute naming a CSS class or an element is no message.
            let attribute = ["class=", "id=", "for="]
                .iter()
                .any(|a| rest[..start].ends_with(a));
            let quoted = after.starts_with(*quote);
            if !attribute && quoted && !name.ends_with('-') {
                keys.insert(name.to_string());
            } else if !attribute && (after.starts_with('{') || (quoted && name.ends_with('-'))) {
                prefixes.push(name.to_string());
            }
            rest = &body[len..];
        }
    }
}

struct Usage {
    keys: BTreeSet<String>,
    prefixes: Vec<String>,
    /// Messages the example settings offer for configured labels (only these count there:
    /// the file holds other `bitu-…` values too).
    offered: BTreeSet<String>,
}

fn usage() -> Usage {
    let root = root();
    let mut paths = Vec::new();
    for dir in [
        "crates/bitu-core/src",
        "crates/bitu-cli/src",
        "web/src",
        "web/templates",
        "worker/src",
        "timers/src",
        "shared/mail",
    ] {
        files(&root.join(dir), &mut paths);
    }
    let mut keys = BTreeSet::new();
    let mut prefixes = Vec::new();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.to_string_lossy();
        if name.ends_with(".rs") {
            if name.ends_with("tests.rs") || name.ends_with("i18n_keys.rs") {
                continue;
            }
            literals(&code(&text), &['"'], &mut keys, &mut prefixes);
        } else {
            literals(&text, &['"', '\''], &mut keys, &mut prefixes);
        }
    }
    keys.retain(|k| !NOT_MESSAGES.contains(&k.as_str()));
    let mut offered = BTreeSet::new();
    let example = std::fs::read_to_string(root.join("packaging/bitu.example.toml"))
        .expect("the example settings");
    literals(&example, &['"'], &mut offered, &mut Vec::new());
    Usage {
        keys,
        prefixes,
        offered,
    }
}

fn file_keys(name: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("i18n").join(name)).expect("message file");
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    value
        .as_object()
        .expect("an object")
        .keys()
        .filter(|k| !k.starts_with('@'))
        .cloned()
        .collect()
}

#[test]
fn every_key_the_code_names_is_a_documented_message() {
    let usage = usage();
    assert!(
        usage.keys.len() > 100,
        "found too few keys: {:?}",
        usage.keys
    );
    let (en, qqq) = (file_keys("en.json"), file_keys("qqq.json"));
    let missing: Vec<_> = usage.keys.iter().filter(|k| !en.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "named in code, missing in en.json: {missing:?}"
    );
    let undocumented: Vec<_> = usage.keys.iter().filter(|k| !qqq.contains(*k)).collect();
    assert!(
        undocumented.is_empty(),
        "named in code, missing in qqq.json: {undocumented:?}"
    );
}

#[test]
fn every_message_is_used() {
    let usage = usage();
    let unused: Vec<_> = file_keys("en.json")
        .into_iter()
        .filter(|key| {
            !usage.keys.contains(key)
                && !usage.offered.contains(key)
                && !usage.prefixes.iter().any(|p| key.starts_with(p))
        })
        .collect();
    assert!(
        unused.is_empty(),
        "messages of en.json no code or template uses: {unused:?}"
    );
}
