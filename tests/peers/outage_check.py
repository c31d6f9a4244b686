#!/usr/bin/env python3
"""Independent check of a downlink captured across passes, with spacepackets 0.32.

Usage: outage_check.py FRAMES_FILE FRAME_LENGTH SCID [FROM_TAI_SECONDS TO_TAI_SECONDS]

FRAMES_FILE holds concatenated TM transfer frames exactly as received from the daemon over UDP,
across one or more passes: real-time packets on VC 0 and packets replayed from the onboard store
on VC 1. Frames are unpacked by spacepackets (FECF verified), the packet streams are rebuilt per
VC independently of our reassembler, and every packet is decoded by spacepackets' PusTm.

The two VCs are merged by (APID, sequence count, generation time): a packet seen on both is one
packet. Per APID, the merged sequence counts, taken in generation-time order and unwrapped
(14 bits), must be contiguous from the first to the last packet generated in the window
[FROM, TO] (TAI seconds since 1958 of the packets' CUC time; default: everything captured).
A sequence count seen twice with different generation times or contents is a reused count.

Prints one JSON object: frames, packets per VC, merged packets, per-APID first/last count,
"missing" (counts absent inside the window), "reused", and a list of errors (empty when all is
well).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spacelink_check import CUC_WITH_PFIELD_LEN, IDLE_APID, check_frames, split_packets  # noqa: E402

from spacepackets.ecss.tm import PusTm  # noqa: E402

MODULUS = 16384


def generation_time(packet):
    """TAI seconds since 1958 from the PUS-C TM secondary header's CUC (P-field 0x1E, 4+2)."""
    # primary header (6), PUS version/flags (1), service (1), subtype (1), counter (2), destination (2)
    offset = 6 + 7
    if packet[offset] != 0x1E:
        raise ValueError(f"P-field {packet[offset]:#x}")
    coarse = int.from_bytes(packet[offset + 1:offset + 5], "big")
    fine = int.from_bytes(packet[offset + 5:offset + 7], "big")
    return coarse + fine / 65536


def main():
    blob = Path(sys.argv[1]).read_bytes()
    frame_length = int(sys.argv[2])
    scid = int(sys.argv[3])
    window = (float(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 5 else None
    errors = []
    count, streams, frame_starts = check_frames(blob, frame_length, scid, errors)
    data_field_length = frame_length - 6 - 4 - 2      # primary header, OCF, FECF
    per_vc = {}
    merged = {}          # (apid, seq, time) -> bytes
    by_count = {}        # (apid, seq) -> set of (time, bytes)
    for vc, stream in streams.items():
        if vc == 7:
            continue
        for packet in split_packets(stream, frame_starts[vc], vc, data_field_length, errors):
            apid = ((packet[0] & 0x07) << 8) | packet[1]
            if apid == IDLE_APID:
                continue
            try:
                tm = PusTm.unpack(packet, timestamp_len=CUC_WITH_PFIELD_LEN)
                time = generation_time(packet)
            except Exception as exc:  # noqa: BLE001 - any rejection is a finding
                errors.append(f"VC{vc}: packet {packet[:8].hex()}… rejected: {repr(exc)[:120]}")
                continue
            per_vc[vc] = per_vc.get(vc, 0) + 1
            key = (tm.apid, tm.seq_count, time)
            if key in merged and merged[key] != bytes(packet):
                errors.append(f"APID {tm.apid:#x} count {tm.seq_count}: two different packets with one time")
            merged[key] = bytes(packet)
            by_count.setdefault((tm.apid, tm.seq_count), set()).add((time, bytes(packet)))
    reused = [f"{apid:#x}/{seq}" for (apid, seq), seen in by_count.items() if len(seen) > 1]
    # A reused count is legitimate only after a full 14-bit wrap: far apart in time and count.
    report = {"frames": count, "packets_per_vc": {str(k): v for k, v in sorted(per_vc.items())},
              "merged": len(merged), "apids": {}, "missing": 0, "reused": 0, "errors": errors}
    apids = sorted({key[0] for key in merged})
    for apid in apids:
        items = sorted((time, seq) for (a, seq, time) in merged if a == apid)
        if window is not None:
            items = [item for item in items if window[0] <= item[0] <= window[1]]
        if not items:
            continue
        unwrapped = []
        previous = None
        for _, seq in items:
            if previous is None:
                value = seq
            else:
                step = (seq - previous) % MODULUS
                if step >= MODULUS // 2:
                    step -= MODULUS
                value = previous_value + step
            unwrapped.append(value)
            previous = seq
            previous_value = value
        values = sorted(unwrapped)
        distinct = sorted(set(values))
        missing = (distinct[-1] - distinct[0] + 1) - len(distinct)
        duplicates = len(values) - len(distinct)
        report["apids"][f"{apid:#x}"] = {"first": distinct[0] % MODULUS, "last": distinct[-1] % MODULUS,
                                         "packets": len(distinct), "missing": missing, "reused": duplicates}
        report["missing"] += missing
        report["reused"] += duplicates
        if missing:
            holes = sorted(set(range(distinct[0], distinct[-1] + 1)) - set(distinct))
            errors.append(f"APID {apid:#x}: {missing} counts missing, first {[h % MODULUS for h in holes[:8]]}")
        if duplicates:
            errors.append(f"APID {apid:#x}: {duplicates} counts reused")
    if reused and not report["reused"]:
        report["reused_across_wrap"] = reused[:8]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
