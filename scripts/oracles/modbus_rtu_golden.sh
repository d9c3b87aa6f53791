#!/usr/bin/env bash
# Writes Wireshark's view of the Modbus RTU over TCP capture (a serial device server's link on port 4001 and RTU
# framing on port 502; made by `jikocho dev modbus-rtu-sessions`, the same bytes every time) as the golden file the
# Modbus decoder's RTU test compares with: Tests/CollectorsTests/Golden/pcap/generated_modbus_rtu.mbrtu.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/modbus_rtu_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number tcp.srcport tcp.dstport mbrtu.unit_id mbrtu.crc16.status modbus.func_code modbus.exception_code
        modbus.reference_num modbus.word_cnt modbus.bit_cnt modbus.regval_uint16)
tshark_args=(-d tcp.port==4001,mbrtu -d tcp.port==502,mbrtu -o mbrtu.crc_verification:TRUE)
golden modbus-rtu-sessions generated_modbus_rtu.mbrtu mbrtu
