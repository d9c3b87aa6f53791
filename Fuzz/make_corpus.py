#!/usr/bin/env python3
"""Seed corpora for the fuzz targets: pieces of the real samples in ../shared/datasets (when beside the repository)
and the project's own fixture lines, written under OUT/<target>/. Nothing here is committed: it is rebuilt per run."""
import glob
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.normpath(os.path.join(ROOT, "..", "shared", "datasets"))
OUT = sys.argv[1]

FIXTURES = {
    "FuzzSyslog": [
        "Feb  5 08:33:12 hmi-01 sshd[2211]: Accepted password for operator from 203.0.113.7 port 51512 ssh2",
        "<38>Feb  5 08:33:12 hmi-01 su: (to root) op on pts/0",
        '<165>1 2021-02-05T08:33:12.003Z hmi-01 app 1234 ID47 [exampleSDID@32473 iut="3"] message',
        "2021-02-05T08:33:12.123456+09:00 hmi-01 sudo: op : TTY=pts/0 ; PWD=/home/op ; USER=root ; COMMAND=/bin/sh",
        "Feb  5 08:33:12 hmi-01 useradd[99]: new user: name=backdoor, UID=0, GID=0, home=/root, shell=/bin/bash",
        "<166>2021-02-05T13:27:01-05:00 fw-1 : %ASA-6-302013: Built inbound TCP connection 4412 for vpn:10.20.9.23/50122 "
        "(10.20.9.23/50122) to inside:10.20.3.15/3389 (10.20.3.15/3389) (vendor-svc)",
        "<166>Feb  5 13:25:50 fw-1 %FTD-6-722051: Group <GP> User <u> IP <198.51.100.77> IPv4 Address <10.20.9.23> "
        "IPv6 address <::> assigned to session",
    ],
    "FuzzAccessLog": [
        '83.149.9.216 - frank [17/May/2015:10:05:03 +0200] "GET /a/b.png?x=1 HTTP/1.1" 200 203023 "http://x/" "Mozilla/5.0"',
        '10.1.2.3 - - [05/Feb/2021:08:33:12 +0900] "POST /manager/html/upload HTTP/1.1" 200 1534 212',
        "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem "
        "cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken\n"
        "2021-02-05 08:33:12 10.0.0.5 GET /owa/auth.aspx - 443 - 203.0.113.7 Mozilla/5.0 200 15",
    ],
    "FuzzWebErrorLog": [
        "[Sun Dec 04 04:47:44 2005] [error] [client 203.0.113.7] File does not exist: /var/www/html/cmd.exe",
        "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187:51512] AH00128: x",
        '2019/08/21 10:11:12 [error] 1234#1234: *5 open() "/x" failed, client: 198.51.100.4, server: _, '
        'request: "GET /x HTTP/1.1", host: "h"',
    ],
    "FuzzJSON": [
        '{"ts":1612513992.5,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":51512,"id.resp_h":"10.0.0.10","id.resp_p":502,"proto":"tcp"}',
        '{"@timestamp":"2021-02-05T08:33:12.123Z","winlog":{"event_id":4624,"channel":"Security","event_data":{"LogonType":"10","IpAddress":"203.0.113.7"}}}',
        '[1, -2.5e10, true, false, null, "\\u00e9\\ud83d\\ude00", {"a": [[], {}]}]',
    ],
    "FuzzHistorian": [
        "Tag,Timestamp,Value,Status\nFIC101.PV,26-Nov-2026 10:00:00,12.5,0\nFIC101.PV,26-Nov-2026 10:02:00,Bad Input,0\n"
        "XV201,26-Nov-2026 10:00:00,Closed,0",
        "DateTime,TagName,Value,QualityDetail,OPCQuality\n2026-11-26 10:00:00.000,ReactLevel,1520.5,192,192\n"
        "2026-11-26 10:00:01.000,ReactTemp,61.5,64,64",
        "tagpath,intvalue,floatvalue,stringvalue,datevalue,dataintegrity,t_stamp\n"
        "[default]Plant/NaOH_SP,,1.0,,,192,1795687200000\n[default]Plant/NaOH_SP,,100.0,,,192,1795687260000",
        "\ufeff# TimeZone: Europe/Berlin\ntimestamp;tag;value;quality;unit\n"
        "2026-11-26 10:00:00;\"Tank;1 Level\";1,25;Good;m\n2026-11-26 10:00:10;\"Pump \"\"A\"\"\";Running;Good;",
        "# TimeZone: America/New_York\nTime,LT101 (m),PT201 [bar],PUMP1\n11/01/2026 1:00:00 AM,1.5,4.25,1\n"
        "11/01/2026 1:30:00 AM,2,4.35,0",
        "sinusoid,26-Nov-26 10:00:00,54.3,\ncdt158,26-Nov-26 10:00:00,I/O Timeout,",
        "time,tag,value\n1795687200,A,1\n46352.5,A,2\n1795687201.5,A,3e-2",
    ],
    "FuzzSigma": [
        "selection and not 1 of filter_*\n*\\powershell.exe\nC:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "(a or b_1) and not (selection or all of them)\n10.0.0.0/8\n10.1.2.3",
        "1 of them\nfe80::/10\nfe80::1%eth0\n*a*b?c*\nxxaxxbqcxx",
        "all of selection* and not filter_main | count() > 5\n\\*\\?\\\\\n*?",
    ],
    "FuzzTimes": [
        "2021-02-05T08:33:12.123456789+09:00", "2021-02-05 08:33:12Z", "Feb  5 08:33:12", "Feb 29 00:00:00",
        "10/Oct/2000:13:55:36 -0700", "1970-01-01T00:00:00Z", "2016-12-31T23:59:60Z",
    ],
}

