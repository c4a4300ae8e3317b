//! The `qqx` pseudo-language shows message keys instead of text: every GET page of
//! `bitu-web --routes`, signed in as an account manager who also manages a group (with a key,
//! a token, a pending request and a block log row, so lists are not empty) and signed out,
//! must show no English outside `(bitu-…)` keys: what is left is user data of an explicit
//! allow-list. Any English found did not come from the message files.

use base64::Engine as _;
use std::collections::BTreeSet;

use bitu_core::blocking::ActionKind;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{Browser, TestContext, process};
use serde_json::Value;

use crate::blocking::support::{
    PASSWORD, apply_all, ask, user_with_everything, user_with_everything_and_key,
};

/// The account manager's SSH key (the blocked user has the shared one).
const AMY_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPgsyJUatxySh+kZEls3u8ufouQjtknIDa1L090FM+3Z amy@test";
use crate::permissions::support::{managed, posix_group};
use crate::ui::support::sign_in;

/// Visible text of the page and the text of its attributes people meet (title, alt,
/// placeholder, aria-label, button values), or null for what is not an HTML page.
const VISIBLE_TEXT: &str = r#"
    if (document.contentType !== 'text/html') { return null; }
    const parts = [document.title, document.body ? document.body.innerText : ''];
    for (const el of document.querySelectorAll('[title],[alt],[placeholder],[aria-label]')) {
        for (const a of ['title', 'alt', 'placeholder', 'aria-label']) {
            if (el.hasAttribute(a)) { parts.push(el.getAttribute(a)); }
        }
    }
    for (const el of document.querySelectorAll('input[type=submit],input[type=button]')) {
        parts.push(el.value);
    }
    return {lang: document.documentElement.lang, text: parts.join('\n')};
"#;

/// `text` with every `(bitu-key)` removed and every `(bitu-key: a, b)` replaced by its
/// parameters, innermost (last opened) first; returns it and how many keys there were.
fn without_keys(text: &str) -> (String, usize) {
    let mut text = text.to_string();
    let mut keys = 0;
    while let Some(start) = text.rfind("(bitu-") {
        // The matching parenthesis: parameters may hold parentheses of their own.
        let mut depth = 0;
        let Some(end) = text[start..].char_indices().find_map(|(i, c)| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(start + i)
        }) else {
            return (text, keys);
        };
        let inner = &text[start + 1..end];
        let args = inner.split_once(": ").map_or("", |(_, args)| args);
        text = format!("{} {args} {}", &text[..start], &text[end + 1..]);
        keys += 1;
    }
    (text, keys)
}

