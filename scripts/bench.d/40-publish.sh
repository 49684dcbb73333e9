#!/usr/bin/env bash
# scripts/bench.d/40-publish.sh — publishing a long cycle, and a long recording (issue #6).
#
# The corpus (target/bench/publish/v<version>/, made once and reused; a new version replaces
# the old one): five MP3s of 1, 2.5, 5, 7.5 and 10 minutes (lame, CBR 64 kbit/s mono, from
# pink noise that starts with two seconds of silence, as a talk does), copied (real copies,
# not links) into a cycle of 500 sessions; a 3-hour WAV (44.1 kHz, 16-bit stereo, 1.9 GB) and
# a 3-hour MP3 (the 10-minute one joined 18 times by ffmpeg), each alone in a cycle of one.
#
# Then, on a warm page cache, with the release build and SOURCE_DATE_EPOCH fixed: `cp -r` of
# the recordings (the bytes a first publish must at least copy), the same followed by `sync`
# (cyclecast syncs each file before renaming it), a first `publish --quiet` into an empty
# feed/ (best of 2), a publish with nothing changed (best of 3), a publish after adding a
# 501st session, the first publish of each 3-hour recording, and the render stages for 500
# sessions (examples/render_bench.rs, best of 5). Prints wall time, CPU time and peak memory
# (/usr/bin/time: the largest process) for each. Every feed it writes is removed when it ends.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

# Bump when the corpus changes: the next run makes it again and removes the old one.
version=1
sessions=500
lengths=(60 150 300 450 600)
root=target/bench/publish
corpus=$root/v$version
cycle=$corpus/cycle
long_wav=$corpus/long-wav
long_mp3=$corpus/long-mp3
peer=$root/cp-peer
export SOURCE_DATE_EPOCH=1700000000

say() { printf '  %s\n' "$*" >&2; }

# Tools are recognised by their version line and installed when missing (issue 10).
# shellcheck source=scripts/lib/tools.sh
source scripts/lib/tools.sh
need ffmpeg        ffmpeg  '^ffmpeg version'     -version
need lame          lame    '^LAME .*version'     --version
need python3       python3 '^Python 3\.'         --version
need /usr/bin/time time    '^time \(GNU Time\)'  --version
tools_ready 40-publish.sh

# ─── Clean up: no feed, lock or added session outlives a run ────────────────
clean() {
    local project
    for project in "$cycle" "$long_wav" "$long_mp3"; do
        rm -rf "$project/feed" "$project/.cyclecast" "$project/cyclecast.lock" "$project"/.*.publish-lock
    done
    rm -f "$cycle/recordings/$(printf '%03d' $((sessions + 1)))-rencontre.mp3" "$cycle/config-$((sessions + 1)).toml"
    rm -rf "$peer"
}
clean
tmp=$(mktemp -d)
trap 'clean; rm -rf "$tmp"' EXIT

say "building cyclecast and examples/render_bench.rs (release)"
cargo build --release --quiet --bin cyclecast --example render_bench
cyclecast=$PWD/target/release/cyclecast

# ─── The corpus ─────────────────────────────────────────────────────────────
for old in "$root"/v*; do
    if [[ -d $old && $old != "$corpus" ]]; then
        say "removing the old corpus $old"
        rm -rf "$old"
    fi
done
masters=$corpus/masters
mkdir -p "$masters"

# master SECONDS: the path of the MP3 of that length, encoded on first use.
master() {
    local seconds=$1 path="$masters/$1.mp3"
    if [[ ! -f $path ]]; then
        say "encoding a $seconds-second MP3 (lame --cbr -b 64, mono)"
        ffmpeg -v error -y -f lavfi -i "anoisesrc=d=$((seconds - 2)):c=pink:r=44100:a=0.1:seed=$seconds,adelay=2s:all=1" \
            -ac 1 -c:a pcm_s16le "$masters/$seconds.wav"
        lame --quiet --cbr -b 64 -m m "$masters/$seconds.wav" "$path.partial"
        rm "$masters/$seconds.wav"
        mv "$path.partial" "$path"
    fi
    printf '%s' "$path"
}

