/// PUS-C acknowledgement flags of a telecommand (ECSS-E-ST-70-41C §7.4.4.1): which successful
/// verification stages the sender wants reported. Failures are always reported.
///
/// ECSS numbers bits from the most significant one (bit 0 first), and the standard lists the
/// field as "bit 3: acceptance, bit 2: start, bit 1: progress, bit 0: completion", so in the
/// 4-bit field acceptance is the *least* significant bit — as fsfw's `ecss::AckField` and
/// puslib's `AckFlag` define it.
public struct AcknowledgementFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    /// 0b0001 (ECSS bit 3, the LSB of the nibble): report successful acceptance, TM[1,1].
    public static let acceptance = AcknowledgementFlags(rawValue: 0b0001)
    /// 0b0010 (ECSS bit 2): report successful start of execution, TM[1,3].
    public static let start = AcknowledgementFlags(rawValue: 0b0010)
    /// 0b0100 (ECSS bit 1): report successful progress of execution, TM[1,5].
    public static let progress = AcknowledgementFlags(rawValue: 0b0100)
    /// 0b1000 (ECSS bit 0, the MSB of the nibble): report successful completion of execution, TM[1,7].
    public static let completion = AcknowledgementFlags(rawValue: 0b1000)
    /// All four stages (0b1111).
    public static let all: AcknowledgementFlags = [.acceptance, .start, .progress, .completion]
}

/// A PUS message type: service type and subtype, e.g. (17, 1).
public struct MessageType: Sendable, Hashable, CustomStringConvertible {
    public var service: UInt8
    public var subtype: UInt8
    public init(_ service: UInt8, _ subtype: UInt8) {
        self.service = service
        self.subtype = subtype
    }
    public var description: String { "[\(service),\(subtype)]" }
}

/// The PUS version number written in every secondary header: 2 for PUS-C.
public let pusCVersion: UInt8 = 2

/// A PUS-C telemetry packet (ECSS-E-ST-70-41C §7.4.3).
///
/// Packet data field: secondary header — PUS version (4 bits, 2), spacecraft time reference
/// status (4 bits), service type (8), message subtype (8), message type counter (16),
/// destination ID (16), time (CUC, ``TimeFieldFormat``) — then the source data, then the
/// packet error control (CRC-16/CCITT-FALSE over the whole packet).
public struct PUSTelemetry: Sendable, Hashable {
    public var apid: UInt16
    public var sequenceCount: UInt16
    public var sequenceFlags: SequenceFlags = .unsegmented
    public var messageType: MessageType
    /// Spacecraft time reference status (4 bits); 0 unless a time reference service says otherwise.
    public var timeReferenceStatus: UInt8 = 0
    public var messageTypeCounter: UInt16
    public var destinationID: UInt16
    public var time: CUCTime
    /// The source data (application data) octets.
    public var sourceData: [UInt8]

    /// Octets of the secondary header before the time field.
    static let fixedSecondaryHeaderLength = 7

    public init(
        apid: UInt16, sequenceCount: UInt16, messageType: MessageType, messageTypeCounter: UInt16 = 0, destinationID: UInt16 = 0, time: CUCTime, sourceData: [UInt8] = [],
        timeReferenceStatus: UInt8 = 0
    ) {
        self.apid = apid
        self.sequenceCount = sequenceCount
        self.messageType = messageType
        self.messageTypeCounter = messageTypeCounter
        self.destinationID = destinationID
        self.time = time
        self.sourceData = sourceData
        self.timeReferenceStatus = timeReferenceStatus & 0x0F
    }

    /// The complete packet with its PEC.
    /// - Precondition: the packet fits in 65542 octets (programmer error otherwise).
    public func encoded(timeFormat: TimeFieldFormat = .cucWithPField) -> [UInt8] {
        let dataFieldLength = Self.fixedSecondaryHeaderLength + timeFormat.length + sourceData.count + 2
        precondition(dataFieldLength <= 65_536, "PUS TM too long")
        let header = SpacePacketHeader(type: .telemetry, hasSecondaryHeader: true, apid: apid, sequenceFlags: sequenceFlags, sequenceCount: sequenceCount, dataLength: UInt16(dataFieldLength - 1))
        var writer = ByteWriter(capacity: SpacePacketHeader.size + dataFieldLength)
        header.write(to: &writer)
        writer.u8(pusCVersion << 4 | timeReferenceStatus & 0x0F)
        writer.u8(messageType.service)
        writer.u8(messageType.subtype)
        writer.u16(messageTypeCounter)
        writer.u16(destinationID)
        time.write(to: &writer, withPField: timeFormat == .cucWithPField)
        writer.append(sourceData)
        writer.appendCRC()
        return writer.bytes
    }

