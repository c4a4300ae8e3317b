//! The one layout every page shares (issue 12): navigation showing only what the person may
//! use, footer links from the configuration, hashed static files kept a year, a
//! Content-Security-Policy without `unsafe-inline` on every answer, a skip link, refused forms
//! summarised at the top with links to the fields marked `aria-invalid`, and at 390 px no
//! signed-in page wider than the window.

use bitu_core::account::password::ssha;
use bitu_core::config::FooterLink;
use bitu_testkit::chrome::Chrome;
use bitu_testkit::{Browser, TestContext, WebProcess};
use fantoccini::Locator;

use super::axe::{assert_accessible, assert_no_horizontal_scroll};
use super::support::{click, sign_in, wait_for_text};
use crate::keys::support::keygen;
use crate::permissions::support::{managed, posix_group};

const PASSWORD: &str = "Amber-Falcon-Orchard-19";

/// paul (no role), amy (account manager), gina (manages project-x, where paul asked to be
/// let in); bitu-web running.
async fn roles() -> (TestContext, WebProcess) {
    let mut ctx = TestContext::new().await;
    for (uid, cn) in [
        ("paul", "Paul Plain"),
        ("amy", "Amy Admin"),
        ("gina", "Gina Groupwarden"),
    ] {
        ctx.create_user(uid, cn, &ssha(PASSWORD)).await;
    }
    let project = posix_group(&ctx, "project-x", "7601", "gina").await;
    ctx.settings.permissions.groups = vec![managed(&project, &["gina"], 1)];
    ctx.settings.authz.account_managers = vec!["amy".into()];
    let web = ctx.start_web().await;
    (ctx, web)
}

async fn signed_in(web: &WebProcess, uid: &str) -> Browser {
    let browser = Browser::new(&web.base_url);
    browser.sign_in(uid, PASSWORD).await;
    browser
}

async fn page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    // Attribute values come escaped by the templates (`/` as `&#x2F;`).
    response.text().await.unwrap().replace("&#x2F;", "/")
}

#[tokio::test]
async fn the_navigation_shows_only_what_each_role_may_use() {
    let (_ctx, web) = roles().await;
    let paul = signed_in(&web, "paul").await;
    let created = paul
        .post_form(
            "/permissions/request/ldap/project-x",
            &[("comment", "I work on X")],
        )
        .await;
    assert_eq!(created.status().as_u16(), 303);

    let everyone = [
        "href=\"/account/\"",
        "href=\"/keys/\"",
        "href=\"/permissions/my/\"",
        "href=\"/account/tokens/\"",
        "action=\"/logout/\"",
    ];
    let plain = page(&paul, "/account/").await;
    for link in everyone {
        assert!(plain.contains(link), "paul lacks {link}: {plain}");
    }
    assert!(!plain.contains("id=\"nav-blocking\""), "{plain}");
    assert!(!plain.contains("id=\"nav-approvals\""), "{plain}");

    let amy = page(&signed_in(&web, "amy").await, "/keys/").await;
    assert!(amy.contains("id=\"nav-blocking\""), "{amy}");
    assert!(!amy.contains("id=\"nav-approvals\""), "{amy}");

    let gina = signed_in(&web, "gina").await;
    let manager = page(&gina, "/account/").await;
    assert!(!manager.contains("id=\"nav-blocking\""), "{manager}");
    let approvals = manager
        .split("id=\"nav-approvals\"")
        .nth(1)
        .and_then(|rest| rest.split("</a>").next())
        .unwrap_or_else(|| panic!("gina has no pending approvals link: {manager}"));
    assert!(
        approvals.contains("<span class=\"bitu-count\">1</span>"),
        "one request waits for gina: {approvals}"
    );
    // The current page is marked in the navigation.
    assert!(
        manager.contains("href=\"/account/\" aria-current=\"page\""),
        "{manager}"
    );

    // Nobody signed in: sign-up and sign-in only.
    let anonymous = page(&Browser::new(&web.base_url), "/").await;
    assert!(anonymous.contains("href=\"/login/\""), "{anonymous}");
    assert!(!anonymous.contains("action=\"/logout/\""), "{anonymous}");
    assert!(!anonymous.contains("href=\"/keys/\""), "{anonymous}");
}

#[tokio::test]
async fn footer_links_come_from_the_configuration() {
    let mut ctx = TestContext::new().await;
    let defaults = ctx.start_web().await;
    let home = page(&Browser::new(&defaults.base_url), "/").await;
    assert!(
        home.contains("href=\"/wikimedia/log/\""),
        "the ban log is in the default footer: {home}"
    );
    assert!(home.contains("Policy:Privacy_policy"), "{home}");
    drop(defaults);

    ctx.settings.site.footer = vec![
        FooterLink {
            message: String::new(),
            label: "Status page".into(),
            url: "https://status.example.org/".into(),
        },
        FooterLink {
            message: "bitu-footer-source".into(),
            label: String::new(),
            url: "https://git.example.org/bitu".into(),
        },
    ];
    let web = ctx.start_web().await;
    let home = page(&Browser::new(&web.base_url), "/").await;
    let footer = home.split("<footer").nth(1).unwrap_or_default();
    assert!(
        footer.contains("<a href=\"https://status.example.org/\">Status page</a>"),
        "{footer}"
    );
    assert!(
        footer.contains("href=\"https://git.example.org/bitu\""),
        "{footer}"
    );
    assert!(!footer.contains("Policy:Privacy_policy"), "{footer}");
}

