#!/usr/bin/env python3
"""Independent check of a captured iostd downlink with spacepackets 0.32 and puslib 0.4.

Usage: downlink_check.py FRAMES_FILE FRAME_LENGTH SCID

FRAMES_FILE holds concatenated TM transfer frames exactly as received from the daemon over UDP.
Every frame is unpacked by spacepackets (which verifies the FECF); the packet streams are rebuilt
per virtual channel independently of our reassembler (spacelink_check.check_frames), and every
packet is decoded by spacepackets' PusTm and puslib's PusTmPacket, which must agree. Prints one
JSON object: frame and packet counts, packets per (service, subtype), and a list of errors (empty
when everything decodes). Strict on order too: per APID the packet sequence counts on the wire
must run on by exactly one (modulo 16384), and per (service, subtype, destination) the PUS message
type counters likewise, from the first packet seen (the capture starts mid-stream). Also prints, under "ping_tc", a TC[17,1] built by spacepackets for the
test to send to the daemon.
"""
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
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
    last_seq = {}        # apid -> last sequence count
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
            if tm.apid in last_seq and tm.seq_count != (last_seq[tm.apid] + 1) % 16384:
                errors.append(f"APID {tm.apid:#x}: sequence count {tm.seq_count} after {last_seq[tm.apid]} "
                              f"(TM[{tm.service},{tm.message_subtype}])")
            last_seq[tm.apid] = tm.seq_count
            key = (tm.service, tm.message_subtype, tm.pus_tm_sec_header.dest_id)
            counter = tm.pus_tm_sec_header.message_counter
            if key in last_counter and counter != (last_counter[key] + 1) % 65536:
                errors.append(f"TM[{key[0]},{key[1]}] to {key[2]}: message type counter {counter} after {last_counter[key]}")
            last_counter[key] = counter
    ping = PusTc(service=17, message_subtype=1, apid=0x123, seq_count=77, ack_flags=0b1111)
    print(json.dumps({"frames": count, "packets": packets, "kinds": dict(kinds), "errors": errors,
                      "ping_tc": ping.pack().hex()}))


if __name__ == "__main__":
    main()
