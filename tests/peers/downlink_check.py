#!/usr/bin/env python3
"""Independent check of a captured iostd downlink with spacepackets 0.32 and puslib 0.4.

Usage: downlink_check.py FRAMES_FILE FRAME_LENGTH SCID

FRAMES_FILE holds concatenated TM transfer frames exactly as received from the daemon over UDP.
Every frame is unpacked by spacepackets (which verifies the FECF); the packet streams are rebuilt
per virtual channel independently of our reassembler (spacelink_check.check_frames), and every
packet is decoded by spacepackets' PusTm and puslib's PusTmPacket, which must agree. Prints one
JSON object: frame and packet counts, packets per (service, subtype), and a list of errors (empty
when everything decodes). Strict on counts too: per APID every packet sequence count appears once
and none is missing (modulo 16384) — the vehicle stamps counts before its priority scheduler, so
events may overtake housekeeping of the same APID on the wire by at most REORDER_WINDOW counts, and
only the window at either end of the capture may miss counts sent before or after it; per
(service, subtype, destination) the PUS message type counters must run on by exactly one on the
wire (one message type has one priority), from the first packet seen (the capture starts mid-stream). Also prints, under "ping_tc", a TC[17,1] built by spacepackets for the
test to send to the daemon.
"""
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
REORDER_WINDOW = 64

from spacelink_check import CUC_WITH_PFIELD_LEN, IDLE_APID, check_frames, split_packets  # noqa: E402

from spacepackets.ecss.tc import PusTc  # noqa: E402
from spacepackets.ecss.tm import PusTm  # noqa: E402
from puslib.packet import PusTmPacket  # noqa: E402


def main():
    blob = Path(sys.argv[1]).read_bytes()
    frame_length = int(sys.argv[2])
    scid = int(sys.argv[3])
    errors = []
    count, streams, frame_starts = check_frames(blob, frame_length, scid, errors)
    data_field_length = frame_length - 6 - 4 - 2      # primary header, OCF, FECF
    kinds = Counter()
    packets = 0
    last_seq = {}        # apid -> unwrapped sequence counts in wire order
    last_counter = {}    # (service, subtype, destination) -> last message type counter
    for vc, stream in streams.items():
        if vc == 7:
            continue
        for packet in split_packets(stream, frame_starts[vc], vc, data_field_length, errors):
            apid = ((packet[0] & 0x07) << 8) | packet[1]
            if apid == IDLE_APID:
                continue
            packets += 1
            try:
                tm = PusTm.unpack(packet, timestamp_len=CUC_WITH_PFIELD_LEN)
            except Exception as exc:  # noqa: BLE001 - any rejection is a finding
                errors.append(f"spacepackets rejected packet {packet[:8].hex()}…: {repr(exc)[:120]}")
                continue
            try:
                ptm = PusTmPacket.deserialize(packet)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"puslib rejected TM[{tm.service},{tm.message_subtype}] seq {tm.seq_count}: {repr(exc)[:120]}")
                continue
            if (ptm.service, ptm.subservice, ptm.seq_count, bytes(ptm.source_data or b"")) != \
                    (tm.service, tm.message_subtype, tm.seq_count, tm.source_data):
                errors.append(f"TM[{tm.service},{tm.message_subtype}] seq {tm.seq_count}: spacepackets and puslib disagree")
            kinds[f"{tm.service},{tm.message_subtype}"] += 1
            seen = last_seq.setdefault(tm.apid, [])
            if seen:
                # Unwrap near the previous count (a 14-bit count wraps within a capture).
                previous = seen[-1]
                delta = (tm.seq_count - previous) % 16384
                value = previous + delta if delta < 8192 else previous - (16384 - delta)
            else:
                value = tm.seq_count
            if seen and abs(value - max(seen)) > REORDER_WINDOW and value < max(seen):
                errors.append(f"APID {tm.apid:#x}: sequence count {tm.seq_count} arrives more than {REORDER_WINDOW} "
                              f"behind {max(seen) % 16384} (TM[{tm.service},{tm.message_subtype}])")
            seen.append(value)
            key = (tm.service, tm.message_subtype, tm.pus_tm_sec_header.dest_id)
            counter = tm.pus_tm_sec_header.message_counter
            if key in last_counter and counter != (last_counter[key] + 1) % 65536:
                errors.append(f"TM[{key[0]},{key[1]}] to {key[2]}: message type counter {counter} after {last_counter[key]}")
            last_counter[key] = counter
    for apid, seen in last_seq.items():
        duplicates = sorted({v % 16384 for v in seen if seen.count(v) > 1})
        if duplicates:
            errors.append(f"APID {apid:#x}: sequence counts repeated: {duplicates[:10]}")
        present = set(seen)
        low, high = min(seen) + REORDER_WINDOW, max(seen) - REORDER_WINDOW
        missing = [v % 16384 for v in range(low, high + 1) if v not in present]
        if missing:
            errors.append(f"APID {apid:#x}: sequence counts missing: {missing[:10]}")
    ping = PusTc(service=17, message_subtype=1, apid=0x123, seq_count=77, ack_flags=0b1111)
    print(json.dumps({"frames": count, "packets": packets, "kinds": dict(kinds), "errors": errors,
                      "ping_tc": ping.pack().hex()}))


if __name__ == "__main__":
    main()
