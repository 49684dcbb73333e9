"""Render the same synthetic feed as examples/render_bench.rs with Python's feedgen.

Usage: feedgen_render.py SESSIONS ROUNDS
Prints `sessions=N feed_ms=… feed_bytes=…` (best of ROUNDS), for scripts/bench.d/30-feed.sh.
"""
import datetime
import sys
import time
import uuid
import zoneinfo

from feedgen.feed import FeedGenerator


def build(sessions):
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title("Cycle de synthèse")
    fg.link(href="https://example.org/cycle/", rel="alternate")
    fg.link(href="https://example.org/cycle/feed.xml", rel="self")
    fg.description("Un cycle de rencontres généré pour mesurer le rendu.")
    fg.language("fr")
    fg.podcast.itunes_author("Organisation")
    fg.podcast.itunes_owner(name="Organisation", email="contact@example.org")
    fg.podcast.itunes_category("Society & Culture")
    fg.podcast.itunes_explicit("no")
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    start = datetime.date(2000, 1, 1)
    for n in range(1, sessions + 1):
        day = start + datetime.timedelta(days=n)
        fe = fg.add_entry(order="append")
        fe.id(str(uuid.uuid5(uuid.NAMESPACE_URL, f"rencontre-{n}")))
        fe.guid(str(uuid.uuid5(uuid.NAMESPACE_URL, f"rencontre-{n}")), permalink=False)
        fe.title(f"Rencontre {n} : la numérisation des services publics & l'accès aux droits")
        fe.link(href=f"https://example.org/cycle/#{n:02}-rencontre-{n}")
        notes = (
            f"<p>Avec Intervenante {n}, sociologue, et Intervenant {n}.</p>"
            f"<p>Une description de la rencontre {n}, avec « guillemets » et &lt;balises&gt; à échapper.</p>"
            f"<p>Un second paragraphe pour la rencontre {n}.</p>"
        )
        fe.description(notes)
        fe.content(notes, type="CDATA")
        fe.enclosure(f"https://example.org/cycle/episodes/{n:02}-rencontre-{n}.mp3", "86500000", "audio/mpeg")
        fe.pubDate(datetime.datetime(day.year, day.month, day.day, 19, 0, tzinfo=paris))
        fe.podcast.itunes_duration("1:30:00")
        fe.podcast.itunes_episode_type("full")
    return fg.rss_str(pretty=False)


def main():
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    best, size = float("inf"), 0
    for _ in range(rounds):
        t = time.perf_counter()
        size = len(build(sessions))
        best = min(best, time.perf_counter() - t)
    print(f"sessions={sessions} feed_ms={best * 1000:.1f} feed_bytes={size}")


main()
