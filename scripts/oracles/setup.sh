#!/usr/bin/env bash
# The Python peers the oracles and benchmarks compare with, in .venv-oracles (pinned versions).
# python-evtx: the EVTX oracle (golden files); evtx: the Rust EVTX parser's Python binding (make bench); pandas: the
# reference reader of historian CSV exports (make bench); pymcprotocol: the MC protocol (MELSEC) oracle
# (scripts/oracles/melsec_golden.py).
# Debian's libevtx-utils (evtxexport) is the second opinion: scripts/ensure-deps.sh --with-oracles installs it.
# With --plaso: plaso (log2timeline, psort) into .venv-plaso, for the syslog comparison of make bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-oracles
want="python-evtx==0.8.1 evtx==0.14.0 pandas==3.1.1 pymcprotocol==0.3.0 openpyxl==3.1.5 xlsxwriter==3.3.1 python-calamine==0.9.1"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c 'import Evtx, evtx, pandas, pymcprotocol, openpyxl, xlsxwriter, python_calamine' 2>/dev/null; then
    echo "installing Python peers into $venv: $want" >&2
    "$venv/bin/pip" install -q $want
fi
if [ "${1:-}" = "--plaso" ]; then
    if [ ! -x .venv-plaso/bin/log2timeline ]; then
        echo "installing plaso into .venv-plaso (about a minute)" >&2
        [ -x .venv-plaso/bin/python ] || python3 -m venv .venv-plaso
        .venv-plaso/bin/pip install -q "plaso==20260720"
    fi
fi