LINE_SOURCES = {
    "FuzzSyslog": ["logs/linux/*.log"],
    "FuzzAccessLog": ["logs/web/apache_access_*.log", "logs/web/iis_*.log"],
    "FuzzWebErrorLog": ["logs/web/loghub_Apache_*.log"],
    "FuzzTimes": [],
    "FuzzJSON": [],
    "FuzzHistorian": ["historian/*.csv"],
}


# The repository's own exercise evidence (always present): lines for the text targets, packets for the network ones.
REPO_LINE_SOURCES = {
    "FuzzSyslog": ["Evidence/*/firewall/*.log", "Tests/Fixtures/vpn/*.log", "Tests/Fixtures/vpn/*.txt"],
    "FuzzJSON": ["Evidence/*/windows/*.jsonl"],
    "FuzzHistorian": ["Evidence/*/historian/*.csv"],
}


def xlsx_seeds():
    """FuzzXLSX: every XML part of the workbook fixtures (sheets, shared strings, styles, workbook, relationships)."""
    import zipfile
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "historian", "xlsx", "*.xlsx"))):
        with zipfile.ZipFile(path) as z:
            for i, name in enumerate(z.namelist()):
                if name.endswith(".xml") or name.endswith(".rels"):
                    write("FuzzXLSX", f"{os.path.basename(path)}-{i}", z.read(name)[:65536])


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pcap_packets(path):
    """(linktype, [frames]) of a classic little-endian pcap; pcapng and others give nothing."""
    import struct
    data = open(path, "rb").read()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return 0, []
    link = struct.unpack("<I", data[20:24])[0]
    off, frames = 24, []
    while off + 16 <= len(data):
        cl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + cl])
        off += 16 + cl
    return link, frames


STREAM_PORTS = [(502, 6), (102, 6), (20000, 6), (2404, 6), (44818, 6), (4840, 6), (80, 6), (443, 6), (445, 6), (22, 6),
                (53, 6), (3389, 6), (47808, 17), (53, 17), (44818, 17), (20000, 17), (9600, 6), (9600, 17), (5007, 6), (5007, 17),
                (502, 17), (4001, 17), (5094, 17), (5094, 6)]


