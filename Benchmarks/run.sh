#!/usr/bin/env bash
# make bench: builds the C reference, runs the Swift benchmark driver (release build) and prints its table.
# Settings: BENCH_EVENTS (default 1000000), BENCH_HASH_MIB (default 1024), BENCH_SYSLOG_LINES (default 1000000),
# BENCH_EVTX_MIB (default 100; 0 skips), BENCH_PLASO_LINES (default 20000; 0 skips plaso), BENCH_CAPTURE_MIB (default 200; 0
# skips the capture rows, which need tshark, tcpdump, capinfos and GNU time from `scripts/ensure-deps.sh --with-oracles`),
# BENCH_HISTORIAN_SAMPLES (default 10000000; 0 skips; pandas from scripts/oracles/setup.sh is the reference; also
# `jikocho investigate` of that export with an inventory), BENCH_SIGMA_EVENTS
# (default 1000000; 0 skips; needs the SigmaHQ rules of ../shared/datasets), BENCH_INVESTIGATE_MIB (default 50; 0 skips:
# `jikocho investigate` end to end on a capture of that size and of 10× it, against tshark's field extraction),
# BENCH_SERVE_EVENTS (default 10000000; 0 skips: the web viewer's first requests on a case of that many events and a
# 31,536,000-sample series). Peers in Python (python-evtx, the Rust evtx binding) come from
# scripts/oracles/setup.sh; the EVTX samples from ../shared/datasets when it is beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d "${TMPDIR:-/tmp}/jikocho-bench.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -o "$work/sink_loop" Benchmarks/c/sink_loop.c $(pkg-config --cflags --libs sqlite3)
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), SQLite $(pkg-config --modversion sqlite3)"; echo
datasets=""
[ -d ../shared/datasets ] && datasets=$(cd ../shared/datasets && pwd)
python=""
if bash scripts/oracles/setup.sh; then python=.venv-oracles/bin/python; else echo "(Python peers unavailable: EVTX ratios skipped)" >&2; fi
plaso=""
if [ "${BENCH_PLASO_LINES:-20000}" != 0 ]; then
    if bash scripts/oracles/setup.sh --plaso; then plaso=.venv-plaso/bin; else echo "(plaso unavailable: its row is skipped)" >&2; fi
fi
"$bin/jikocho-bench" --plaso "$plaso" --plaso-lines "${BENCH_PLASO_LINES:-20000}" --datasets "$datasets" --python "$python" --evtx-mib "${BENCH_EVTX_MIB:-100}" --events "${BENCH_EVENTS:-1000000}" --hash-mib "${BENCH_HASH_MIB:-1024}" \
    --syslog-lines "${BENCH_SYSLOG_LINES:-1000000}" --capture-mib "${BENCH_CAPTURE_MIB:-200}" \
    --historian-samples "${BENCH_HISTORIAN_SAMPLES:-10000000}" --investigate-mib "${BENCH_INVESTIGATE_MIB:-50}" \
    --c-loop "$work/sink_loop" --jikocho "$bin/jikocho" --work "$work/run"

# Sigma: every SigmaHQ windows rule over synthetic Windows events (Sysmon process, network, file and registry
# events, PowerShell script blocks, Security logons and 4688), in memory: the engine's own speed.
if [ -n "$datasets" ] && [ "${BENCH_SIGMA_EVENTS:-1000000}" != 0 ]; then
    echo
    echo "7. Sigma rules over events (BENCH_SIGMA_EVENTS=${BENCH_SIGMA_EVENTS:-1000000})"
    "$bin/jikocho" dev sigma-bench "$datasets/sigma/rules/windows" --events "${BENCH_SIGMA_EVENTS:-1000000}"
fi

# The web viewer: a case of BENCH_SERVE_EVENTS synthetic events and one series of a year of one-second samples, then
# the page's first requests over HTTP to a real server (docs/serve.md; targets: first page < 200 ms, series < 1 s).
if [ "${BENCH_SERVE_EVENTS:-10000000}" != 0 ]; then
    echo
    echo "9. The web viewer's first requests (BENCH_SERVE_EVENTS=${BENCH_SERVE_EVENTS:-10000000})"
    serve_case="$work/serve-case"
    "$bin/jikocho" case init "$serve_case" --name serve-bench --examiner bench >/dev/null
    printf 'the evidence the synthetic events cite\n' >"$work/serve-seed.txt"
    "$bin/jikocho" add "$serve_case" "$work/serve-seed.txt" >/dev/null
    "$bin/jikocho" dev synthesize "$serve_case" --evidence 1 --events "${BENCH_SERVE_EVENTS:-10000000}"
    "$bin/jikocho" dev synthesize-series "$serve_case" --evidence 1 --samples 31536000
    "$bin/jikocho" dev serve-bench "$serve_case"
fi
