#!/usr/bin/env python3
"""Builds and opens SDLS-secured TC transfer frames with an implementation independent of
iost-flight: Python `cryptography`'s AESGCM, following Yamcs's SecurityAssociationAes256Gcm128
layout (primary header 5, segment header 1 for data frames, SPI 2, IV 12, data, MAC 16, FECF 2)
and StandardAuthMask.TC (00 00 FC 00 00, FF over the segment header, FF FF over the SPI, twelve
00 over the IV).

Reads one JSON object on stdin: {"build": [spec...], "open": [spec...]} and prints
{"frames": [hex...], "opened": [{"spi", "iv", "data_hex"} or {"error"}...]}.

A build spec: key_hex, spi, iv (integer) or iv_hex (24 digits), scid, vc, type ("ad"|"bd"|"bc"), seq, map, data_hex,
service ("authenticated_encryption"|"authentication"). An open spec: key_hex, frame_hex,
service.
"""
import json
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for octet in data:
        crc ^= octet << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def mask(segment_header: bool) -> bytes:
    return bytes([0x00, 0x00, 0xFC, 0x00, 0x00]) + (b"\xff" if segment_header else b"") + b"\xff\xff" + bytes(12)


def build(spec) -> bytes:
    key = bytes.fromhex(spec["key_hex"])
    data = bytes.fromhex(spec["data_hex"])
    kind = spec["type"]
    bypass, control = {"ad": (0, 0), "bd": (1, 0), "bc": (1, 1)}[kind]
    segment = kind != "bc"
    length = 5 + (1 if segment else 0) + 14 + len(data) + 16 + 2
    scid, vc = spec["scid"], spec["vc"]
    header = bytes([
        (bypass << 5) | (control << 4) | (scid >> 8),
        scid & 0xFF,
        (vc << 2) | ((length - 1) >> 8),
        (length - 1) & 0xFF,
        spec.get("seq", 0),
    ])
    if segment:
        header += bytes([0xC0 | spec.get("map", 0)])
    iv = bytes.fromhex(spec["iv_hex"]) if "iv_hex" in spec else spec["iv"].to_bytes(12, "big")
    header += spec["spi"].to_bytes(2, "big") + iv
    aad = bytes(a & b for a, b in zip(header, mask(segment)))
    if spec.get("service", "authenticated_encryption") == "authenticated_encryption":
        sealed = AESGCM(key).encrypt(iv, data, aad)
        body = sealed[:-16]
        tag = sealed[-16:]
    else:
        tag = AESGCM(key).encrypt(iv, b"", aad + data)
        body = data
    frame = header + body + tag
    return frame + crc16(frame).to_bytes(2, "big")


def open_frame(spec):
    key = bytes.fromhex(spec["key_hex"])
    frame = bytes.fromhex(spec["frame_hex"])
    if crc16(frame[:-2]) != int.from_bytes(frame[-2:], "big"):
        return {"error": "bad FECF"}
    segment = not (frame[0] & 0x20 and frame[0] & 0x10)
    start = 5 + (1 if segment else 0)
    header = frame[: start + 14]
    spi = int.from_bytes(frame[start : start + 2], "big")
    iv = frame[start + 2 : start + 14]
    body = frame[start + 14 : -18]
    tag = frame[-18:-2]
    aad = bytes(a & b for a, b in zip(header, mask(segment)))
    try:
        if spec.get("service", "authenticated_encryption") == "authenticated_encryption":
            data = AESGCM(key).decrypt(iv, body + tag, aad)
        else:
            AESGCM(key).decrypt(iv, tag, aad + body)
            data = body
    except Exception as error:  # InvalidTag
        return {"error": type(error).__name__}
    return {"spi": spi, "iv": int.from_bytes(iv, "big"), "data_hex": data.hex(), "vc": frame[2] >> 2, "seq": frame[4]}


def main():
    request = json.load(sys.stdin)
    result = {
        "frames": [build(spec).hex() for spec in request.get("build", [])],
        "opened": [open_frame(spec) for spec in request.get("open", [])],
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
