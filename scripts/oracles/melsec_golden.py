#!/usr/bin/env python3
"""Writes what an independent MC protocol implementation sends for a list of MELSEC operations, as the golden file
the MELSEC decoder's test compares with: Tests/CollectorsTests/Golden/melsec/pymcprotocol.tsv.

pymcprotocol (a Python client of the MELSEC Communication Protocol) builds each request in 3E and 4E binary frames,
for Q-series and iQ-R devices; its socket is replaced by one that records what it sends and answers "normal
completion" (end code 0, and for reads as many zero words as asked). One line per request: the frame (3E or 4E), PLC
series, the operation and its arguments as pymcprotocol was given them, and the request's bytes in hex. Stock
Wireshark has no MC protocol dissector; this is the second opinion instead.

usage: scripts/oracles/melsec_golden.py   (needs scripts/oracles/setup.sh: pymcprotocol in .venv-oracles)
"""
import json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "CollectorsTests", "Golden", "melsec", "pymcprotocol.tsv")
OUT_ASCII = os.path.join(ROOT, "Tests", "CollectorsTests", "Golden", "melsec", "pymcprotocol-ascii.tsv")

import pymcprotocol
from pymcprotocol import mcprotocolconst as const


class Recorder:
    """A socket that keeps what is sent and answers each request with success."""

    def __init__(self, client):
        self.client = client
        self.sent = []

    def send(self, data):
        self.sent.append(bytes(data))

    def recv(self, n):
        req = self.sent[-1]
        if req[:1] in (b"5",):
            return self.recv_ascii(req)
        four = req[:2] == b"\x54\x00"
        header = (b"\xd4\x00" + req[2:6]) if four else b"\xd0\x00"
        rest = req[6:] if four else req[2:]
        # Network, PC, module I/O, station as asked; then the answer's length, end code 0, data.
        words = 0
        command = int.from_bytes(rest[7:9], "little")
        if command in (0x0401,):
            words = int.from_bytes(rest[-2:], "little")
        elif command == 0x0403:
            words = rest[11] + 2 * rest[12]
        data = b"\x00\x00" * words
        if command == 0x0101:
            data = b"Q03UDVCPU       " + b"\x66\x02"
        return header + rest[:5] + (2 + len(data)).to_bytes(2, "little") + b"\x00\x00" + data

    def recv_ascii(self, req):
        """The same answer in an ASCII frame: hex digits, one character a bit."""
        four = req[:4] == b"5400"
        head = (b"D400" + req[4:12]) if four else b"D000"
        at = 12 if four else 4
        route = req[at:at + 10]
        rest = req[at + 14:]
        command = int(rest[4:8], 16)
        sub = int(rest[8:12], 16)
        data = b""
        if command == 0x0401:
            count = int(rest[-4:], 16)
            data = b"0" * count if sub & 1 else b"0000" * count
        elif command == 0x0403:
            data = b"0000" * int(rest[12:14], 16) + b"00000000" * int(rest[14:16], 16)
        elif command == 0x0101:
            data = b"Q03UDVCPU       0266"
        return head + route + b"%04X" % (4 + len(data)) + b"0000" + data

    def close(self):
        pass


def client(frame, series, commtype="binary"):
    c = pymcprotocol.Type4E(plctype=series) if frame == "4E" else pymcprotocol.Type3E(plctype=series)
    if commtype == "ascii":
        c.setaccessopt(commtype="ascii")
    if frame == "4E":
        c.set_subheaderserial(0x1234)
    rec = Recorder(c)
    c._sock = rec
    c._is_connected = True
    return c, rec


OPERATIONS = [
    ("batchwrite_wordunits", ["D100", [9500]]),
    ("batchwrite_wordunits", ["D4000", [1, -2, 300]]),
    ("batchwrite_wordunits", ["W1A0", [7]]),
    ("batchwrite_wordunits", ["R10", [12]]),
    ("batchwrite_wordunits", ["SD100", [5]]),
    ("batchwrite_wordunits", ["TN3", [150]]),
    ("batchwrite_bitunits", ["M10", [1, 0, 1]]),
    ("batchwrite_bitunits", ["Y2F", [1]]),
    ("batchwrite_bitunits", ["B10", [0, 1]]),
    ("batchread_wordunits", ["D100", 4]),
    ("batchread_bitunits", ["X0", 8]),
    ("randomwrite", [["D10", "D20"], [11, 22], ["D30"], [70000]]),
    ("randomwrite_bitunits", [["M5", "Y10"], [1, 0]]),
    ("randomread", [["D1", "D2"], ["D40"]]),
    ("remote_run", [0, False]),
    ("remote_run", [2, True]),
    ("remote_stop", []),
    ("remote_pause", [False]),
    ("remote_latchclear", []),
    ("remote_reset", []),
    ("read_cputype", []),
]


# pymcprotocol writes the number of a hex-numbered device (X, Y, B, W…) in decimal in ASCII frames, where the MC
# protocol reference manual (SH-080008) writes it in hex: those operations are left out of the ASCII golden file (the
# decoder's test checks hex devices in ASCII on frames written to the manual).
HEX_DEVICE_OPERATIONS = {("batchwrite_wordunits", "W1A0"), ("batchwrite_bitunits", "Y2F"), ("batchwrite_bitunits", "B10"),
                         ("batchread_bitunits", "X0"), ("randomwrite_bitunits", "M5")}


def requests(commtype):
    lines = []
    for frame in ("3E", "4E"):
        for series in ("Q", "iQ-R"):
            for name, args in OPERATIONS:
                if series == "iQ-R" and name in ("read_cputype", "remote_reset"):
                    continue
                if commtype == "ascii" and (name, args[0] if args and isinstance(args[0], str) else
                                            (args[0][0] if args and isinstance(args[0], list) else None)) in HEX_DEVICE_OPERATIONS:
                    continue
                c, rec = client(frame, series, commtype)
                try:
                    getattr(c, name)(*args)
                except Exception as e:  # an answer the library does not like still leaves the request sent
                    if not rec.sent:
                        raise
                for req in rec.sent:
                    lines.append("\t".join([frame, series, name, json.dumps(args), req.hex()]))
    return lines


def main():
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    for path, commtype in ((OUT, "binary"), (OUT_ASCII, "ascii")):
        lines = requests(commtype)
        with open(path, "w") as f:
            f.write(f"# pymcprotocol {getattr(pymcprotocol, '__version__', '0.3.0')} ({commtype} frames); "
                    "scripts/oracles/melsec_golden.py\n")
            f.write("frame\tseries\toperation\targuments\trequest\n")
            f.write("\n".join(lines) + "\n")
        print(f"wrote {path} ({len(lines)} requests)")


if __name__ == "__main__":
    main()
