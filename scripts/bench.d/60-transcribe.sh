#!/usr/bin/env bash
# scripts/bench.d/60-transcribe.sh — a draft transcript of a 10-minute French recording
# (issue 16).
#
# The corpus (target/bench/transcribe/v<version>/, made once and reused): ten minutes of
# French speech made by espeak-ng (voice fr+m1, 120 words a minute) reading the sample
# cycle's session descriptions, sentence by sentence with a pause after each, as a
# 48 kHz 16-bit stereo WAV master of a one-session cycle.
#
# Then, in the same run, with the same model (the Whisper base model `scripts/install-model`
# installs), 8-bit integers, 2 threads, greedy search (beam size 1), the language given:
#   (a) `cyclecast transcribe` (built with `--features transcribe`);
#   (b) Python's faster-whisper (same CTranslate2 engine, its wheel built with MKL), no
#       voice-activity filter, no temperature fallback, not conditioned on earlier text.
# Prints wall time, CPU time, peak memory, real-time factor (wall ÷ audio length) and the
# share of the read words each one heard. Goals (issue 16): (a) within 1.5× of (b)'s wall
# time, under 1 GB.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

version=1
root=target/bench/transcribe
corpus=$root/v$version
project=$corpus/project
master=$project/recordings/dix-minutes.wav
text=$corpus/read.txt
venv=$root/faster-whisper-venv
threads=2

say() { printf '  %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/tools.sh
source scripts/lib/tools.sh
need espeak-ng     espeak-ng  '^eSpeak NG text-to-speech' --version
need sox           sox        'SoX v[0-9]'                --version
need cmake         cmake      '^cmake version 3\.'        --version
need python3       python3-venv '^Python 3\.'             --version
need /usr/bin/time time       '^time \(GNU Time\)'        --version
tools_ready 60-transcribe.sh

scripts/install-model
model=${XDG_CACHE_HOME:-$HOME/.cache}/cyclecast/models/whisper-base

if ! "$venv/bin/python" -c 'import faster_whisper' 2>/dev/null; then
    say "installing faster-whisper into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check faster-whisper==1.2.1
fi

say "building cyclecast with the transcribe feature (release)"
cargo build --release --quiet --features transcribe --bin cyclecast
cyclecast=$PWD/target/release/cyclecast

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$project/transcripts"' EXIT

# ─── The corpus ─────────────────────────────────────────────────────────────
for old in "$root"/v*; do
    if [[ -d $old && $old != "$corpus" ]]; then
        say "removing the old corpus $old"
        rm -rf "$old"
    fi
done
if [[ ! -f $corpus/.complete ]]; then
    rm -rf "$corpus" && mkdir -p "$project/recordings"
    say "speaking ten minutes of French with espeak-ng"
    # The sample cycle's descriptions, one sentence per line, repeated until ten minutes.
    python3 - config.toml >"$tmp/sentences.txt" <<'EOF'
import re, sys, tomllib
config = tomllib.load(open(sys.argv[1], "rb"))
for session in config["sessions"]:
    for sentence in re.split(r"(?<=[.?!])\s+", session["description"].replace("\n", " ")):
        if len(sentence.split()) >= 4:
            print(sentence.strip())
EOF
    : >"$text"
    parts=()
    seconds=0
    while ((seconds < 600)); do
        while IFS= read -r sentence && ((seconds < 600)); do
            part=$tmp/part-${#parts[@]}.wav
            espeak-ng -v fr+m1 -s 120 -w "$tmp/spoken.wav" "$sentence"
            sox "$tmp/spoken.wav" "$part" pad 0 0.8
            parts+=("$part")
            printf '%s\n' "$sentence" >>"$text"
            seconds=$(awk -v s="$seconds" -v d="$(sox --i -D "$part")" 'BEGIN { printf "%d", s + d }')
        done <"$tmp/sentences.txt"
    done
    sox "${parts[@]}" "$tmp/all.wav"
    sox "$tmp/all.wav" -r 48000 -c 2 -b 16 "$master" trim 0 600
    cat >"$project/config.toml" <<'EOF'
[podcast]
title = "Dix minutes de français"
description = "Un cycle d'une rencontre, généré pour mesurer la transcription."
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
id = "dix-minutes"
number = 1
date = "2023-01-12"
time = "19:00"
title = "Dix minutes de français"
recording = "recordings/dix-minutes.wav"
description = "Dix minutes de phrases lues par espeak-ng."

[[sessions.speakers]]
name = "Intervenante"
EOF
    cp cover.jpg "$project/cover.jpg"
    touch "$corpus/.complete"
fi
length=$(sox --i -D "$master")

# ─── Measures ───────────────────────────────────────────────────────────────
# measure COMMAND…: runs it under /usr/bin/time; sets wall (s), cpu (user + system, s) and
# rss (KB).
measure() {
    sync
    local start=$EPOCHREALTIME user system
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@"
    wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    read -r _ rss user system <"$tmp/time"
    cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.1f", u + s }')
}

# heard FILE: the share of the read words (each distinct word, lowercase) found in FILE.
heard() {
    python3 - "$text" "$1" <<'EOF'
import re, sys
words = lambda t: set(re.findall(r"[\w']+", t.lower()))
read = words(open(sys.argv[1]).read())
lines = [l for l in open(sys.argv[2]).read().splitlines()
         if "-->" not in l and not l.strip().isdigit()
         and not l.startswith(("WEBVTT", "NOTE", "Transcription", "Automatic"))]
print(f"{len(read & words(' '.join(lines))) / len(read) * 100:.0f} %")
EOF
}

say "cyclecast transcribe ($threads threads)"
rm -rf "$project/transcripts"
measure "$cyclecast" transcribe --config "$project/config.toml" --jobs "$threads" --quiet
ours=("$wall" "$cpu" "$rss" "$(heard "$project/transcripts/01-dix-minutes.vtt")")

say "faster-whisper ($threads threads)"
cat >"$tmp/faster_whisper_run.py" <<'EOF'
import sys
from faster_whisper import WhisperModel
model_dir, audio, threads, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
segments, _ = model.transcribe(audio, language="fr", beam_size=1, temperature=0.0,
                               vad_filter=False, condition_on_previous_text=False)
with open(out, "w") as f:
    for segment in segments:
        print(segment.text, file=f)
EOF
measure "$venv/bin/python" "$tmp/faster_whisper_run.py" "$model" "$master" "$threads" "$tmp/fw.txt"
theirs=("$wall" "$cpu" "$rss" "$(heard "$tmp/fw.txt")")

row() {
    local name=$1 wall=$2 cpu=$3 rss=$4 words=$5
    printf '| %s | %s s | %s s | %s | %s | %s | %s |\n' "$name" "$wall" "$cpu" \
        "$(awk -v k="$rss" 'BEGIN { printf "%.0f MB", k / 1024 }')" \
        "$(awk -v w="$wall" -v l="$length" 'BEGIN { printf "%.3f", w / l }')" \
        "$(awk -v w="$wall" -v r="${theirs[0]}" 'BEGIN { printf "%.2f×", w / r }')" "$words"
}
printf '\n%s s of French speech, Whisper base (int8), %s threads, beam size 1\n\n' "$length" "$threads"
printf '| run | wall | CPU | peak memory | real-time factor | wall vs faster-whisper | read words heard |\n'
printf '|---|---|---|---|---|---|---|\n'
row "cyclecast transcribe" "${ours[@]}"
row "faster-whisper 1.2.1" "${theirs[@]}"
