// Service 11, time-based scheduling: application data codecs, laid out as the Yamcs PUS
// example mission database (`examples/pus/src/main/yamcs/mdb/pus11.xml` in yamcs/yamcs).
// Encoding and decoding only: the schedule itself belongs to the flight core.
//
// Where Yamcs and ECSS-E-ST-70-41C differ, Yamcs's layout is followed:
// - TC[11,4]: a sub-schedule ID (u8) precedes N, and N is one octet (ECSS: N is mission-sized,
//   no sub-schedule ID unless sub-schedules are supported).
// - Request lists (TC[11,5], [11,7], [11,9], [11,12]): N is u16; each request ID is source ID
//   (u16), then the TC's packet ID word and its sequence control word (u16 each, as in a
//   TM[1,x] request ID; only the 11-bit APID and the 14-bit count are compared).
// - Time offsets (TC[11,7], [11,15]) are 32-bit milliseconds. Yamcs types them `uint32`; this
//   project reads the 32 bits as two's complement so a shift can be earlier as well as later
//   (the two readings agree for offsets up to 2³¹ − 1 ms, 24.8 days).
// - Release times (`PusTimeType`) are CUC with an explicit P-field (see ``ScheduleTime``).

extension MessageType {
    public static let scheduleEnableRelease = MessageType(11, 1)
    public static let scheduleDisableRelease = MessageType(11, 2)
    public static let scheduleReset = MessageType(11, 3)
    public static let scheduleInsert = MessageType(11, 4)
    public static let scheduleDeleteByID = MessageType(11, 5)
    public static let scheduleTimeShiftByID = MessageType(11, 7)
    public static let scheduleDetailByID = MessageType(11, 9)
    public static let scheduleDetailReport = MessageType(11, 10)
    public static let scheduleSummaryByID = MessageType(11, 12)
    public static let scheduleSummaryReport = MessageType(11, 13)
    public static let scheduleTimeShiftAll = MessageType(11, 15)
    public static let scheduleDetailAll = MessageType(11, 16)
    public static let scheduleSummaryAll = MessageType(11, 17)
}

/// A release time as CCSDS Unsegmented time Code with an explicit P-field (CCSDS 301.0-B-4
/// §3.2.2), kept as received so reports give it back octet for octet.
///
/// P-field: bit 7 extension (must be 0), bits 6–4 time code ID — `001` level 1, TAI seconds
/// since 1958-01-01, or `010` level 2, agency epoch, which Yamcs's `PusTimeType`
/// (`TimeBinaryEncoder({type: CUC, epoch: UNIX, pfield: 0x2f})`) uses for UTC seconds since
/// 1970-01-01 — then bits 3–2 coarse octets − 1 and bits 1–0 fine octets. Yamcs writes 0x2F (4
/// coarse + 3 fine octets, Unix epoch); this vehicle's TM uses 0x1E (4 + 2, TAI 1958).
public struct ScheduleTime: Sendable, Hashable {
    /// The P-field Yamcs's `PusTimeType` writes: Unix epoch, 4 coarse + 3 fine octets.
    public static let yamcsPField: UInt8 = 0x2F

    public let pField: UInt8
    /// Whole seconds since the epoch the P-field names.
    public let coarse: UInt32
    /// Fraction of a second in units of 2^-(8 × fine octets).
    public let fine: UInt32

    /// A time with `pField` (checked).
    /// - Throws: ``ServiceDataError/truncated(needed:available:)`` never;
    ///   ``ServiceDataError/unknownTypeTag(_:)`` for a P-field this codec does not read, or a
    ///   coarse/fine value wider than the P-field says.
    public init(pField: UInt8, coarse: UInt32, fine: UInt32) throws(ServiceDataError) {
        guard let shape = Self.shape(pField) else { throw .unknownTypeTag(pField) }
        guard shape.coarse == 4 || UInt64(coarse) < 1 << (8 * UInt64(shape.coarse)),
            UInt64(fine) < 1 << (8 * UInt64(shape.fine))
        else { throw .unknownTypeTag(pField) }
        self.pField = pField
        self.coarse = coarse
        self.fine = fine
    }

