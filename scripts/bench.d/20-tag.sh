#!/usr/bin/env bash
# Tagging 200 copies of MP3s (issue #4): `cyclecast publish` on a generated cycle of 200
# sessions, against Python's mutagen and eyeD3 copying and tagging the same files with the
# same fields and cover (ID3v2.3), in the same run. Prints wall time and peak memory.
#
# The corpus: the first 200 MP3s under target/bench/ when the probe benchmark made them,
# otherwise 200 one-minute MP3s made here (8 encodings: VBR with and without a Xing header,
# CBR, with and without an old ID3v2 tag; 25 copies of each).
# cyclecast does more than its peers in that time: it validates the project, counts every
# recording's duration packet by packet, adds a Xing frame where one is missing, renders the
# feed and the page, and writes through temporary files it syncs and renames.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."
count=${TAG_FILES:-200}
work=target/bench/tag-run
venv=target/test-venv

# Tools are recognised by their version line and installed when missing (issue 10).
# shellcheck source=scripts/lib/tools.sh
source scripts/lib/tools.sh
need ffmpeg  ffmpeg  '^ffmpeg version'  -version
need lame    lame    '^LAME .*version'  --version
need python3 python3 '^Python 3\.'      --version
tools_ready 20-tag.sh

if ! "$venv/bin/python" -c 'import mutagen, eyed3' 2>/dev/null; then
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check mutagen==1.48.1 eyed3==0.9.9
fi
cargo build --release --quiet

mapfile -t corpus < <(find target/bench -path "$work" -prune -o -path target/bench/tag-corpus -prune \
    -o -name '*.mp3' -type f -print 2>/dev/null | sort | head -n "$count")
if ((${#corpus[@]} < count)); then
    made=target/bench/tag-corpus
    if [[ ! -f $made/.complete-$count ]]; then
        rm -rf "$made" && mkdir -p "$made"
        encodings=("-V 4" "-V 6 -t" "--cbr -b 64" "--cbr -b 128 -t" "-V 5 --tt Ancien --ta Enregistreur"
            "-V 2" "--cbr -b 96 --tt Ancien" "-V 7 -t")
        for k in "${!encodings[@]}"; do
            ffmpeg -v error -y -f lavfi -i "anoisesrc=d=60:c=pink:r=44100:a=0.2:seed=$k" \
                -f lavfi -i "sine=f=$((220 + 40 * k)):d=60" -filter_complex amix=inputs=2 -ac 1 "$made/src.wav"
            # shellcheck disable=SC2086 # the options are words
            lame --quiet ${encodings[$k]} "$made/src.wav" "$made/variant-$k.mp3"
        done
        rm "$made/src.wav"
        for ((i = 0; i < count; i++)); do
            cp "$made/variant-$((i % ${#encodings[@]})).mp3" "$made/$(printf '%03d' "$i").mp3"
        done
        rm "$made"/variant-*.mp3
        touch "$made/.complete-$count"
    fi
    mapfile -t corpus < <(find "$made" -name '*.mp3' -type f | sort | head -n "$count")
fi
bytes=$(cat "${corpus[@]}" | wc -c)

# The cycle cyclecast publishes: one session per file.
rm -rf "$work" && mkdir -p "$work/project/recordings"
cp cover.jpg "$work/project/cover.jpg"
{
    cat <<'EOF'
[podcast]
title = "Cycle de référence"
description = "Un cycle de 200 rencontres pour mesurer l'étiquetage."
language = "fr"
base_url = "https://cycle.bench.test/"
time_zone = "Europe/Paris"
cover = "cover.jpg"
author = "Organisateur"
[podcast.owner]
name = "Organisateur"
email = "contact@bench.test"

[organizer]
name = "Organisateur"
EOF
    for i in "${!corpus[@]}"; do
        n=$((i + 1))
        cp -l "${corpus[$i]}" "$work/project/recordings/$(printf '%03d' "$n").mp3" 2>/dev/null ||
            cp "${corpus[$i]}" "$work/project/recordings/$(printf '%03d' "$n").mp3"
        printf '\n[[sessions]]\nid = "rencontre-%03d"\nnumber = %d\ndate = "2024-01-%02d"\n' "$n" "$n" $((n % 28 + 1))
        printf 'title = "Rencontre numéro %d"\n' "$n"
        printf 'description = "%s"\n' "$(printf 'Une description de la rencontre, assez longue pour ressembler à une vraie. %.0s' 1 2 3 4)"
        printf 'recording = "recordings/%03d.mp3"\n' "$n"
        printf '[[sessions.speakers]]\nname = "Intervenante"\n[[sessions.speakers]]\nname = "Intervenant"\n'
    done
} >"$work/project/config.toml"

# Runs a command; prints its wall time and CPU time (user + system) in seconds and its peak
# resident memory in MB.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.2f} {usage.ru_utime + usage.ru_stime:.2f} {usage.ru_maxrss / 1024:.0f}")
PY
}

bin=$PWD/target/release/cyclecast
sync
read -r ours_s ours_cpu ours_mb < <(cd "$work/project" && measure "$bin" publish --quiet)
read -r again_s again_cpu again_mb < <(cd "$work/project" && measure "$bin" publish --quiet)
published=$(find "$work/project/feed/episodes" -name '*.mp3' | wc -l)
sync
read -r mutagen_s mutagen_cpu mutagen_mb < <(measure "$venv/bin/python" scripts/bench.d/tag_peers.py mutagen cover.jpg "$work/mutagen" "${corpus[@]}")
sync
read -r eyed3_s eyed3_cpu eyed3_mb < <(measure "$venv/bin/python" scripts/bench.d/tag_peers.py eyed3 cover.jpg "$work/eyed3" "${corpus[@]}")
((published == count)) || { echo "20-tag.sh: cyclecast published $published files, not $count" >&2; exit 1; }

printf '\n## Tagging %d copies of MP3s (%d MB in all)\n\n' "$count" $((bytes / 1000000))
printf '| tool | wall time | CPU time | peak memory |\n|---|---|---|---|\n'
printf '| cyclecast publish (probe, Xing, tag, feed, page; fsync) | %s s | %s s | %s MB |\n' "$ours_s" "$ours_cpu" "$ours_mb"
printf '| cyclecast publish again (nothing changed) | %s s | %s s | %s MB |\n' "$again_s" "$again_cpu" "$again_mb"
printf '| mutagen %s (copy + tag) | %s s | %s s | %s MB |\n' \
    "$("$venv/bin/python" -c 'import mutagen; print(mutagen.version_string)')" "$mutagen_s" "$mutagen_cpu" "$mutagen_mb"
printf '| eyeD3 %s (copy + tag) | %s s | %s s | %s MB |\n' \
    "$("$venv/bin/python" -c 'import eyed3; print(eyed3.version)')" "$eyed3_s" "$eyed3_cpu" "$eyed3_mb"
printf '\ncyclecast syncs each file to disk before renaming it (a publish killed midway never\n'
printf 'leaves half a file); the peers do not, so compare CPU time for the work itself.\n'
