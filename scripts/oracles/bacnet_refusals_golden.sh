#!/usr/bin/env bash
# Writes Wireshark's view of the BACnet refusals capture (every confirmed service answered by Error, Reject and
# Abort; made by `jikocho dev bacnet-refusals`, the same bytes every time) as the golden file the decoder's test
# compares with: Tests/CollectorsTests/Golden/pcap/generated_bacnet_refusals.bacnet.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/bacnet_refusals_golden.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
command -v tshark >/dev/null || { echo "tshark is not installed: scripts/ensure-deps.sh --with-oracles" >&2; exit 1; }
swift build --product jikocho >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$(swift build --show-bin-path)/jikocho" dev bacnet-refusals "$tmp/refusals.pcap" >/dev/null
out=Tests/CollectorsTests/Golden/pcap/generated_bacnet_refusals.bacnet.tsv
fields=(frame.number bacapp.type bacapp.confirmed_service bacapp.invoke_id bacapp.error_class bacapp.error_code
        bacapp.reject_reason bacapp.abort_reason)
{
    echo "# $(tshark --version | head -1); generated: jikocho dev bacnet-refusals; filter: bacapp"
    (IFS=$'\t'; echo "${fields[*]}")
    tshark -n -r "$tmp/refusals.pcap" -Y bacapp -T fields -E separator=/t -E occurrence=a -E aggregator=, \
        $(printf -- '-e %s ' "${fields[@]}")
} > "$out"
echo "wrote $out ($(($(wc -l < "$out") - 2)) frames)"
