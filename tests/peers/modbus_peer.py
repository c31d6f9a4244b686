#!/usr/bin/env python3
"""A Modbus server standing in for a real device, for iost-flight's peer tests.

Serves the register map of a Sensirion SCD30 (Modbus interface), an EPEver Tracer-class MPPT
charge controller, or the iost star tracker (docs/star-tracker-modbus.md), with the physical
values given as JSON on the command line, over Modbus TCP or RTU. The register encoding here is
written independently of the Swift drivers (struct.pack), so a test reading the values back
through LinuxModbusClient and a driver checks both ends.

Output on stdout, one line each, flushed:
    READY tcp 127.0.0.1:5020        once the server listens (the port is the bound one)
    READY rtu /tmp/x/B
    {"write": {...}}                for every write request that reached the device

Examples:
    modbus_peer.py --device scd30 --values '{"co2_ppm": 812.5}' --tcp 127.0.0.1:0
    modbus_peer.py --device mppt --rtu /tmp/pty/B --baud 19200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import struct
import sys

from pymodbus import FramerType
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

READ_COILS, READ_DISCRETE, READ_HOLDING, READ_INPUT = 1, 2, 3, 4
WRITE_COIL, WRITE_REGISTER, WRITE_COILS, WRITE_REGISTERS = 5, 6, 15, 16


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def float_words(value: float) -> list[int]:
    """IEEE-754 single, high word first (big-endian byte order throughout)."""
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


def u32_low_high(value: int) -> list[int]:
    """A 32-bit value as EPEver sends it: low word at the lower address."""
    value &= 0xFFFFFFFF
    return [value & 0xFFFF, value >> 16]


def u32_high_low(value: int) -> list[int]:
    value &= 0xFFFFFFFF
    return [value >> 16, value & 0xFFFF]


def regs(address: int, values: list[int]) -> SimData:
    return SimData(address=address, values=[v & 0xFFFF for v in values], datatype=DataType.REGISTERS)


def bits(address: int, values: list[bool]) -> SimData:
    return SimData(address=address, values=values, datatype=DataType.BITS)


def make_action(unit: int, allowed: set[int], on_write=None):
    async def action(function_code, start_address, address, count, registers, set_values):
        if function_code not in allowed:
            return ExcCodes.ILLEGAL_FUNCTION
        if set_values is not None:
            emit({"write": {"unit": unit, "function": function_code, "address": address,
                            "values": [int(v) for v in set_values]}})
            if on_write is not None:
                return on_write(function_code, start_address, address, registers, set_values)
        return None
    return action


# --- Sensirion SCD30, Interface Description §1.2 (Modbus) and §1.4 (commands) -----------------

def scd30_device(unit: int, v: dict) -> SimDevice:
    # One register space for function codes 0x03 and 0x04, writes with 0x06 only.
    base = 0x0020
    space = {a: 0 for a in range(base, 0x003C)}
    space[0x0020] = int(v.get("firmware", 0x0342))        # firmware 3.66
    space[0x0025] = int(v.get("interval_s", 2))
    space[0x0027] = 1 if v.get("ready", False) else 0
    words = float_words(v.get("co2_ppm", 400.0)) + float_words(v.get("temperature_c", 21.0)) \
        + float_words(v.get("humidity_pct", 40.0))
    for i, w in enumerate(words):
        space[0x0028 + i] = w
    space[0x0036] = 0
    space[0x0037] = 0

    def on_write(fc, start, address, registers, values):
        value = int(values[0])
        if address == 0x0036:
            if value != 0 and not 700 <= value <= 1400:
                return ExcCodes.ILLEGAL_VALUE
            registers[0x0027 - start] = 1       # measuring: a sample becomes available
        elif address == 0x0037:
            registers[0x0027 - start] = 0
        elif address == 0x0025 and not 2 <= value <= 1800:
            return ExcCodes.ILLEGAL_VALUE
        return None

    return SimDevice(
        id=unit,
        simdata=[regs(base, [space[a] for a in sorted(space)])],
        action=make_action(unit, {READ_HOLDING, READ_INPUT, WRITE_REGISTER}, on_write),
    )


# --- EPEver Tracer / LS-B class MPPT, "Controller Communication Instruction" register list -----

def mppt_device(unit: int, v: dict) -> SimDevice:
    def c(key: str, default: float) -> int:
        return int(round(v.get(key, default) * 100))

    rated = [c("rated_pv_voltage_v", 100.0), c("rated_pv_current_a", 30.0)] \
        + u32_low_high(c("rated_pv_power_w", 780.0)) \
        + [c("rated_battery_voltage_v", 24.0), c("rated_charge_current_a", 30.0)] \
        + u32_low_high(c("rated_charge_power_w", 780.0)) + [2]          # 0x3008 charging mode MPPT
    realtime = [c("pv_voltage_v", 0), c("pv_current_a", 0)] + u32_low_high(c("pv_power_w", 0)) \
        + [c("battery_voltage_v", 0), c("charge_current_a", 0)] + u32_low_high(c("charge_power_w", 0))
    soc = int(v.get("battery_soc_pct", 0))
    charging = (int(v.get("charging_state", 0)) & 0x3) << 2 | 0x0001   # D0 running
    battery_i = c("battery_current_a", 0)
    stats = [c("battery_voltage_v", 0)] + u32_low_high(battery_i)

    coils = [bits(0x0002, [True])]                       # charging device on
    discrete = [bits(0x2000, [False])]                   # over temperature inside the device
    holding = [regs(0x9000, [0, 20000, 1600])]           # battery type, capacity, temp. coeff.
    inputs = [regs(0x3000, rated), regs(0x3100, realtime), regs(0x311A, [soc]),
              regs(0x3200, [0, charging]), regs(0x331A, stats)]
    return SimDevice(
        id=unit,
        simdata=(coils, discrete, holding, inputs),
        action=make_action(unit, {READ_COILS, READ_DISCRETE, READ_HOLDING, READ_INPUT,
                                  WRITE_COIL, WRITE_REGISTER, WRITE_COILS, WRITE_REGISTERS}),
    )


# --- iost star tracker, docs/star-tracker-modbus.md --------------------------------------------

def star_tracker_device(unit: int, v: dict) -> SimDevice:
    q = v.get("q", [1.0, 0.0, 0.0, 0.0])
    tracking = bool(v.get("tracking", True))
    stars = int(v.get("stars", 12))
    status = (1 if tracking else 0) | (2 if v.get("lost", False) else 0) \
        | (4 if v.get("rate_too_high", False) else 0) | (8 if v.get("stray_light", False) else 0)
    time_s = float(v.get("time_s", 0.0))
    seconds = int(math.floor(time_s))
    fraction = int(round((time_s - seconds) * 65536)) & 0xFFFF
    valid = 1 if v.get("valid", tracking) else 0
    block = [0x5354, 0x0100, status, stars]
    for component in q:
        block += float_words(component)
    block += u32_high_low(seconds) + [fraction, valid]
    holding = [regs(0x0100, [int(v.get("mode", 0)), int(v.get("exposure_ms", 50))])]

    def on_write(fc, start, address, registers, values):
        for offset, value in enumerate(values):
            a = address + offset
            if a == 0x0100 and value not in (0, 1):
                return ExcCodes.ILLEGAL_VALUE
            if a == 0x0101 and not 1 <= value <= 1000:
                return ExcCodes.ILLEGAL_VALUE
        return None

    return SimDevice(
        id=unit,
        simdata=([bits(0xFFF0, [False])], [bits(0xFFF0, [False])], holding, [regs(0x0000, block)]),
        action=make_action(unit, {READ_HOLDING, READ_INPUT, WRITE_REGISTER, WRITE_REGISTERS}, on_write),
    )


DEVICES = {"scd30": (scd30_device, 0x61), "mppt": (mppt_device, 1), "startracker": (star_tracker_device, 0x20)}


async def serve(args) -> None:
    build, default_unit = DEVICES[args.device]
    unit = args.unit if args.unit is not None else default_unit
    device = build(unit, json.loads(args.values))
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        server = ModbusTcpServer(device, address=(host, int(port)))
        await server.serve_forever(background=True)
        bound = server.transport.sockets[0].getsockname()[1]
        emit_ready = f"READY tcp {host}:{bound}"
    else:
        server = ModbusSerialServer(device, framer=FramerType.RTU, port=args.rtu, baudrate=args.baud,
                                    bytesize=8, parity="N", stopbits=1)
        await server.serve_forever(background=True)
        emit_ready = f"READY rtu {args.rtu}"
    sys.stdout.write(emit_ready + "\n")
    sys.stdout.flush()
    await server.serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=sorted(DEVICES), required=True)
    parser.add_argument("--values", default="{}", help="physical values as a JSON object")
    parser.add_argument("--unit", type=int, help="unit id (default: the device's)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (port 0: any free port)")
    where.add_argument("--rtu", metavar="TTY", help="serve RTU on this serial device")
    parser.add_argument("--baud", type=int, default=19200)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