    /// Decodes and validates one PUS-C TM packet (`bytes` is exactly one packet).
    ///
    /// Checks, in order: primary header (version, length), PEC, packet type, secondary header
    /// flag, APID (when `expectedAPID` is given), PUS version, P-field.
    /// - Throws: a ``SpacePacketError`` naming the first check that failed.
    public static func decode(_ bytes: ArraySlice<UInt8>, timeFormat: TimeFieldFormat = .cucWithPField, expectedAPID: UInt16? = nil) throws(SpacePacketError) -> PUSTelemetry {
        let header = try validatedHeader(bytes, type: .telemetry, expectedAPID: expectedAPID, minimumDataField: fixedSecondaryHeaderLength + timeFormat.length + 2)
        var reader = ByteReader(bytes.dropFirst(SpacePacketHeader.size).dropLast(2))
        // Lengths were checked above, so these reads cannot fail; default values keep it total.
        let first = reader.u8() ?? 0
        guard first >> 4 == pusCVersion else { throw .wrongPUSVersion(first >> 4) }
        let service = reader.u8() ?? 0
        let subtype = reader.u8() ?? 0
        let counter = reader.u16() ?? 0
        let destination = reader.u16() ?? 0
        if timeFormat == .cucWithPField {
            let pField = reader.u8() ?? 0
            guard pField == CUCTime.pField else { throw .unsupportedTimeFormat(pField: pField) }
        }
        let coarse = reader.u32() ?? 0
        let fine = reader.u16() ?? 0
        var packet = PUSTelemetry(
            apid: header.apid, sequenceCount: header.sequenceCount, messageType: MessageType(service, subtype), messageTypeCounter: counter, destinationID: destination,
            time: CUCTime(coarse: coarse, fine: fine), sourceData: Array(reader.rest()), timeReferenceStatus: first & 0x0F)
        packet.sequenceFlags = header.sequenceFlags
        return packet
    }

    /// Decodes one PUS-C TM packet from an array.
    public static func decode(_ bytes: [UInt8], timeFormat: TimeFieldFormat = .cucWithPField, expectedAPID: UInt16? = nil) throws(SpacePacketError) -> PUSTelemetry {
        try decode(bytes[...], timeFormat: timeFormat, expectedAPID: expectedAPID)
    }
}

/// A PUS-C telecommand packet (ECSS-E-ST-70-41C §7.4.4).
///
/// Packet data field: secondary header — TC PUS version (4 bits, 2), acknowledgement flags
/// (4 bits), service type (8), message subtype (8), source ID (16) — then the application
/// data, then the packet error control.
public struct PUSTelecommand: Sendable, Hashable {
    public var apid: UInt16
    public var sequenceCount: UInt16
    public var sequenceFlags: SequenceFlags = .unsegmented
    public var acknowledgementFlags: AcknowledgementFlags
    public var messageType: MessageType
    public var sourceID: UInt16
    public var applicationData: [UInt8]

    static let secondaryHeaderLength = 5

    public init(apid: UInt16, sequenceCount: UInt16, messageType: MessageType, acknowledgementFlags: AcknowledgementFlags = .all, sourceID: UInt16 = 0, applicationData: [UInt8] = []) {
        self.apid = apid
        self.sequenceCount = sequenceCount
        self.messageType = messageType
        self.acknowledgementFlags = acknowledgementFlags
        self.sourceID = sourceID
        self.applicationData = applicationData
    }

    /// The request ID that verification reports about this telecommand carry.
    public var requestID: RequestID {
        RequestID(packetID: 0x1800 | apid, sequenceControl: UInt16(sequenceFlags.rawValue) << 14 | sequenceCount)
    }

    /// The complete packet with its PEC.
    /// - Precondition: the packet fits in 65542 octets.
    public var encoded: [UInt8] {
        let dataFieldLength = Self.secondaryHeaderLength + applicationData.count + 2
        precondition(dataFieldLength <= 65_536, "PUS TC too long")
        let header = SpacePacketHeader(type: .telecommand, hasSecondaryHeader: true, apid: apid, sequenceFlags: sequenceFlags, sequenceCount: sequenceCount, dataLength: UInt16(dataFieldLength - 1))
        var writer = ByteWriter(capacity: SpacePacketHeader.size + dataFieldLength)
        header.write(to: &writer)
        writer.u8(pusCVersion << 4 | acknowledgementFlags.rawValue)
        writer.u8(messageType.service)
        writer.u8(messageType.subtype)
        writer.u16(sourceID)
        writer.append(applicationData)
        writer.appendCRC()
        return writer.bytes
    }

