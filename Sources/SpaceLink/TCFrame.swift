/// Frame type of a TC transfer frame, from the bypass and control command flags
/// (CCSDS 232.0-B-4 §4.1.2.3, 232.1-B-2 §2.2).
public enum TCFrameType: Sendable, Hashable {
    /// Type-AD: sequence-controlled data, checked by FARM-1 (bypass 0, control 0).
    case ad
    /// Type-BD: expedited data, bypasses the FARM-1 sequence check (bypass 1, control 0).
    case bd
    /// Type-BC: COP-1 control command (bypass 1, control 1).
    case bc

    var flags: (bypass: Bool, control: Bool) {
        switch self {
        case .ad: (false, false)
        case .bd: (true, false)
        case .bc: (true, true)
        }
    }
}

/// A COP-1 control command, the whole data field of a type-BC frame (CCSDS 232.1-B-2 §4.1.3).
public enum ControlCommand: Sendable, Hashable {
    /// Unlock: one octet 0x00.
    case unlock
    /// Set V(R): octets 0x82 0x00 then the new V(R).
    case setVR(UInt8)

    public var encoded: [UInt8] {
        switch self {
        case .unlock: [0x00]
        case .setVR(let value): [0x82, 0x00, value]
        }
    }

    /// Parses a control command; `nil` for anything but the two legal encodings.
    public init?<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let octets = Array(bytes)
        if octets == [0x00] {
            self = .unlock
        } else if octets.count == 3, octets[0] == 0x82, octets[1] == 0x00 {
            self = .setVR(octets[2])
        } else {
            return nil
        }
    }
}

/// Why a TC transfer frame was rejected by ``TCFrameDecoder``.
public enum TCFrameError: Error, Sendable, Hashable {
    /// Fewer octets than the header, segment header and FECF need.
    case truncated(available: Int)
    /// The frame length field disagrees with the octets received.
    case lengthMismatch(declared: Int, actual: Int)
    /// Longer than the configured maximum frame length.
    case tooLong(Int)
    /// Transfer frame version number is not 0.
    case wrongVersion(UInt8)
    /// The frame error control field does not match.
    case badCRC(expected: UInt16, found: UInt16)
    /// Addressed to another spacecraft.
    case wrongSpacecraft(UInt16)
    /// Virtual channel not in the accepted set.
    case virtualChannelNotAllowed(UInt8)
    /// MAP ID not in the accepted set.
    case mapNotAllowed(UInt8)
    /// Bypass 0 with control command 1: no such frame type.
    case illegalFrameType
    /// Segment header sequence flags other than 0b11 (segmentation is not supported).
    case segmentedData(UInt8)
    /// A type-BC frame whose data is not Unlock or Set V(R).
    case invalidControlCommand
}

/// A TC transfer frame (CCSDS 232.0-B-4 §4.1): 5-octet primary header, for data frames the
/// 1-octet segment header (232.0-B §4.1.3.2 via the segmentation sublayer: sequence flags 0b11,
/// MAP ID), the data, and the 2-octet FECF.
public struct TCFrame: Sendable, Hashable {
    public static let primaryHeaderLength = 5
    /// Largest TC transfer frame (frame length field is 10 bits).
    public static let maximumLength = 1024

    public var type: TCFrameType
    /// Spacecraft identifier, 10 bits.
    public var spacecraftID: UInt16
    /// Virtual channel identifier, 6 bits.
    public var virtualChannel: UInt8
    /// Frame sequence number N(S), 8 bits (meaningful for type-AD frames).
    public var sequenceNumber: UInt8
    /// Multiplexer access point ID (6 bits) of data frames; control command frames have no
    /// segment header and ignore it.
    public var mapID: UInt8
    /// The segment data (data frames: one or more whole space packets) or the control command.
    public var data: [UInt8]

    public init(type: TCFrameType, spacecraftID: UInt16, virtualChannel: UInt8, sequenceNumber: UInt8 = 0, mapID: UInt8 = 0, data: [UInt8]) {
        self.type = type
        self.spacecraftID = spacecraftID
        self.virtualChannel = virtualChannel
        self.sequenceNumber = sequenceNumber
        self.mapID = mapID
        self.data = data
    }

    /// A type-BC frame carrying `command`.
    public init(controlCommand command: ControlCommand, spacecraftID: UInt16, virtualChannel: UInt8) {
        self.init(type: .bc, spacecraftID: spacecraftID, virtualChannel: virtualChannel, data: command.encoded)
    }

    /// The control command of a type-BC frame, `nil` for data frames or a malformed command.
    public var controlCommand: ControlCommand? { type == .bc ? ControlCommand(data) : nil }

    /// Whether a segment header precedes the data (data frames only).
    var hasSegmentHeader: Bool { type != .bc }

    /// Total frame length in octets.
    public var length: Int { Self.primaryHeaderLength + (hasSegmentHeader ? 1 : 0) + data.count + 2 }

    /// The frame with its FECF.
    /// - Precondition: fields in range and the frame no longer than 1024 octets.
    public var encoded: [UInt8] {
        precondition(spacecraftID <= 0x3FF && virtualChannel <= 0x3F && mapID <= 0x3F, "TC frame field out of range")
        precondition(length <= Self.maximumLength, "TC frame longer than 1024 octets")
        let flags = type.flags
        let lengthField = UInt16(length - 1)
        var writer = ByteWriter(capacity: length)
        writer.u8((flags.bypass ? 0x20 : 0) | (flags.control ? 0x10 : 0) | UInt8(spacecraftID >> 8))
        writer.u8(UInt8(truncatingIfNeeded: spacecraftID))
        writer.u8(virtualChannel << 2 | UInt8(lengthField >> 8))
        writer.u8(UInt8(truncatingIfNeeded: lengthField))
        writer.u8(sequenceNumber)
        if hasSegmentHeader { writer.u8(0xC0 | mapID) }
        writer.append(data)
        writer.appendCRC()
        return writer.bytes
    }
}

