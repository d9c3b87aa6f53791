#!/usr/bin/env bash
# Writes Wireshark's view of the IEC 61850 GOOSE and Sampled Values capture (a relay's trip with its retransmissions,
# a bay controller's interlock that falls silent, a relay in test mode, a merging unit that loses its time source,
# an attacker's spoofed and replayed frames, hostile frames; made by `jikocho dev substation-multicast`, the same bytes
# every time) as the golden file the GOOSE decoder's test compares with:
# Tests/CollectorsTests/Golden/pcap/generated_substation_multicast.goose.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/goose_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number eth.src vlan.id goose.appid goose.gocbRef goose.datSet goose.goID goose.timeAllowedtoLive goose.t
        goose.stNum goose.sqNum goose.simulation goose.confRev goose.ndsCom goose.numDatSetEntries goose.boolean
        goose.integer goose.bit_string goose.float_value sv.appid sv.svID sv.smpCnt sv.confRev sv.smpSynch
        _ws.expert.message)
golden substation-multicast generated_substation_multicast.goose "goose || sv"
