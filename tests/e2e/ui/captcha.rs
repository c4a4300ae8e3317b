//! The sign-up captcha as people meet it: the image, its recording, the new-image button.

use std::time::Duration;

use bitu_core::signup::captcha::audio;
use bitu_testkit::chrome::{Chrome, ChromeOptions};
use bitu_testkit::{Browser, TestContext, WebProcess};
use fantoccini::Locator;

use super::support::{click, type_into};

async fn value(chrome: &Chrome, css: &str) -> String {
    // The page may be mid-navigation after a click: retry until the element answers.
    for _ in 0..300 {
        if let Ok(element) = chrome.client.find(Locator::Css(css)).await
            && let Ok(value) = element.prop("value").await
        {
            return value.unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {css} on the page");
}

#[tokio::test]
async fn a_new_image_without_javascript_keeps_what_was_typed() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start_with(ChromeOptions {
        no_javascript: true,
        ..ChromeOptions::default()
    })
    .await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    type_into(&chrome, "cn", "Keeping Typed").await;
    type_into(&chrome, "uid", "keepingtyped").await;
    type_into(&chrome, "email", "keeping@example.org").await;
    let id_before = value(&chrome, "input[name=captcha_id]").await;
    click(&chrome, "#captcha-refresh").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while value(&chrome, "input[name=captcha_id]").await == id_before {
        assert!(std::time::Instant::now() < deadline, "no new captcha");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(value(&chrome, "#cn").await, "Keeping Typed");
    assert_eq!(value(&chrome, "#uid").await, "keepingtyped");
    assert_eq!(value(&chrome, "#email").await, "keeping@example.org");
    let page = chrome.client.source().await.unwrap();
    assert!(!page.contains("field-errors"), "{page}");
    chrome.close().await;
}

#[tokio::test]
async fn enter_in_a_field_sends_the_form_not_a_new_image() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start_with(ChromeOptions {
        no_javascript: true,
        ..ChromeOptions::default()
    })
    .await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    type_into(&chrome, "cn", "x\u{e007}").await;
    super::support::wait_for_text(&chrome, "-errors\"").await;
    chrome.close().await;
}

/// Frames of 10 ms whose loudness (RMS) is above the noise: where speech is.
fn speech_segments(samples: &[i16]) -> Vec<(usize, usize)> {
    let frame = audio::SAMPLE_RATE as usize / 100;
    let loud: Vec<bool> = samples
        .chunks(frame)
        .map(|chunk| {
            let energy: f64 = chunk.iter().map(|&s| f64::from(s).powi(2)).sum();
            (energy / chunk.len() as f64).sqrt() > 1200.0
        })
        .collect();
    // Quiet stretches shorter than a pause (a breath inside "double-u") join their neighbours.
    let min_pause = *audio::PAUSE.start() / frame / 2;
    let mut segments: Vec<(usize, usize)> = Vec::new();
    for (i, &is_loud) in loud.iter().enumerate() {
        if !is_loud {
            continue;
        }
        match segments.last_mut() {
            Some((_, end)) if i - *end <= min_pause => *end = i,
            _ => segments.push((i, i)),
        }
    }
    segments
        .into_iter()
        .map(|(start, end)| (start * frame, (end + 1) * frame))
        .collect()
}

/// The best normalised correlation of `clip` with `samples` starting a little before
/// `around` (a clip's soft onset is quieter than the detector's threshold).
fn best_match(samples: &[i16], clip: &[i16], around: usize) -> f64 {
    let before = audio::SAMPLE_RATE as usize * 3 / 10;
    let after = audio::SAMPLE_RATE as usize / 20;
    let norm = |s: &[i16]| s.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
    (around.saturating_sub(before)..around + after)
        .filter(|start| start + clip.len() <= samples.len())
        .map(|start| {
            let window = &samples[start..start + clip.len()];
            let dot: f64 = window
                .iter()
                .zip(clip)
                .map(|(&a, &b)| f64::from(a) * f64::from(b))
                .sum();
            dot / (norm(window) * norm(clip))
        })
        .fold(f64::MIN, f64::max)
}

#[tokio::test]
async fn the_spoken_captcha_says_each_character_in_order_and_is_rate_limited() {
    let ctx = TestContext::new().await;
    let mut settings = ctx.settings.clone();
    settings.rate_limit.captchas_per_ip = 4;
    // Counters live in fixed windows: a day's window is not crossed while the test runs.
    settings.rate_limit.window = Duration::from_secs(24 * 3600);
    let web = WebProcess::start(&ctx.write_config_with(&settings)).await;
    let browser = Browser::new(&web.base_url);
    let page = browser.get("/signup/").await.text().await.unwrap();
    let (id, answer) = crate::signup::captcha_answer(&ctx, &page).await;
    let url = format!("/signup/captcha/{id}.wav");
    assert!(page.contains(&format!(
        "<audio id=\"captcha-audio-player\" controls preload=\"none\" src=\"{url}\""
    )));
    assert!(page.contains(&format!("href=\"{url}\" download=\"captcha.wav\"")));

    let response = browser.get(&url).await;
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "audio/wav");
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap().to_string();
    assert!(
        !disposition.to_uppercase().contains(&answer),
        "{disposition}"
    );
    let wav = response.bytes().await.unwrap();
    let reader = hound::WavReader::new(std::io::Cursor::new(wav.to_vec())).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, audio::SAMPLE_RATE, 16)
    );
    let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();

    // As long as the clips, the pauses between them and the silence around them.
    let clips: Vec<&[i16]> = answer.chars().map(|c| audio::clip(c).unwrap()).collect();
    let speech: usize = clips.iter().map(|clip| clip.len()).sum();
    let pauses = clips.len() - 1;
    let shortest = audio::LEAD + speech + pauses * audio::PAUSE.start() + audio::TAIL;
    let longest = audio::LEAD + speech + pauses * audio::PAUSE.end() + audio::TAIL;
    assert!(
        (shortest..=longest).contains(&samples.len()),
        "{} samples",
        samples.len()
    );

    // One stretch of speech per character, each the character's own clip.
    let segments = speech_segments(&samples);
    assert_eq!(segments.len(), answer.len(), "{segments:?} for {answer}");
    for ((start, _), (c, clip)) in segments.iter().zip(answer.chars().zip(&clips)) {
        let score = best_match(&samples, clip, *start);
        assert!(score > 0.9, "{c} at {start}: correlation {score:.3}");
    }

    // Past the client's limit (the form's own challenge counted in another bucket): 429.
    for _ in 1..4 {
        assert_eq!(browser.get(&url).await.status().as_u16(), 200);
    }
    assert_eq!(browser.get(&url).await.status().as_u16(), 429);
    let unknown = browser
        .get("/signup/captcha/00112233445566778899aabbccddeeff.wav")
        .await;
    assert_eq!(unknown.status().as_u16(), 404);
}

