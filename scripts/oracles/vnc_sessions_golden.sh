#!/usr/bin/env bash
# Writes Wireshark's view of the VNC handshakes capture (RFB 3.8, 3.7 and 3.3; let in, refused with a reason, refused
# at once, cut short; made by `jikocho dev vnc-sessions`, the same bytes every time) as the golden file the RFB
# decoder's test compares with: Tests/CollectorsTests/Golden/pcap/generated_vnc_sessions.vnc.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/vnc_sessions_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number tcp.srcport tcp.dstport vnc.server_proto_ver vnc.client_proto_ver vnc.server_security_type
        vnc.security_type vnc.client_security_type vnc.auth_result vnc.auth_error vnc.width vnc.height vnc.desktop_name)
golden vnc-sessions generated_vnc_sessions.vnc vnc
