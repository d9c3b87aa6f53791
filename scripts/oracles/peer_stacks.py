#!/usr/bin/env python3
"""Captures of control writes made by protocol stacks Jikocho was not written against.

Jikocho's own generators write each protocol the way its decoders read it, so a test on their captures can pass
on a shared misreading. This script runs independent implementations on the loopback interface instead: the
servers and clients of pymodbus, python-snap7, cpppo, c104, bacpypes3, asyncua and dnp3py (versions pinned in
scripts/oracles/peer_stacks.sh, which installs them into .venv-stacks), each client writing known values to known
points, and tcpdump recording the traffic. For each protocol it writes

  Tests/Fixtures/peers/peer_<protocol>.pcap      what tcpdump recorded (loopback only)
  Tests/Fixtures/peers/peer_<protocol>.key.tsv   what the client was asked to write, in order: the point in
                                                  Jikocho's canonical form and the raw value sent

The Swift test (PeerStacksTests) reads each capture with the capture collector and checks that every write of the
key is a write event naming that point and value, in that order, and that nothing else claims to write. tshark's
view of the same captures is its golden file (scripts/oracles/peer_stacks.sh).

Run through scripts/oracles/peer_stacks.sh (root: tcpdump on lo, servers on the protocols' own ports).
"""
import asyncio
import os
import subprocess
import sys
import threading
import time

OUT = sys.argv[2] if len(sys.argv) > 2 else "Tests/Fixtures/peers"