def fins_seeds():
    """FuzzNetworkStream: OMRON FINS over UDP (a write, its response, STOP) and over TCP (the node address handshake,
    then a write in a FINS/TCP frame), as the fins-commands capture carries them."""
    import struct
    def header(icf, sid, to=(0, 20, 0), frm=(0, 10, 0)):
        return bytes([icf, 0, 2, *to, *frm, sid])
    write_d100 = bytes([0x01, 0x02, 0x82, 0x00, 0x64, 0x00, 0x00, 0x01, 0x25, 0x1C])
    udp = [(0, header(0x80, 1) + write_d100), (1, header(0xC0, 1, (0, 10, 0), (0, 20, 0)) + bytes([1, 2, 0, 0])),
           (0, header(0x80, 2) + bytes([4, 2, 0xFF, 0xFF])), (1, header(0xC0, 2, (0, 10, 0), (0, 20, 0)) + bytes([4, 2, 0x22, 0x01]))]
    def tcp(command, body):
        return b"FINS" + struct.pack(">III", 8 + len(body), command, 0) + body
    stream = [(0, tcp(0, bytes(4))), (1, tcp(1, struct.pack(">II", 11, 20))), (0, tcp(2, header(0x80, 1, frm=(0, 11, 0)) + write_d100)),
              (1, tcp(2, header(0xC0, 1, (0, 11, 0), (0, 20, 0)) + bytes([1, 2, 0, 0])))]
    # MC protocol (MELSEC) 3E and 4E binary frames: a batch write of D100, remote STOP, and their answers.
    mc_write = bytes.fromhex("500000ffff03000e00040001140000640000a801001c25")
    mc_stop = bytes.fromhex("540034120000" + "00ffff0300" + "080004000210000001" + "00")
    melsec = [(0, mc_write), (1, bytes.fromhex("d00000ffff0300020000 00".replace(" ", ""))),
              (0, mc_stop), (1, bytes.fromhex("d40034120000" + "00ffff0300" + "020001c2"))]
    mc_ascii = b"500000FF03FF00001C001014010000D*0001000001251C"
    melsec_ascii = [(0, mc_ascii), (1, b"D00000FF03FF0000040000")]
    # Modbus over UDP: Modbus/UDP (a write, its echo, a read and its answer) and RTU frames a datagram (a write, its
    # echo), as the modbus-udp-sessions capture carries them.
    def crc(body):
        c = 0xFFFF
        for x in body:
            c ^= x
            for _ in range(8):
                c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        return bytes(body) + bytes([c & 0xFF, c >> 8])
    mbudp = [(0, bytes.fromhex("000200000006010600042518")), (1, bytes.fromhex("000200000006010600042518")),
             (0, bytes.fromhex("000100000006010300000002")), (1, bytes.fromhex("00010000000701030400d70834"))]
    rtu_udp = [(0, crc([1, 6, 0, 5, 0, 42])), (1, crc([1, 6, 0, 5, 0, 42])), (0, crc([1, 3, 0, 5, 0, 1])), (1, crc([1, 3, 2, 0, 42]))]
    # HART-IP: a session initiate, the loop current fixed at 20 mA by command 40 and its answer (as the
    # hart-ip-sessions capture carries them).
    def hart(mtype, mid, seq, body):
        return bytes([1, mtype, mid, 0, seq >> 8, seq & 255, (8 + len(body)) >> 8, (8 + len(body)) & 255]) + body
    def hart_pdu(request, command, data, status=0):
        f = bytes([0x82 if request else 0x86, 0xA6, 0xA5, 0x00, 0x12, 0x34, command])
        payload = data if request else bytes([0, status]) + data
        f += bytes([len(payload)]) + payload
        check = 0
        for x in f:
            check ^= x
        return f + bytes([check])
    twenty = bytes.fromhex("41a00000")
    hart_ip = [(0, hart(0, 0, 1, bytes([1, 0, 0, 0x75, 0x30]))), (1, hart(1, 0, 1, bytes([1, 0, 0, 0x75, 0x30]))),
               (0, hart(0, 3, 2, hart_pdu(True, 40, twenty))), (1, hart(1, 3, 2, hart_pdu(False, 40, twenty, 8)))]
    for name, port, pieces in [("fins-udp", (9600, 17), udp), ("fins-tcp", (9600, 6), stream),
                               ("hart-ip-udp", (5094, 17), hart_ip), ("hart-ip-tcp", (5094, 6), hart_ip),
                               ("modbus-udp", (502, 17), mbudp), ("modbus-rtu-udp", (4001, 17), rtu_udp),
                               ("melsec-ascii", (5007, 6), melsec_ascii),
                               ("melsec-tcp", (5007, 6), melsec), ("melsec-udp", (5007, 17), melsec)]:
        sel = STREAM_PORTS.index(port)
        write("FuzzNetworkStream", name, bytes([sel]) + b"".join(bytes([d, len(p)]) + p for d, p in pieces))


