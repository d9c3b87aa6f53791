#!/usr/bin/env bash
# Writes Wireshark's view of the encapsulations capture (one Modbus exchange bare and through VLAN and QinQ tags,
# ERSPAN I/II/III, VXLAN, Geneve, GRE, IP in IP, GRE over IPv6, a fragmented GRE datagram, MPLS with IP and with an
# Ethernet pseudowire, PPPoE and HSR, then hostile tunnels; made by `jikocho dev encapsulations`, the same bytes every
# time) as the golden file the packet decoder's encapsulation test compares with:
# Tests/CollectorsTests/Golden/pcap/generated_encapsulations.tunnels.tsv. The pseudowire's control word is all zeros,
# which Wireshark's own guess (by the vendors of the MAC addresses it would give) takes for a frame without one; it
# is told (decode-as) what the frame is. Needs tshark (scripts/ensure-deps.sh --with-oracles).
# Run from anywhere: bash scripts/oracles/encapsulations_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number frame.protocols ip.src ip.dst ipv6.src ipv6.dst vlan.id vxlan.vni geneve.vni gre.key erspan.spanid
        mpls.label pppoe.session_id tcp.srcport tcp.dstport mbtcp.trans_id modbus.func_code modbus.reference_num
        modbus.regval_uint16 _ws.expert.message)
tshark_args=(-d mpls.label==2000,pwethcw)
golden encapsulations generated_encapsulations.tunnels "mbtcp || (!tcp && !(ip.flags.mf == 1))"
