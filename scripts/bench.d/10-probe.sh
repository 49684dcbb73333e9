#!/usr/bin/env bash
# scripts/bench.d/10-probe.sh — probing 200 MP3s of 10 minutes (issue #4).
#
# The corpus (target/bench/probe/, made once and reused): one 10-minute VBR MP3 made by lame
# from synthesized pink noise (two seconds of silence first, as a talk starts) with `-t`, so it
# has no Xing header and states no length; then 200 copies, each with its own ID3v2 tag in
# front (about 900 MB in all). The truth is what a full ffmpeg decode of it gives.
#
# Then, on a warm cache: reading the bytes (`cat FILES > /dev/null`), cyclecast (release build:
# one process for all files, the same pinned to one CPU, one process per file), ffprobe with
# one process per file (the duration it states, then -count_packets, its exact mode) and
# mutagen (one Python process). Prints wall time, peak memory (/usr/bin/time -v: the largest
# process) and the largest duration error against the truth for each, and the ratio to
# reading the bytes.
#
# BENCH_PROBE_FILES=N changes the number of files (default 200).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."

count=${BENCH_PROBE_FILES:-200}
dir=target/bench/probe
python=target/test-venv/bin/python

say() { printf '  %s\n' "$*" >&2; }

# Tools are recognised by their version line and installed when missing (issue 10).
# shellcheck source=scripts/lib/tools.sh
source scripts/lib/tools.sh
need lame          lame    '^LAME .*version'       --version
need ffmpeg        ffmpeg  '^ffmpeg version'       -version
need ffprobe       ffmpeg  '^ffprobe version'      -version
need python3       python3 '^Python 3\.'           --version
need /usr/bin/time time    '^time \(GNU Time\)'    --version
tools_ready 10-probe.sh
if ! "$python" -c 'import mutagen' 2>/dev/null; then
    say "making the Python venv target/test-venv (mutagen)"
    python3 -m venv target/test-venv
    "$python" -m pip install --quiet --disable-pip-version-check mutagen==1.48.1
fi

say "building cyclecast (release)"
cargo build --release --locked --quiet
cyclecast=target/release/cyclecast

# ─── The corpus ─────────────────────────────────────────────────────────────
mkdir -p "$dir"
if [[ ! -f $dir/master.mp3 ]]; then
    say "encoding the 10-minute master (lame -V 5 -t, about a minute)"
    ffmpeg -v error -y -f lavfi -i "anoisesrc=d=598:c=pink:r=44100:a=0.1:seed=11,adelay=2s:all=1" \
        -ac 1 -c:a pcm_s16le "$dir/master.wav"
    lame --quiet -V 5 -t "$dir/master.wav" "$dir/master.partial.mp3"
    rm "$dir/master.wav"
    mv "$dir/master.partial.mp3" "$dir/master.mp3"
fi
if [[ ! -f $dir/truth || $dir/truth -ot $dir/master.mp3 ]]; then
    samples=$(($(ffmpeg -v error -i "$dir/master.mp3" -f s16le -ac 1 - | wc -c) / 2))
    echo "$samples" >"$dir/truth"
fi
samples=$(cat "$dir/truth")
truth=$(awk -v s="$samples" 'BEGIN { printf "%.6f", s / 44100 }')

files=()
for i in $(seq -f '%03g' 1 "$count"); do
    files+=("$dir/copy-$i.mp3")
done
if [[ ! -f ${files[-1]} || ${files[-1]} -ot $dir/master.mp3 ]]; then
    say "writing $count copies, each with its own ID3v2 tag"
    python3 - "$dir/master.mp3" "${files[@]}" <<'PY'
import sys
master = open(sys.argv[1], "rb").read()
for n, path in enumerate(sys.argv[2:], 1):
    text = f"Rencontre, copie {n}".encode("latin-1")
    frame = b"TIT2" + (len(text) + 1).to_bytes(4, "big") + b"\0\0" + b"\0" + text
    size = len(frame)
    syncsafe = bytes((size >> s) & 0x7F for s in (21, 14, 7, 0))
    with open(path, "wb") as out:
        out.write(b"ID3\x03\x00\x00" + syncsafe + frame + master)
PY
fi
bytes=$(cat "${files[@]}" | wc -c)

# ─── Measures ───────────────────────────────────────────────────────────────
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME COMMAND…: runs it under /usr/bin/time; sets wall (s), rss (KB); stdout in $tmp/NAME.
run() {
    local name=$1
    shift
    local start=$EPOCHREALTIME
    /usr/bin/time -v -o "$tmp/$name.time" "$@" >"$tmp/$name"
    wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/$name.time")
}

