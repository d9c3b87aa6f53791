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
    """Rows of (action, point, value): `write` or `operate` a point to a raw value; `command` names what the command
    does (`plc_stop`) as the last part of Jikocho's event kind, with no point or value."""
    with open(os.path.join(OUT, f"peer_{name}.key.tsv"), "w") as f:
        f.write("action\tpoint\tvalue\n")
        for action, point, value in rows:
            f.write(f"{action}\t{point}\t{value}\n")


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
    key.append(("write", "holding:40005", 1234))
    client.write_registers(10, [7, 8, 65535], device_id=1)       # FC 16
    key += [("write", "holding:40011", 7), ("write", "holding:40012", 8), ("write", "holding:40013", 65535)]
    client.write_coil(7, True, device_id=1)                      # FC 5
    key.append(("write", "coil:00008", 1))
    client.write_coils(20, [True, False, True], device_id=1)     # FC 15
    key += [("write", "coil:00021", 1), ("write", "coil:00022", 0), ("write", "coil:00023", 1)]
    client.readwrite_registers(read_address=0, read_count=2, write_address=30, values=[42, 43], device_id=1)  # FC 23
    key += [("write", "holding:40031", 42), ("write", "holding:40032", 43)]
    client.write_register(150, 9999, device_id=1)
    key.append(("write", "holding:40151", 9999))
    client.mask_write_register(address=40, and_mask=0x00F2, or_mask=0x0025, device_id=1)   # FC 22: no value written
    key.append(("write", "holding:40041", ""))
    client.write_registers(60, [300], device_id=1)                 # FC 16 of one register
    key.append(("write", "holding:40061", 300))
    client.close()
    cap.stop()
    ServerStop()
    write_key("modbus", key)


# MARK: S7comm (python-snap7's server and client)