# recording N: the file name of session N's recording.
recording() { printf '%03d-rencontre.mp3' "$1"; }

if [[ ! -f $cycle/.complete ]]; then
    rm -rf "$cycle" && mkdir -p "$cycle/recordings"
    say "copying $sessions recordings into $cycle/recordings/"
    for ((n = 1; n <= sessions; n++)); do
        cp "$(master "${lengths[$(((n - 1) % ${#lengths[@]}))]}")" "$cycle/recordings/$(recording "$n")"
    done
    touch "$cycle/.complete"
fi

if [[ ! -f $long_wav/.complete ]]; then
    rm -rf "$long_wav" && mkdir -p "$long_wav/recordings"
    say "making a 3-hour WAV (44.1 kHz, 16-bit stereo, 1.9 GB)"
    ffmpeg -v error -y -f lavfi -i "anoisesrc=d=10798:c=pink:r=44100:a=0.1:seed=3,adelay=2s:all=1" \
        -ac 2 -c:a pcm_s16le "$long_wav/recordings/trois-heures.wav"
    touch "$long_wav/.complete"
fi

if [[ ! -f $long_mp3/.complete ]]; then
    rm -rf "$long_mp3" && mkdir -p "$long_mp3/recordings"
    say "making a 3-hour MP3 (the 10-minute one, 18 times)"
    ten_minutes=$(readlink -f "$(master 600)")
    for _ in $(seq 18); do printf "file '%s'\n" "$ten_minutes"; done >"$tmp/parts"
    ffmpeg -v error -y -f concat -safe 0 -i "$tmp/parts" -c copy "$long_mp3/recordings/trois-heures.mp3"
    touch "$long_mp3/.complete"
fi

# podcast TITLE: the cycle's [podcast], [podcast.owner] and [organizer], adapted from the
# project's config.toml.
podcast() {
    cat <<EOF
[podcast]
title = "$1"
subtitle = "Un cycle de rencontres généré pour mesurer la publication"
description = """
Un cycle de rencontres sur la numérisation des services publics et de l'action sociale, généré
pour mesurer la publication : chaque rencontre a son enregistrement, sa description et son
intervenante.
"""
language = "fr"
base_url = "https://cycle.bench.test/"
time_zone = "Europe/Paris"
cover = "cover.jpg"
categories = ["Society & Culture", "Government", "Technology"]
explicit = false
author = "Le Mouton Numérique"
copyright = "© Le Mouton Numérique et les intervenant·es"
id3_version = "2.3"

[podcast.owner]
name = "Le Mouton Numérique"
email = "contact@bench.test"

[organizer]
name = "Le Mouton Numérique"
url = "https://bench.test/"
EOF
}

# session N FILE: session N's [[sessions]] table, one a week from January 2000.
session() {
    local n=$1 day
    TZ=UTC printf -v day '%(%F)T' $((946857600 + n * 7 * 86400))
    cat <<EOF

[[sessions]]
id = "rencontre-$n"
number = $n
date = "$day"
time = "19:00"
title = "Rencontre $n : la numérisation des services publics & l'accès aux droits"
recording = "recordings/$2"
description = """
La rencontre $n interroge le rôle des technologies dans les administrations : la
dématérialisation des démarches, les algorithmes de contrôle et les logiciels de gestion qui
régissent le travail social, et ce qu'ils produisent au quotidien pour les publics concernés.

Un second paragraphe, avec « guillemets » et <balises> à échapper.
"""

[[sessions.speakers]]
name = "Intervenante $n"
affiliation = "sociologue"
EOF
}

cp cover.jpg "$cycle/cover.jpg"
cp cover.jpg "$long_wav/cover.jpg"
cp cover.jpg "$long_mp3/cover.jpg"
{
    podcast "Cycle de $sessions rencontres"
    for ((n = 1; n <= sessions; n++)); do session "$n" "$(recording "$n")"; done
} >"$cycle/config.toml"
{ podcast "Une rencontre de trois heures (WAV)" && session 1 trois-heures.wav; } >"$long_wav/config.toml"
{ podcast "Une rencontre de trois heures (MP3)" && session 1 trois-heures.mp3; } >"$long_mp3/config.toml"
audio_bytes=$(cat "$cycle"/recordings/*.mp3 | wc -c)

# ─── Measures ───────────────────────────────────────────────────────────────
# measure COMMAND…: runs it under /usr/bin/time after a sync; sets wall (s, from the shell's
# clock: /usr/bin/time's %e has only 10 ms steps), cpu (user + system, s) and rss (KB,
# /usr/bin/time's %M).
measure() {
    sync
    local start=$EPOCHREALTIME
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@"
    wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    local user system
    read -r _ rss user system <"$tmp/time"
    cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
}

# keep_best: after a measure, keeps the fastest of a series in best_wall, best_cpu and
# best_rss (a series starts with best_wall="").
keep_best() {
    if [[ -z $best_wall ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
        best_wall=$wall best_cpu=$cpu best_rss=$rss
    fi
}

# count_written: how many files the `publish --json` summary on standard input lists as written.
count_written() { python3 -c 'import json, sys; print(len(json.load(sys.stdin)["written"]))'; }

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
rows=()
# row LABEL RATIO: a table row from the last measure.
row() { rows+=("$(printf '| %s | %.2f s | %s s | %s | %s |' "$1" "$wall" "$cpu" "$(mb "$rss")" "$2")"); }

say "warming the cache"
cat "$cycle"/recordings/*.mp3 >/dev/null

# ratio TO [TO_SYNC]: the last measure's wall time as a multiple of TO (and of TO_SYNC).
ratio() {
    awk -v w="$wall" -v c="$1" -v s="${2:-}" \
        'BEGIN { printf "%.2f× `cp -r`", w / c; if (s != "") printf ", %.2f× `cp -r` + `sync`", w / s }'
}

say "cp -r recordings/ (best of 2), then the same with sync (best of 2)"
best_wall=""
for _ in 1 2; do
    measure cp -r "$cycle/recordings" "$peer"
    keep_best
    rm -rf "$peer"
done
wall=$best_wall cpu=$best_cpu rss=$best_rss
cp_wall=$wall
row '`cp -r recordings/` (the bytes a first publish copies at least; best of 2)' "$(ratio "$cp_wall")"
best_wall=""
for _ in 1 2; do
    measure bash -c 'cp -r "$1" "$2" && sync' cp "$cycle/recordings" "$peer"
    keep_best
    rm -rf "$peer"
done
wall=$best_wall cpu=$best_cpu rss=$best_rss
cp_sync_wall=$wall
row '`cp -r recordings/`, then `sync` (best of 2)' "$(ratio "$cp_wall")"

say "first publish of $sessions sessions (best of 2)"
best_wall=""
for _ in 1 2; do
    rm -rf "$cycle/feed" "$cycle/.cyclecast" "$cycle/cyclecast.lock"
    measure "$cyclecast" publish --config "$cycle/config.toml" --quiet
    keep_best
done
wall=$best_wall cpu=$best_cpu rss=$best_rss
first_wall=$wall
row "first \`publish\` into an empty feed/ (best of 2)" "$(ratio "$cp_wall" "$cp_sync_wall")"
episodes=$(find "$cycle/feed/episodes" -type f | wc -l)
((episodes == sessions)) || { echo "40-publish.sh: the first publish wrote $episodes episodes, not $sessions" >&2; exit 1; }

say "publish again, nothing changed (best of 3)"
best_wall=""
for _ in 1 2 3; do
    measure "$cyclecast" publish --config "$cycle/config.toml" --quiet
    keep_best
done
wall=$best_wall cpu=$best_cpu rss=$best_rss
noop_written=$("$cyclecast" publish --config "$cycle/config.toml" --json | count_written)
row "\`publish\` again, nothing changed (best of 3; $noop_written files written; goal: under 2 % of the first)" \
    "$(awk -v w="$wall" -v f="$first_wall" 'BEGIN { printf "%.2f %% of the first", 100 * w / f }')"

say "publish after adding session $((sessions + 1))"
added=$((sessions + 1))
cp "$(master 300)" "$cycle/recordings/$(recording "$added")"
{ cat "$cycle/config.toml" && session "$added" "$(recording "$added")"; } >"$cycle/config-$added.toml"
added_written=$("$cyclecast" publish --config "$cycle/config-$added.toml" --dry-run --json | count_written)
measure "$cyclecast" publish --config "$cycle/config-$added.toml" --quiet
row "\`publish\` after adding session $added ($added_written files written)" \
    "$(awk -v w="$wall" -v f="$first_wall" 'BEGIN { printf "%.2f %% of the first", 100 * w / f }')"
episodes=$(find "$cycle/feed/episodes" -type f | wc -l)
((episodes == added)) || { echo "40-publish.sh: the feed holds $episodes episodes, not $added" >&2; exit 1; }
rm -rf "$cycle/feed" "$cycle/.cyclecast"

long_rows=()
# long PROJECT LABEL: measures the first publish of a one-session project.
long() {
    local file=("$1"/recordings/*)
    cat "${file[@]}" >/dev/null
    measure "$cyclecast" publish --config "$1/config.toml" --quiet
    long_rows+=("$(printf '| %s | %s | %.2f s | %s s | %s |' "$2" \
        "$(awk -v b="$(stat -c %s "${file[@]}")" 'BEGIN { printf "%.0f MB", b / 1e6 }')" "$wall" "$cpu" "$(mb "$rss")")")
    rm -rf "$1/feed" "$1/.cyclecast"
}
say "first publish of a 3-hour WAV"
long "$long_wav" 'WAV, 44.1 kHz, 16-bit stereo'
say "first publish of a 3-hour MP3"
long "$long_mp3" 'MP3, CBR 64 kbit/s mono'

say "render stages, $sessions sessions (best of 5)"
render=$(target/release/examples/render_bench "$sessions" 5)
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$render"; }

echo
printf '## Publishing a cycle of %d sessions\n\n' "$sessions"
printf '%d MP3s of 1 to 10 minutes (CBR 64 kbit/s mono), %d bytes of audio in all (%.2f GB);\n' \
    "$sessions" "$audio_bytes" "$(awk -v b="$audio_bytes" 'BEGIN { print b / 1e9 }')"
printf 'release build, `publish --quiet`, %s CPUs, warm page cache, a sync before each run\n\n' "$(nproc)"
echo '| run | wall time | CPU time | peak memory | ratio |'
echo '| --- | --- | --- | --- | --- |'
printf '%s\n' "${rows[@]}"
printf '\n## First publish of one 3-hour recording (goal: under 100 MB)\n\n'
echo '| recording | size | wall time | CPU time | peak memory |'
echo '| --- | --- | --- | --- | --- |'
printf '%s\n' "${long_rows[@]}"
printf '\n## Rendering %d sessions (examples/render_bench.rs, best of 5; goal: under 100 ms)\n\n' "$sessions"
echo '| feed.xml | index + session pages | both | feed size |'
echo '| --- | --- | --- | --- |'
printf '| %s ms | %s ms | %s ms | %s bytes |\n' "$(field feed_ms)" "$(field page_ms)" \
    "$(awk -v f="$(field feed_ms)" -v p="$(field page_ms)" 'BEGIN { printf "%.1f", f + p }')" "$(field feed_bytes)"