    /// A UTC instant as Yamcs encodes it (P-field 0x2F: Unix seconds, 24-bit fraction rounded).
    public init(unixSeconds: Int64, nanoseconds: UInt32 = 0) {
        var seconds = max(0, min(Int64(UInt32.max), unixSeconds))
        var fraction = (UInt64(min(nanoseconds, 999_999_999)) << 24 + 500_000_000) / 1_000_000_000
        if fraction >= 1 << 24 {
            fraction -= 1 << 24
            seconds = min(Int64(UInt32.max), seconds + 1)
        }
        pField = Self.yamcsPField
        coarse = UInt32(seconds)
        fine = UInt32(fraction)
    }

    /// Coarse and fine octets a P-field announces, or `nil` for one this codec does not read.
    static func shape(_ pField: UInt8) -> (coarse: Int, fine: Int)? {
        let code = (pField >> 4) & 0x07
        guard pField & 0x80 == 0, code == 0b001 || code == 0b010 else { return nil }
        return (Int((pField >> 2) & 0x03) + 1, Int(pField & 0x03))
    }

    /// Octets on the wire, P-field included.
    public var encodedLength: Int {
        let shape = Self.shape(pField) ?? (4, 3)
        return 1 + shape.coarse + shape.fine
    }

    /// Whether the epoch is 1958-01-01 TAI (time code `001`); otherwise 1970-01-01 UTC.
    public var isTAI1958: Bool { (pField >> 4) & 0x07 == 0b001 }

    /// The instant as UTC nanoseconds since 1970-01-01 (leap seconds excluded).
    /// - Parameter utcToTAIOffset: TAI − UTC, used for a TAI 1958 time.
    public func unixNanoseconds(utcToTAIOffset: Int64) -> Int64 {
        let fineBits = 8 * Int64((Self.shape(pField) ?? (4, 3)).fine)
        var seconds = Int64(coarse)
        if isTAI1958 { seconds -= CUCTime.epochOffsetFrom1958To1970 + utcToTAIOffset }
        let nanos = fineBits == 0 ? 0 : (Int64(fine) * 1_000_000_000) >> fineBits
        return seconds * 1_000_000_000 + nanos
    }

    /// This time moved by `milliseconds`, in the same P-field; `nil` when the result does not fit
    /// the coarse field or falls before the epoch.
    public func shifted(byMilliseconds milliseconds: Int64) -> ScheduleTime? {
        let shape = Self.shape(pField) ?? (4, 3)
        let fineBits = 8 * Int64(shape.fine)
        let ticks = (Int64(coarse) << fineBits) | Int64(fine)
        // Milliseconds in ticks of 2^-fineBits s, rounded to nearest.
        let delta = (milliseconds << fineBits + (milliseconds >= 0 ? 500 : -500)) / 1000
        let moved = ticks + delta
        guard moved >= 0 else { return nil }
        let newCoarse = moved >> fineBits
        let coarseLimit: Int64 = shape.coarse == 4 ? Int64(UInt32.max) : (1 << (8 * Int64(shape.coarse))) - 1
        guard newCoarse <= coarseLimit else { return nil }
        return try? ScheduleTime(pField: pField, coarse: UInt32(newCoarse), fine: UInt32(moved & ((1 << fineBits) - 1)))
    }

    func write(to writer: inout ByteWriter) {
        let shape = Self.shape(pField) ?? (4, 3)
        writer.u8(pField)
        for index in (0..<shape.coarse).reversed() { writer.u8(UInt8(truncatingIfNeeded: coarse >> (8 * UInt32(index)))) }
        for index in (0..<shape.fine).reversed() { writer.u8(UInt8(truncatingIfNeeded: fine >> (8 * UInt32(index)))) }
    }