/// Words of `text` (runs of two or more ASCII letters) that are not allowed data.
fn english_words(text: &str, allowed: &[String]) -> BTreeSet<String> {
    let mut text = text.to_string();
    // Longest first, so "Amy Accountmanager" goes before "amy".
    let mut allowed = allowed.to_vec();
    allowed.sort_by_key(|a| std::cmp::Reverse(a.len()));
    for value in &allowed {
        text = text.replace(value.as_str(), " ");
    }
    // Generated data: fingerprints, token beginnings, shells and paths.
    let text: String = text
        .split_whitespace()
        .filter(|word| {
            !(word.starts_with("SHA256:")
                || word.starts_with('/')
                || word.contains('@')
                || word.ends_with('…'))
        })
        .collect::<Vec<_>>()
        .join(" ");
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 2)
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn every_page_in_qqx_shows_only_message_keys_and_user_data() {
    let mut ctx = TestContext::new().await;
    ctx.settings.authz.account_managers = vec!["amy".into()];
    // Two-factor on, so its pages (enrolment, disabling, the managers' reset) are visited too.
    let key: [u8; 32] = rand::random();
    let key_file = ctx.dir.path().join("twofactor.key");
    std::fs::write(
        &key_file,
        base64::engine::general_purpose::STANDARD.encode(key) + "\n",
    )
    .unwrap();
    ctx.settings.twofactor.enabled = true;
    ctx.settings.twofactor.key_file = Some(key_file);
    let services = ctx.services();
    user_with_everything_and_key(&ctx, &services, "amy", "Amy Accountmanager", AMY_KEY).await;
    user_with_everything(&ctx, &services, "bob", "Bob Blockee").await;
    let group = posix_group(&ctx, "project-q", "7401", "amy").await;
    ctx.settings.permissions.groups = vec![managed(&group, &["amy"], 1)];
    let web = ctx.start_web().await;

    // Bob asks for the group (a pending request for Amy), then is blocked (a log row).
    let bob = Browser::new(&web.base_url);
    bob.sign_in("bob", PASSWORD).await;
    let my = bob.get("/permissions/my/").await.text().await.unwrap();
    let request_path = my
        .split("href=\"")
        .find_map(|s| {
            s.starts_with("/permissions/request/")
                .then(|| s[..s.find('"').unwrap()].to_string())
        })
        .expect("a requestable group");
    let sent = bob
        .post_form(&request_path, &[("comment", "Needed for the build")])
        .await;
    assert!(sent.status().is_redirection(), "{}", sent.status());
    let block = ask(&ctx, &services, "bob", ActionKind::Block, false, false).await;
    apply_all(&ctx, &services, block).await;

    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "amy", PASSWORD).await;
    let pending = page_source(&chrome, &web.url("/permissions/pending/")).await;
    let request_id = between(&pending, "/permissions/approve/", "\"");
    let (system, key) = between(&pending, "/permissions/members/", "\"")
        .split_once('/')
        .map(|(s, k)| (s.to_string(), k.to_string()))
        .unwrap();
    let keys = page_source(&chrome, &web.url("/keys/")).await;
    let key_id = between(&keys, "id=\"key-", "\"");

    let fill = |path: &str| {
        path.replace("{backend}", "oidc")
            .replace("{uid}", "bob")
            .replace("{expires}", "1")
            .replace("{token}", "x")
            .replace("{ip}", "192.0.2.1")
            .replace("{file}", "bitu.css")
            .replace("{tail:.*}", "x")
            .replace("{system}", &system)
            .replace("{key}", &key)
            .replace(
                "{id}",
                if path.starts_with("/permissions/") {
                    &request_id
                } else {
                    &key_id
                },
            )
    };
    let allowed: Vec<String> = [
        "Amy Accountmanager",
        "Bob Blockee",
        "amy",
        "bob",
        "Bitu",
        "project-q",
        "Needed for the build",
        "spam across projects",
        "before",
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "blocked@test",
        "amy@test",
        "UTC",
        "Cloud Services SSH keys",
        "read_account",
        "ldap",
        "carol",
        "qqx",
        "bitu",
    ]
    .map(String::from)
    .into_iter()
    .chain([ctx.mailbox.address("amy"), ctx.mailbox.address("bob")])
    .collect();

    let routes = get_routes();
    let mut failures = Vec::new();
    let mut pages = 0;
    for path in &routes {
        let url = web.url(&with_qqx(&fill(path)));
        if let Some(problem) = check(&chrome, &url, &allowed, &mut pages).await {
            failures.push(format!("{path} (signed in): {problem}"));
        }
    }
    // Signed out: the sign-in, sign-up and reset pages as a visitor sees them.
    let visitor = Chrome::start().await;
    for path in [
        "/",
        "/login/",
        "/signup/",
        "/password/reset/",
        "/username/",
        "/wikimedia/log/",
    ] {
        if let Some(problem) =
            check(&visitor, &web.url(&with_qqx(path)), &allowed, &mut pages).await
        {
            failures.push(format!("{path} (signed out): {problem}"));
        }
    }
    assert!(pages >= 30, "only {pages} HTML pages checked");
    assert!(
        failures.is_empty(),
        "English outside message keys:\n{}",
        failures.join("\n")
    );
    visitor.close().await;
    chrome.close().await;
}

/// Visits `url`; a problem if an HTML page is not in qqx or shows words outside keys.
async fn check(
    chrome: &Chrome,
    url: &str,
    allowed: &[String],
    pages: &mut usize,
) -> Option<String> {
    chrome.client.goto(url).await.unwrap();
    let found = chrome.client.execute(VISIBLE_TEXT, vec![]).await.unwrap();
    let Value::Object(found) = found else {
        return None;
    };
    *pages += 1;
    let lang = found["lang"].as_str().unwrap_or_default();
    let text = found["text"].as_str().unwrap_or_default();
    if lang != "qqx" {
        return Some(format!("<html lang=\"{lang}\">"));
    }
    // The two-factor secret in groups of four is data, not text.
    let text: String = text
        .lines()
        .map(|line| match line.split_once("(bitu-2fa-secret-label)") {
            Some((before, _)) => format!("{before}(bitu-2fa-secret-label)"),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.as_str();
    let (rest, keys) = without_keys(text);
    let words = english_words(&rest, allowed);
    if keys == 0 {
        return Some(format!("no message keys at all: {text}"));
    }
    (!words.is_empty()).then(|| format!("{words:?} in {text:?}"))
}

/// `path` with `uselang=qqx` added to its query.
fn with_qqx(path: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}uselang=qqx")
}

async fn page_source(chrome: &Chrome, url: &str) -> String {
    chrome.client.goto(url).await.unwrap();
    chrome.client.source().await.unwrap()
}

/// The text of `page` after the first `start`, up to `end`.
fn between(page: &str, start: &str, end: &str) -> String {
    let from = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {page}"))
        + start.len();
    page[from..from + page[from..].find(end).unwrap()].to_string()
}

/// The GET routes `bitu-web --routes` lists.
fn get_routes() -> Vec<String> {
    let output = std::process::Command::new(process::bin_path("bitu-web"))
        .arg("--routes")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|row| row["method"] == "GET")
        .map(|row| row["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn keys_are_removed_innermost_first_and_their_parameters_kept() {
    let (rest, keys) = without_keys("(bitu-a: (bitu-b), Ann (x)) and (bitu-c)");
    assert_eq!(keys, 3);
    assert_eq!(
        english_words(&rest, &["Ann".into()]),
        ["and"].map(String::from).into()
    );
}
