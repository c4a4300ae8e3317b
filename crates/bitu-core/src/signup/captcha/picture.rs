//! Drawing a challenge: the `captcha` crate's font, each glyph binarised and placed by us, so
//! every glyph lies inside the image with a margin, glyphs never touch one another, and the
//! noise (light dots and lines) never comes near a glyph. Three colours only: dark glyphs on
//! white with light grey noise, each pair far above WCAG's 4.5:1 contrast.

use std::collections::HashMap;
use std::sync::OnceLock;

use captcha::Captcha;
use rand::Rng;

use super::ALPHABET;
use crate::error::{Error, Result};

/// Image width (fixed, so the page can reserve its place).
pub const WIDTH: u32 = 310;
/// Image height.
pub const HEIGHT: u32 = 90;
/// Free space between the glyphs and every edge.
pub const MARGIN: u32 = 12;
/// Background (white).
pub const BACKGROUND: [u8; 3] = [0xff, 0xff, 0xff];
/// Glyphs (Codex's base text colour).
pub const INK: [u8; 3] = [0x20, 0x21, 0x22];
/// Noise (Codex's subtle border grey).
pub const NOISE: [u8; 3] = [0xc8, 0xcc, 0xd1];

/// Most space between two glyphs; less when wide glyphs need the room.
const MAX_GAP: u32 = 5;
/// How far each glyph moves up or down from the middle line.
const JITTER: i32 = 3;
/// How far the wave moves pixel columns up or down.
const WAVE_AMPLITUDE: f64 = 3.0;
/// Pixels around a glyph that noise keeps clear of.
const CLEARANCE: i32 = 2;
/// Share of free pixels that become noise dots.
const DOT_DENSITY: f64 = 0.07;
/// Noise lines across the image.
const LINES: usize = 4;

/// Pixel kinds of the canvas, also the palette indexes of the PNG.
const BG: u8 = 0;
const GLYPH: u8 = 1;
const DOT: u8 = 2;

/// One binarised glyph, cropped to its ink.
struct Glyph {
    width: u32,
    height: u32,
    ink: Vec<bool>,
}

/// The font's glyphs of [`ALPHABET`], extracted once from the `captcha` crate's renderings.
fn glyphs() -> Result<&'static HashMap<char, Glyph>> {
    static GLYPHS: OnceLock<Option<HashMap<char, Glyph>>> = OnceLock::new();
    GLYPHS
        .get_or_init(|| {
            ALPHABET
                .iter()
                .map(|&c| extract(c).map(|g| (c, g)))
                .collect()
        })
        .as_ref()
        .ok_or_else(|| Error::Internal("captcha font could not be read".into()))
}

fn extract(c: char) -> Option<Glyph> {
    let mut captcha = Captcha::new();
    captcha.set_chars(&[c]).add_char();
    let (width, height, rgb) = decode_rgb(&captcha.as_png()?)?;
    // Anti-aliased grey: darker than half is ink.
    let dark = |x: u32, y: u32| rgb[((y * width + x) * 3) as usize] < 128;
    let (mut left, mut right, mut top, mut bottom) = (width, 0, height, 0);
    for y in 0..height {
        for x in 0..width {
            if dark(x, y) {
                (left, right) = (left.min(x), right.max(x));
                (top, bottom) = (top.min(y), bottom.max(y));
            }
        }
    }
    if left > right {
        return None;
    }
    let (w, h) = (right - left + 1, bottom - top + 1);
    let ink = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| dark(left + x, top + y))
        .collect();
    Some(Glyph {
        width: w,
        height: h,
        ink,
    })
}

