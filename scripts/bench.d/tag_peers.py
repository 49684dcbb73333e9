"""Tag copies of MP3 files the way cyclecast publishes them, with a Python peer.

Usage: tag_peers.py mutagen|eyed3 COVER.jpg OUT_DIR FILE.mp3...

Each file is copied into OUT_DIR and its copy gets an ID3v2.3 tag with what cyclecast writes:
title, artist, album, album artist, track, recording date, genre, language, comment, a link
and the cover. The recording's own tag is replaced, as cyclecast does.
"""
import os
import shutil
import sys


def fields(number):
    return {
        "title": f"Rencontre numéro {number}",
        "artist": "Intervenante, Intervenant",
        "album": "Cycle de référence",
        "album_artist": "Organisateur",
        "track": number,
        "date": f"2024-01-{number % 28 + 1:02d}",
        "comment": "Une description de la rencontre, assez longue pour ressembler à une vraie. " * 4,
        "link": f"https://example.org/cycle/sessions/{number:03d}.html",
    }


def with_mutagen(cover, target, number):
    from mutagen.id3 import APIC, COMM, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, TRCK, WXXX

    f = fields(number)
    tag = ID3()
    tag.add(TIT2(encoding=1, text=f["title"]))
    tag.add(TPE1(encoding=1, text=f["artist"]))
    tag.add(TALB(encoding=1, text=f["album"]))
    tag.add(TPE2(encoding=1, text=f["album_artist"]))
    tag.add(TRCK(encoding=1, text=str(f["track"])))
    tag.add(TDRC(encoding=1, text=f["date"]))
    tag.add(TCON(encoding=1, text="Podcast"))
    tag.add(TLAN(encoding=1, text="fra"))
    tag.add(COMM(encoding=1, lang="fra", desc="", text=f["comment"]))
    tag.add(WXXX(encoding=1, desc="", url=f["link"]))
    tag.add(APIC(encoding=1, mime="image/jpeg", type=3, desc="", data=cover))
    tag.save(target, v2_version=3, padding=lambda info: 0)


def with_eyed3(cover, target, number):
    import eyed3
    import eyed3.id3

    f = fields(number)
    audio = eyed3.load(target)
    audio.initTag(version=eyed3.id3.ID3_V2_3)
    tag = audio.tag
    tag.title = f["title"]
    tag.artist = f["artist"]
    tag.album = f["album"]
    tag.album_artist = f["album_artist"]
    tag.track_num = f["track"]
    tag.recording_date = eyed3.core.Date.parse(f["date"])
    tag.genre = "Podcast"
    tag.comments.set(f["comment"], "", b"fra")
    tag.user_url_frames.set(f["link"], "")
    tag.images.set(3, cover, "image/jpeg")
    tag.save(version=eyed3.id3.ID3_V2_3, max_padding=0)


def main():
    tool, cover_path, out, *files = sys.argv[1:]
    tag = {"mutagen": with_mutagen, "eyed3": with_eyed3}[tool]
    if tool == "eyed3":
        import logging

        logging.getLogger("eyed3").setLevel(logging.ERROR)
    with open(cover_path, "rb") as f:
        cover = f.read()
    os.makedirs(out, exist_ok=True)
    for number, source in enumerate(files, start=1):
        target = os.path.join(out, f"{number:03d}.mp3")
        shutil.copyfile(source, target)
        tag(cover, target, number)


main()
