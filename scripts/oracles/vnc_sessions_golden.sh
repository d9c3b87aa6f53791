#!/usr/bin/env bash
# Writes Wireshark's view of the VNC handshakes capture (RFB 3.8, 3.7 and 3.3; let in, refused with a reason, refused
# at once, cut short; made by `jikocho dev vnc-sessions`, the same bytes every time) as the golden file the RFB
# decoder's test compares with: Tests/CollectorsTests/Golden/pcap/generated_vnc_sessions.vnc.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/vnc_sessions_golden.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
command -v tshark >/dev/null || { echo "tshark is not installed: scripts/ensure-deps.sh --with-oracles" >&2; exit 1; }
swift build --product jikocho >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$(swift build --show-bin-path)/jikocho" dev vnc-sessions "$tmp/vnc.pcap" >/dev/null
out=Tests/CollectorsTests/Golden/pcap/generated_vnc_sessions.vnc.tsv
fields=(frame.number tcp.srcport tcp.dstport vnc.server_proto_ver vnc.client_proto_ver vnc.server_security_type
        vnc.security_type vnc.client_security_type vnc.auth_result vnc.auth_error vnc.width vnc.height vnc.desktop_name)
{
    echo "# $(tshark --version 2>/dev/null | head -1); generated: jikocho dev vnc-sessions; filter: vnc"
    (IFS=$'\t'; echo "${fields[*]}")
    tshark -n -r "$tmp/vnc.pcap" 2>/dev/null -Y vnc -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        $(printf -- '-e %s ' "${fields[@]}")
} > "$out"
echo "wrote $out ($(($(wc -l < "$out") - 2)) frames)"
