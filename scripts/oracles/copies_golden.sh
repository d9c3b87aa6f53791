#!/usr/bin/env bash
# Writes what Wireshark's tools count in the shared captures copied as a network that records or sends every frame
# twice gives them (`jikocho dev copies`, the same bytes every time): a SPAN session (every frame again 20 µs later:
# the frames `editcap -w 0.002` removes as duplicates within 2 ms), a PRP network captured on both LANs (the frames
# tshark's PRP dissector reads a redundancy control trailer of LAN B in) and an HSR ring (the frames whose HSR tag
# tshark reads on path 1). The golden file Tests/CollectorsTests/Golden/pcap/shared.copies.tsv is what the capture
# collector's copy test compares its account of discarded copies with. Needs tshark and editcap
# (scripts/ensure-deps.sh --with-oracles) and ../shared/datasets beside the repository.
# Run from anywhere: bash scripts/oracles/copies_golden.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
datasets=$repo/../shared/datasets
for tool in tshark editcap capinfos; do
    command -v $tool >/dev/null || { echo "$tool is not installed: scripts/ensure-deps.sh --with-oracles" >&2; exit 1; }
done
[ -d "$datasets" ] || { echo "no ../shared/datasets beside the repository" >&2; exit 1; }
swift build --product jikocho >/dev/null
jikocho="$(swift build --show-bin-path)/jikocho"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=Tests/CollectorsTests/Golden/pcap/shared.copies.tsv
captures=(pcaps/ics/modbus_example_icsnpp.pcap pcaps/ics/dnp3_example_icsnpp.pcap pcaps/ics/s7comm_snap7.pcap
          pcaps/ics/s7comm_ident.pcap pcaps/ics/enip_cip_example_icsnpp.pcap pcaps/ics/iec104.pcap
          pcaps/ics/bacnet_services_icsnpp.pcap pcaps/it/smb2_psexec_add_user.pcap pcaps/it/http_get.pcap
          pcaps/it/dns_tunnel_queries.pcap pcaps/it/tls_handshake.pcap pcaps/it/rdp_session.pcap)
{
    echo "# $(tshark --version 2>/dev/null | head -1); generated: jikocho dev copies CAPTURE OUT --mode MODE; span: editcap -w 0.002, prp: tshark --enable-protocol prp -Y prp.trailer.prp_lan==11, hsr: tshark -Y hsr.path==1"
    printf 'capture\tmode\tframes\tcopies\n'
    for c in "${captures[@]}"; do
        for mode in span prp hsr; do
            copy=$tmp/copy.pcap
            "$jikocho" dev copies "$datasets/$c" "$copy" --mode "$mode" >/dev/null
            frames=$(capinfos -c -M "$copy" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
            case $mode in
            span) copies=$(editcap -w 0.002 "$copy" "$tmp/dedup.pcap" 2>&1 | sed -n 's/.* \([0-9]*\) packets skipped.*/\1/p') ;;
            prp) copies=$(tshark -n -r "$copy" --enable-protocol prp -Y 'prp.trailer.prp_lan == 11' 2>/dev/null | wc -l) ;;
            hsr) copies=$(tshark -n -r "$copy" -Y 'hsr.path == 1' 2>/dev/null | wc -l) ;;
            esac
            printf '%s\t%s\t%s\t%s\n' "$c" "$mode" "$frames" "$copies"
        done
    done
} > "$out"
echo "wrote $out ($(($(wc -l < "$out") - 2)) rows)"
