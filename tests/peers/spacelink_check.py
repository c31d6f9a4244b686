#!/usr/bin/env python3
"""Independent check of SpaceLink output with spacepackets 0.32 and puslib 0.4.

Usage: spacelink_check.py WORKDIR

Reads from WORKDIR (written by the Swift test SpaceLinkPeerTests):
  tm_frames.bin   concatenated TM transfer frames made by TMMasterChannel
  expected.json   {"frame_length", "scid", "tm": [fields of every packet sent, in VC order],
                   "tc_hex": [PUS-C TCs encoded by PUSTelecommand]}
Prints one JSON object on stdout: counts, a list of errors (empty when all agrees), and
"peer_tcs": telecommands built here by spacepackets and puslib for the Swift side to decode.
"""
import json
import struct
import sys
from pathlib import Path

from spacepackets.ccsds.tm_frame import TmTransferFrame
from spacepackets.ecss.tc import PusTc
from spacepackets.ecss.tm import PusTm
from puslib.packet import PusTcPacket, PusTmPacket

CUC_WITH_PFIELD_LEN = 7  # spacepackets has no CUC class: P-field + 4 coarse + 2 fine
IDLE_APID = 0x7FF


def check_frames(frames_blob, frame_length, scid, errors, counts_from_zero=False):
    """Unpack every frame with spacepackets (verifies the FECF) and rebuild the packet streams
    per VC independently of our reassembler, checking each first header pointer on the way.

    With counts_from_zero the master and virtual channel frame counts must start at 0 (a fresh
    TMMasterChannel); otherwise the first frame seen sets them (a capture of a running vehicle,
    whose counts continue across restarts)."""
    streams = {}          # vc -> bytearray of packet zone octets from the first packet start
    frame_starts = {}     # vc -> list of (stream offset, fhp) per frame
    # Counts continue across restarts (they are persisted), so a capture may start anywhere: the
    # first frame of the master channel and of each VC sets what follows.
    mc_expected = 0 if counts_from_zero else None
    vc_expected = {}
    count = 0
    for offset in range(0, len(frames_blob), frame_length):
        raw = frames_blob[offset:offset + frame_length]
        count += 1
        try:
            frame = TmTransferFrame.unpack(raw, frame_length, has_error_control_field=True)
        except Exception as exc:  # noqa: BLE001 - report any peer rejection
            errors.append(f"frame {count - 1}: spacepackets rejected it: {repr(exc)[:160]}")
            if mc_expected is not None:
                mc_expected = (mc_expected + 1) % 256
            continue
        header = frame.primary_header
        status = header.frame_datafield_status
        if header.master_channel_id.spacecraft_id != scid:
            errors.append(f"frame {count - 1}: SCID {header.master_channel_id.spacecraft_id}")
        if header.master_channel_id.transfer_frame_version != 0:
            errors.append(f"frame {count - 1}: version {header.master_channel_id.transfer_frame_version}")
        if mc_expected is not None and header.master_ch_frame_count != mc_expected:
            errors.append(f"frame {count - 1}: MC count {header.master_ch_frame_count} != {mc_expected}")
        mc_expected = (header.master_ch_frame_count + 1) % 256
        vc = header.vc_id
        if header.vc_frame_count != vc_expected.get(vc, 0 if counts_from_zero else header.vc_frame_count):
            errors.append(f"frame {count - 1}: VC{vc} count {header.vc_frame_count}")
        vc_expected[vc] = (header.vc_frame_count + 1) % 256
        if status.secondary_header_flag or status.sync_flag or status.packet_order_flag or status.segment_len_id != 3:
            errors.append(f"frame {count - 1}: data field status {status}")
        if not header.ocf_flag or frame.op_ctrl_field is None or frame.op_ctrl_field[0] & 0x80:
            errors.append(f"frame {count - 1}: OCF missing or not a CLCW")
        fhp = status.first_header_pointer
        if fhp == 0x7FE:
            continue
        if vc not in streams:
            if fhp == 0x7FF:
                errors.append(f"frame {count - 1}: first frame of VC{vc} has no packet start")
                continue
            streams[vc] = bytearray(frame.data_field[fhp:])
            frame_starts[vc] = [(-fhp, fhp)]
        else:
            frame_starts[vc].append((len(streams[vc]), fhp))
            streams[vc].extend(frame.data_field)
    return count, streams, frame_starts


def split_packets(stream, starts, vc, data_field_length, errors):
    packets = []
    boundaries = []
    pos = 0
    while pos + 6 <= len(stream):
        length = struct.unpack(">H", stream[pos + 4:pos + 6])[0] + 7
        if pos + length > len(stream):
            break
        boundaries.append(pos)
        packets.append(bytes(stream[pos:pos + length]))
        pos += length
    # Every frame's first header pointer must name the first packet start inside it.
    for frame_offset, fhp in starts:
        inside = [b - frame_offset for b in boundaries if frame_offset <= b < frame_offset + data_field_length]
        expected = inside[0] if inside else 0x7FF
        if frame_offset >= pos and not inside:
            continue  # tail beyond the last whole packet
        if fhp != expected:
            errors.append(f"VC{vc}: frame at stream offset {frame_offset} has FHP {fhp}, packets say {expected}")
    return packets


