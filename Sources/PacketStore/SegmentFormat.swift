/// The bytes of a segment file (docs/packet-store.md has the same, as tables).
///
/// A segment is a 16-octet header followed by records, all big-endian:
///
///     header: "IOSTSEG" (7 octets) · version 1 (1 octet) · index of the first record (u64)
///     record: length L (u32, the octets after the CRC: 12 + packet) · CRC-32C of those L octets (u32)
///             · generation time (u64, CUC coarse << 16 | fine) · APID (u16) · sequence count (u16)
///             · the space packet
enum SegmentFormat {
    static let magic: [UInt8] = Array("IOSTSEG".utf8)
    static let version: UInt8 = 1
    static let headerLength = 16
    /// Length and CRC fields.
    static let recordPrefixLength = 8
    /// Time, APID and sequence count.
    static let recordFixedLength = 12
    /// The longest space packet: 6 header octets and a 65536-octet data field.
    static let maximumPacketLength = 65542

    static func header(firstIndex: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.append(version)
        appendBigEndian(firstIndex, to: &bytes)
        return bytes
    }

    /// The first record index a header names, or `nil` for a header that is not ours.
    static func firstIndex(ofHeader bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count >= headerLength, Array(bytes[0..<7]) == magic, bytes[7] == version else { return nil }
        return readBigEndian(bytes, at: 8, as: UInt64.self)
    }

    static func recordLength(packet: Int) -> Int { recordPrefixLength + recordFixedLength + packet }

    /// Appends the record of `packet` to `buffer`.
    static func appendRecord(_ packet: StoredPacket, to buffer: inout [UInt8]) {
        let start = buffer.count
        appendBigEndian(UInt32(recordFixedLength + packet.packet.count), to: &buffer)
        appendBigEndian(UInt32(0), to: &buffer)
        appendBigEndian(packet.time, to: &buffer)
        appendBigEndian(packet.apid, to: &buffer)
        appendBigEndian(packet.sequenceCount, to: &buffer)
        buffer.append(contentsOf: packet.packet)
        let crc = buffer.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + 8)...])) }
        buffer[start + 4] = UInt8(crc >> 24)
        buffer[start + 5] = UInt8((crc >> 16) & 0xFF)
        buffer[start + 6] = UInt8((crc >> 8) & 0xFF)
        buffer[start + 7] = UInt8(crc & 0xFF)
    }

    /// A record found in a buffer.
    struct Parsed {
        var time: UInt64
        var apid: UInt16
        var sequenceCount: UInt16
        /// Where the packet is in the buffer.
        var packet: Range<Int>
        /// The record's whole length.
        var length: Int
    }

    enum Parse {
        case record(Parsed)
        /// The buffer ends inside the record (or before its length field); `needed` octets from
        /// `offset` would hold it.
        case incomplete(needed: Int)
        /// Not a record: a bad length or a CRC mismatch.
        case corrupt
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Parse {
        let available = bytes.count - offset
        guard available >= recordPrefixLength else { return .incomplete(needed: recordPrefixLength) }
        let length = Int(readBigEndian(bytes, at: offset, as: UInt32.self))
        guard length >= recordFixedLength, length <= recordFixedLength + maximumPacketLength else { return .corrupt }
        guard available >= recordPrefixLength + length else { return .incomplete(needed: recordPrefixLength + length) }
        let stored = readBigEndian(bytes, at: offset + 4, as: UInt32.self)
        let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + 8 + length)])
        guard CRC32C.checksum(body) == stored else { return .corrupt }
        return .record(
            Parsed(
                time: readBigEndian(bytes, at: offset + 8, as: UInt64.self),
                apid: readBigEndian(bytes, at: offset + 16, as: UInt16.self),
                sequenceCount: readBigEndian(bytes, at: offset + 18, as: UInt16.self),
                packet: (offset + 20)..<(offset + 8 + length),
                length: recordPrefixLength + length))
    }

    static func appendBigEndian<Value: FixedWidthInteger>(_ value: Value, to bytes: inout [UInt8]) {
        var shift = Value.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    static func readBigEndian<Value: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int, as: Value.Type) -> Value {
        var value: Value = 0
        for index in offset..<(offset + Value.bitWidth / 8) { value = value << 8 | Value(bytes[index]) }
        return value
    }

    /// `seg-<16 hex digits>.log`.
    static func fileName(firstIndex: UInt64) -> String {
        let hex = String(firstIndex, radix: 16)
        return "seg-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".log"
    }

    /// The first record index in a segment's file name, or `nil` for another file.
    static func firstIndex(ofFileName name: String) -> UInt64? {
        guard name.count == 24, name.hasPrefix("seg-"), name.hasSuffix(".log") else { return nil }
        return UInt64(name.dropFirst(4).prefix(16), radix: 16)
    }
}