def mms_seeds():
    """FuzzNetworkStream on port 102: an IEC 61850 client's MMS session as the mms-commands capture carries it (COTP
    connect, session CONNECT with the presentation contexts and the ACSE AARQ carrying the MMS initiate, an operate
    of a breaker's control and its answer, a report, conclude)."""
    def integer(v, tag=0x02):
        return tlv(tag, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True))
    def vis(t, tag=0x1A):
        return tlv(tag, t.encode())
    def tpkt(cotp_and_data):
        return bytes([3, 0, (len(cotp_and_data) + 4) >> 8, (len(cotp_and_data) + 4) & 255]) + cotp_and_data
    def frame(tsdu):
        return tpkt(bytes([2, 0xF0, 0x80]) + tsdu)
    def pdv(ctx, value):
        return tlv(0x61, tlv(0x30, integer(ctx) + tlv(0xA0, value)))
    def data(mms):
        return bytes([1, 0, 1, 0]) + pdv(3, mms)
    cr = tpkt(bytes([17, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 0, 1, 0xC2, 2, 0, 1]))
    initiate = tlv(0xA8, integer(65000, 0x80) + integer(5, 0x81) + integer(5, 0x82) + integer(10, 0x83)
                   + tlv(0xA4, integer(1, 0x80) + tlv(0x81, bytes([5, 0xF1, 0])) + tlv(0x82, bytes(12))))
    aarq = tlv(0x60, tlv(0xA1, bytes.fromhex("060528ca220203")) + tlv(0xBE, tlv(0x28, integer(3) + tlv(0xA0, initiate))))
    cp = tlv(0x31, tlv(0xA0, bytes([0x80, 1, 1])) + tlv(0xA2, tlv(0x81, bytes([0, 0, 0, 1])) + pdv(1, aarq)))
    params = bytes.fromhex("0506130100160102") + bytes([0xC1, len(cp)]) + cp
    connect = frame(bytes([0x0D, len(params)]) + params)
    var = tlv(0x30, tlv(0xA0, tlv(0xA1, vis("IED1LD0") + vis("XCBR1$CO$Pos$Oper"))))
    ctl = tlv(0xA2, tlv(0x83, b"\x00") + tlv(0xA2, integer(3, 0x85) + tlv(0x89, b"SCADA")) + integer(1, 0x86)
              + tlv(0x91, bytes(8)) + tlv(0x83, b"\x00") + tlv(0x84, bytes([6, 0x40])))
    operate = frame(data(tlv(0xA0, integer(7) + tlv(0xA5, tlv(0xA0, var) + tlv(0xA0, ctl)))))
    answer = frame(data(tlv(0xA1, integer(7) + tlv(0xA5, bytes([0x81, 0])))))
    report = frame(data(tlv(0xA3, tlv(0xA0, tlv(0xA1, tlv(0x80, b"RPT")) + tlv(0xA0, tlv(0x84, bytes([6, 0x40])))))))
    conclude = frame(data(bytes([0x8B, 0])))
    pieces = [(0, cr), (1, cr[:5] + bytes([0xD0]) + cr[6:]), (0, connect), (0, operate), (1, answer), (1, report), (0, conclude)]
    sel = STREAM_PORTS.index((102, 6))
    write("FuzzNetworkStream", "mms-iec61850", bytes([sel]) + b"".join(bytes([d, len(p)]) + p for d, p in pieces if len(p) < 256))


