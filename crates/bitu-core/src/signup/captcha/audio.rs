//! The spoken challenge, for people who cannot see the image: one committed clip per
//! character (espeak-ng, made by `packaging/dev/captcha-audio.sh`), joined with random pauses,
//! each at a random loudness, under light noise, as a WAV. Nothing in the file or its address
//! names the characters.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::OnceLock;

use rand::Rng;

use crate::error::{Error, Result};

/// Samples per second of the clips and of the challenge.
pub const SAMPLE_RATE: u32 = 11025;
/// Silence before the first character, in samples.
pub const LEAD: usize = SAMPLE_RATE as usize / 2;
/// Shortest and longest pause between two characters, in samples.
pub const PAUSE: std::ops::RangeInclusive<usize> =
    (SAMPLE_RATE as usize * 6 / 10)..=(SAMPLE_RATE as usize * 9 / 10);
/// Silence after the last character, in samples.
pub const TAIL: usize = SAMPLE_RATE as usize / 2;
/// Loudest noise sample (of 32767): heard as a light hiss, far below the voice.
pub const NOISE: i16 = 300;
/// Quietest and loudest scaling of a clip.
pub const GAIN: std::ops::Range<f64> = 0.8..1.0;

const CLIPS: &[(char, &[u8])] = &[
    ('A', include_bytes!("audio/A.wav")),
    ('C', include_bytes!("audio/C.wav")),
    ('D', include_bytes!("audio/D.wav")),
    ('E', include_bytes!("audio/E.wav")),
    ('F', include_bytes!("audio/F.wav")),
    ('H', include_bytes!("audio/H.wav")),
    ('J', include_bytes!("audio/J.wav")),
    ('K', include_bytes!("audio/K.wav")),
    ('M', include_bytes!("audio/M.wav")),
    ('N', include_bytes!("audio/N.wav")),
    ('P', include_bytes!("audio/P.wav")),
    ('R', include_bytes!("audio/R.wav")),
    ('T', include_bytes!("audio/T.wav")),
    ('W', include_bytes!("audio/W.wav")),
    ('X', include_bytes!("audio/X.wav")),
    ('Y', include_bytes!("audio/Y.wav")),
    ('3', include_bytes!("audio/3.wav")),
    ('4', include_bytes!("audio/4.wav")),
    ('7', include_bytes!("audio/7.wav")),
    ('9', include_bytes!("audio/9.wav")),
];

fn decoded() -> Result<&'static HashMap<char, Vec<i16>>> {
    static DECODED: OnceLock<Option<HashMap<char, Vec<i16>>>> = OnceLock::new();
    DECODED
        .get_or_init(|| {
            CLIPS
                .iter()
                .map(|(c, wav)| {
                    let reader = hound::WavReader::new(Cursor::new(*wav)).ok()?;
                    let spec = reader.spec();
                    if spec.sample_rate != SAMPLE_RATE
                        || spec.channels != 1
                        || spec.bits_per_sample != 16
                    {
                        return None;
                    }
                    let samples = reader
                        .into_samples::<i16>()
                        .collect::<std::result::Result<_, _>>()
                        .ok()?;
                    Some((*c, samples))
                })
                .collect()
        })
        .as_ref()
        .ok_or_else(|| Error::Internal("captcha audio clips could not be read".into()))
}

/// The samples of character `c`'s clip, or `None` for a character without one.
pub fn clip(c: char) -> Option<&'static [i16]> {
    decoded().ok()?.get(&c).map(Vec::as_slice)
}

/// Where one character's clip went in a challenge.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The character spoken.
    pub character: char,
    /// Its first sample.
    pub start: usize,
    /// Its clip's scaling.
    pub gain: f64,
}

/// The samples of `answer` spoken, and where each clip went.
pub fn compose(answer: &str, rng: &mut impl Rng) -> Result<(Vec<i16>, Vec<Placement>)> {
    let clips = decoded()?;
    let mut samples = vec![0i16; LEAD];
    let mut placements = Vec::new();
    for (i, character) in answer.chars().enumerate() {
        let clip = clips
            .get(&character)
            .ok_or_else(|| Error::Internal("captcha character without a clip".into()))?;
        if i > 0 {
            samples.resize(samples.len() + rng.random_range(PAUSE), 0);
        }
        let gain = rng.random_range(GAIN);
        placements.push(Placement {
            character,
            start: samples.len(),
            gain,
        });
        samples.extend(clip.iter().map(|&s| (f64::from(s) * gain).round() as i16));
    }
    samples.resize(samples.len() + TAIL, 0);
    for sample in &mut samples {
        *sample = sample.saturating_add(rng.random_range(-NOISE..=NOISE));
    }
    Ok((samples, placements))
}

/// A WAV (16-bit mono PCM) of `answer` spoken, different on every call.
pub fn speak(answer: &str) -> Result<Vec<u8>> {
    let (samples, _) = compose(answer, &mut rand::rng())?;
    let failed = |e: hound::Error| Error::Internal(format!("captcha WAV: {e}"));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut out, spec).map_err(failed)?;
    for sample in samples {
        writer.write_sample(sample).map_err(failed)?;
    }
    writer.finalize().map_err(failed)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signup::captcha::ALPHABET;

    #[test]
    fn every_character_has_a_clip_of_speech() {
        for &c in ALPHABET {
            let clip = clip(c).unwrap_or_else(|| panic!("no clip for {c}"));
            let seconds = clip.len() as f64 / f64::from(SAMPLE_RATE);
            assert!((0.2..1.0).contains(&seconds), "{c}: {seconds} s");
            assert!(
                clip.iter().any(|s| s.unsigned_abs() > 5000),
                "{c} is silent"
            );
        }
        assert_eq!(CLIPS.len(), ALPHABET.len());
    }

    #[test]
    fn the_challenge_is_the_clips_in_order_under_light_noise() {
        let (samples, placements) = compose("AW39K", &mut rand::rng()).unwrap();
        let spoken: String = placements.iter().map(|p| p.character).collect();
        assert_eq!(spoken, "AW39K");
        for pair in placements.windows(2) {
            let end = pair[0].start + clip(pair[0].character).unwrap().len();
            assert!(PAUSE.contains(&(pair[1].start - end)));
        }
        for placement in &placements {
            let clip = clip(placement.character).unwrap();
            for (i, &s) in clip.iter().enumerate() {
                let expected = (f64::from(s) * placement.gain).round() as i32;
                let got = i32::from(samples[placement.start + i]);
                assert!((got - expected).abs() <= i32::from(NOISE) + 1);
            }
        }
        let last = placements.last().unwrap();
        assert_eq!(
            samples.len(),
            last.start + clip(last.character).unwrap().len() + TAIL
        );
        assert!(samples[..LEAD].iter().all(|s| s.abs() <= NOISE));
    }

    #[test]
    fn the_wav_is_16_bit_mono_and_differs_each_time() {
        let wav = speak("CDEFH").unwrap();
        let reader = hound::WavReader::new(Cursor::new(&wav)).unwrap();
        assert_eq!(reader.spec().sample_rate, SAMPLE_RATE);
        assert_eq!(reader.spec().channels, 1);
        assert_ne!(wav, speak("CDEFH").unwrap());
    }
}
