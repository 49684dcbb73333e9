"""Read the ID3 chapters (CHAP frames listed by CTOC) of MP3 files with mutagen; print JSON.

Usage: read_id3_chapters.py FILE.mp3...
"""
import json
import sys

from mutagen.id3 import ID3


def chapters(path):
    tag = ID3(path)
    tocs = tag.getall("CTOC")
    order = tocs[0].child_element_ids if tocs else []
    by_id = {c.element_id: c for c in tag.getall("CHAP")}
    result = []
    for element_id in order:
        chap = by_id[element_id]
        title = chap.sub_frames.get("TIT2")
        result.append({
            "id": element_id,
            "start_ms": chap.start_time,
            "end_ms": chap.end_time,
            "title": str(title.text[0]) if title else None,
        })
    return {"toc_top_level": bool(tocs and tocs[0].flags & 2), "toc_ordered": bool(tocs and tocs[0].flags & 1), "chapters": result, "version": list(tag.version)}


json.dump({p: chapters(p) for p in sys.argv[1:]}, sys.stdout, ensure_ascii=False, indent=1)