#[tokio::test]
async fn static_files_have_hashed_names_and_are_kept_a_year() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    let home = page(&browser, "/").await;
    let paths: Vec<&str> = home
        .split("/static/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    for name in [
        "codex-tokens.",
        "codex-tokens-dark.",
        "codex.",
        "bitu.",
        "layout.",
    ] {
        assert!(
            paths.iter().any(|p| p.starts_with(name)),
            "{name} missing from {paths:?}"
        );
    }
    for path in &paths {
        let parts: Vec<&str> = path.split('.').collect();
        assert_eq!(parts.len(), 3, "{path} is name.hash.ext");
        assert!(
            parts[1].len() == 16 && parts[1].chars().all(|c| c.is_ascii_hexdigit()),
            "{path}"
        );
        let response = browser.get(&format!("/static/{path}")).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let cache = response.headers()["cache-control"].to_str().unwrap();
        assert!(
            cache.contains("max-age=31536000") && cache.contains("immutable"),
            "{path}: {cache}"
        );
    }
    // The plain names still answer, for pages of an older release, but are not kept long.
    let plain = browser.get("/static/bitu.css").await;
    assert_eq!(plain.status().as_u16(), 200);
    assert!(
        !plain.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let wrong = browser.get("/static/bitu.0123456789abcdef.css").await;
    assert_eq!(wrong.status().as_u16(), 404);

    // A right-to-left language gets Codex's right-to-left stylesheet instead.
    let hebrew = page(&browser, "/?uselang=he").await;
    assert!(hebrew.contains("dir=\"rtl\""), "{hebrew}");
    assert!(hebrew.contains("/static/codex-rtl."), "{hebrew}");
    assert!(!hebrew.contains("/static/codex."), "{hebrew}");
    assert!(!home.contains("/static/codex-rtl."), "{home}");
}

fn assert_csp(response: &reqwest::Response, what: &str) {
    let csp = response
        .headers()
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: {directive} missing: {csp}"
        );
    }
}

#[tokio::test]
async fn every_answer_carries_a_csp_without_unsafe_inline() {
    let (_ctx, web) = roles().await;
    let anonymous = Browser::new(&web.base_url);
    for path in [
        "/",
        "/login/",
        "/signup/",
        "/password/reset/",
        "/username/",
        "/wikimedia/log/",
        "/no/such/page/",
        "/keys/notanumber/delete/",
        "/api/account",
        "/healthz",
    ] {
        assert_csp(&anonymous.get(path).await, path);
    }
    let paul = signed_in(&web, "paul").await;
    for path in [
        "/account/",
        "/account/password/",
        "/account/email/",
        "/account/tokens/",
        "/keys/",
        "/permissions/",
        "/permissions/my/",
        "/wikimedia/block/",
    ] {
        assert_csp(&paul.get(path).await, path);
    }
    // A refusal by the guard (403) comes in the layout with the same headers.
    let refused = paul.get("/wikimedia/block/").await;
    assert_eq!(refused.status().as_u16(), 403);
    assert_csp(&refused, "403");
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("Paul Plain"),
        "403 in the signed-in layout: {body}"
    );
    assert!(body.contains("class=\"bitu-footer\""), "{body}");
}

#[tokio::test]
async fn a_refused_form_is_summarised_with_links_to_the_marked_fields() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    // The skip link leads to the content.
    let skip = chrome
        .client
        .find(Locator::Css("a.bitu-skip-link"))
        .await
        .unwrap();
    assert_eq!(
        skip.attr("href").await.unwrap().as_deref(),
        Some("#content")
    );
    chrome.client.find(Locator::Id("content")).await.unwrap();

    // A shell username that cannot be, the rest left empty.
    super::support::type_into(&chrome, "uid", "9-not-a-name").await;
    click(&chrome, "#signup-submit").await;
    let targets = summary_targets(&chrome).await;
    assert!(!targets.is_empty(), "the summary links to the fields");
    let uid = chrome.client.find(Locator::Id("uid")).await.unwrap();
    assert_eq!(
        uid.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    chrome.screenshot("layout-signup-refused").await;
    assert_accessible(&chrome, "the refused sign-up form").await;
    chrome.close().await;
}

/// The summary's links and the fields they point at, each marked invalid.
async fn summary_targets(chrome: &Chrome) -> Vec<String> {
    wait_for_text(chrome, "bitu-error-summary").await;
    let mut targets = Vec::new();
    for link in chrome
        .client
        .find_all(Locator::Css(".bitu-error-summary a"))
        .await
        .unwrap()
    {
        let target = link.attr("href").await.unwrap().unwrap_or_default();
        let id = target.trim_start_matches('#').to_string();
        let field = chrome.client.find(Locator::Id(&id)).await.unwrap();
        assert_eq!(
            field.attr("aria-invalid").await.unwrap().as_deref(),
            Some("true"),
            "{target} is marked invalid"
        );
        targets.push(id);
    }
    targets
}

