/// Space packet type (CCSDS 133.0-B-2 §4.1.3.3.2): telemetry or telecommand.
public enum PacketType: UInt8, Sendable, Hashable {
    case telemetry = 0
    case telecommand = 1
}

/// Sequence flags (CCSDS 133.0-B-2 §4.1.3.4.2.2).
public enum SequenceFlags: UInt8, Sendable, Hashable {
    case continuation = 0b00
    case first = 0b01
    case last = 0b10
    case unsegmented = 0b11
}

/// Why a space packet (or a PUS packet built on one) was rejected.
///
/// Every decoder in this module returns one of these instead of trapping, whatever the input.
public enum SpacePacketError: Error, Sendable, Hashable {
    /// Fewer octets than the header or the declared length needs.
    case truncated(needed: Int, available: Int)
    /// Packet version number is not 0.
    case wrongVersion(UInt8)
    /// The packet data length field disagrees with the octets given.
    case lengthMismatch(declared: Int, actual: Int)
    /// The packet error control (CRC-16/CCITT-FALSE) does not match.
    case badCRC(expected: UInt16, found: UInt16)
    /// Telemetry where a telecommand was expected, or the reverse.
    case wrongPacketType(PacketType)
    /// The secondary header flag is not set on a PUS packet.
    case missingSecondaryHeader
    /// The APID is not the one this decoder accepts.
    case wrongAPID(expected: UInt16, found: UInt16)
    /// PUS version in the secondary header is not 2 (PUS-C).
    case wrongPUSVersion(UInt8)
    /// The CUC P-field is not the one configured.
    case unsupportedTimeFormat(pField: UInt8)
    /// A packet too short to hold the PUS secondary header and the PEC.
    case dataFieldTooShort(Int)
}

/// The 6-octet space packet primary header (CCSDS 133.0-B-2 §4.1.3).
public struct SpacePacketHeader: Sendable, Hashable {
    /// Size of the primary header in octets.
    public static let size = 6
    /// The APID reserved for idle packets (§4.1.3.3.4.4).
    public static let idleAPID: UInt16 = 0x7FF
    /// Largest packet: 6 header octets + 65536 data octets.
    public static let maximumPacketLength = 65_542

    public var type: PacketType
    public var hasSecondaryHeader: Bool
    /// Application process identifier, 11 bits.
    public var apid: UInt16
    public var sequenceFlags: SequenceFlags
    /// Packet sequence count, 14 bits.
    public var sequenceCount: UInt16
    /// Packet data length field: octets in the packet data field minus one.
    public var dataLength: UInt16

    /// - Precondition: `apid` ≤ 0x7FF and `sequenceCount` ≤ 0x3FFF (programmer errors).
    public init(type: PacketType, hasSecondaryHeader: Bool, apid: UInt16, sequenceFlags: SequenceFlags = .unsegmented, sequenceCount: UInt16, dataLength: UInt16) {
        precondition(apid <= 0x7FF, "APID is 11 bits")
        precondition(sequenceCount <= 0x3FFF, "sequence count is 14 bits")
        self.type = type
        self.hasSecondaryHeader = hasSecondaryHeader
        self.apid = apid
        self.sequenceFlags = sequenceFlags
        self.sequenceCount = sequenceCount
        self.dataLength = dataLength
    }

    /// Packet identification field: version (3 bits, 0), type, secondary header flag, APID.
    public var packetID: UInt16 {
        UInt16(type.rawValue) << 12 | (hasSecondaryHeader ? 0x0800 : 0) | apid
    }

    /// Packet sequence control field: sequence flags and count.
    public var sequenceControl: UInt16 { UInt16(sequenceFlags.rawValue) << 14 | sequenceCount }

    /// Total packet length in octets: header + data field.
    public var packetLength: Int { Self.size + Int(dataLength) + 1 }