    /// The P-field and T-field octets.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: encodedLength)
        write(to: &writer)
        return writer.bytes
    }

    static func read(from reader: inout ByteReader, available: Int) throws(ServiceDataError) -> ScheduleTime {
        guard let pField = reader.u8() else { throw .truncated(needed: 1, available: available) }
        guard let shape = shape(pField) else { throw .unknownTypeTag(pField) }
        guard let octets = reader.take(shape.coarse + shape.fine) else {
            throw .truncated(needed: 1 + shape.coarse + shape.fine, available: available)
        }
        var coarse: UInt32 = 0
        var fine: UInt32 = 0
        for (index, octet) in octets.enumerated() {
            if index < shape.coarse { coarse = coarse << 8 | UInt32(octet) } else { fine = fine << 8 | UInt32(octet) }
        }
        return try ScheduleTime(pField: pField, coarse: coarse, fine: fine)
    }

    /// Decodes one time (P-field first) from `data`, which must hold exactly it.
    /// - Throws: ``ServiceDataError``.
    public static func decode(_ data: ArraySlice<UInt8>) throws(ServiceDataError) -> ScheduleTime {
        var reader = ByteReader(data)
        let time = try read(from: &reader, available: data.count)
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return time
    }
}

/// The request ID of a scheduled telecommand as service 11 carries it: source ID (u16), packet
/// ID word (u16: version, type, secondary header flag, APID) and sequence control word (u16:
/// sequence flags, count).
public struct ScheduleRequestID: Sendable, Hashable {
    public var sourceID: UInt16
    public var packetID: UInt16
    public var sequenceControl: UInt16

    public init(sourceID: UInt16, packetID: UInt16, sequenceControl: UInt16) {
        self.sourceID = sourceID
        self.packetID = packetID
        self.sequenceControl = sequenceControl
    }

    /// The ID of a telecommand (its request ID with its source ID).
    public init(_ telecommand: PUSTelecommand) {
        let request = telecommand.requestID
        self.init(sourceID: telecommand.sourceID, packetID: request.packetID, sequenceControl: request.sequenceControl)
    }

    public var apid: UInt16 { packetID & 0x7FF }
    public var sequenceCount: UInt16 { sequenceControl & 0x3FFF }

    /// Whether `other` names the same telecommand: source ID, APID and sequence count equal.
    public func matches(_ other: ScheduleRequestID) -> Bool {
        sourceID == other.sourceID && apid == other.apid && sequenceCount == other.sequenceCount
    }

    func write(to writer: inout ByteWriter) {
        writer.u16(sourceID)
        writer.u16(packetID)
        writer.u16(sequenceControl)
    }

    static func read(from reader: inout ByteReader) -> ScheduleRequestID? {
        guard let source = reader.u16(), let packet = reader.u16(), let control = reader.u16() else { return nil }
        return ScheduleRequestID(sourceID: source, packetID: packet, sequenceControl: control)
    }
}

/// One activity of TC[11,4]: its release time and the complete TC packet to release.
public struct ScheduleActivity: Sendable, Hashable {
    public var releaseTime: ScheduleTime
    /// The embedded telecommand: a whole space packet, primary header to PEC.
    public var packet: [UInt8]

    public init(releaseTime: ScheduleTime, packet: [UInt8]) {
        self.releaseTime = releaseTime
        self.packet = packet
    }

    /// The embedded packet's length from its primary header (6 + data length + 1), or `nil`
    /// when fewer than six octets are at `reader`.
    static func embeddedLength(_ reader: ByteReader) -> Int? {
        var peek = reader
        guard peek.u16() != nil, peek.u16() != nil, let length = peek.u16() else { return nil }
        return SpacePacketHeader.size + Int(length) + 1
    }
}

/// Service 11 telecommands (the subset this vehicle implements; see the file comment).
///
/// | TC | application data |
/// |---|---|
/// | [11,1] [11,2] [11,3] [11,16] [11,17] | none |
/// | [11,4] | sub-schedule ID u8, N u8, N × (release time, TC packet) |
/// | [11,5] [11,9] [11,12] | N u16, N × request ID (6 octets) |
/// | [11,7] | offset ms (32 bits), N u16, N × request ID |
/// | [11,15] | offset ms (32 bits) |
public enum TimeBasedScheduleRequest: ServiceMessage {
    case enableRelease
    case disableRelease
    case reset
    case insert(subscheduleID: UInt8, activities: [ScheduleActivity])
    case deleteByID([ScheduleRequestID])
    case timeShiftByID(milliseconds: Int32, [ScheduleRequestID])
    case detailReportByID([ScheduleRequestID])
    case summaryReportByID([ScheduleRequestID])
    case timeShiftAll(milliseconds: Int32)
    case detailReportAll
    case summaryReportAll

