"""Read or write the MP4 metadata (ilst) of M4A files with mutagen.

Usage:
  mp4_tags.py read FILE.m4a...    print JSON: each file's items, text as strings, track
                                  numbers as pairs, pictures as {"format", "hex"}, and its
                                  chapters (Nero chpl) under "chapters" as {"start", "title"}
  mp4_tags.py write FILE.m4a N    give FILE a recorder's tag: a title, an N-byte JPEG
                                  cover and a private freeform item (what cyclecast must drop)
"""
import json
import sys

from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm


def read(path):
    tags = MP4(path).tags or {}
    items = {}
    for key, values in sorted(tags.items()):
        if key == "covr":
            items[key] = [{"format": v.imageformat, "hex": bytes(v).hex()} for v in values]
        elif key.startswith("----"):
            items[key] = [bytes(v).hex() for v in values]
        elif key in ("trkn", "disk"):
            items[key] = [list(v) for v in values]
        else:
            items[key] = [str(v) for v in values]
    chapters = MP4(path).chapters
    items["chapters"] = [{"start": c.start, "title": c.title} for c in (chapters or [])]
    return items


def write(path, cover_len):
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags["\xa9nam"] = ["Titre laissé par l'enregistreur"]
    # A JPEG start of image marker, then bytes no one would want in a podcast copy.
    cover = b"\xff\xd8\xff\xe0" + bytes(i * 7 % 251 for i in range(cover_len - 4))
    audio.tags["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    audio.tags["----:com.example.recorder:SERIAL"] = [MP4FreeForm(b"ZOOM-H5-0042")]
    audio.save()


if sys.argv[1] == "read":
    json.dump({p: read(p) for p in sys.argv[2:]}, sys.stdout, ensure_ascii=False, indent=1)
elif sys.argv[1] == "write":
    write(sys.argv[2], int(sys.argv[3]))
else:
    sys.exit(f"unknown command {sys.argv[1]!r}")
