#!/usr/bin/env python3
"""Times a peer EVTX parser for make bench: prints "<records> <seconds>".

  bench_evtx.py python-evtx REPEAT FILE...   python-evtx, every record rendered to XML (its own output)
  bench_evtx.py rust REPEAT FILE...          the Rust evtx crate's Python binding, every record to JSON, one thread
  bench_evtx.py rust-all REPEAT FILE...      the same on every core (its own thread pool)
"""
import sys
import time

kind, repeat, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
n = 0
t0 = time.monotonic()
if kind == "python-evtx":
    import Evtx.Evtx as evtx
    for _ in range(repeat):
        for path in files:
            with evtx.Evtx(path) as log:
                for record in log.records():
                    record.xml()
                    n += 1
elif kind in ("rust", "rust-all"):
    import evtx
    threads = 1 if kind == "rust" else 0    # 0: the crate's default, every core
    for _ in range(repeat):
        for path in files:
            for _record in evtx.PyEvtxParser(path, number_of_threads=threads).records_json():
                n += 1
else:
    sys.exit(f"unknown parser {kind}")
print(n, time.monotonic() - t0)