    public var messageType: MessageType {
        switch self {
        case .enableRelease: .scheduleEnableRelease
        case .disableRelease: .scheduleDisableRelease
        case .reset: .scheduleReset
        case .insert: .scheduleInsert
        case .deleteByID: .scheduleDeleteByID
        case .timeShiftByID: .scheduleTimeShiftByID
        case .detailReportByID: .scheduleDetailByID
        case .summaryReportByID: .scheduleSummaryByID
        case .timeShiftAll: .scheduleTimeShiftAll
        case .detailReportAll: .scheduleDetailAll
        case .summaryReportAll: .scheduleSummaryAll
        }
    }

    /// - Precondition: at most 255 activities and 65535 request IDs (programmer error otherwise).
    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        func requests(_ ids: [ScheduleRequestID]) {
            precondition(ids.count <= 0xFFFF, "at most 65535 request IDs (N is u16)")
            writer.u16(UInt16(ids.count))
            for id in ids { id.write(to: &writer) }
        }
        switch self {
        case .enableRelease, .disableRelease, .reset, .detailReportAll, .summaryReportAll:
            break
        case .insert(let subschedule, let activities):
            precondition(activities.count <= 255, "at most 255 activities (N is u8)")
            writer.u8(subschedule)
            writer.u8(UInt8(activities.count))
            for activity in activities {
                activity.releaseTime.write(to: &writer)
                writer.append(activity.packet)
            }
        case .deleteByID(let ids), .detailReportByID(let ids), .summaryReportByID(let ids):
            requests(ids)
        case .timeShiftByID(let milliseconds, let ids):
            writer.u32(UInt32(bitPattern: milliseconds))
            requests(ids)
        case .timeShiftAll(let milliseconds):
            writer.u32(UInt32(bitPattern: milliseconds))
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> TimeBasedScheduleRequest {
        var reader = ByteReader(data)
        func requests() throws(ServiceDataError) -> [ScheduleRequestID] {
            guard let n = reader.u16() else { throw .truncated(needed: data.count + 2, available: data.count) }
            guard reader.remaining >= Int(n) * 6 else { throw .truncated(needed: data.count - reader.remaining + Int(n) * 6, available: data.count) }
            var ids: [ScheduleRequestID] = []
            ids.reserveCapacity(Int(n))
            for _ in 0..<n {
                guard let id = ScheduleRequestID.read(from: &reader) else { throw .truncated(needed: data.count + 6, available: data.count) }
                ids.append(id)
            }
            return ids
        }
        func offset() throws(ServiceDataError) -> Int32 {
            guard let raw = reader.u32() else { throw .truncated(needed: 4, available: data.count) }
            return Int32(bitPattern: raw)
        }
        let message: TimeBasedScheduleRequest
        switch type {
        case .scheduleEnableRelease: message = .enableRelease
        case .scheduleDisableRelease: message = .disableRelease
        case .scheduleReset: message = .reset
        case .scheduleDetailAll: message = .detailReportAll
        case .scheduleSummaryAll: message = .summaryReportAll
        case .scheduleInsert:
            guard let subschedule = reader.u8(), let n = reader.u8() else { throw .truncated(needed: 2, available: data.count) }
            var activities: [ScheduleActivity] = []
            activities.reserveCapacity(Int(n))
            for _ in 0..<n {
                let time = try ScheduleTime.read(from: &reader, available: data.count)
                guard let length = ScheduleActivity.embeddedLength(reader) else {
                    throw .truncated(needed: data.count - reader.remaining + SpacePacketHeader.size, available: data.count)
                }
                guard let packet = reader.take(length) else {
                    throw .truncated(needed: data.count - reader.remaining + length, available: data.count)
                }
                activities.append(ScheduleActivity(releaseTime: time, packet: Array(packet)))
            }
            message = .insert(subscheduleID: subschedule, activities: activities)
        case .scheduleDeleteByID: message = .deleteByID(try requests())
        case .scheduleDetailByID: message = .detailReportByID(try requests())
        case .scheduleSummaryByID: message = .summaryReportByID(try requests())
        case .scheduleTimeShiftByID:
            let milliseconds = try offset()
            message = .timeShiftByID(milliseconds: milliseconds, try requests())
        case .scheduleTimeShiftAll: message = .timeShiftAll(milliseconds: try offset())
        default: throw .wrongMessageType(type)
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return message
    }
}

/// One entry of a TM[11,13] summary report: sub-schedule ID (u8), release time, request ID.
public struct ScheduleSummaryEntry: Sendable, Hashable {
    public var subscheduleID: UInt8
    public var releaseTime: ScheduleTime
    public var request: ScheduleRequestID

    public init(subscheduleID: UInt8, releaseTime: ScheduleTime, request: ScheduleRequestID) {
        self.subscheduleID = subscheduleID
        self.releaseTime = releaseTime
        self.request = request
    }
}

/// One entry of a TM[11,10] detail report: sub-schedule ID (u8), release time, the whole TC packet.
public struct ScheduleDetailEntry: Sendable, Hashable {
    public var subscheduleID: UInt8
    public var activity: ScheduleActivity

    public init(subscheduleID: UInt8, activity: ScheduleActivity) {
        self.subscheduleID = subscheduleID
        self.activity = activity
    }

    /// The request ID of the embedded packet, or `nil` when it is not a PUS-C TC.
    public var request: ScheduleRequestID? {
        (try? PUSTelecommand.decode(activity.packet)).map(ScheduleRequestID.init)
    }
}

/// TM[11,10] detail report and TM[11,13] summary report: N (u16), then N entries. A schedule
/// larger than one packet's worth goes down in several reports, each self-contained.
public enum ScheduleReport: ServiceMessage {
    case detail([ScheduleDetailEntry])
    case summary([ScheduleSummaryEntry])

    public var messageType: MessageType {
        switch self {
        case .detail: .scheduleDetailReport
        case .summary: .scheduleSummaryReport
        }
    }

    /// - Precondition: at most 65535 entries.
    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .detail(let entries):
            precondition(entries.count <= 0xFFFF, "at most 65535 entries (N is u16)")
            writer.u16(UInt16(entries.count))
            for entry in entries {
                writer.u8(entry.subscheduleID)
                entry.activity.releaseTime.write(to: &writer)
                writer.append(entry.activity.packet)
            }
        case .summary(let entries):
            precondition(entries.count <= 0xFFFF, "at most 65535 entries (N is u16)")
            writer.u16(UInt16(entries.count))
            for entry in entries {
                writer.u8(entry.subscheduleID)
                entry.releaseTime.write(to: &writer)
                entry.request.write(to: &writer)
            }
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> ScheduleReport {
        var reader = ByteReader(data)
        guard type == .scheduleDetailReport || type == .scheduleSummaryReport else { throw .wrongMessageType(type) }
        guard let n = reader.u16() else { throw .truncated(needed: 2, available: data.count) }
        let report: ScheduleReport
        if type == .scheduleDetailReport {
            var entries: [ScheduleDetailEntry] = []
            for _ in 0..<n {
                guard let subschedule = reader.u8() else { throw .truncated(needed: data.count + 1, available: data.count) }
                let time = try ScheduleTime.read(from: &reader, available: data.count)
                guard let length = ScheduleActivity.embeddedLength(reader), let packet = reader.take(length) else {
                    throw .truncated(needed: data.count + SpacePacketHeader.size, available: data.count)
                }
                entries.append(ScheduleDetailEntry(subscheduleID: subschedule, activity: ScheduleActivity(releaseTime: time, packet: Array(packet))))
            }
            report = .detail(entries)
        } else {
            var entries: [ScheduleSummaryEntry] = []
            for _ in 0..<n {
                guard let subschedule = reader.u8() else { throw .truncated(needed: data.count + 1, available: data.count) }
                let time = try ScheduleTime.read(from: &reader, available: data.count)
                guard let request = ScheduleRequestID.read(from: &reader) else { throw .truncated(needed: data.count + 6, available: data.count) }
                entries.append(ScheduleSummaryEntry(subscheduleID: subschedule, releaseTime: time, request: request))
            }
            report = .summary(entries)
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return report
    }
}