def check_tm(packet, expected, errors):
    where = f"TM apid {expected['apid']} seq {expected['seq']}"
    try:
        tm = PusTm.unpack(packet, timestamp_len=CUC_WITH_PFIELD_LEN)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{where}: spacepackets rejected it: {repr(exc)[:160]}")
        return
    got = {
        "apid": tm.apid, "seq": tm.seq_count, "service": tm.service, "subtype": tm.message_subtype,
        "counter": tm.pus_tm_sec_header.message_counter, "destination": tm.pus_tm_sec_header.dest_id,
        "time_hex": tm.timestamp.hex(), "data_hex": tm.source_data.hex(),
    }
    want = {k: expected[k] for k in got}
    if got != want:
        errors.append(f"{where}: spacepackets read {got}, expected {want}")
    if tm.pus_tm_sec_header.pus_version != 2 or packet[0] & 0x10:
        errors.append(f"{where}: not a PUS-C telemetry packet")
    try:
        ptm = PusTmPacket.deserialize(packet)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{where}: puslib rejected it: {repr(exc)[:160]}")
        return
    time_hex = expected["time_hex"]
    got = {
        "apid": ptm.apid, "seq": ptm.seq_count, "service": ptm.service, "subtype": ptm.subservice,
        "counter": ptm.counter, "destination": ptm.destination,
        "coarse": ptm.time.seconds, "fine": ptm.time.fraction, "data_hex": (ptm.source_data or b"").hex(),
    }
    want = {k: expected[k] for k in ("apid", "seq", "service", "subtype", "counter", "destination", "data_hex")}
    want["coarse"] = int(time_hex[2:10], 16)
    want["fine"] = int(time_hex[10:14], 16)
    if got != want:
        errors.append(f"{where}: puslib read {got}, expected {want}")


def check_our_tcs(tc_hex, errors):
    for text in tc_hex:
        raw = bytes.fromhex(text)
        try:
            sp = PusTc.unpack(raw)
            pl = PusTcPacket.deserialize(raw)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"TC {text}: peer rejected it: {repr(exc)[:160]}")
            continue
        a = (sp.apid, sp.seq_count, sp.service, sp.message_subtype, sp.source_id, bytes(sp.app_data))
        b = (pl.apid, pl.header.seq_count_or_name, pl.service, pl.subservice, pl.source, pl.app_data or b"")
        if a != b:
            errors.append(f"TC {text}: spacepackets {a} and puslib {b} disagree")


def peer_tcs():
    """Telecommands built by the peers, with the fields they were built from."""
    specs = [
        dict(apid=0x123, seq=7, service=17, subtype=1, source=0, ack=0b1111, data=b""),
        dict(apid=0x123, seq=8, service=8, subtype=1, source=0x10, ack=0b1001, data=bytes.fromhex("0042020001010300020640490fdb")),
        dict(apid=0x123, seq=9, service=20, subtype=3, source=1, ack=0b0001, data=bytes.fromhex("010010050000002a")),
        dict(apid=0x123, seq=0x3FFF, service=3, subtype=5, source=0xFFFF, ack=0b1111, data=bytes.fromhex("020000000100000002")),
    ]
    out = []
    for spec in specs:
        tc = PusTc(service=spec["service"], message_subtype=spec["subtype"], apid=spec["apid"], seq_count=spec["seq"],
                   source_id=spec["source"], ack_flags=spec["ack"], app_data=spec["data"])
        out.append(dict(builder="spacepackets", hex=tc.pack().hex(), apid=spec["apid"], seq=spec["seq"], service=spec["service"],
                        subtype=spec["subtype"], source=spec["source"], ack=spec["ack"], data_hex=spec["data"].hex()))
        ptc = PusTcPacket.create(apid=spec["apid"], name=spec["seq"], ack_flags=spec["ack"], service_type=spec["service"],
                                 service_subtype=spec["subtype"], source=spec["source"], data=spec["data"])
        out.append(dict(out[-1], builder="puslib", hex=bytes(ptc).hex()))
    return out


def ack_flag_tcs():
    """TC[17,1] built by puslib with each of its AckFlag members alone, named as puslib names them."""
    from puslib.packet import AckFlag
    out = []
    for seq, flag in enumerate(AckFlag):
        if flag.value == 0:
            continue
        ptc = PusTcPacket.create(apid=0x123, name=40 + seq, ack_flags=flag, service_type=17, service_subtype=1, source=0, data=None)
        out.append(dict(name=flag.name, value=int(flag.value), hex=bytes(ptc).hex()))
    return out


def main():
    work = Path(sys.argv[1])
    expected = json.loads((work / "expected.json").read_text())
    frame_length = expected["frame_length"]
    data_field_length = frame_length - 6 - 4 - 2
    errors = []
    blob = (work / "tm_frames.bin").read_bytes()
    if len(blob) % frame_length:
        errors.append(f"{len(blob)} octets is not a whole number of {frame_length}-octet frames")
    count, streams, starts = check_frames(blob, frame_length, expected["scid"], errors, counts_from_zero=True)
    packets = []
    for vc in sorted(streams):
        packets += [p for p in split_packets(streams[vc], starts[vc], vc, data_field_length, errors)
                    if (struct.unpack(">H", p[0:2])[0] & 0x7FF) != IDLE_APID]
    if len(packets) != len(expected["tm"]):
        errors.append(f"{len(packets)} packets reassembled, {len(expected['tm'])} sent")
    for packet, want in zip(packets, expected["tm"]):
        check_tm(packet, want, errors)
    check_our_tcs(expected["tc_hex"], errors)
    print(json.dumps(dict(frames=count, packets=len(packets), tcs_checked=len(expected["tc_hex"]),
                          errors=errors[:50], peer_tcs=peer_tcs(), ack_flag_tcs=ack_flag_tcs())))


if __name__ == "__main__":
    main()
