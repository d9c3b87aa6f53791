#!/usr/bin/env bash
# Writes Wireshark's view of the HART-IP capture (an asset management host's sessions with a HART-IP multiplexer over
# UDP and TCP, port 5094; made by `jikocho dev hart-ip-sessions`, the same bytes every time) as the golden file the
# HART-IP decoder's test compares with: Tests/CollectorsTests/Golden/pcap/generated_hart_ip.hart_ip.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/hart_ip_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number udp.srcport tcp.srcport hart_ip.message_type hart_ip.message_id hart_ip.status hart_ip.transaction_id
        hart_ip.msg_length hart_ip.pt.delimiter hart_ip.pt.short_addr hart_ip.pt.long_address hart_ip.pt.command
        hart_ip.pt.length hart_ip.pt.response_code hart_ip.pt.device_status hart_ip.pt.payload hart_ip.pt.rsp.pv
        hart_ip.pt.rsp.pv_loop_current hart_ip.pt.rsp.device_id hart_ip.session_init.master_type
        hart_ip.session_init.inactivity_close_timer hart_ip.error.error_code)
golden hart-ip-sessions generated_hart_ip.hart_ip hart_ip