def network_seeds(path):
    """FuzzPacket: single frames and short runs. FuzzNetworkStream: each flow's payloads as [flags][len][bytes]."""
    import struct
    link, frames = pcap_packets(path)
    base = os.path.basename(path)
    if link != 1:
        return
    for i, f in enumerate(frames[:40]):
        write("FuzzPacket", f"{base}-{i}", b"\x00" + struct.pack(">H", len(f)) + f)
    flows = {}
    for f in frames:
        if len(f) < 34 or f[12:14] != b"\x08\x00":
            continue
        ihl = (f[14] & 15) * 4
        proto = f[23]
        l4 = 14 + ihl
        if proto == 6 and len(f) >= l4 + 20:
            sport, dport = struct.unpack(">HH", f[l4:l4 + 4])
            payload = f[l4 + (f[l4 + 12] >> 4) * 4:]
        elif proto == 17 and len(f) >= l4 + 8:
            sport, dport = struct.unpack(">HH", f[l4:l4 + 4])
            payload = f[l4 + 8:]
        else:
            continue
        server = min(sport, dport) if (min(sport, dport), proto) in STREAM_PORTS else dport
        if (server, proto) not in STREAM_PORTS or not payload:
            continue
        flows.setdefault((server, proto), []).append((0 if dport == server else 1, payload[:255]))
    for (server, proto), pieces in flows.items():
        sel = STREAM_PORTS.index((server, proto))
        for k in range(0, min(len(pieces), 120), 30):
            blob = bytes([sel]) + b"".join(bytes([d, len(p)]) + p for d, p in pieces[k:k + 30])
            write("FuzzNetworkStream", f"{base}-{server}-{k}", blob)


def tlv(tag, content):
    """A BER element with a definite length (short form, or 0x81/0x82 long form)."""
    n = len(content)
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 255])) + content