    /// The six header octets.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: Self.size)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        writer.u16(packetID)
        writer.u16(sequenceControl)
        writer.u16(dataLength)
    }

    /// Decodes the primary header from the first six octets of `bytes`.
    ///
    /// Checks the version only; the length is checked by ``SpacePacket/decode(_:)``.
    /// - Throws: `.truncated` or `.wrongVersion`.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(SpacePacketError) -> SpacePacketHeader {
        var reader = ByteReader(bytes)
        guard let id = reader.u16(), let control = reader.u16(), let length = reader.u16() else {
            throw .truncated(needed: size, available: bytes.count)
        }
        let version = UInt8(id >> 13)
        guard version == 0 else { throw .wrongVersion(version) }
        return SpacePacketHeader(
            type: PacketType(rawValue: UInt8((id >> 12) & 1)) ?? .telemetry,
            hasSecondaryHeader: id & 0x0800 != 0,
            apid: id & 0x7FF,
            sequenceFlags: SequenceFlags(rawValue: UInt8(control >> 14)) ?? .unsegmented,
            sequenceCount: control & 0x3FFF,
            dataLength: length)
    }

    /// Decodes a header from an array.
    public static func decode(_ bytes: [UInt8]) throws(SpacePacketError) -> SpacePacketHeader {
        try decode(bytes[...])
    }
}

/// A space packet: primary header and packet data field (which, for PUS packets, holds the
/// secondary header, application data and PEC).
public struct SpacePacket: Sendable, Hashable {
    public var header: SpacePacketHeader
    public var dataField: [UInt8]

    /// A packet whose data length field is set from `dataField`.
    /// - Precondition: `dataField` holds 1…65536 octets.
    public init(type: PacketType, apid: UInt16, sequenceCount: UInt16, sequenceFlags: SequenceFlags = .unsegmented, hasSecondaryHeader: Bool = false, dataField: [UInt8]) {
        precondition(!dataField.isEmpty && dataField.count <= 65_536, "packet data field is 1...65536 octets")
        header = SpacePacketHeader(type: type, hasSecondaryHeader: hasSecondaryHeader, apid: apid, sequenceFlags: sequenceFlags, sequenceCount: sequenceCount, dataLength: UInt16(dataField.count - 1))
        self.dataField = dataField
    }

    /// Header and data field octets.
    public var encoded: [UInt8] { header.encoded + dataField }

    /// Decodes exactly one packet; `bytes` must hold the whole packet and nothing more.
    /// - Throws: `.truncated`, `.wrongVersion` or `.lengthMismatch`.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(SpacePacketError) -> SpacePacket {
        let header = try SpacePacketHeader.decode(bytes)
        guard bytes.count >= header.packetLength else {
            throw .truncated(needed: header.packetLength, available: bytes.count)
        }
        guard bytes.count == header.packetLength else {
            throw .lengthMismatch(declared: header.packetLength, actual: bytes.count)
        }
        var packet = SpacePacket(header: header, dataField: [])
        packet.dataField = Array(bytes.dropFirst(SpacePacketHeader.size))
        return packet
    }

    /// Decodes exactly one packet from an array.
    public static func decode(_ bytes: [UInt8]) throws(SpacePacketError) -> SpacePacket { try decode(bytes[...]) }

    private init(header: SpacePacketHeader, dataField: [UInt8]) {
        self.header = header
        self.dataField = dataField
    }

    /// An idle packet (APID 0x7FF, telemetry, no secondary header) of exactly `length` octets.
    ///
    /// The idle data is the octet 0x55 repeated. The sequence count is 0 (idle packets carry no
    /// meaningful count; CCSDS 133.0-B-2 §4.1.3.4.3.4 leaves it to the mission).
    /// - Precondition: 7 ≤ `length` ≤ 65542.
    public static func idle(length: Int) -> [UInt8] {
        precondition(length >= 7 && length <= SpacePacketHeader.maximumPacketLength, "idle packet is 7...65542 octets")
        let header = SpacePacketHeader(type: .telemetry, hasSecondaryHeader: false, apid: SpacePacketHeader.idleAPID, sequenceCount: 0, dataLength: UInt16(length - SpacePacketHeader.size - 1))
        return header.encoded + [UInt8](repeating: 0x55, count: length - SpacePacketHeader.size)
    }
}

/// Per-APID 14-bit packet sequence counters (CCSDS 133.0-B-2 §4.1.3.4.3: one count per APID,
/// wrapping modulo 16384).
public struct SequenceCounters: Sendable {
    private var next: [UInt16: UInt16] = [:]

    public init() {}

    /// Returns the count to put in the next packet of `apid` and advances it.
    public mutating func next(for apid: UInt16) -> UInt16 {
        let value = next[apid, default: 0]
        next[apid] = (value + 1) & 0x3FFF
        return value
    }

    /// The count the next packet of `apid` will get, without advancing.
    public func peek(_ apid: UInt16) -> UInt16 { next[apid, default: 0] }
}
