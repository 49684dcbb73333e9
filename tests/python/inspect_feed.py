"""Parse a feed with two independent podcast parsers and print what they saw, as JSON.

Usage: inspect_feed.py FEED.xml
Python's feedparser (used by many aggregators) and gPodder's podcastparser read the file;
the Rust tests assert on the result.
"""
import json
import sys

import feedparser
import podcastparser


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    fp = feedparser.parse(raw)
    channel = fp.feed
    out = {
        "feedparser": {
            "bozo": bool(fp.bozo),
            "bozo_exception": str(fp.get("bozo_exception", "")),
            "title": channel.get("title"),
            "link": channel.get("link"),
            "language": channel.get("language"),
            "author": channel.get("author"),
            "image": (channel.get("image") or {}).get("href"),
            "owner_email": (channel.get("publisher_detail") or {}).get("email"),
            "explicit": channel.get("itunes_explicit"),
            "categories": [t.get("term") for t in channel.get("tags", [])],
            "entries": [
                {
                    "title": e.get("title"),
                    "id": e.get("id"),
                    "guidislink": e.get("guidislink"),
                    "published": e.get("published"),
                    "published_parsed": list(e.published_parsed[:6]) if e.get("published_parsed") else None,
                    "enclosures": [
                        {"href": l.get("href"), "length": l.get("length"), "type": l.get("type")}
                        for l in e.get("links", [])
                        if l.get("rel") == "enclosure"
                    ],
                    "itunes_duration": e.get("itunes_duration"),
                    "itunes_episode": e.get("itunes_episode"),
                    "itunes_episodetype": e.get("itunes_episodetype"),
                    "has_content": bool(e.get("content")),
                    "summary_type": e.get("summary_detail", {}).get("type"),
                    "summary_length": len(e.get("summary", "")),
                }
                for e in fp.entries
            ],
        }
    }
    pp = podcastparser.parse("http://127.0.0.1/feed.xml", __import__("io").BytesIO(raw))
    out["podcastparser"] = {
        "title": pp.get("title"),
        "link": pp.get("link"),
        "cover_url": pp.get("cover_url"),
        "type": pp.get("type"),
        "episodes": [
            {
                "title": e.get("title"),
                "guid": e.get("guid"),
                "published": e.get("published"),
                "total_time": e.get("total_time"),
                "number": e.get("number"),
                "enclosures": [
                    {"url": x.get("url"), "file_size": x.get("file_size"), "mime_type": x.get("mime_type")}
                    for x in e.get("enclosures", [])
                ],
                "chapters": [
                    {"start": c.get("start"), "title": c.get("title")} for c in e.get("chapters", [])
                ],
                "transcripts": e.get("transcripts", []),
                "description_html": e.get("description_html", ""),
            }
            for e in pp.get("episodes", [])
        ],
    }
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