#[tokio::test]
async fn the_recording_plays_in_chromium_and_follows_a_new_image() {
    let ctx = TestContext::new().await;
    let web = ctx.start_web().await;
    let chrome = Chrome::start().await;
    chrome.client.goto(&web.url("/signup/")).await.unwrap();
    let id = value(&chrome, "input[name=captcha_id]").await;
    let duration = play_length(&chrome).await;
    assert!(duration > 3.0 && duration < 10.0, "{duration} s");
    click(&chrome, "#captcha-refresh").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while value(&chrome, "input[name=captcha_id]").await == id {
        assert!(std::time::Instant::now() < deadline, "no new captcha");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let new_id = value(&chrome, "input[name=captcha_id]").await;
    for css in ["#captcha-audio-player", "#captcha-audio-download"] {
        let element = chrome.client.find(Locator::Css(css)).await.unwrap();
        let link = element
            .attr(if css.ends_with("player") {
                "src"
            } else {
                "href"
            })
            .await
            .unwrap();
        assert_eq!(
            link.as_deref(),
            Some(format!("/signup/captcha/{new_id}.wav").as_str())
        );
    }
    chrome.close().await;
}

/// Loads the page's recording and returns its length in seconds.
async fn play_length(chrome: &Chrome) -> f64 {
    chrome
        .client
        .execute(
            "const a = document.getElementById('captcha-audio-player'); a.preload = 'auto'; a.load();",
            vec![],
        )
        .await
        .unwrap();
    for _ in 0..200 {
        let duration = chrome
            .client
            .execute(
                "const a = document.getElementById('captcha-audio-player'); \
                 return a.readyState >= 1 ? a.duration : (a.error ? -a.error.code : 0);",
                vec![],
            )
            .await
            .unwrap();
        let seconds = duration.as_f64().unwrap_or(0.0);
        assert!(
            seconds >= 0.0,
            "the recording did not load: error {seconds}"
        );
        if seconds > 0.0 {
            return seconds;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the recording never loaded");
}