def tunnel_seeds():
    """FuzzPacket: frames of an exercise's capture through each encapsulation the decoder reads, nested once, and
    IEC 61850 GOOSE and Sampled Values frames (the same shapes as `jikocho dev encapsulations` and
    `substation-multicast`)."""
    import struct
    paths = sorted(glob.glob(os.path.join(ROOT, "Evidence", "*", "capture", "*.pcap")))
    if not paths:
        return
    link, frames = pcap_packets(paths[0])
    if link != 1:
        return
    macs = bytes.fromhex("020000000a02020000000a01")

    def ipv4(proto, payload):
        return macs + b"\x08\x00" + struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                                                  bytes([192, 0, 2, 10]), bytes([192, 0, 2, 20])) + payload

    def udp(dport, payload):
        return ipv4(17, struct.pack(">HHHH", 50000, dport, 8 + len(payload), 0) + payload)

    wraps = {
        "vxlan": lambda f: udp(4789, b"\x08\x00\x00\x00\x00\x13\x89\x00" + f),
        "geneve": lambda f: udp(6081, b"\x02\x00\x65\x58\x00\x00\x07\x00" + bytes(8) + f),
        "gre": lambda f: ipv4(47, b"\x20\x00\x08\x00\x00\x00\x00\x2a" + f[14:]),
        "gre-eth": lambda f: ipv4(47, b"\x00\x00\x65\x58" + f),
        "erspan2": lambda f: ipv4(47, b"\x10\x00\x88\xbe\x00\x00\x00\x01\x10\x1e\x00\x64\x00\x00\x00\x07" + f),
        "erspan3": lambda f: ipv4(47, b"\x10\x00\x22\xeb\x00\x00\x00\x01\x20\x00\x00\xc8" + bytes(6) + b"\x00\x01" + bytes(8) + f),
        "ipip": lambda f: ipv4(4, f[14:]),
        "mpls": lambda f: macs + b"\x88\x47\x00\x3e\x80\x40\x00\x01\x01\x40" + f[14:],
        "mpls-pw": lambda f: macs + b"\x88\x47\x00\x7d\x01\x40\x00\x00\x00\x00" + f,
        "pppoe": lambda f: macs + b"\x88\x64\x11\x00\x12\x34" + struct.pack(">H", len(f) - 12) + b"\x00\x21" + f[14:],
        "hsr": lambda f: macs + b"\x89\x2f\x00\x00\x00\x01\x08\x00" + f[14:],
    }
    for name, wrap in wraps.items():
        for i, f in enumerate(frames[:6]):
            if len(f) < 34 or f[12:14] != b"\x08\x00":
                continue
            once = wrap(f)
            write("FuzzPacket", f"tunnel-{name}-{i}", b"\x00" + struct.pack(">H", len(once)) + once)
            twice = wrap(wraps["vxlan"](f))
            write("FuzzPacket", f"tunnel-{name}-vxlan-{i}", b"\x00" + struct.pack(">H", len(twice)) + twice)

    # Copies (the analyzer discards the second): a frame twice 1 ms apart (SPAN), on PRP's LAN A and B (the redundancy
    # control trailer), both ways round an HSR ring.
    f = frames[0]
    prp = lambda lan: f + struct.pack(">HHH", 1, (lan << 12) | ((len(f) + 6 - 14) & 0xFFF), 0x88FB)
    hsr = lambda path: f[:12] + b"\x89\x2f" + struct.pack(">HH", (path << 12) | ((len(f) - 8) & 0xFFF), 1) + f[12:]
    for name, pair in [("span", [f, f]), ("prp", [prp(0xA), prp(0xB)]), ("hsr", [hsr(0), hsr(1)])]:
        write("FuzzPacket", f"copies-{name}", b"\x00" + b"".join(struct.pack(">H", len(x)) + x for x in pair))

    ref = b"REL1PROT/LLN0$GO$gcbTrip"
    pdu = tlv(0x61, tlv(0x80, ref) + tlv(0x81, b"\x07\xd0") + tlv(0x82, b"REL1PROT/LLN0$dsTrip") + tlv(0x83, b"T")
              + tlv(0x84, bytes(8)) + tlv(0x85, b"\x02") + tlv(0x86, b"\x00") + tlv(0x87, b"\x00") + tlv(0x88, b"\x01")
              + tlv(0x89, b"\x00") + tlv(0x8a, b"\x02") + tlv(0xab, tlv(0x83, b"\x01") + tlv(0x84, b"\x06\x80")))
    goose = bytes.fromhex("010ccd0100010030a7000001") + b"\x81\x00\x80\x0a\x88\xb8" \
        + struct.pack(">HHHH", 1, 8 + len(pdu), 0, 0) + pdu
    asdu = tlv(0x80, b"MU01") + tlv(0x82, b"\x00\x01") + tlv(0x83, b"\x00\x00\x00\x01") + tlv(0x85, b"\x02") + tlv(0x87, bytes(64))
    sav = tlv(0x60, tlv(0x80, b"\x01") + tlv(0xa2, tlv(0x30, asdu)))
    sv = bytes.fromhex("010ccd040001001beb000010") + b"\x88\xba" + struct.pack(">HHHH", 0x4000, 8 + len(sav), 0, 0) + sav
    for name, f in [("goose", goose), ("sv", sv)]:
        run = b"".join(b"\x00" + struct.pack(">H", len(f)) + f for _ in range(3))
        write("FuzzPacket", f"substation-{name}", run)


def yaml_seeds(have):
    """FuzzYAML: the project's playbooks and Sigma rules, the exercises' scenarios and inventories, and a sample of
    SigmaHQ's rules (every 25th, correlations included)."""
    paths = sorted(glob.glob(os.path.join(ROOT, "Playbooks", "**", "*.y*ml"), recursive=True))
    paths += sorted(glob.glob(os.path.join(ROOT, "Evidence", "*", "*.yaml")))
    if have:
        rules = sorted(glob.glob(os.path.join(DATASETS, "sigma", "**", "*.yml"), recursive=True))
        paths += rules[::25]
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        name = os.path.relpath(path, ROOT).replace(os.sep, "_").lstrip("._")
        write("FuzzYAML", name, data[:8192])