class Capture:
    """tcpdump on the loopback interface, writing packets as they come (-U), for one protocol's traffic."""

    def __init__(self, name, bpf):
        self.path = os.path.join(OUT, f"peer_{name}.pcap")
        self.proc = subprocess.Popen(["tcpdump", "-i", "lo", "--immediate-mode", "-U", "-s", "0", "-w", self.path, bpf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # tcpdump says "listening on lo" once it captures.
        line = self.proc.stderr.readline().decode()
        if "listening" not in line:
            raise SystemExit(f"tcpdump did not start: {line.strip()}")
        time.sleep(0.3)
        RUNNING.append(self)

    def stop(self):
        if self.proc.poll() is None:
            time.sleep(0.5)
            self.proc.terminate()
            self.proc.wait(timeout=10)


# Captures still running when a stack fails are stopped before the next one starts (a stray tcpdump writing the
# same file would interleave two recordings).
RUNNING = []


def write_key(name, rows):
    with open(os.path.join(OUT, f"peer_{name}.key.tsv"), "w") as f:
        f.write("point\tvalue\n")
        for point, value in rows:
            f.write(f"{point}\t{value}\n")


def wait_port(port, udp=False, timeout=10.0):
    """Until something listens on 127.0.0.1:port (TCP) or a short while (UDP)."""
    import socket
    if udp:
        time.sleep(1.0)
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


# MARK: Modbus/TCP (pymodbus server and client)

def modbus():
    from pymodbus.client import ModbusTcpClient
    from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
    from pymodbus.server import ServerStop, StartTcpServer

    port = 502
    block = lambda: ModbusSequentialDataBlock(1, [0] * 200)
    context = ModbusServerContext(devices=ModbusDeviceContext(di=block(), co=block(), hr=block(), ir=block()),
                                 single=True)
    server = threading.Thread(target=StartTcpServer, kwargs={"context": context, "address": ("127.0.0.1", port)},
                              daemon=True)
    cap = Capture("modbus", f"tcp port {port}")
    server.start()
    wait_port(port)
    key = []
    client = ModbusTcpClient("127.0.0.1", port=port)
    client.connect()
    client.read_holding_registers(0, count=10, device_id=1)
    client.write_register(4, 1234, device_id=1)                  # FC 6
    key.append(("holding:40005", 1234))
    client.write_registers(10, [7, 8, 65535], device_id=1)       # FC 16
    key += [("holding:40011", 7), ("holding:40012", 8), ("holding:40013", 65535)]
    client.write_coil(7, True, device_id=1)                      # FC 5
    key.append(("coil:00008", 1))
    client.write_coils(20, [True, False, True], device_id=1)     # FC 15
    key += [("coil:00021", 1), ("coil:00022", 0), ("coil:00023", 1)]
    client.readwrite_registers(read_address=0, read_count=2, write_address=30, values=[42, 43], device_id=1)  # FC 23
    key += [("holding:40031", 42), ("holding:40032", 43)]
    client.write_register(150, 9999, device_id=1)
    key.append(("holding:40151", 9999))
    client.close()
    cap.stop()
    ServerStop()
    write_key("modbus", key)


# MARK: S7comm (python-snap7's server and client)

def s7():
    import snap7
    from snap7.type import SrvArea

    port = 102
    server = snap7.Server(log=False)
    db1 = (snap7.type.WordLen.Byte.ctype * 64)()
    mk = (snap7.type.WordLen.Byte.ctype * 64)()
    server.register_area(SrvArea.DB, 1, db1)
    server.register_area(SrvArea.MK, 0, mk)
    cap = Capture("s7", f"tcp port {port}")
    server.start(tcp_port=port)
    wait_port(port)
    key = []
    client = snap7.Client()
    client.connect("127.0.0.1", 0, 1, port)
    client.db_read(1, 0, 8)
    client.db_write(1, 4, bytearray([0x04, 0xD2]))              # two bytes at DB1.DBB4
    key.append(("s7:DB1.DBW4", "0x04D2"))
    client.db_write(1, 10, bytearray([0x42, 0x28, 0x00, 0x00]))  # four bytes: REAL 42.0
    key.append(("s7:DB1.DBD10", "0x42280000"))
    client.db_write(1, 20, bytearray([0x07]))
    key.append(("s7:DB1.DBB20", "0x07"))
    client.mb_write(10, 2, bytearray([0x00, 0x64]))             # flags MW10
    key.append(("s7:MW10", "0x0064"))
    client.disconnect()
    cap.stop()
    server.stop()
    server.destroy()
    write_key("s7", key)


# MARK: OPC UA (asyncua server and client)

def opcua():
    from asyncua import Client, Server, ua

    port = 4840

    async def run():
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/jikocho/")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        ns = await server.register_namespace("urn:jikocho:peers")
        plant = await server.nodes.objects.add_object(ua.NodeId("Dose", ns), "Dose")
        sp = await plant.add_variable(ua.NodeId("Dose.SP", ns), "SP", 1.5, ua.VariantType.Double)
        run_flag = await plant.add_variable(ua.NodeId("Dose.Run", ns), "Run", False, ua.VariantType.Boolean)
        count = await plant.add_variable(ua.NodeId(1001, ns), "Count", 0, ua.VariantType.Int32)
        for v in (sp, run_flag, count):
            await v.set_writable()
        key = []
        async with server:
            async with Client(f"opc.tcp://127.0.0.1:{port}/jikocho/") as client:
                node = client.get_node(ua.NodeId("Dose.SP", ns))
                await node.read_value()
                await node.write_value(ua.DataValue(ua.Variant(7.25, ua.VariantType.Double)))
                key.append((f"opcua:ns={ns};s=Dose.SP", 7.25))
                await client.get_node(ua.NodeId("Dose.Run", ns)).write_value(
                    ua.DataValue(ua.Variant(True, ua.VariantType.Boolean)))
                key.append((f"opcua:ns={ns};s=Dose.Run", "true"))
                await client.get_node(ua.NodeId(1001, ns)).write_value(
                    ua.DataValue(ua.Variant(-12, ua.VariantType.Int32)))
                key.append((f"opcua:ns={ns};i=1001", -12))
        return key

    cap = Capture("opcua", f"tcp port {port}")
    key = asyncio.run(run())
    cap.stop()
    write_key("opcua", key)


# MARK: EtherNet/IP-CIP (cpppo's Logix simulator and its client)

def cip():
    port = 44818
    server = subprocess.Popen([sys.executable, "-m", "cpppo.server.enip", "-a", f"127.0.0.1:{port}", "--no-udp",
                               "--no-print", "Tank1_SP=REAL", "Counts=DINT[10]", "Run=BOOL", "Grid=INT[12]"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        cap = Capture("cip", f"tcp port {port}")
        # cpppo's client sends its requests without waiting for each answer (pipelined).
        writes = [("Tank1_SP=(REAL)42.5", "cip:Tank1_SP", 42.5), ("Counts[2]=(DINT)123", "cip:Counts[2]", 123),
                  ("Run=(BOOL)1", "cip:Run", 1), ("Counts[7]=(DINT)-5", "cip:Counts[7]", -5)]
        subprocess.run([sys.executable, "-m", "cpppo.server.enip.client", "-a", f"127.0.0.1:{port}"]
                       + [w[0] for w in writes] + ["Tank1_SP", "Counts[0-3]"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        key = [(w[1], w[2]) for w in writes]
        # Several elements in one request: Counts[4] and Counts[5].
        subprocess.run([sys.executable, "-m", "cpppo.server.enip.client", "-a", f"127.0.0.1:{port}",
                        "Counts[4-5]=(DINT)11,12"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        key += [("cip:Counts[4]", 11), ("cip:Counts[5]", 12)]
        cap.stop()
    finally:
        server.terminate()
        server.wait(timeout=10)
    write_key("cip", key)


# MARK: IEC 60870-5-104 (c104: lib60870's server and client)

def iec104():
    import c104

    port = 2404
    server = c104.Server(ip="127.0.0.1", port=port)
    station = server.add_station(common_address=47)
    station.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
    # The controlled points: a float setpoint, a scaled setpoint, a single and a double command (select-before-operate).
    station.add_point(io_address=4001, type=c104.Type.C_SE_NC_1)
    station.add_point(io_address=4002, type=c104.Type.C_SE_NB_1)
    station.add_point(io_address=5001, type=c104.Type.C_SC_NA_1)
    station.add_point(io_address=5002, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
    cap = Capture("iec104", f"tcp port {port}")
    server.start()
    wait_port(port)
    client = c104.Client()
    connection = client.add_connection(ip="127.0.0.1", port=port, init=c104.Init.ALL)
    remote = connection.add_station(common_address=47)
    sp = remote.add_point(io_address=4001, type=c104.Type.C_SE_NC_1)
    scaled = remote.add_point(io_address=4002, type=c104.Type.C_SE_NB_1)
    single = remote.add_point(io_address=5001, type=c104.Type.C_SC_NA_1)
    double = remote.add_point(io_address=5002, type=c104.Type.C_DC_NA_1, command_mode=c104.CommandMode.SELECT_AND_EXECUTE)
    client.start()
    end = time.monotonic() + 10
    while not connection.is_connected and time.monotonic() < end:
        time.sleep(0.1)
    if not connection.is_connected:
        raise SystemExit(f"IEC 104: the client did not connect ({connection.state})")
    time.sleep(0.5)
    key = []
    sp.value = 12.5
    assert sp.transmit(cause=c104.Cot.ACTIVATION), "C_SE_NC_1 refused"
    key.append(("iec104:ioa:4001", 12.5))
    scaled.value = c104.Int16(-300)
    assert scaled.transmit(cause=c104.Cot.ACTIVATION), "C_SE_NB_1 refused"
    key.append(("iec104:ioa:4002", -300))
    single.value = True
    assert single.transmit(cause=c104.Cot.ACTIVATION), "C_SC_NA_1 refused"
    key.append(("iec104:ioa:5001", 1))
    double.value = c104.Double.ON
    assert double.transmit(cause=c104.Cot.ACTIVATION), "C_DC_NA_1 refused"
    key.append(("iec104:ioa:5002", 1))    # DCS 2 (on): the state 1 it commands, as Jikocho writes a double command
    time.sleep(0.5)
    client.stop()
    server.stop()
    cap.stop()
    write_key("iec104", key)


# MARK: BACnet/IP (bacpypes3: a device with commandable objects, and a client)

BACNET_SERVER = """
import asyncio, sys
from bacpypes3.argparse import SimpleArgumentParser
from bacpypes3.app import Application
from bacpypes3.local.analog import AnalogValueObject, AnalogOutputObject
from bacpypes3.local.binary import BinaryOutputObject
from bacpypes3.local.cmd import Commandable

class CommandableAV(Commandable, AnalogValueObject):
    pass

async def main():
    args = SimpleArgumentParser().parse_args()
    app = Application.from_args(args)
    app.add_object(CommandableAV(objectIdentifier=("analog-value", 3), objectName="Dose_SP", presentValue=1.5,
                                 statusFlags=[0, 0, 0, 0], units="litersPerSecond"))
    app.add_object(AnalogOutputObject(objectIdentifier=("analog-output", 2), objectName="Valve_Pos", presentValue=0.0,
                                      statusFlags=[0, 0, 0, 0], units="percent"))
    app.add_object(BinaryOutputObject(objectIdentifier=("binary-output", 1), objectName="Pump1", presentValue="inactive",
                                      statusFlags=[0, 0, 0, 0]))
    print("ready", flush=True)
    await asyncio.Future()

asyncio.run(main())
"""


def bacnet():
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser

    cap = Capture("bacnet", "udp port 47808")
    server = subprocess.Popen([sys.executable, "-c", BACNET_SERVER, "--name", "Plant", "--instance", "1001",
                               "--address", "127.0.0.2/8"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if server.stdout.readline().strip() != b"ready":
            raise SystemExit("BACnet: the device did not start")

        async def run():
            args = SimpleArgumentParser().parse_args(["--name", "Workstation", "--instance", "2002",
                                                      "--address", "127.0.0.3/8:47809"])
            app = Application.from_args(args)
            device = "127.0.0.2"
            await app.read_property(device, "analog-value,3", "present-value")
            await app.write_property(device, "analog-value,3", "present-value", 7.25, priority=8)
            await app.write_property(device, "analog-output,2", "present-value", 55.0, priority=8)
            await app.write_property(device, "binary-output,1", "present-value", "active", priority=8)
            await app.write_property(device, "analog-value,3", "out-of-service", True)
            app.close()
            return [("bacnet:analog-value:3", 7.25), ("bacnet:analog-output:2", 55.0),
                    ("bacnet:binary-output:1", 1), ("bacnet:analog-value:3:out-of-service", "true")]

        key = asyncio.run(run())
        cap.stop()
    finally:
        server.terminate()
        server.wait(timeout=10)
    write_key("bacnet", key)


# MARK: DNP3 (dnp3py: an outstation that accepts its outputs' commands, and a master)

def dnp3():
    from dnp3.core.enums import ControlCode
    from dnp3.database import (AnalogInputConfig, AnalogOutputConfig, BinaryOutputConfig, Database)
    from dnp3.master import DefaultSOEHandler, Master, MasterConfig, MasterTcpRunner
    from dnp3.master.commands import CommandBuilder
    from dnp3.outstation import (CommandResult, DefaultCommandHandler, Outstation, OutstationConfig,
                                 OutstationTcpRunner)

    port = 20000

    class Accepts(DefaultCommandHandler):
        def select_binary_output(self, index, code, count, on_time, off_time):
            return CommandResult.success()

        def operate_binary_output(self, index, code, count, on_time, off_time, select_sequence):
            return CommandResult.success()

        def direct_operate_binary_output(self, index, code, count, on_time, off_time):
            return CommandResult.success()

        def select_analog_output(self, index, value):
            return CommandResult.success()

        def operate_analog_output(self, index, value, select_sequence):
            return CommandResult.success()

        def direct_operate_analog_output(self, index, value):
            return CommandResult.success()

    async def run():
        database = Database()
        database.add_analog_input(0, AnalogInputConfig())
        for i in range(4):
            database.add_analog_output(i, AnalogOutputConfig())
            database.add_binary_output(i, BinaryOutputConfig())
        outstation = Outstation(database=database, config=OutstationConfig(address=10), handler=Accepts())
        runner = OutstationTcpRunner(outstation=outstation, host="127.0.0.1", port=port)
        serving = asyncio.create_task(runner.run())
        await asyncio.sleep(0.5)
        master = Master(handler=DefaultSOEHandler(), config=MasterConfig(address=1, outstation_address=10))
        key = []
        async with MasterTcpRunner(master=master, host="127.0.0.1", port=port) as m:
            await m.integrity_poll()
            await m.request(master.build_direct_operate(CommandBuilder().add_analog(3, 1234).build_direct_operate()))
            key.append(("dnp3:ao:3", 1234))
            select = CommandBuilder().add_analog(1, -40)
            await m.request(master.build_select(select.build_select()))
            await m.request(master.build_operate(select.build_operate()))
            key.append(("dnp3:ao:1", -40))
            await m.request(master.build_direct_operate(CommandBuilder().latch_on(2).build_direct_operate()))
            key.append(("dnp3:bo:2", 1))          # a CROB's latch on or close: the state 1
            trip = CommandBuilder().add_crob(0, ControlCode.PULSE_ON, 1, 500, 0)
            await m.request(master.build_select(trip.build_select()))
            await m.request(master.build_operate(trip.build_operate()))
            key.append(("dnp3:bo:0", 1))
        serving.cancel()
        try:
            await serving
        except asyncio.CancelledError:
            pass
        return key

    cap = Capture("dnp3", f"tcp port {port}")
    key = asyncio.run(run())
    cap.stop()
    write_key("dnp3", key)


STACKS = {"modbus": modbus, "s7": s7, "opcua": opcua, "cip": cip, "iec104": iec104, "bacnet": bacnet, "dnp3": dnp3}

if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    os.makedirs(OUT, exist_ok=True)
    for name, fn in STACKS.items():
        if which in ("all", name):
            print(f"peer stack: {name}", file=sys.stderr)
            try:
                fn()
            finally:
                for c in RUNNING:
                    c.stop()
                RUNNING.clear()
