# Shared by the scripts that keep tshark's view of a capture the repository generates (bacnet_refusals_golden.sh,
# vnc_sessions_golden.sh); sourced, not run. Usage, after setting `fields`:
#   golden DEV_COMMAND GOLDEN_STEM DISPLAY_FILTER
# builds jikocho, writes the capture with `jikocho dev DEV_COMMAND`, and writes tshark's fields of the frames the
# filter keeps to Tests/CollectorsTests/Golden/pcap/GOLDEN_STEM.tsv. `tshark_args`, when set, are more tshark options
# (decode-as for a protocol off its port). Needs tshark (scripts/ensure-deps.sh --with-oracles).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
command -v tshark >/dev/null || { echo "tshark is not installed: scripts/ensure-deps.sh --with-oracles" >&2; exit 1; }

golden() {
    local command=$1 stem=$2 filter=$3
    swift build --product jikocho >/dev/null
    tmp=$(mktemp -d)   # global: the EXIT trap runs after this function has returned
    trap 'rm -rf "$tmp"' EXIT
    "$(swift build --show-bin-path)/jikocho" dev "$command" "$tmp/capture.pcap" >/dev/null
    local out=Tests/CollectorsTests/Golden/pcap/$stem.tsv
    {
        echo "# $(tshark --version 2>/dev/null | head -1); generated: jikocho dev $command; filter: $filter${tshark_args+ ${tshark_args[*]}}"
        (IFS=$'\t'; echo "${fields[*]}")
        tshark -n -r "$tmp/capture.pcap" ${tshark_args+"${tshark_args[@]}"} -Y "$filter" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
            $(printf -- '-e %s ' "${fields[@]}") 2>/dev/null
    } > "$out"
    echo "wrote $out ($(($(wc -l < "$out") - 2)) frames)"
}