    /// Decodes and validates one PUS-C TC packet (`bytes` is exactly one packet).
    ///
    /// Checks, in order: primary header (version, length), PEC, packet type, secondary header
    /// flag, APID (when `expectedAPID` is given), PUS version.
    /// - Throws: a ``SpacePacketError`` naming the first check that failed; map it to a
    ///   verification failure with ``VerificationFailureCode/init(_:)``.
    public static func decode(_ bytes: ArraySlice<UInt8>, expectedAPID: UInt16? = nil) throws(SpacePacketError) -> PUSTelecommand {
        let header = try validatedHeader(bytes, type: .telecommand, expectedAPID: expectedAPID, minimumDataField: secondaryHeaderLength + 2)
        var reader = ByteReader(bytes.dropFirst(SpacePacketHeader.size).dropLast(2))
        let first = reader.u8() ?? 0
        guard first >> 4 == pusCVersion else { throw .wrongPUSVersion(first >> 4) }
        let service = reader.u8() ?? 0
        let subtype = reader.u8() ?? 0
        let source = reader.u16() ?? 0
        var packet = PUSTelecommand(
            apid: header.apid, sequenceCount: header.sequenceCount, messageType: MessageType(service, subtype), acknowledgementFlags: AcknowledgementFlags(rawValue: first & 0x0F), sourceID: source,
            applicationData: Array(reader.rest()))
        packet.sequenceFlags = header.sequenceFlags
        return packet
    }

    /// Decodes one PUS-C TC packet from an array.
    public static func decode(_ bytes: [UInt8], expectedAPID: UInt16? = nil) throws(SpacePacketError) -> PUSTelecommand {
        try decode(bytes[...], expectedAPID: expectedAPID)
    }
}

/// Shared checks of a PUS packet: header, exact length, PEC, type, secondary header, APID.
private func validatedHeader(_ bytes: ArraySlice<UInt8>, type: PacketType, expectedAPID: UInt16?, minimumDataField: Int) throws(SpacePacketError) -> SpacePacketHeader {
    let header = try SpacePacketHeader.decode(bytes)
    guard bytes.count >= header.packetLength else {
        throw .truncated(needed: header.packetLength, available: bytes.count)
    }
    guard bytes.count == header.packetLength else {
        throw .lengthMismatch(declared: header.packetLength, actual: bytes.count)
    }
    guard Int(header.dataLength) + 1 >= minimumDataField else {
        throw .dataFieldTooShort(Int(header.dataLength) + 1)
    }
    let found = UInt16(bytes[bytes.endIndex - 2]) << 8 | UInt16(bytes[bytes.endIndex - 1])
    let expected = CRC16.compute(bytes.dropLast(2))
    guard expected == found else { throw .badCRC(expected: expected, found: found) }
    guard header.type == type else { throw .wrongPacketType(header.type) }
    guard header.hasSecondaryHeader else { throw .missingSecondaryHeader }
    if let expectedAPID, header.apid != expectedAPID {
        throw .wrongAPID(expected: expectedAPID, found: header.apid)
    }
    return header
}

/// PUS-C message type counters (ECSS-E-ST-70-41C §7.4.3.1): one 16-bit counter per
/// destination and message type, wrapping modulo 65536.
///
/// PUS-C counts "messages of that type sent to that destination", so the key is
/// (destination ID, service, subtype) — the reading also taken by PUS implementations such as
/// the CORDET framework. The first packet of each key carries 0.
public struct MessageTypeCounters: Sendable {
    private struct Key: Hashable {
        var destination: UInt16
        var type: MessageType
    }
    private var next: [Key: UInt16] = [:]

    public init() {}

    /// The counter for the next packet of `type` to `destination`, then advances it.
    public mutating func next(_ type: MessageType, destination: UInt16) -> UInt16 {
        let key = Key(destination: destination, type: type)
        let value = next[key, default: 0]
        next[key] = value &+ 1
        return value
    }
}

/// Builds outgoing PUS-C telemetry for one application process: stamps the APID, the packet
/// sequence count and the message type counter, so callers only give type, time and data.
///
/// - Warning: not thread-safe; keep one per APID on the task that emits telemetry (or guard
///   it with `LockedValue`).
public struct PUSTelemetrySource: Sendable {
    public let apid: UInt16
    public var timeFormat: TimeFieldFormat
    private var sequence: UInt16 = 0
    private var counters = MessageTypeCounters()

    /// - Precondition: `apid` < 0x7FF (0x7FF is the idle APID).
    public init(apid: UInt16, timeFormat: TimeFieldFormat = .cucWithPField) {
        precondition(apid < SpacePacketHeader.idleAPID, "APID is 11 bits and not the idle APID")
        self.apid = apid
        self.timeFormat = timeFormat
    }

    /// The next packet as a value (not yet encoded).
    public mutating func makePacket(_ type: MessageType, time: CUCTime, sourceData: [UInt8] = [], destinationID: UInt16 = 0) -> PUSTelemetry {
        let packet = PUSTelemetry(
            apid: apid, sequenceCount: sequence, messageType: type, messageTypeCounter: counters.next(type, destination: destinationID), destinationID: destinationID, time: time,
            sourceData: sourceData)
        sequence = (sequence + 1) & 0x3FFF
        return packet
    }

    /// The next packet, encoded with its PEC.
    public mutating func encode(_ type: MessageType, time: CUCTime, sourceData: [UInt8] = [], destinationID: UInt16 = 0) -> [UInt8] {
        makePacket(type, time: time, sourceData: sourceData, destinationID: destinationID).encoded(timeFormat: timeFormat)
    }
}