def s7():
    import snap7
    from snap7.type import Area, SrvArea, WordLen

    port = 102
    server = snap7.Server(log=False)
    db1 = (snap7.type.WordLen.Byte.ctype * 64)()
    mk = (snap7.type.WordLen.Byte.ctype * 64)()
    pa = (snap7.type.WordLen.Byte.ctype * 16)()
    server.register_area(SrvArea.DB, 1, db1)
    server.register_area(SrvArea.MK, 0, mk)
    server.register_area(SrvArea.PA, 0, pa)
    cap = Capture("s7", f"tcp port {port}")
    server.start(tcp_port=port)
    wait_port(port)
    key = []
    client = snap7.Client()
    client.connect("127.0.0.1", 0, 1, port)
    client.db_read(1, 0, 8)
    client.db_write(1, 4, bytearray([0x04, 0xD2]))              # two bytes at DB1.DBB4
    key.append(("write", "s7:DB1.DBW4", 1234))
    client.db_write(1, 10, bytearray([0x42, 0x28, 0x00, 0x00]))  # four bytes: REAL 42.0
    key.append(("write", "s7:DB1.DBD10", 1109917696))
    client.db_write(1, 20, bytearray([0x07]))
    key.append(("write", "s7:DB1.DBB20", 7))
    client.mb_write(10, 2, bytearray([0x00, 0x64]))             # flags MW10
    key.append(("write", "s7:MW10", 100))
    client.write_area(Area.DB, 1, 30 * 8 + 3, bytearray([1]), WordLen.Bit)   # one bit: DB1.DBX30.3
    key.append(("write", "s7:DB1.DBX30.3", 1))
    client.ab_write(0, bytearray([0x05]))                        # outputs QB0
    key.append(("write", "s7:QB0", 5))
    # Two items in one request.
    item = lambda area, db, start, data: {"area": area, "db_number": db, "start": start, "data": bytearray(data)}
    client.write_multi_vars([item(Area.DB, 1, 40, [0x00, 0x2A]), item(Area.MK, 0, 20, [0x01, 0x00])])
    key += [("write", "s7:DB1.DBW40", 42), ("write", "s7:MW20", 256)]
    client.plc_stop()
    key.append(("command", "plc_stop", ""))
    client.plc_hot_start()
    key.append(("command", "plc_start", ""))
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
                key.append(("write", f"opcua:ns={ns};s=Dose.SP", 7.25))
                await client.get_node(ua.NodeId("Dose.Run", ns)).write_value(
                    ua.DataValue(ua.Variant(True, ua.VariantType.Boolean)))
                key.append(("write", f"opcua:ns={ns};s=Dose.Run", "true"))
                await client.get_node(ua.NodeId(1001, ns)).write_value(
                    ua.DataValue(ua.Variant(-12, ua.VariantType.Int32)))
                key.append(("write", f"opcua:ns={ns};i=1001", -12))
                # Two nodes in one Write request.
                await client.write_values([client.get_node(ua.NodeId("Dose.SP", ns)), client.get_node(ua.NodeId(1001, ns))],
                                          [ua.DataValue(ua.Variant(3.5, ua.VariantType.Double)),
                                           ua.DataValue(ua.Variant(77, ua.VariantType.Int32))])
                key += [("write", f"opcua:ns={ns};s=Dose.SP", 3.5), ("write", f"opcua:ns={ns};i=1001", 77)]
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
        key = [("write", w[1], w[2]) for w in writes]
        # Several elements in one request: Counts[4] and Counts[5].
        subprocess.run([sys.executable, "-m", "cpppo.server.enip.client", "-a", f"127.0.0.1:{port}",
                        "Counts[4-5]=(DINT)11,12"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        key += [("write", "cip:Counts[4]", 11), ("write", "cip:Counts[5]", 12)]
        # Packed in one Multiple Service Packet, and fragmented (service 0x53).
        subprocess.run([sys.executable, "-m", "cpppo.server.enip.client", "-a", f"127.0.0.1:{port}", "--multiple",
                        "Tank1_SP=(REAL)18.25", "Counts[9]=(DINT)99"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        key += [("write", "cip:Tank1_SP", 18.25), ("write", "cip:Counts[9]", 99)]
        subprocess.run([sys.executable, "-m", "cpppo.server.enip.client", "-a", f"127.0.0.1:{port}", "--fragment",
                        "Grid[3-5]=(INT)-1,0,1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
        key += [("write", "cip:Grid[3]", -1), ("write", "cip:Grid[4]", 0), ("write", "cip:Grid[5]", 1)]
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
    station.add_point(io_address=6001, type=c104.Type.C_RC_NA_1)
    station.add_point(io_address=6002, type=c104.Type.C_SE_NA_1)
    station.add_point(io_address=6003, type=c104.Type.C_BO_NA_1)
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
    step = remote.add_point(io_address=6001, type=c104.Type.C_RC_NA_1)
    normalized = remote.add_point(io_address=6002, type=c104.Type.C_SE_NA_1)
    bits = remote.add_point(io_address=6003, type=c104.Type.C_BO_NA_1)
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
    key.append(("operate", "iec104:ioa:4001", 12.5))
    scaled.value = c104.Int16(-300)
    assert scaled.transmit(cause=c104.Cot.ACTIVATION), "C_SE_NB_1 refused"
    key.append(("operate", "iec104:ioa:4002", -300))
    single.value = True
    assert single.transmit(cause=c104.Cot.ACTIVATION), "C_SC_NA_1 refused"
    key.append(("operate", "iec104:ioa:5001", 1))
    double.value = c104.Double.ON
    assert double.transmit(cause=c104.Cot.ACTIVATION), "C_DC_NA_1 refused"
    key.append(("operate", "iec104:ioa:5002", 1))    # DCS 2 (on): the state 1 it commands, as Jikocho writes a double command
    step.value = c104.Step.HIGHER
    assert step.transmit(cause=c104.Cot.ACTIVATION), "C_RC_NA_1 refused"
    key.append(("operate", "iec104:ioa:6001", 2))    # RCS 2: higher
    normalized.value = c104.NormalizedFloat(0.5)
    assert normalized.transmit(cause=c104.Cot.ACTIVATION), "C_SE_NA_1 refused"
    key.append(("operate", "iec104:ioa:6002", 0.5))
    # The BSI's four octets as sent; lib60870 reads them as a number least significant octet first (0x78563412), as
    # Jikocho does (Wireshark shows them most significant first, 0x12345678).
    octets = bytes([0x12, 0x34, 0x56, 0x78])
    bits.value = c104.Byte32(octets)
    assert bits.transmit(cause=c104.Cot.ACTIVATION), "C_BO_NA_1 refused"
    key.append(("operate", "iec104:ioa:6003", int.from_bytes(octets, "little")))
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
    from bacpypes3.apdu import (DeviceCommunicationControlRequest, ReinitializeDeviceRequest,
                                WritePropertyMultipleRequest)
    from bacpypes3.app import Application
    from bacpypes3.argparse import SimpleArgumentParser
    from bacpypes3.basetypes import PropertyValue, WriteAccessSpecification
    from bacpypes3.constructeddata import Any
    from bacpypes3.pdu import Address
    from bacpypes3.primitivedata import ObjectIdentifier, Real

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
            # WritePropertyMultiple, ReinitializeDevice and DeviceCommunicationControl, whatever the device answers.
            spec = lambda obj, value: WriteAccessSpecification(
                objectIdentifier=ObjectIdentifier(obj),
                listOfProperties=[PropertyValue(propertyIdentifier="present-value", value=Any(Real(value)), priority=8)])
            requests = [
                WritePropertyMultipleRequest(listOfWriteAccessSpecs=[spec("analog-value,3", 9.5), spec("analog-output,2", 12.0)]),
                ReinitializeDeviceRequest(reinitializedStateOfDevice="warmstart", password="secret"),
                DeviceCommunicationControlRequest(timeDuration=5, enableDisable="disable", password="secret"),
            ]
            for request in requests:
                request.pduDestination = Address(device)
                try:
                    await app.request(request)
                except BaseException as answer:    # an Error, Reject or Abort answer: the request was still sent
                    if isinstance(answer, (KeyboardInterrupt, SystemExit, asyncio.CancelledError)):
                        raise
            app.close()
            return [("write", "bacnet:analog-value:3", 7.25), ("write", "bacnet:analog-output:2", 55.0),
                    ("write", "bacnet:binary-output:1", 1), ("write", "bacnet:analog-value:3:out-of-service", "true"),
                    ("write", "bacnet:analog-value:3", 9.5), ("write", "bacnet:analog-output:2", 12.0),
                    ("command", "reinitialize_device", ""), ("command", "device_communication_control", "")]

        key = asyncio.run(run())
        cap.stop()
    finally:
        server.terminate()
        server.wait(timeout=10)
    write_key("bacnet", key)


# MARK: DNP3 (dnp3py: an outstation that accepts its outputs' commands, and a master)

def dnp3():
    from dnp3.application.builder import build_cold_restart_request
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

        def cold_restart(self):
            return 5000

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
            key.append(("operate", "dnp3:ao:3", 1234))
            select = CommandBuilder().add_analog(1, -40)
            await m.request(master.build_select(select.build_select()))
            await m.request(master.build_operate(select.build_operate()))
            key.append(("operate", "dnp3:ao:1", -40))
            await m.request(master.build_direct_operate(CommandBuilder().latch_on(2).build_direct_operate()))
            key.append(("operate", "dnp3:bo:2", 1))          # a CROB's latch on or close: the state 1
            trip = CommandBuilder().add_crob(0, ControlCode.PULSE_ON, 1, 500, 0)
            await m.request(master.build_select(trip.build_select()))
            await m.request(master.build_operate(trip.build_operate()))
            key.append(("operate", "dnp3:bo:0", 1))
            # Two analog outputs in one request.
            both = CommandBuilder().add_analog(0, 10).add_analog(2, 20)
            await m.request(master.build_direct_operate(both.build_direct_operate()))
            key += [("operate", "dnp3:ao:0", 10), ("operate", "dnp3:ao:2", 20)]
            await m.request(build_cold_restart_request(seq=master._state.get_next_request_sequence()))
            key.append(("command", "cold_restart", ""))
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


# MARK: OPC UA, signed and encrypted (asyncua with Basic256Sha256): writes no capture can show

def opcua_encrypted():
    import tempfile
    from pathlib import Path

    from asyncua import Client, Server, ua
    from asyncua.crypto.cert_gen import setup_self_signed_certificate
    from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256
    from asyncua.server.user_managers import CertificateUserManager
    from cryptography.x509.oid import ExtendedKeyUsageOID

    port = 4840
    folder = Path(tempfile.mkdtemp())

    async def run():
        certs = {}
        for who, uri, use in (("server", "urn:jikocho:peers:server", ExtendedKeyUsageOID.SERVER_AUTH),
                              ("client", "urn:jikocho:peers:client", ExtendedKeyUsageOID.CLIENT_AUTH)):
            key, cert = folder / f"{who}.pem", folder / f"{who}.der"
            await setup_self_signed_certificate(key, cert, uri, "localhost", [use], {"commonName": who})
            certs[who] = (key, cert)
        users = CertificateUserManager()
        await users.add_admin(certs["client"][1], name="engineer")
        server = Server(user_manager=users)
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/jikocho/")
        server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        await server.load_certificate(str(certs["server"][1]))
        await server.load_private_key(str(certs["server"][0]))
        ns = await server.register_namespace("urn:jikocho:peers")
        plant = await server.nodes.objects.add_object(ua.NodeId("Dose", ns), "Dose")
        sp = await plant.add_variable(ua.NodeId("Dose.SP", ns), "SP", 1.5, ua.VariantType.Double)
        await sp.set_writable()
        key = []
        async with server:
            client = Client(f"opc.tcp://127.0.0.1:{port}/jikocho/")
            client.application_uri = "urn:jikocho:peers:client"
            await client.set_security(SecurityPolicyBasic256Sha256, str(certs["client"][1]), str(certs["client"][0]),
                                      server_certificate=str(certs["server"][1]))
            async with client:
                node = client.get_node(ua.NodeId("Dose.SP", ns))
                await node.write_value(ua.DataValue(ua.Variant(9.75, ua.VariantType.Double)))
                key.append(("write", f"opcua:ns={ns};s=Dose.SP", 9.75))
        return key

    cap = Capture("opcua_encrypted", f"tcp port {port}")
    key = asyncio.run(run())
    cap.stop()
    # Written, but inside the encrypted channel: the test checks that no capture reader claims to see it.
    write_key("opcua_encrypted", key)


# MARK: Modbus/TCP Security (TLS on port 802: OpenSSL's s_server and s_client): a control channel no capture can read

def modbus_tls():
    import tempfile

    port = 802
    folder = tempfile.mkdtemp()
    key, cert = os.path.join(folder, "plc.key"), os.path.join(folder, "plc.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=plc-1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cap = Capture("modbus_tls", f"tcp port {port}")
    server = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert, "-key", key,
                               "-quiet"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)    # not wait_port: s_server would take its probe for the session
        # A Modbus write (FC 6, holding register 40005 = 1234) inside the TLS session.
        request = bytes([0, 1, 0, 0, 0, 6, 1, 6, 0, 4, 0x04, 0xD2])
        subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-quiet"], input=request,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        cap.stop()
    finally:
        server.terminate()
        server.wait(timeout=10)
    write_key("modbus_tls", [("write", "holding:40005", 1234)])


# MARK: Modbus RTU framing over TCP (a serial device server's port) and Modbus/UDP (pymodbus both ends)

def modbus_framings(name, start, client_class, framer, port, bpf, udp=False):
    from pymodbus.datastore import ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext
    from pymodbus.server import ServerStop

    block = lambda: ModbusSequentialDataBlock(1, [0] * 200)
    context = ModbusServerContext(devices=ModbusDeviceContext(di=block(), co=block(), hr=block(), ir=block()),
                                  single=True)
    server = threading.Thread(target=start, kwargs={"context": context, "address": ("127.0.0.1", port),
                                                    "framer": framer}, daemon=True)
    cap = Capture(name, bpf)
    server.start()
    wait_port(port, udp=udp)
    client = client_class("127.0.0.1", port=port, framer=framer)
    client.connect()
    key = []
    client.read_holding_registers(0, count=4, device_id=7)
    client.write_register(9, 4321, device_id=7)
    key.append(("write", "holding:40010", 4321))
    client.write_coil(3, True, device_id=7)
    key.append(("write", "coil:00004", 1))
    client.write_registers(20, [1, 2], device_id=7)
    key += [("write", "holding:40021", 1), ("write", "holding:40022", 2)]
    client.close()
    cap.stop()
    ServerStop()
    time.sleep(0.5)
    write_key(name, key)


def modbus_rtu_tcp():
    from pymodbus import FramerType
    from pymodbus.client import ModbusTcpClient
    from pymodbus.server import StartTcpServer
    modbus_framings("modbus_rtu_tcp", StartTcpServer, ModbusTcpClient, FramerType.RTU, 4001, "tcp port 4001")


def modbus_udp():
    from pymodbus import FramerType
    from pymodbus.client import ModbusUdpClient
    from pymodbus.server import StartUdpServer
    modbus_framings("modbus_udp", StartUdpServer, ModbusUdpClient, FramerType.SOCKET, 502, "udp port 502", udp=True)


STACKS = {"modbus": modbus, "s7": s7, "opcua": opcua, "cip": cip, "iec104": iec104, "bacnet": bacnet, "dnp3": dnp3, "opcua_encrypted": opcua_encrypted, "modbus_tls": modbus_tls, "modbus_rtu_tcp": modbus_rtu_tcp,
          "modbus_udp": modbus_udp}

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
