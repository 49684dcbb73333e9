#!/usr/bin/env bash
# Feed and page rendering for a long cycle (issue #3): 2,000 sessions, cyclecast's pure render
# stages against Python's feedgen building the same feed, in the same run. Best of 5 rounds.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."
sessions=${SESSIONS:-2000}
venv=target/test-venv
# Tools are recognised by their version line and installed when missing (issue 10).
# shellcheck source=scripts/lib/tools.sh
source scripts/lib/tools.sh
need python3 python3 '^Python 3\.' --version
tools_ready 30-feed.sh
if ! "$venv/bin/python" -c 'import feedgen' 2>/dev/null; then
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check feedgen==1.0.0
fi
cargo build --release --quiet --example render_bench
ours=$(target/release/examples/render_bench "$sessions" 5)
theirs=$("$venv/bin/python" scripts/bench.d/feedgen_render.py "$sessions" 5)
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
printf '\n## Rendering a feed of %s sessions (best of 5)\n\n' "$sessions"
printf '| renderer | feed | page | feed size |\n|---|---|---|---|\n'
printf '| cyclecast (Rust, rss crate + minijinja) | %s ms | %s ms | %s bytes |\n' \
    "$(field "$ours" feed_ms)" "$(field "$ours" page_ms)" "$(field "$ours" feed_bytes)"
printf '| feedgen 1.0 (Python, lxml) | %s ms | — | %s bytes |\n' "$(field "$theirs" feed_ms)" "$(field "$theirs" feed_bytes)"
printf '\ncyclecast pages the feed: feed.xml holds the newest episodes in %s bytes, %s pages in all.\n' \
    "$(field "$ours" first_page_bytes)" "$(field "$ours" feed_pages)"
awk -v a="$(field "$ours" feed_ms)" -v b="$(field "$theirs" feed_ms)" \
    'BEGIN { printf "\ncyclecast renders the feed %.1f× faster than feedgen.\n", b / a }'
