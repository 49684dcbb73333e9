"""Probes MP3 files with mutagen, the way a Python podcast tool would: prints each file's
duration in seconds, one per line (used by 10-probe.sh)."""

import sys

from mutagen.mp3 import MP3

for path in sys.argv[1:]:
    print(f"{MP3(path).info.length:.6f}")