# best NAME TIMES COMMAND…: the fastest of TIMES runs.
best() {
    local name=$1 times=$2
    shift 2
    local best_wall="" best_rss=""
    for _ in $(seq "$times"); do
        run "$name" "$@"
        if [[ -z $best_wall ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall
            best_rss=$rss
        fi
    done
    wall=$best_wall
    rss=$best_rss
}

# error FILE: the largest |duration − truth| over the durations in FILE (one per line).
error() {
    awk -v t="$truth" 'BEGIN { m = 0 } { d = $1 - t; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.6f s", m }' "$1"
}

rows=()
# row LABEL ERROR: a table row from the last measure.
row() {
    local ratio
    ratio=$(awk -v w="$wall" -v c="$cat_wall" 'BEGIN { printf "%.2f×", w / c }')
    rows+=("$(printf '| %s | %.2f s | %.2f ms | %.1f MB | %s | %s |' "$1" "$wall" \
        "$(awk -v w="$wall" -v n="$count" 'BEGIN { print w * 1000 / n }')" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$2" "$ratio")")
}

say "warming the cache"
cat "${files[@]}" >/dev/null
cat "${files[@]}" >/dev/null

say "cat"
best cat 5 bash -c 'exec cat "$@" >/dev/null' cat "${files[@]}"
cat_wall=$wall
row 'reading the bytes: `cat FILES > /dev/null`' '—'

say "cyclecast, one process"
best cyclecast 5 "$cyclecast" probe --json "${files[@]}"
python3 -c 'import json, sys
for line in json.load(open(sys.argv[1])):
    print(line["duration_seconds"])' "$tmp/cyclecast" >"$tmp/cyclecast.durations"
row 'cyclecast probe, one process for all files' "$(error "$tmp/cyclecast.durations")"

if command -v taskset >/dev/null; then
    say "cyclecast, one process, one CPU"
    best cyclecast-one-cpu 5 taskset -c 0 "$cyclecast" probe --json "${files[@]}"
    python3 -c 'import json, sys
for line in json.load(open(sys.argv[1])):
    print(line["duration_seconds"])' "$tmp/cyclecast-one-cpu" >"$tmp/cyclecast-one-cpu.durations"
    row 'cyclecast probe, one process for all files, pinned to one CPU (`taskset -c 0`)' \
        "$(error "$tmp/cyclecast-one-cpu.durations")"
fi

say "cyclecast, one process per file"
printf '%s\n' "${files[@]}" >"$tmp/list"
run cyclecast-each bash -c 'while read -r f; do "$0" probe --json "$f"; done <"$1"' "$cyclecast" "$tmp/list"
python3 -c 'import json, sys
text = open(sys.argv[1]).read().replace("]\n[", ",")
for line in json.loads(text):
    print(line["duration_seconds"])' "$tmp/cyclecast-each" >"$tmp/cyclecast-each.durations"
row 'cyclecast probe, one process per file' "$(error "$tmp/cyclecast-each.durations")"

say "ffprobe"
run ffprobe bash -c 'while read -r f; do ffprobe -v error -show_entries format=duration -of csv=p=0 "$f"; done <"$0"' "$tmp/list"
row 'ffprobe, one process per file (stated duration)' "$(error "$tmp/ffprobe")"

say "ffprobe -count_packets"
run ffprobe-count bash -c 'while read -r f; do ffprobe -v error -count_packets -select_streams a:0 -show_entries stream=nb_read_packets -of csv=p=0 "$f"; done <"$0"' "$tmp/list"
awk '{ printf "%.6f\n", $1 * 1152 / 44100 }' "$tmp/ffprobe-count" >"$tmp/ffprobe-count.durations"
row 'ffprobe -count_packets, one process per file (exact mode)' "$(error "$tmp/ffprobe-count.durations")"

say "mutagen"
run mutagen "$python" scripts/bench.d/probe_mutagen.py "${files[@]}"
row 'mutagen 1.48 (`MP3(f).info.length`), one Python process' "$(error "$tmp/mutagen")"

echo
echo "probe: $count MP3 files of 10 minutes (VBR, lame -V 5 -t: no Xing header), $((bytes / 1000000)) MB;"
echo "truth $truth s each (a full ffmpeg decode); $(nproc) CPUs, warm page cache"
echo
echo '| reader | wall time | per file | peak memory | largest duration error | time / reading the bytes |'
echo '| --- | --- | --- | --- | --- | --- |'
printf '%s\n' "${rows[@]}"
