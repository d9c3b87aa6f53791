#!/usr/bin/env bash
# Writes Wireshark's view of the Modbus over UDP capture (Modbus/UDP on port 502, Wireshark's mbudp; RTU frames to a
# device server's port 4001, read as mbrtu; made by `jikocho dev modbus-udp-sessions`, the same bytes every time) as
# the golden file the Modbus decoder's UDP test compares with: Tests/CollectorsTests/Golden/pcap/generated_modbus_udp.modbus.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/modbus_udp_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number udp.srcport udp.dstport mbtcp.trans_id mbtcp.len mbtcp.unit_id mbrtu.unit_id mbrtu.crc16.status
        modbus.func_code modbus.exception_code modbus.reference_num modbus.word_cnt modbus.bit_cnt modbus.regval_uint16
        _ws.expert.message)
tshark_args=(-d udp.port==4001,mbrtu -o mbrtu.crc_verification:TRUE)
golden modbus-udp-sessions generated_modbus_udp.modbus "mbudp || mbrtu"
