#!/usr/bin/env bash
# Renders an HTML report as a person sees it: headless Chromium (Debian package), a PNG of the top of the page
# or of all of it. Usage: scripts/report-screenshot.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
# The default height (1600) shows the conclusion and the start of the chain; give a large one for the whole page.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { echo "usage: scripts/report-screenshot.sh REPORT.html OUT.png [WIDTH] [HEIGHT]" >&2; exit 2; }
report=$(realpath "$1")
out=$(realpath -m "$2")
width=${3:-1100}
height=${4:-1600}
bash scripts/ensure-deps.sh --with-browser
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "jikocho: chromium not found; install the Debian package chromium" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network: the report must be self-contained, so a request anywhere would be a defect.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --proxy-server=127.0.0.1:9 --window-size="$width,$height" --screenshot="$out" "file://$report" 2>/dev/null >/dev/null
[[ -s "$out" ]] || { echo "jikocho: chromium wrote no screenshot" >&2; exit 1; }
echo "$out"
