#!/usr/bin/env bash
# Captures of control writes made by independent protocol stacks (scripts/oracles/peer_stacks.py: pymodbus,
# python-snap7, asyncua, cpppo, c104, bacpypes3, dnp3py, each server and client on the loopback interface, tcpdump
# recording), written to Tests/Fixtures/peers/ with the key of what each client wrote, and tshark's list of the write
# requests in each (Tests/CollectorsTests/Golden/pcap/peer_<protocol>.writes.tsv) that PeerStacksTests compares with.
# Needs root (tcpdump on lo, the protocols' own ports), tcpdump and tshark (scripts/ensure-deps.sh --with-oracles);
# installs the stacks into .venv-stacks. The captures are committed: tests do not run the stacks.
# Run from anywhere: bash scripts/oracles/peer_stacks.sh [protocol]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-stacks
want="pymodbus==3.16.1 python-snap7==3.3.0 asyncua==2.1.0 cpppo==5.2.5 c104==2.2.1 bacpypes3==0.0.110 dnp3py==0.6.0"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if ! "$venv/bin/python" -c 'import pymodbus, snap7, asyncua, cpppo, c104, bacpypes3, dnp3' 2>/dev/null; then
    echo "installing the protocol stacks into $venv: $want" >&2
    "$venv/bin/pip" install -q $want
fi
out=Tests/Fixtures/peers
golden=Tests/CollectorsTests/Golden/pcap
mkdir -p "$out"
"$venv/bin/python" scripts/oracles/peer_stacks.py "${1:-all}" "$out"
# Each capture's write and command requests as tshark finds them (the requests only: confirmations and answers are
# not writes): S7's PLC STOP (0x29) and PI service (0x28) too.
declare -A filter=(
    [modbus]='tcp.dstport == 502 && modbus.func_code in {5, 6, 15, 16, 22, 23}'
    [s7]='s7comm.header.rosctr == 1 && s7comm.param.func in {0x05, 0x28, 0x29}'
    [opcua]='opcua.servicenodeid.numeric == 673'
    [cip]='cip.service in {0x4d, 0x53}'
    [iec104]='iec60870_asdu.causetx == 6 && iec60870_asdu.typeid in {45, 46, 47, 48, 49, 50, 51}'
    [bacnet]='bacapp.type == 0 && bacapp.confirmed_service in {15, 16, 17, 20}'
    [dnp3]='dnp3.al.func in {3, 4, 5, 6, 13, 14}'
    [modbus_rtu_tcp]='tcp.dstport == 4001 && modbus.func_code in {5, 6, 15, 16}'
    [modbus_udp]='udp.dstport == 502 && modbus.func_code in {5, 6, 15, 16}'
)
# RTU frames on a device server's port are Modbus RTU to Wireshark only when told.
declare -A decode=([modbus_rtu_tcp]='tcp.port==4001,mbrtu')
for proto in "${!filter[@]}"; do
    pcap="$out/peer_$proto.pcap"
    version=$(tshark --version 2>/dev/null | sed -n "1s/.* \([0-9][0-9.]*\).*/\1/p")
    [ -f "$pcap" ] || continue
    {
        echo "# tshark $version on $pcap: frames of write and command requests (${filter[$proto]})"
        echo "frame.number"
        args=()
        [ -n "${decode[$proto]:-}" ] && args=(-d "${decode[$proto]}")
        tshark -r "$pcap" "${args[@]}" -Y "${filter[$proto]}" -T fields -e frame.number 2>/dev/null
    } > "$golden/peer_$proto.writes.tsv"
done
echo "wrote $out and $golden/peer_*.writes.tsv" >&2
