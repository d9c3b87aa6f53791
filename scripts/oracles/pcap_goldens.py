#!/usr/bin/env python3
"""Writes Wireshark's view of every shared capture as golden files for the network decoders' tests.

For each capture in ../shared/datasets/pcaps and each protocol Wireshark finds in it, runs
`tshark -T fields` with the fields the test compares and writes
Tests/CollectorsTests/Golden/pcap/<capture>.<protocol>.tsv (header line with the tshark version and the field
names, then one line per frame, multiple occurrences joined by ','). The `packets` file has the link/IP/transport
view of every frame, to check the packet decoder (S7comm-plus is not in stock Wireshark: no golden); the `conv` file has tshark's TCP/UDP conversations.

usage: scripts/oracles/pcap_goldens.py [DATASETS_DIR]     (needs tshark; `scripts/ensure-deps.sh --with-oracles`)
"""
import os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "datasets", "pcaps")
OUT = os.path.join(ROOT, "Tests", "CollectorsTests", "Golden", "pcap")

PROTOCOLS = {
    "packets": ("frame", ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.proto",
                          "ipv6.nxt", "tcp.srcport", "tcp.dstport", "tcp.len", "tcp.seq_raw", "tcp.flags",
                          "udp.srcport", "udp.dstport", "udp.length", "vlan.id", "ip.flags.mf", "ip.frag_offset"]),
    "modbus": ("modbus", ["frame.number", "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code",
                          "modbus.request_frame", "modbus.reference_num", "modbus.word_cnt", "modbus.bit_cnt",
                          "modbus.byte_cnt", "modbus.regval_uint16", "modbus.bitval", "modbus.exception_code",
                          "modbus.read_reference_num", "modbus.read_word_cnt", "modbus.write_reference_num",
                          "modbus.write_word_cnt", "modbus.and_mask", "modbus.or_mask", "modbus.diagnostic_code",
                          "modbus.mei"]),
    "s7comm": ("s7comm", ["frame.number", "s7comm.header.rosctr", "s7comm.header.pduref", "s7comm.param.func",
                          "s7comm.param.itemcount", "s7comm.param.item.area", "s7comm.param.item.db",
                          "s7comm.param.item.address.byte", "s7comm.param.item.address.bit",
                          "s7comm.param.item.transp_size", "s7comm.param.item.length", "s7comm.data.returncode",
                          "s7comm.param.userdata.type", "s7comm.param.userdata.funcgroup",
                          "s7comm.param.userdata.subfunc", "s7comm.data.userdata.szl_id",
                          "s7comm.data.userdata.szl_index", "s7comm.param.setup_reserved1",
                          "s7comm.param.maxamq_calling", "s7comm.param.maxamq_called", "s7comm.param.pdu_length",
                          "s7comm.param.pistart.servicename", "s7comm.data.blockcontrol.block_type",
                          "s7comm.data.blockcontrol.block_number", "s7comm.param.blockcontrol.filename", "s7comm.header.errcls", "s7comm.header.errcod"]),
    "dnp3": ("dnp3", ["frame.number", "dnp3.ctl.dir", "dnp3.ctl.prm", "dnp3.ctl.prifunc", "dnp3.ctl.secfunc",
                      "dnp3.dst", "dnp3.src", "dnp3.al.con", "dnp3.al.fir", "dnp3.al.fin", "dnp3.al.seq",
                      "dnp3.al.func", "dnp3.al.iin", "dnp3.al.obj", "dnp3.al.objq.prefix", "dnp3.al.objq.range", "dnp3.al.range.start",
                      "dnp3.al.range.stop", "dnp3.al.range.quantity", "dnp3.al.index",
                      "dnp3.al.count", "dnp3.al.anaout.int", "dnp3.al.anaout.float"]),
    "iec104": ("iec60870_104", ["frame.number", "iec60870_104.type", "iec60870_104.utype", "iec60870_104.apdulen",
                                "iec60870_104.tx", "iec60870_104.rx", "iec60870_asdu.typeid",
                                "iec60870_asdu.causetx", "iec60870_asdu.nega", "iec60870_asdu.test",
                                "iec60870_asdu.oa", "iec60870_asdu.addr", "iec60870_asdu.ioa",
                                "iec60870_asdu.numix", "iec60870_asdu.sq"]),
    "enip": ("enip", ["frame.number", "enip.command", "enip.length", "enip.session", "enip.status",
                      "enip.cpf.itemcount", "enip.cpf.typeid", "cip.sc", "cip.class", "cip.instance",
                      "cip.attribute", "cip.genstat", "enip.lir.devtype", "enip.lir.prodcode", "enip.lir.name",
                      "cip.symbol"]),
    "bacnet": ("bvlc", ["frame.number", "bvlc.type", "bvlc.function", "bvlc.length", "bacnet.control",
                        "bacapp.type", "bacapp.confirmed_service", "bacapp.unconfirmed_service",
                        "bacapp.invoke_id", "bacapp.objectType", "bacapp.instance_number",
                        "bacapp.property_identifier", "bacapp.error_class", "bacapp.error_code",
                        "bacnet.dnet", "bacnet.dadr_mstp", "bacnet.dadr_eth", "bacnet.dadr_tmp",
                        "bacnet.snet", "bacnet.sadr_mstp", "bacnet.sadr_eth", "bacnet.sadr_tmp"]),
    "opcua": ("opcua", ["frame.number", "opcua.transport.type", "opcua.transport.chunk", "opcua.transport.size",
                        "opcua.transport.scid", "opcua.security.spu", "opcua.security.seq", "opcua.security.rqid",
                        "opcua.servicenodeid.numeric", "opcua.MessageSecurityMode", "opcua.SecurityPolicyUri", "opcua.transport.endpoint"]),
    "dns": ("dns", ["frame.number", "dns.id", "dns.flags.response", "dns.flags.rcode", "dns.qry.name",
                    "dns.qry.type", "dns.count.answers", "dns.a", "dns.aaaa", "dns.cname", "dns.txt"]),
    "http": ("http", ["frame.number", "http.request.method", "http.request.uri", "http.request.version",
                      "http.host", "http.user_agent", "http.response.code", "http.content_type",
                      "http.content_length"]),
    "tls": ("tls.handshake.type == 1 || tls.handshake.type == 2",
            ["frame.number", "tls.handshake.type", "tls.handshake.version", "tls.handshake.extensions_server_name",
             "tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.ja3",
             "tls.handshake.ja3_full", "tls.handshake.ja3s"]),
    "rdp": ("rdp.rt_cookie || rdp.neg_type", ["frame.number", "rdp.rt_cookie", "rdp.neg_type",
                                               "rdp.negReq.requestedProtocols"]),
    "smb2": ("smb2", ["frame.number", "smb2.cmd", "smb2.flags.response", "smb2.msg_id", "smb2.sesid",
                      "smb2.nt_status", "smb2.tree", "smb2.filename", "ntlmssp.auth.username",
                      "ntlmssp.auth.domain", "ntlmssp.auth.hostname"]),
    "ssh": ("ssh.protocol", ["frame.number", "ssh.protocol"]),
}


def tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0].strip()


def fields(path, display_filter, names):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=,", "-E", "quote=n"]
    if display_filter != "frame":
        cmd += ["-Y", display_filter]
    for n in names:
        cmd += ["-e", n]
    r = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, TZ="UTC"))
    if r.returncode != 0:
        sys.exit(f"tshark failed on {path}: {r.stderr.strip()}")
    return [l for l in r.stdout.splitlines() if l.strip()]


def conversations(path):
    lines = []
    for proto in ("tcp", "udp"):
        r = subprocess.run(["tshark", "-n", "-r", path, "-q", "-z", f"conv,{proto}"], capture_output=True, text=True)
        for l in r.stdout.splitlines():
            if "<->" in l:
                lines.append(proto + "\t" + "\t".join(l.split()))
    return lines


def main():
    os.makedirs(OUT, exist_ok=True)
    version = tshark_version()
    for old in os.listdir(OUT):
        if old.endswith(".tsv"):
            os.remove(os.path.join(OUT, old))
    for family in sorted(os.listdir(DATA)):
        for name in sorted(os.listdir(os.path.join(DATA, family))):
            path = os.path.join(DATA, family, name)
            stem = os.path.splitext(name)[0]
            for proto, (flt, names) in PROTOCOLS.items():
                rows = fields(path, flt, names)
                if not rows:
                    continue
                with open(os.path.join(OUT, f"{stem}.{proto}.tsv"), "w") as f:
                    f.write(f"# {version}; {family}/{name}; filter: {flt}\n")
                    f.write("\t".join(names) + "\n")
                    f.write("\n".join(rows) + "\n")
            conv = conversations(path)
            if conv:
                with open(os.path.join(OUT, f"{stem}.conv.tsv"), "w") as f:
                    f.write(f"# {version}; {family}/{name}; tshark -q -z conv,tcp / conv,udp\n")
                    f.write("\n".join(conv) + "\n")
            print(f"{family}/{name}")


main()