def archive_seeds():
    """FuzzArchive: small archives of the repository's own files in the formats Python writes (zip stored and
    deflated, tar plain, gz, bz2 and xz, a lone gz file, a zip inside a tar)."""
    import gzip
    import io
    import tarfile
    import zipfile
    files = sorted(glob.glob(os.path.join(ROOT, "Evidence", "*", "*.yaml")))[:3]
    members = [(os.path.relpath(p, ROOT), open(p, "rb").read()[:2000]) for p in files]
    members.append(("dir/../escape.txt", b"a member named to leave the folder\n"))
    for method, name in [(zipfile.ZIP_STORED, "stored.zip"), (zipfile.ZIP_DEFLATED, "deflated.zip")]:
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", method) as z:
            for n, d in members:
                z.writestr(n, d)
            z.writestr("empty/", b"")
        write("FuzzArchive", name, b.getvalue())
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner.txt", b"nested")
    for mode, name in [("w", "plain.tar"), ("w:gz", "t.tar.gz"), ("w:bz2", "t.tar.bz2"), ("w:xz", "t.tar.xz")]:
        b = io.BytesIO()
        with tarfile.open(fileobj=b, mode=mode, format=tarfile.PAX_FORMAT) as t:
            for n, d in members + [("nested.zip", inner.getvalue())]:
                info = tarfile.TarInfo(n)
                info.size = len(d)
                info.mtime = 1612483200
                t.addfile(info, io.BytesIO(d))
            link = tarfile.TarInfo("link-to-passwd")
            link.type = tarfile.SYMTYPE
            link.linkname = "/etc/passwd"
            t.addfile(link)
        write("FuzzArchive", name, b.getvalue())
    write("FuzzArchive", "lone.log.gz", gzip.compress(members[0][1], mtime=0))


def main():
    for target, lines in FIXTURES.items():
        for i, line in enumerate(lines):
            write(target, f"fixture-{i}", line.encode())
    have = os.path.isdir(DATASETS)
    for target, patterns in LINE_SOURCES.items():
        for pattern in patterns if have else []:
            for path in sorted(glob.glob(os.path.join(DATASETS, pattern))):
                with open(path, "rb") as f:
                    lines = f.read().split(b"\n")
                head = lines[:4] if path.endswith(".log") and b"#" in lines[0][:1] else []
                for k, i in enumerate(range(0, min(len(lines), 400), 20)):
                    write(target, f"{os.path.basename(path)}-{k}", b"\n".join(head + lines[i:i + 20]))
    for target, patterns in REPO_LINE_SOURCES.items():
        for pattern in patterns:
            for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
                with open(path, "rb") as f:
                    lines = f.read().split(b"\n")
                head = lines[:3] if target == "FuzzHistorian" else []
                for k, i in enumerate(range(0, min(len(lines), 400), 40)):
                    write(target, f"exercise-{os.path.basename(path)}-{k}", b"\n".join(head + lines[i:i + 20]))
    for path in sorted(glob.glob(os.path.join(ROOT, "Evidence", "*", "capture", "*.pcap"))):
        network_seeds(path)
    # Independent stacks' traffic (scripts/oracles/peer_stacks.sh): framings and encodings the generators do not write.
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "peers", "*.pcap"))):
        network_seeds(path)
    for path in sorted(glob.glob(os.path.join(DATASETS, "**", "*.evtx"), recursive=True)) if have else []:
        with open(path, "rb") as f:
            data = f.read()
        base = os.path.basename(path)
        if len(data) <= 70000:
            write("FuzzEVTXFile", base, data)
        for i in range(2):
            chunk = data[4096 + i * 65536:4096 + (i + 1) * 65536]
            if len(chunk) >= 512:
                write("FuzzEVTXChunk", f"{base}-{i}", chunk[:16384])
    for path in sorted(glob.glob(os.path.join(DATASETS, "pcaps", "*", "*.pcap"))) if have else []:
        network_seeds(path)
    tunnel_seeds()
    fins_seeds()
    mms_seeds()
    xlsx_seeds()
    yaml_seeds(have)
    archive_seeds()
    for target in list(FIXTURES) + ["FuzzEVTXChunk", "FuzzEVTXFile", "FuzzPacket", "FuzzNetworkStream", "FuzzYAML",
                                    "FuzzArchive"]:
        os.makedirs(os.path.join(OUT, target), exist_ok=True)
    print(f"seed corpora in {OUT}" + ("" if have else " (../shared/datasets not found: fixtures only)"), file=sys.stderr)


if __name__ == "__main__":
    main()
