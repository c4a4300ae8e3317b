#!/usr/bin/env bash
# Regenerates the spoken captcha characters (crates/bitu-core/src/signup/captcha/audio/*.wav)
# with espeak-ng (Debian package espeak-ng). The clips are committed: nothing runs this at
# build or run time. Each clip is one character's name, silence trimmed, as 11025 Hz 16-bit
# mono PCM, so the whole set stays small.
# Usage: bash packaging/dev/captcha-audio.sh   (keep the alphabet in sync with captcha::ALPHABET)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=crates/bitu-core/src/signup/captcha/audio
alphabet="A C D E F H J K M N P R T W X Y 3 4 7 9"
command -v espeak-ng >/dev/null || { echo "needs espeak-ng (apt-get install espeak-ng)"; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for c in $alphabet; do
    # A slow, clear American English voice; a single capital is spoken as the letter's name.
    espeak-ng -v en-us -s 120 -a 150 -w "$tmp/$c.wav" "$c"
    python3 - "$tmp/$c.wav" "$out/$c.wav" <<'EOF'
import array, sys, wave
src, dst = sys.argv[1], sys.argv[2]
with wave.open(src) as w:
    assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 22050
    samples = array.array("h", w.readframes(w.getnframes()))
# Halve the rate: average pairs (a crude low-pass) — speech stays clear below 5.5 kHz.
half = array.array("h", ((samples[i] + samples[i + 1]) // 2 for i in range(0, len(samples) - 1, 2)))
# Trim leading and trailing silence (below 1.5 % of full scale), keeping 10 ms on each side.
loud = [i for i, s in enumerate(half) if abs(s) > 500]
pad = 110
start, end = max(loud[0] - pad, 0), min(loud[-1] + pad, len(half))
with wave.open(dst, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(11025)
    w.writeframes(half[start:end].tobytes())
EOF
done
ls -l "$out"