/// Width, height and RGB bytes of a PNG (any colour type), or `None`.
pub fn decode_rgb(png_bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).ok()?;
    buffer.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let rgb = buffer
        .chunks(channels)
        .flat_map(|p| match channels {
            1 | 2 => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect();
    Some((info.width, info.height, rgb))
}

/// The canvas: one pixel kind per pixel.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn get(&self, x: i32, y: i32) -> Option<u8> {
        let inside = (0..WIDTH as i32).contains(&x) && (0..HEIGHT as i32).contains(&y);
        inside.then(|| self.pixels[(y as u32 * WIDTH + x as u32) as usize])
    }

    fn set(&mut self, x: i32, y: i32, kind: u8) {
        if self.get(x, y).is_some() {
            self.pixels[(y as u32 * WIDTH + x as u32) as usize] = kind;
        }
    }

    /// Whether a glyph pixel lies within [`CLEARANCE`] of `(x, y)`.
    fn near_glyph(&self, x: i32, y: i32) -> bool {
        (-CLEARANCE..=CLEARANCE)
            .any(|dy| (-CLEARANCE..=CLEARANCE).any(|dx| self.get(x + dx, y + dy) == Some(GLYPH)))
    }

    /// Noise at `(x, y)` unless that would come near a glyph.
    fn speck(&mut self, x: i32, y: i32) {
        if self.get(x, y) == Some(BG) && !self.near_glyph(x, y) {
            self.set(x, y, DOT);
        }
    }
}

/// The PNG of `answer`: [`WIDTH`]×[`HEIGHT`], freshly placed and noised on every call.
pub fn draw(answer: &str) -> Result<Vec<u8>> {
    let font = glyphs()?;
    let glyphs: Vec<&Glyph> = answer
        .chars()
        .map(|c| font.get(&c))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Internal("captcha character outside the alphabet".into()))?;
    let mut rng = rand::rng();
    let mut canvas = Canvas {
        pixels: vec![BG; (WIDTH * HEIGHT) as usize],
    };
    let room = WIDTH - 2 * MARGIN;
    let ink_width: u32 = glyphs.iter().map(|g| g.width).sum();
    let gaps = u32::try_from(glyphs.len().saturating_sub(1))
        .unwrap_or(1)
        .max(1);
    let gap = (room.saturating_sub(ink_width) / gaps).min(MAX_GAP);
    let used = ink_width + gap * (glyphs.len() as u32).saturating_sub(1);
    let slack = room.saturating_sub(used);
    let mut x = (MARGIN + rng.random_range(0..=slack)) as i32;
    let phase = rng.random_range(0.0..std::f64::consts::TAU);
    let frequency = rng.random_range(1.5..2.5);
    let wave = |x: i32| -> i32 {
        let turn = f64::from(x) * std::f64::consts::TAU * frequency / f64::from(WIDTH);
        (WAVE_AMPLITUDE * (turn + phase).sin()).round() as i32
    };
    for glyph in glyphs {
        let top = (HEIGHT as i32 - glyph.height as i32) / 2 + rng.random_range(-JITTER..=JITTER);
        for gy in 0..glyph.height {
            for gx in 0..glyph.width {
                if glyph.ink[(gy * glyph.width + gx) as usize] {
                    let px = x + gx as i32;
                    canvas.set(px, top + gy as i32 + wave(px), GLYPH);
                }
            }
        }
        x += (glyph.width + gap) as i32;
    }
    for _ in 0..LINES {
        let (x0, y0) = (0.0, rng.random_range(0.0..f64::from(HEIGHT)));
        let (x1, y1) = (f64::from(WIDTH), rng.random_range(0.0..f64::from(HEIGHT)));
        let steps = WIDTH * 2;
        for step in 0..=steps {
            let t = f64::from(step) / f64::from(steps);
            canvas.speck((x0 + (x1 - x0) * t) as i32, (y0 + (y1 - y0) * t) as i32);
        }
    }
    for y in 0..HEIGHT as i32 {
        for x in 0..WIDTH as i32 {
            if rng.random_bool(DOT_DENSITY) {
                canvas.speck(x, y);
            }
        }
    }
    encode(&canvas.pixels)
}

/// An indexed PNG of the canvas with the three-colour palette.
fn encode(pixels: &[u8]) -> Result<Vec<u8>> {
    let failed = |e: png::EncodingError| Error::Internal(format!("captcha PNG: {e}"));
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette([BACKGROUND, INK, NOISE].concat());
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

/// WCAG 2 contrast ratio of two sRGB colours (1 to 21).
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let luminance = |c: [u8; 3]| {
        let channel = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
#[path = "picture_tests.rs"]
mod tests;
