#!/usr/bin/env bash
# scripts/bench.d/50-renditions.sh — the renditions of a one-hour master (issue 13).
#
# The corpus (target/bench/renditions/v<version>/, made once and reused): a one-hour WAV,
# 48 kHz 16-bit stereo (≈ 690 MB), made by sox from pink noise in syllables (tremolo at 4 Hz),
# each channel its own noise, with uneven levels: the first half about 20 dB below the second
# (a speaker far from the microphone, then one close to it), in a cycle of one session.
#
# Then, in the same run, on a warm page cache:
#   (a) `cyclecast publish` from a cold cache (no feed/, no .cyclecast/): all three renditions;
#   (b) ffmpeg making the podcast rendition alone by the fastest equivalent route: a measuring
#       pass (`ebur128` on the mono downmix), then `volume=XdB,alimiter=limit=…:level=false`
#       and `libmp3lame -b:a 64k -ac 1 -ar 44100`;
#   (c) ffmpeg `loudnorm` two-pass (measure, then `linear=true` with the measured values), to
#       the same MP3.
# Prints wall time, CPU time (user + system), peak memory (/usr/bin/time %M), each output's
# integrated loudness and true peak as ffmpeg's `ebur128=peak=true` measures them, and the
# ratios to (b). Then (d), the floor: LAME alone encoding the three MP3s of (a), its CPU time
# over the cores, the least wall time any route through LAME can take. Goals (issue 13): (a)
# in less wall time than (b); every output within ±0.5 LU of its target and at most −1 dBTP;
# (a) under 100 MB.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

# Bump when the corpus changes: the next run makes it again and removes the old one.
version=1
root=target/bench/renditions
corpus=$root/v$version
project=$corpus/project
master=$project/recordings/une-heure.wav
out=$root/ffmpeg
export SOURCE_DATE_EPOCH=1700000000

