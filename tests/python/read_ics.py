"""Parse an iCalendar file with Python's icalendar package and print its events as JSON.

Usage: read_ics.py FILE.ics
icalendar parses strictly (it raises on a malformed content line); the Rust tests assert
on what it read: each event's UID, start (UTC date-time or date), duration, summary,
location, URL and description, unescaped.
"""
import datetime
import json
import sys

import icalendar


def value(component, name):
    found = component.get(name)
    if found is None:
        return None
    decoded = component.decoded(name)
    if isinstance(decoded, datetime.datetime):
        if decoded.tzinfo is None:
            raise SystemExit(f"{name} is a floating time: {found.to_ical()!r}")
        return decoded.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(decoded, datetime.date):
        return decoded.isoformat()
    if isinstance(decoded, datetime.timedelta):
        return int(decoded.total_seconds())
    if isinstance(decoded, bytes):
        return decoded.decode("utf-8")
    return str(decoded)


def main(path):
    with open(path, "rb") as f:
        calendar = icalendar.Calendar.from_ical(f.read())
    out = {
        "version": value(calendar, "VERSION"),
        "prodid": value(calendar, "PRODID"),
        "events": [],
    }
    for event in calendar.walk("VEVENT"):
        out["events"].append(
            {
                name.lower(): value(event, name)
                for name in [
                    "UID",
                    "DTSTAMP",
                    "DTSTART",
                    "DURATION",
                    "SUMMARY",
                    "LOCATION",
                    "URL",
                    "DESCRIPTION",
                ]
            }
        )
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
