#!/usr/bin/env python3
"""Golden files for the EVTX parser, read by python-evtx (the oracle named in issue #3).

For every .evtx under ../shared/datasets this writes Tests/ParsersTests/Golden/evtx/<name>.jsonl:
  line 1: {"file", "sha256", "records", "oracle", "evtxexport_records"}
  then one line per record, in file order: {"record", "written", "event_id", "time_created", "data", "xml_sha256"}
  ("xml" too for the first and the last record, so a failing test can be read without re-running this).
"data" is the EventData <Data Name=..> pairs, or the leaf elements of UserData, as python-evtx renders them.
evtxexport (Debian's libevtx-utils) is the second opinion: it counts the records, and for the records where python-evtx
is known to be wrong (string arrays) its values are written as "data_evtxexport".

Run from the repository root: scripts/oracles/setup.sh && .venv-oracles/bin/python scripts/oracles/evtx_goldens.py
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import Evtx.Evtx as evtx
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASETS = os.path.normpath(os.path.join(ROOT, "..", "shared", "datasets"))
OUT = os.path.join(ROOT, "Tests", "ParsersTests", "Golden", "evtx")
NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


def local(tag):
    return tag.split("}", 1)[-1]


def record_fields(xml):
    root = ET.fromstring(xml)
    system = root.find(NS + "System")
    event_id = int(system.find(NS + "EventID").text)
    time_created = system.find(NS + "TimeCreated").get("SystemTime")
    data = []
    event_data = root.find(NS + "EventData")
    if event_data is not None:
        for d in event_data:
            data.append([d.get("Name") or local(d.tag), d.text or ""])
    user_data = root.find(NS + "UserData")
    if user_data is not None:
        for top in user_data:
            for leaf in top.iter():
                if leaf is not top and len(leaf) == 0:
                    data.append([local(leaf.tag), leaf.text or ""])
    return event_id, time_created, data


def evtxexport_records(path):
    """{EventRecordID: data pairs} as evtxexport reads them, or None without evtxexport."""
    if shutil.which("evtxexport") is None:
        return None
    out = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True, text=True, errors="replace")
    records = {}
    for doc in out.stdout.split("\n\n"):
        doc = doc[doc.find("<Event "):] if "<Event " in doc else ""
        if not doc.strip():
            continue
        try:
            root = ET.fromstring(doc)
        except ET.ParseError:
            continue
        rid = int(root.find(NS + "System").find(NS + "EventRecordID").text)
        records[rid] = record_fields(doc)[2]
    return records


def main():
    os.makedirs(OUT, exist_ok=True)
    paths = []
    for d, _, files in os.walk(DATASETS):
        paths += [os.path.join(d, f) for f in files if f.lower().endswith(".evtx")]
    for path in sorted(paths):
        rel = os.path.relpath(path, DATASETS)
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        lines = []
        second = evtxexport_records(path)
        with evtx.Evtx(path) as log:
            for record in log.records():
                xml = record.xml()
                event_id, time_created, data = record_fields(xml)
                lines.append({
                    "record": record.record_num(),
                    "written": str(record.timestamp()),
                    "event_id": event_id,
                    "time_created": time_created,
                    "data": data,
                    "xml_sha256": hashlib.sha256(xml.encode("utf-8")).hexdigest(),
                    "xml": xml,
                })
                # python-evtx 0.8.1 misreads string arrays (type 0x81) that hold empty strings: it drops the
                # leading empty items and repeats the tail of the next one. evtxexport reads them item by item.
                if any("<string>" in value for _, value in data) and second is not None:
                    lines[-1]["data_evtxexport"] = second.get(record.record_num())
                    lines[-1]["note"] = "string array: python-evtx and evtxexport disagree; evtxexport is followed"
        for i, line in enumerate(lines):
            if 0 < i < len(lines) - 1:
                del line["xml"]
        head = {"file": rel, "sha256": digest, "records": len(lines),
                "oracle": "python-evtx " + version("python-evtx"),
                "evtxexport_records": None if second is None else len(second)}
        name = os.path.basename(path)[:-5] + ".jsonl"
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as out:
            for obj in [head] + lines:
                out.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"{len(lines):6d} records  {rel}", file=sys.stderr)


if __name__ == "__main__":
    main()