#[tokio::test]
async fn refused_password_and_email_forms_link_their_errors_to_the_fields() {
    let ctx = TestContext::new().await;
    ctx.create_user("pia", "Pia Password", &ssha(PASSWORD))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    sign_in(&chrome, &web.url("/login/"), "pia", PASSWORD).await;

    // A wrong current password and two new ones that differ.
    chrome
        .client
        .goto(&web.url("/account/password/"))
        .await
        .unwrap();
    super::support::type_into(&chrome, "old", "not-my-password").await;
    super::support::type_into(&chrome, "new1", "Quartz-Meadow-Lantern-42").await;
    super::support::type_into(&chrome, "new2", "Quartz-Meadow-Lantern-43").await;
    click(
        &chrome,
        "form[action='/account/password/'] button[type=submit]",
    )
    .await;
    let targets = summary_targets(&chrome).await;
    assert!(targets.contains(&"new2".to_string()), "{targets:?}");
    assert_accessible(&chrome, "the refused password form").await;

    // Two addresses that differ.
    chrome
        .client
        .goto(&web.url("/account/email/"))
        .await
        .unwrap();
    super::support::type_into(&chrome, "email", "pia-new@example.org").await;
    super::support::type_into(&chrome, "email2", "pia-other@example.org").await;
    super::support::type_into(&chrome, "current_password", PASSWORD).await;
    click(
        &chrome,
        "form[action='/account/email/'] button[type=submit]",
    )
    .await;
    let targets = summary_targets(&chrome).await;
    assert_eq!(targets, ["email2"]);
    assert_accessible(&chrome, "the refused email form").await;
    chrome.close().await;
}

#[tokio::test]
async fn no_signed_in_page_is_wider_than_a_390_px_phone() {
    let (_ctx, web) = roles().await;
    // gina: a manager, with a long-commented key in the keys table.
    let browser = signed_in(&web, "gina").await;
    let dir = tempfile::tempdir().unwrap();
    let pair = keygen(dir.path(), "ed25519", None);
    let added = browser
        .post_form(
            "/keys/",
            &[
                ("key", pair.public.as_str()),
                ("comment", "gina@a-rather-long-laptop-name.example.org"),
            ],
        )
        .await;
    assert!(added.status().is_redirection(), "{}", added.status());

    let chrome = Chrome::start().await;
    chrome.client.set_window_size(390, 844).await.unwrap();
    sign_in(&chrome, &web.url("/login/"), "gina", PASSWORD).await;
    for path in [
        "/account/",
        "/account/password/",
        "/account/email/",
        "/account/tokens/",
        "/keys/",
        "/permissions/",
        "/permissions/my/",
        "/permissions/pending/",
        "/permissions/log/",
        "/wikimedia/log/",
        "/wikimedia/block/",
        "/no/such/page/",
    ] {
        chrome.client.goto(&web.url(path)).await.unwrap();
        let state = format!("layout-390{}", path.replace('/', "-"));
        assert_no_horizontal_scroll(&chrome, &state).await;
        assert_accessible(&chrome, &state).await;
    }
    // The menu opens below the header and fits as well.
    chrome.client.goto(&web.url("/keys/")).await.unwrap();
    chrome.screenshot("layout-390-keys").await;
    click(&chrome, "#bitu-menu > summary").await;
    let approvals = chrome
        .client
        .find(Locator::Id("nav-approvals"))
        .await
        .unwrap();
    assert!(approvals.is_displayed().await.unwrap());
    chrome.screenshot("layout-390-menu").await;
    assert_no_horizontal_scroll(&chrome, "the open menu").await;
    assert_accessible(&chrome, "the open menu").await;
    chrome.close().await;
}

#[tokio::test]
async fn two_factor_sign_in_is_in_the_navigation_only_when_it_exists() {
    let mut ctx = TestContext::new().await;
    ctx.create_user("tess", "Tess Twofactor", &ssha(PASSWORD))
        .await;
    let without = ctx.start_web().await;
    let page_without = page(&signed_in(&without, "tess").await, "/account/").await;
    assert!(
        !page_without.contains("id=\"nav-twofactor\""),
        "{page_without}"
    );
    drop(without);

    let key: [u8; 32] = rand::random();
    let path = ctx.dir.path().join("twofactor.key");
    std::fs::write(
        &path,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, key) + "\n",
    )
    .unwrap();
    ctx.settings.twofactor.enabled = true;
    ctx.settings.twofactor.key_file = Some(path);
    let web = ctx.start_web().await;
    let with = page(&signed_in(&web, "tess").await, "/account/").await;
    assert!(
        with.contains("href=\"/account/2fa/\" id=\"nav-twofactor\""),
        "{with}"
    );
}
