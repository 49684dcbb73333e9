#!/usr/bin/env bash
# fuzz/seeds.sh [probe|config] — writes the seed corpus of a fuzz target (both when none is
# named) into fuzz/corpus/TARGET/; nothing here is committed.
#
# probe: a fraction of a second of noise in every format cyclecast reads, each made by the
# encoders scripts/test installs (ffmpeg, lame, flac, opusenc, sox), plus a few broken ones.
# About 100 KB in all. Each seed starts with the byte that picks the extension hint (see
# fuzz_targets/probe.rs).
#
# config: the real config.toml, the configs `init` writes (src/scaffold/), the minimal config
# of src/config.rs's unit tests, and config.toml as each CLI test edits it (every
# `replace_in_config("from", "to")` of tests/cli/ whose two arguments are plain string
# literals). Needs only python3.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

config_seeds() {
    local out=corpus/config
    mkdir -p "$out"
    python3 - "$out" <<'EOF'
import ast, hashlib, pathlib, re, sys

out = pathlib.Path(sys.argv[1])
root = pathlib.Path("..")
real = (root / "config.toml").read_text()
seeds = [real]
seeds += [p.read_text() for p in sorted((root / "src/scaffold").glob("config.*.toml"))]
unit = (root / "src/config.rs").read_text()
seeds += re.findall(r'const MINIMAL: &str = r#"(.*?)"#;', unit, re.S)
literal = r'"(?:[^"\\]|\\.)*"'
edit = re.compile(r"replace_in_config\(\s*(" + literal + r")\s*,\s*(" + literal + r")\s*,?\s*\)", re.S)
for test in sorted((root / "tests/cli").glob("*.rs")):
    for before, after in edit.findall(test.read_text()):
        try:
            before, after = ast.literal_eval(before), ast.literal_eval(after)
        except (ValueError, SyntaxError):
            continue
        if real.count(before) == 1:
            seeds.append(real.replace(before, after, 1))
for seed in seeds:
    data = seed.encode()
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
print(f"{len(set(seeds))} config seeds in {out}")
EOF
}

probe_seeds() {
    out=corpus/probe
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$out"

    ff() { ffmpeg -v error -y "$@"; }
    noise() { ff -f lavfi -i "anoisesrc=c=pink:r=$1:a=0.2:seed=1" -af "atrim=end_sample=$2" -ac "$3" -c:a pcm_s16le "$4"; }
    noise 44100 4410 2 "$work/s44.wav"
    noise 48000 4800 1 "$work/s48.wav"
    noise 22050 4410 1 "$work/s22.wav"
    noise 11025 2205 1 "$work/s11.wav"
    ff -f lavfi -i color=c=red:s=8x8 -frames:v 1 "$work/cover.jpg"

    # seed HINT NAME FILE: the file with its hint byte in front.
    seed() { { printf "\\x$(printf %02x "$1")"; cat "$3"; } > "$out/$2"; }
    # Hint bytes: 0 none, 1 mp3, 2 m4a, 3 flac, 4 ogg, 5 opus, 6 wav, 7 aiff.
    lame --quiet --cbr -b 64 --tt Titre --ta Artiste --ti "$work/cover.jpg" "$work/s44.wav" "$work/a.mp3"; seed 1 mp3-cbr-info-id3 "$work/a.mp3"
    lame --quiet -V 6 "$work/s44.wav" "$work/b.mp3"; seed 1 mp3-vbr-xing "$work/b.mp3"; seed 0 mp3-vbr-xing-nohint "$work/b.mp3"
    lame --quiet -V 6 -t "$work/s44.wav" "$work/c.mp3"; seed 1 mp3-vbr-no-header "$work/c.mp3"
    lame --quiet -V 6 "$work/s22.wav" "$work/d.mp3"; seed 1 mp3-mpeg2 "$work/d.mp3"
    lame --quiet --cbr -b 16 --id3v1-only --tt Titre "$work/s11.wav" "$work/e.mp3"; seed 1 mp3-mpeg25-id3v1 "$work/e.mp3"
    ff -i "$work/b.mp3" -c copy -id3v2_version 3 -write_id3v1 1 -metadata title=Titre -metadata date=2023-03-09 "$work/f.mp3"; seed 1 mp3-id3v23 "$work/f.mp3"
    ff -i "$work/s44.wav" -c:a aac -b:a 32k -metadata title=Titre "$work/g.m4a"; seed 2 aac "$work/g.m4a"
    ff -i "$work/s44.wav" -c:a aac -b:a 32k -movflags +faststart "$work/h.m4a"; seed 2 aac-faststart "$work/h.m4a"
    ff -i "$work/s22.wav" -c:a alac "$work/i.m4a"; seed 2 alac "$work/i.m4a"
    flac -s -f -T TITLE=Titre "$work/s22.wav" -o "$work/j.flac" 2>/dev/null; seed 3 flac "$work/j.flac"
    ff -i "$work/s22.wav" -c:a libvorbis -q:a 0 -metadata title=Titre "$work/k.ogg"; seed 4 vorbis "$work/k.ogg"
    opusenc --quiet --bitrate 16 --title Titre "$work/s48.wav" "$work/l.opus"; seed 5 opus "$work/l.opus"
    ff -i "$work/s22.wav" -metadata title=Titre "$work/m.wav"; seed 6 wav-s16 "$work/m.wav"
    ff -i "$work/s11.wav" -c:a pcm_s24le "$work/n.wav"; seed 6 wav-s24-extensible "$work/n.wav"
    ff -i "$work/s11.wav" -c:a pcm_f32le "$work/o.wav"; seed 6 wav-f32 "$work/o.wav"
    sox "$work/s11.wav" "$work/p.aiff"; seed 7 aiff "$work/p.aiff"
    # Broken ones: cut short, and one file named as another format.
    head -c 1200 "$work/b.mp3" > "$work/q.mp3"; seed 1 mp3-truncated "$work/q.mp3"
    head -c 4000 "$work/j.flac" > "$work/r.flac"; seed 3 flac-truncated "$work/r.flac"
    seed 1 flac-named-mp3 "$work/j.flac"
    du -sh "$out"
}

case "${1:-all}" in
    probe) probe_seeds ;;
    config) config_seeds ;;
    all) config_seeds; probe_seeds ;;
    *) echo "usage: fuzz/seeds.sh [probe|config]" >&2; exit 2 ;;
esac
