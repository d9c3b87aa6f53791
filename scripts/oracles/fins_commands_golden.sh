#!/usr/bin/env bash
# Writes Wireshark's view of the OMRON FINS capture (commands over UDP and TCP, made by `jikocho dev fins-commands`,
# the same bytes every time) as the golden file the decoder's test compares with:
# Tests/CollectorsTests/Golden/pcap/generated_fins_commands.omron.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/fins_commands_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number udp.srcport tcp.srcport omron.tcp.command omron.tcp.client_node_address omron.tcp.server_node_address
        omron.icf omron.gct omron.dna omron.da1 omron.da2 omron.sna omron.sa1 omron.sa2 omron.sid omron.command
        omron.memory.area.read omron.memory.address omron.memory.address.bits omron.memory.numitems omron.response.code
        omron.program_number omron.mode_code)
golden fins-commands generated_fins_commands.omron omron