say() { printf '  %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/tools.sh
source scripts/lib/tools.sh
need ffmpeg        ffmpeg  '^ffmpeg version'     -version
need ffprobe       ffmpeg  '^ffprobe version'    -version
need sox           sox     'SoX v[0-9]'          --version
need python3       python3 '^Python 3\.'         --version
need /usr/bin/time time    '^time \(GNU Time\)'  --version
tools_ready 50-renditions.sh

clean() { rm -rf "$project/feed" "$project/.cyclecast" "$project/cyclecast.lock" "$out"; }
clean
tmp=$(mktemp -d)
trap 'clean; rm -rf "$tmp"' EXIT

say "building cyclecast (release)"
cargo build --release --quiet --bin cyclecast
cyclecast=$PWD/target/release/cyclecast

# ─── The corpus ─────────────────────────────────────────────────────────────
for old in "$root"/v*; do
    if [[ -d $old && $old != "$corpus" ]]; then
        say "removing the old corpus $old"
        rm -rf "$old"
    fi
done
if [[ ! -f $corpus/.complete ]]; then
    rm -rf "$corpus" && mkdir -p "$project/recordings"
    say "making a one-hour WAV (48 kHz, 16-bit stereo, uneven halves)"
    # -R: repeatable noise; each channel of `synth` gets its own.
    sox -R -n -r 48000 -c 2 -b 16 "$tmp/quiet.wav" synth 1800 pinknoise tremolo 4 80 gain -36
    sox -R -n -r 48000 -c 2 -b 16 "$tmp/loud.wav" synth 1800 pinknoise tremolo 4 80 gain -16
    sox -R "$tmp/quiet.wav" "$tmp/loud.wav" "$master"
    rm "$tmp/quiet.wav" "$tmp/loud.wav"
    cp cover.jpg "$project/cover.jpg"
    cat >"$project/config.toml" <<'EOF'
[podcast]
title = "Une rencontre d'une heure"
description = "Un cycle d'une rencontre, généré pour mesurer les rendus."
language = "fr"
base_url = "https://cycle.bench.test/"
time_zone = "Europe/Paris"
cover = "cover.jpg"
categories = ["Society & Culture"]
explicit = false
author = "Le Mouton Numérique"
copyright = "© Le Mouton Numérique"

[podcast.owner]
name = "Le Mouton Numérique"
email = "contact@bench.test"

[organizer]
name = "Le Mouton Numérique"
url = "https://bench.test/"

[[sessions]]
id = "une-heure"
number = 1
date = "2023-01-12"
time = "19:00"
title = "Une rencontre d'une heure"
recording = "recordings/une-heure.wav"
description = "Une heure de bruit rose en syllabes, une moitié lointaine, l'autre proche."

[[sessions.speakers]]
name = "Intervenante"
EOF
    touch "$corpus/.complete"
fi

# ─── Measures ───────────────────────────────────────────────────────────────
# measure COMMAND…: runs it under /usr/bin/time; sets wall (s), cpu (user + system, s) and
# rss (KB, the largest process).
measure() {
    sync
    local start=$EPOCHREALTIME user system
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@"
    wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    read -r _ rss user system <"$tmp/time"
    cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# loudness FILE: "I TP" (LUFS, dBTP) by ffmpeg's ebur128=peak=true; "missing" when absent.
loudness() {
    [[ -f $1 ]] || { echo "missing -"; return; }
    ffmpeg -hide_banner -nostats -nostdin -i "$1" -af ebur128=peak=true -f null - 2>&1 |
        awk '/Summary:/ { s = 1 } s && $1 == "I:" { i = $2 } s && /True peak:/ { t = 1 }
             s && t && $1 == "Peak:" { p = $2 } END { print i, p }'
}

say "warming the cache"
cat "$master" >/dev/null

# (a) cyclecast, every rendition, from a cold rendition cache.
say "(a) cyclecast publish (all renditions, cold cache)"
rm -rf "$project/feed" "$project/.cyclecast"
measure "$cyclecast" publish --config "$project/config.toml" --quiet
a_wall=$wall a_cpu=$cpu a_rss=$rss

# (b) ffmpeg: measure the mono downmix, then gain + limiter + LAME. The downmix comes first in
# the filter chain (`-ac 1` would convert after the filters, on a loudness measured in stereo).
mkdir -p "$out"
cat >"$tmp/ffmpeg-podcast.sh" <<'EOF'
set -euo pipefail
master=$1 mp3=$2
i=$(ffmpeg -hide_banner -nostats -nostdin -i "$master" -af aformat=channel_layouts=mono,ebur128 -f null - 2>&1 |
    awk '/Summary:/ { s = 1 } s && $1 == "I:" { print $2 }')
gain=$(awk -v i="$i" 'BEGIN { printf "%.2f", -16 - i }')
# alimiter limits the sample peak: −2 dBFS (0.794) leaves room for the inter-sample peaks and
# the codec's overshoot under −1 dBTP.
ffmpeg -hide_banner -nostats -nostdin -v error -y -i "$master" \
    -af "aformat=channel_layouts=mono,volume=${gain}dB,alimiter=limit=0.794:level=false" -ar 44100 \
    -c:a libmp3lame -b:a 64k "$mp3"
EOF
say "(b) ffmpeg: ebur128 pass, then volume + alimiter + libmp3lame 64k mono"
measure bash "$tmp/ffmpeg-podcast.sh" "$master" "$out/podcast.mp3"
b_wall=$wall b_cpu=$cpu b_rss=$rss

# (c) ffmpeg loudnorm, two passes.
cat >"$tmp/loudnorm.sh" <<'EOF'
set -euo pipefail
master=$1 mp3=$2
json=$(ffmpeg -hide_banner -nostats -nostdin -i "$master" \
    -af aformat=channel_layouts=mono,loudnorm=I=-16:TP=-1.5:LRA=11:print_format=json -f null - 2>&1 | sed -n '/^{/,/^}/p')
get() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$json" "$1"; }
filter="aformat=channel_layouts=mono,loudnorm=I=-16:TP=-1.5:LRA=11:measured_I=$(get input_i):measured_TP=$(get input_tp)"
filter+=":measured_LRA=$(get input_lra):measured_thresh=$(get input_thresh)"
filter+=":offset=$(get target_offset):linear=true"
ffmpeg -hide_banner -nostats -nostdin -v error -y -i "$master" -af "$filter" \
    -ar 44100 -c:a libmp3lame -b:a 64k "$mp3"
EOF
say "(c) ffmpeg loudnorm two-pass, libmp3lame 64k mono"
measure bash "$tmp/loudnorm.sh" "$master" "$out/loudnorm.mp3"
c_wall=$wall c_cpu=$cpu c_rss=$rss

# (d) The floor: LAME alone encoding cyclecast's three MP3s from the master, in their channels,
# rate and bitrate and at cyclecast's LAME quality (5), with no measuring, limiting or
# verifying: the CPU time any route through LAME spends on them. Spread over every core, it
# is the least wall time such a route can take.
cat >"$tmp/lame-alone.sh" <<'EOF'
set -euo pipefail
master=$1
shift
for mp3 in "$@"; do
    IFS=, read -r rate channels bitrate < <(ffprobe -v error -select_streams a:0 \
        -show_entries stream=sample_rate,channels,bit_rate -of csv=p=0 "$mp3")
    ffmpeg -hide_banner -nostats -nostdin -v error -y -i "$master" -ac "$channels" -ar "$rate" \
        -c:a libmp3lame -b:a "$bitrate" -compression_level 5 -f mp3 /dev/null
done
EOF
say "(d) LAME alone: cyclecast's three MP3s, no processing"
measure bash "$tmp/lame-alone.sh" "$master" "$project/feed/episodes/01-une-heure.mp3" \
    "$project/feed/light/01-une-heure.mp3" "$project/feed/radio/01-une-heure.mp3"
d_cpu=$cpu
cores=$(nproc)
d_floor=$(awk -v c="$d_cpu" -v n="$cores" 'BEGIN { printf "%.2f", c / n }')

# ─── Table ──────────────────────────────────────────────────────────────────
feed=$project/feed
ratio() { awk -v a="$1" -v b="$b_wall" 'BEGIN { printf "%.2f×", a / b }'; }
printf '\n### Renditions of a one-hour 48 kHz stereo WAV (%s MB, uneven halves)\n\n' \
    "$(awk -v b="$(stat -c %s "$master")" 'BEGIN { printf "%.0f", b / 1e6 }')"
printf '| run | wall | CPU | peak memory | wall vs (b) |\n|---|---|---|---|---|\n'
printf '| (a) cyclecast publish, all renditions, cold cache | %.2f s | %s s | %s | %s |\n' \
    "$a_wall" "$a_cpu" "$(mb "$a_rss")" "$(ratio "$a_wall")"
printf '| (b) ffmpeg ebur128 pass + volume/alimiter/libmp3lame (podcast only) | %.2f s | %s s | %s | 1.00× |\n' \
    "$b_wall" "$b_cpu" "$(mb "$b_rss")"
printf '| (c) ffmpeg loudnorm two-pass (podcast only) | %.2f s | %s s | %s | %s |\n' \
    "$c_wall" "$c_cpu" "$(mb "$c_rss")" "$(ratio "$c_wall")"
printf '| (d) the floor: LAME alone on the three MP3s of (a), its CPU over %s cores | %s s | %s s | — | %s |\n' \
    "$cores" "$d_floor" "$d_cpu" "$(ratio "$d_floor")"

printf '\n| output | target | I (LUFS) | true peak (dBTP) | size |\n|---|---|---|---|---|\n'
output() {  # output LABEL TARGET FILE
    local i tp size=-
    read -r i tp < <(loudness "$3")
    [[ -f $3 ]] && size=$(awk -v b="$(stat -c %s "$3")" 'BEGIN { printf "%.1f MB", b / 1e6 }')
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$i" "$tp" "$size"
}
# shellcheck disable=SC2016 # the backquotes are Markdown
{
output '(a) podcast `episodes/01-une-heure.mp3`' '−16, ≤ −1' "$feed/episodes/01-une-heure.mp3"
output '(a) light `light/01-une-heure.mp3`' '−16, ≤ −1' "$feed/light/01-une-heure.mp3"
output '(a) radio `radio/01-une-heure.wav`' '−23, ≤ −1' "$feed/radio/01-une-heure.wav"
output '(a) radio `radio/01-une-heure.mp3`' '−23, ≤ −1' "$feed/radio/01-une-heure.mp3"
output '(b) ffmpeg volume + alimiter' '−16, ≤ −1' "$out/podcast.mp3"
output '(c) ffmpeg loudnorm two-pass' '−16, ≤ −1.5' "$out/loudnorm.mp3"
output 'the master' '—' "$master"
}