/// What a TC frame decoder accepts. Shipped configurations accept VC 0 and 1, MAP 0.
public struct TCFrameConfiguration: Sendable, Hashable {
    public var spacecraftID: UInt16
    public var allowedVirtualChannels: Set<UInt8>
    public var allowedMAPs: Set<UInt8>
    public var maximumFrameLength: Int
    /// Virtual channels whose frames carry an SDLS security header and trailer: the decoder
    /// leaves their data (a type-BC frame's too) for the security layer, which checks the
    /// control command once it has the clear data.
    public var securedVirtualChannels: Set<UInt8> = []

    public init(spacecraftID: UInt16, allowedVirtualChannels: Set<UInt8> = [0, 1], allowedMAPs: Set<UInt8> = [0], maximumFrameLength: Int = TCFrame.maximumLength) {
        self.spacecraftID = spacecraftID
        self.allowedVirtualChannels = allowedVirtualChannels
        self.allowedMAPs = allowedMAPs
        self.maximumFrameLength = min(maximumFrameLength, TCFrame.maximumLength)
    }
}

/// Validates received TC transfer frames (the frame validation of CCSDS 232.0-B-4 §4.2.3):
/// length, version, FECF, spacecraft ID, virtual channel, frame type, segment header, MAP.
public struct TCFrameDecoder: Sendable {
    public var configuration: TCFrameConfiguration

    public init(configuration: TCFrameConfiguration) { self.configuration = configuration }

    /// Decodes one frame (`bytes` holds exactly one frame, as delivered by the channel).
    /// - Throws: ``TCFrameError`` naming the first check that failed.
    public func decode(_ bytes: ArraySlice<UInt8>) throws(TCFrameError) -> TCFrame {
        guard bytes.count >= TCFrame.primaryHeaderLength + 2 + 1 else { throw .truncated(available: bytes.count) }
        guard bytes.count <= configuration.maximumFrameLength else { throw .tooLong(bytes.count) }
        var reader = ByteReader(bytes)
        let b0 = reader.u8() ?? 0, b1 = reader.u8() ?? 0, b2 = reader.u8() ?? 0, b3 = reader.u8() ?? 0
        let sequence = reader.u8() ?? 0
        let declared = Int(UInt16(b2 & 0x03) << 8 | UInt16(b3)) + 1
        guard declared == bytes.count else { throw .lengthMismatch(declared: declared, actual: bytes.count) }
        let version = b0 >> 6
        guard version == 0 else { throw .wrongVersion(version) }
        let found = UInt16(bytes[bytes.endIndex - 2]) << 8 | UInt16(bytes[bytes.endIndex - 1])
        let expected = CRC16.compute(bytes.dropLast(2))
        guard expected == found else { throw .badCRC(expected: expected, found: found) }
        let spacecraft = UInt16(b0 & 0x03) << 8 | UInt16(b1)
        guard spacecraft == configuration.spacecraftID else { throw .wrongSpacecraft(spacecraft) }
        let virtualChannel = b2 >> 2
        guard configuration.allowedVirtualChannels.contains(virtualChannel) else { throw .virtualChannelNotAllowed(virtualChannel) }
        let type: TCFrameType
        switch (b0 & 0x20 != 0, b0 & 0x10 != 0) {
        case (false, false): type = .ad
        case (true, false): type = .bd
        case (true, true): type = .bc
        case (false, true): throw .illegalFrameType
        }
        var body = bytes.dropFirst(TCFrame.primaryHeaderLength).dropLast(2)
        var mapID: UInt8 = 0
        if type == .bc {
            guard configuration.securedVirtualChannels.contains(virtualChannel) || ControlCommand(body) != nil else { throw .invalidControlCommand }
        } else {
            guard let segmentHeader = body.first, body.count >= 2 else { throw .truncated(available: bytes.count) }
            guard segmentHeader >> 6 == 0b11 else { throw .segmentedData(segmentHeader >> 6) }
            mapID = segmentHeader & 0x3F
            guard configuration.allowedMAPs.contains(mapID) else { throw .mapNotAllowed(mapID) }
            body = body.dropFirst()
        }
        return TCFrame(type: type, spacecraftID: spacecraft, virtualChannel: virtualChannel, sequenceNumber: sequence, mapID: mapID, data: Array(body))
    }

    /// Decodes one frame from an array.
    public func decode(_ bytes: [UInt8]) throws(TCFrameError) -> TCFrame { try decode(bytes[...]) }
}

/// Splits the data of an accepted TC frame into the space packets it carries.
///
/// - Returns: the packets, each exactly as long as its header declares.
/// - Throws: ``SpacePacketError`` if the data does not divide into whole packets.
public func spacePackets(in data: ArraySlice<UInt8>) throws(SpacePacketError) -> [ArraySlice<UInt8>] {
    var packets: [ArraySlice<UInt8>] = []
    var rest = data
    while !rest.isEmpty {
        let header = try SpacePacketHeader.decode(rest)
        guard rest.count >= header.packetLength else { throw .truncated(needed: header.packetLength, available: rest.count) }
        packets.append(rest.prefix(header.packetLength))
        rest = rest.dropFirst(header.packetLength)
    }
    return packets
}
