#!/usr/bin/env python3
"""Downlink capture and decoding for the HIL bench's whole-daemon case (tests/hil/guest.sh).

  downlink.py capture --port PORT --out FILE --seconds S
      Listens on UDP 127.0.0.1:PORT for S seconds and stores every datagram (one TM transfer
      frame each) as a 4-byte big-endian length followed by the datagram.
  downlink.py decode --in FILE --expected tests/hil/expected.json [--scid N]
      Decodes the capture with spacepackets (tests/peers/spacelink_check.py: frame checks incl.
      the FECF, counters, first header pointers, packet reassembly per VC), unpacks every PUS TM
      packet and looks for the preloaded sensor values in the housekeeping reports' source data
      (as big-endian float32 or float64, since the report structure is defined by the daemon's
      configuration). Prints a JSON summary; exit status 1 on any decoding error, no frames, or a
      preloaded value missing from every housekeeping report.
"""
from __future__ import annotations

import argparse
import json
import socket
import struct
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "peers"))

# Values that must appear in housekeeping: (device, key) from expected.json.
# (device, probe key, scale): the housekeeping structures of config/hil.toml carry the cabin
# pressure as life support's `ls.cabin_pressure_kpa` (kPa) and the IMU's rates (attitude).
HOUSEKEEPING_PROBES = [("cabin-env", "temperature_c", 1.0), ("cabin-env", "pressure_pa", 0.001),
                       ("battery-power", "bus_voltage_v", 1.0), ("imu", "rate_x_rad_s", 1.0), ("cabin-co2", "co2_ppm", 1.0)]


def capture(port: int, out: Path, seconds: float) -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(0.2)
    end = time.monotonic() + seconds
    count = 0
    with out.open("wb") as file:
        print(f"LISTENING udp 127.0.0.1:{port}", flush=True)
        while time.monotonic() < end:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            file.write(struct.pack(">I", len(data)) + data)
            file.flush()
            count += 1
    print(f"captured {count} datagram(s) in {seconds} s", flush=True)
    return 0


def carries(report: bytes, value: float, tolerance: float) -> bool:
    """Whether a big-endian float32 or float64 within `tolerance` of `value` stands anywhere in
    the report (its layout comes from the daemon's configuration, not from this script)."""
    for width, fmt in ((4, ">f"), (8, ">d")):
        for offset in range(0, len(report) - width + 1):
            candidate = struct.unpack(fmt, report[offset:offset + width])[0]
            if candidate == candidate and abs(candidate - value) <= tolerance:
                return True
    return False


def decode(path: Path, expected_path: Path, scid: int | None) -> int:
    from spacelink_check import check_frames, split_packets, IDLE_APID, CUC_WITH_PFIELD_LEN
    from spacepackets.ecss.tm import PusTm

    blob = path.read_bytes()
    frames = []
    pos = 0
    while pos + 4 <= len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        frames.append(blob[pos + 4:pos + 4 + length])
        pos += 4 + length
    errors: list[str] = []
    summary: dict = {"datagrams": len(frames)}
    if not frames:
        errors.append("no downlink frames captured")
    else:
        lengths = Counter(len(f) for f in frames)
        frame_length = lengths.most_common(1)[0][0]
        if len(lengths) > 1:
            errors.append(f"frames of several lengths: {dict(lengths)}")
        if scid is None:
            scid = (struct.unpack(">H", frames[0][0:2])[0] >> 4) & 0x3FF
        count, streams, starts = check_frames(b"".join(f for f in frames if len(f) == frame_length), frame_length, scid, errors)
        packets = []
        for vc in sorted(streams):
            packets += [p for p in split_packets(streams[vc], starts[vc], vc, frame_length - 12, errors)
                        if (struct.unpack(">H", p[0:2])[0] & 0x7FF) != IDLE_APID]
        services: Counter = Counter()
        housekeeping: list[bytes] = []
        for packet in packets:
            try:
                tm = PusTm.unpack(packet, timestamp_len=CUC_WITH_PFIELD_LEN)
            except Exception as exc:  # noqa: BLE001 - any rejection is a decoding error
                errors.append(f"packet {packet[:8].hex()}…: spacepackets rejected it: {repr(exc)[:120]}")
                continue
            services[f"{tm.service},{tm.message_subtype}"] += 1
            if tm.service == 3 and tm.message_subtype == 25:
                housekeeping.append(bytes(tm.source_data))
        summary.update(frames=count, frame_length=frame_length, scid=scid, packets=len(packets),
                       services=dict(services), housekeeping_reports=len(housekeeping))
        devices = json.loads(expected_path.read_text())["devices"]
        found = {}
        for device, key, scale in HOUSEKEEPING_PROBES:
            value = devices[device][key][0] * scale
            tolerance = max(devices[device][key][1] * scale, abs(value) * 1e-6)   # float32 keeps ~7 digits
            found[f"{device}.{key}"] = any(carries(report, value, tolerance) for report in housekeeping)
        summary["values_in_housekeeping"] = found
        errors += [f"{name} = preloaded value not found in any housekeeping report" for name, ok in found.items() if not ok]
    summary["errors"] = errors[:50]
    print(json.dumps(summary, indent=1))
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--seconds", type=float, required=True)
    d = sub.add_parser("decode")
    d.add_argument("--in", dest="path", type=Path, required=True)
    d.add_argument("--expected", type=Path, required=True)
    d.add_argument("--scid", type=int)
    args = parser.parse_args()
    if args.command == "capture":
        return capture(args.port, args.out, args.seconds)
    return decode(args.path, args.expected, args.scid)


if __name__ == "__main__":
    sys.exit(main())
