//! Languages: which one a page is in (`?uselang=` > the `bitu_lang` cookie >
//! `Accept-Language` > English), the `qqx` pseudo-language that shows message keys instead
//! of text, and right-to-left layout.

use bitu_testkit::{Browser, TestContext};

/// The `lang` and `dir` of a page's `<html>`.
fn html_lang(page: &str) -> (String, String) {
    let start = page.find("<html").expect("an <html> tag");
    let tag = &page[start..start + page[start..].find('>').expect("a closed tag")];
    let attr = |name: &str| {
        let from = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        tag[from..from + tag[from..].find('"').expect("quote")].to_string()
    };
    (attr("lang"), attr("dir"))
}

async fn lang_of(browser: &Browser, path: &str, accept: Option<&str>) -> (String, String) {
    let mut request = browser.client.get(browser.url(path));
    if let Some(accept) = accept {
        request = request.header("Accept-Language", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{path}");
    html_lang(&response.text().await.unwrap())
}

#[tokio::test]
async fn uselang_beats_the_cookie_which_beats_accept_language() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let browser = Browser::new(&web.base_url);
    let rtl = || ("he".to_string(), "rtl".to_string());
    let ltr = || ("en".to_string(), "ltr".to_string());

    // Nothing said: English. Accept-Language by q-value, regions ignored, unknown skipped.
    assert_eq!(lang_of(&browser, "/", None).await, ltr());
    assert_eq!(
        lang_of(&browser, "/", Some("de, he-IL;q=0.5, en;q=0.3")).await,
        rtl()
    );
    assert_eq!(lang_of(&browser, "/", Some("de, fr;q=0.9")).await, ltr());
    assert_eq!(
        lang_of(&browser, "/", Some("en;q=0.9, he;q=0.1")).await,
        ltr()
    );
    // qqx is for developers, never from a browser's preferences.
    assert_eq!(lang_of(&browser, "/", Some("qqx")).await, ltr());

    // An unknown uselang is ignored: no cookie, Accept-Language still decides.
    assert_eq!(lang_of(&browser, "/?uselang=xx", Some("he")).await, rtl());
    assert_eq!(browser.cookie("bitu_lang"), None);

    // uselang wins over Accept-Language and sets the cookie.
    let response = browser.get("/?uselang=he").await;
    let set_cookie: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let cookie = set_cookie
        .iter()
        .find(|c| c.starts_with("bitu_lang="))
        .unwrap_or_else(|| panic!("no bitu_lang cookie: {set_cookie:?}"));
    assert!(cookie.starts_with("bitu_lang=he;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(response.headers().get("content-language").unwrap(), "he");
    assert_eq!(html_lang(&response.text().await.unwrap()), rtl());
    assert_eq!(browser.cookie("bitu_lang").as_deref(), Some("he"));

    // The cookie beats Accept-Language on later pages, on every page.
    assert_eq!(lang_of(&browser, "/", Some("en")).await, rtl());
    assert_eq!(lang_of(&browser, "/login/", Some("en")).await, rtl());
    // uselang beats the cookie, and replaces it.
    assert_eq!(
        lang_of(&browser, "/login/?uselang=en", Some("he")).await,
        ltr()
    );
    assert_eq!(browser.cookie("bitu_lang").as_deref(), Some("en"));
    assert_eq!(lang_of(&browser, "/", Some("he")).await, ltr());

    // A cookie naming a language without messages falls back (to Accept-Language, then en).
    browser.set_cookie("bitu_lang", "xx");
    assert_eq!(lang_of(&browser, "/", Some("he")).await, rtl());
    assert_eq!(lang_of(&browser, "/", None).await, ltr());

    // Translated text, and English where Hebrew has no translation yet.
    let page = browser.get("/?uselang=he").await.text().await.unwrap();
    assert!(page.contains("ברוכים הבאים"), "{page}");
    assert!(page.contains("developer account"), "{page}");
}

/// Where the header's navigation items and the main heading's text sit, in CSS pixels.
const LAYOUT: &str = r#"
    const items = [...document.querySelectorAll('header nav li')];
    const first = items[0].getBoundingClientRect();
    const last = items[items.length - 1].getBoundingClientRect();
    const h1 = document.querySelector('main h1');
    const range = document.createRange();
    range.selectNodeContents(h1);
    const text = range.getBoundingClientRect();
    const box = h1.getBoundingClientRect();
    return {
        dir: document.documentElement.dir,
        lang: document.documentElement.lang,
        first_left: first.left, last_left: last.left,
        text_left: text.left, text_right: text.right,
        box_left: box.left, box_right: box.right,
        nav: document.querySelector('header nav').innerText,
    };
"#;

#[tokio::test]
async fn hebrew_lays_out_right_to_left() {
    use crate::ui::support::sign_in;
    use bitu_core::account::password::ssha;
    use bitu_testkit::chrome::Chrome;

    let ctx = TestContext::new().await;
    ctx.create_user("rina", "Rina Rtl", &ssha("Amber-Falcon-Orchard-77"))
        .await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    sign_in(
        &chrome,
        &web.url("/login/"),
        "rina",
        "Amber-Falcon-Orchard-77",
    )
    .await;
    for (lang, rtl) in [("he", true), ("en", false)] {
        chrome
            .client
            .goto(&web.url(&format!("/account/?uselang={lang}")))
            .await
            .unwrap();
        let layout = chrome.client.execute(LAYOUT, vec![]).await.unwrap();
        let at = |name: &str| layout[name].as_f64().unwrap();
        assert_eq!(layout["lang"], lang, "{layout}");
        assert_eq!(layout["dir"], if rtl { "rtl" } else { "ltr" }, "{layout}");
        // The navigation runs from the right: its first item is right of its last.
        assert_eq!(at("first_left") > at("last_left"), rtl, "{layout}");
        // The heading's text starts at the right edge of its box (the left one in English).
        let (start_gap, end_gap) = if rtl {
            (
                at("box_right") - at("text_right"),
                at("text_left") - at("box_left"),
            )
        } else {
            (
                at("text_left") - at("box_left"),
                at("box_right") - at("text_right"),
            )
        };
        assert!(start_gap.abs() < 2.0 && end_gap > 20.0, "{lang}: {layout}");
        if rtl {
            let nav = layout["nav"].as_str().unwrap();
            assert!(nav.contains("מפתחות SSH"), "{nav}");
            chrome.screenshot("rtl-account-he").await;
        }
    }
    chrome.close().await;
}
