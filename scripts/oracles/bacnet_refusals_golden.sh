#!/usr/bin/env bash
# Writes Wireshark's view of the BACnet refusals capture (every confirmed service answered by Error, Reject and
# Abort; made by `jikocho dev bacnet-refusals`, the same bytes every time) as the golden file the decoder's test
# compares with: Tests/CollectorsTests/Golden/pcap/generated_bacnet_refusals.bacnet.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/bacnet_refusals_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number bacapp.type bacapp.confirmed_service bacapp.invoke_id bacapp.error_class bacapp.error_code
        bacapp.reject_reason bacapp.abort_reason)
golden bacnet-refusals generated_bacnet_refusals.bacnet bacapp
