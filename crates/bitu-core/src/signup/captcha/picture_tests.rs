//! Legibility of rendered captchas, measured on the PNGs themselves.

use rand::Rng;

use super::*;
use crate::signup::captcha::LENGTH;

/// What one rendered sample is made of.
struct Sample {
    colours: Vec<[u8; 3]>,
    ink: Vec<bool>,
    noise: Vec<bool>,
}

fn render(answer: &str) -> Sample {
    let png = draw(answer).unwrap();
    let (width, height, rgb) = decode_rgb(&png).unwrap();
    assert_eq!((width, height), (WIDTH, HEIGHT), "{answer}");
    let colours: Vec<[u8; 3]> = rgb.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
    // Classified by exact colour: the contrast test checks the ink is the darkest one.
    let ink = colours.iter().map(|&c| c == INK).collect();
    let noise = colours.iter().map(|&c| c == NOISE).collect();
    Sample {
        colours,
        ink,
        noise,
    }
}

fn samples() -> Vec<String> {
    // Every character five times (the widest and tallest answers), and many random ones.
    let mut answers: Vec<String> = ALPHABET
        .iter()
        .map(|c| c.to_string().repeat(LENGTH))
        .collect();
    let mut rng = rand::rng();
    answers.extend((0..300).map(|_| {
        (0..LENGTH)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect::<String>()
    }));
    answers
}

#[test]
fn every_glyph_lies_inside_the_image_with_a_margin() {
    for answer in samples() {
        let sample = render(&answer);
        let (mut left, mut right, mut top, mut bottom) = (WIDTH, 0, HEIGHT, 0);
        for (i, _) in sample.ink.iter().enumerate().filter(|(_, ink)| **ink) {
            let (x, y) = (i as u32 % WIDTH, i as u32 / WIDTH);
            (left, right) = (left.min(x), right.max(x));
            (top, bottom) = (top.min(y), bottom.max(y));
        }
        assert!(
            left >= MARGIN && right < WIDTH - MARGIN,
            "{answer}: x {left}..{right}"
        );
        assert!(
            top >= MARGIN && bottom < HEIGHT - MARGIN,
            "{answer}: y {top}..{bottom}"
        );
    }
}

#[test]
fn glyphs_stand_apart_one_per_character() {
    for answer in samples() {
        let sample = render(&answer);
        // Columns with ink form exactly one run per character: no glyph touches another.
        let inked: Vec<bool> = (0..WIDTH)
            .map(|x| (0..HEIGHT).any(|y| sample.ink[(y * WIDTH + x) as usize]))
            .collect();
        let runs =
            inked.windows(2).filter(|pair| !pair[0] && pair[1]).count() + usize::from(inked[0]);
        assert_eq!(runs, LENGTH, "{answer}");
    }
}

#[test]
fn ink_contrasts_at_least_4_5_to_1_with_everything_around_it() {
    for answer in samples().into_iter().take(60) {
        let sample = render(&answer);
        let mut seen: Vec<[u8; 3]> = sample.colours.clone();
        seen.sort_unstable();
        seen.dedup();
        // The darkest colour is the ink; every other colour in the image is its surroundings.
        let luminance = |c: &[u8; 3]| contrast_ratio(*c, [0, 0, 0]);
        let ink = *seen
            .iter()
            .min_by(|a, b| luminance(a).total_cmp(&luminance(b)))
            .unwrap();
        assert_eq!(ink, INK);
        for other in seen.iter().filter(|c| **c != ink) {
            let ratio = contrast_ratio(ink, *other);
            assert!(
                ratio >= 4.5,
                "{answer}: {ink:?} on {other:?} is {ratio:.2}:1"
            );
        }
    }
}

#[test]
fn noise_never_touches_a_glyph() {
    for answer in samples().into_iter().take(100) {
        let sample = render(&answer);
        let mut noisy = 0;
        for y in 0..HEIGHT as i32 {
            for x in 0..WIDTH as i32 {
                if !sample.noise[(y as u32 * WIDTH + x as u32) as usize] {
                    continue;
                }
                noisy += 1;
                for (dx, dy) in [
                    (-1, 0),
                    (1, 0),
                    (0, -1),
                    (0, 1),
                    (-1, -1),
                    (1, 1),
                    (-1, 1),
                    (1, -1),
                ] {
                    let (nx, ny) = (x + dx, y + dy);
                    if (0..WIDTH as i32).contains(&nx) && (0..HEIGHT as i32).contains(&ny) {
                        assert!(
                            !sample.ink[(ny as u32 * WIDTH + nx as u32) as usize],
                            "{answer}"
                        );
                    }
                }
            }
        }
        assert!(noisy > 500, "{answer}: hardly any noise ({noisy} pixels)");
    }
}

#[test]
fn contrast_ratio_matches_wcag_examples() {
    assert!((contrast_ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
    assert!((contrast_ratio([0x77, 0x77, 0x77], [255, 255, 255]) - 4.48).abs() < 0.01);
    assert!(contrast_ratio(INK, NOISE) >= 4.5);
    assert!(contrast_ratio(INK, BACKGROUND) >= 4.5);
}

#[test]
fn renderings_differ_each_time() {
    assert_ne!(draw("AC3D7").unwrap(), draw("AC3D7").unwrap());
}
