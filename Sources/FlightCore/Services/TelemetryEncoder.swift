import HAL
import SpaceLink

/// A UTC instant: Unix seconds (leap seconds excluded) and nanoseconds.
public struct UTCTime: Sendable, Equatable {
    public var unixSeconds: Int64
    public var nanoseconds: UInt32

    public init(unixSeconds: Int64, nanoseconds: UInt32 = 0) {
        self.unixSeconds = unixSeconds
        self.nanoseconds = min(nanoseconds, 999_999_999)
    }
}

/// How the services turn the flight core's monotonic instants into UTC for TM time fields.
///
/// The daemon maps CLOCK_MONOTONIC to UTC (it knows when the monotonic origin was in UTC, and
/// may follow a time-correlation service); a simulation fixes an epoch.
public struct UTCMapping: Sendable {
    public let utc: @Sendable (MonotonicInstant) -> UTCTime

    public init(_ utc: @escaping @Sendable (MonotonicInstant) -> UTCTime) {
        self.utc = utc
    }

    /// UTC = `epoch` + the instant's time since the monotonic origin.
    public static func fixedEpoch(_ epoch: UTCTime) -> UTCMapping {
        UTCMapping { instant in
            let total = UInt64(epoch.nanoseconds) + instant.nanoseconds % 1_000_000_000
            return UTCTime(
                unixSeconds: epoch.unixSeconds + Int64(instant.nanoseconds / 1_000_000_000) + Int64(total / 1_000_000_000),
                nanoseconds: UInt32(total % 1_000_000_000))
        }
    }
}

/// How urgently the downlink should send a packet.
public enum TelemetryPriority: Int, Sendable, Comparable {
    /// Housekeeping.
    case normal = 0
    /// Verification reports, events, and the reports a telecommand asked for (17,2, 20,2 and a
    /// one-shot 3,25).
    case high = 1

    public static func < (lhs: TelemetryPriority, rhs: TelemetryPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One encoded TM packet for the downlink.
public struct TelemetryPacket: Sendable, Equatable {
    /// The complete space packet with its PEC.
    public var bytes: [UInt8]
    public var priority: TelemetryPriority
    public var messageType: MessageType
}

/// Encodes the services' records as PUS-C TM packets: one packet sequence count and message
/// type counters for the APID, the CUC time from ``UTCMapping``.
///
/// - Warning: Telemetry thread only (one thread calls ``encode`` methods).
struct TelemetryEncoder {
    private var source: PUSTelemetrySource
    private let mapping: UTCMapping
    private let utcToTAIOffset: Int64
    private let destinationID: UInt16
    let directory: ServiceDirectory
    /// Event IDs whose reports are disabled (TC[5,6]; restored at start from the state directory).
    var disabledEvents: Set<UInt16> = []

    init(configuration: TelemetryConfiguration, mapping: UTCMapping, directory: ServiceDirectory) {
        source = PUSTelemetrySource(apid: configuration.apid, timeFormat: configuration.timeFormat)
        self.mapping = mapping
        utcToTAIOffset = configuration.utcToTAIOffset
        destinationID = configuration.destinationID
        self.directory = directory
    }

    /// The CUC time of `instant`.
    func time(_ instant: MonotonicInstant) -> CUCTime {
        let utc = mapping.utc(instant)
        return CUCTime(unixSeconds: utc.unixSeconds, nanoseconds: utc.nanoseconds, utcToTAIOffset: utcToTAIOffset)
    }

    private mutating func packet(_ type: MessageType, _ instant: MonotonicInstant, _ data: [UInt8], _ priority: TelemetryPriority) -> TelemetryPacket {
        TelemetryPacket(
            bytes: source.encode(type, time: time(instant), sourceData: data, destinationID: destinationID),
            priority: priority, messageType: type)
    }

    /// One packet of `type` with `sourceData`, stamped `instant` (service 11 reports).
    mutating func encode(_ type: MessageType, at instant: MonotonicInstant, sourceData: [UInt8]) -> TelemetryPacket {
        packet(type, instant, sourceData, .high)
    }

    mutating func encode(_ record: AcceptanceRecord) -> TelemetryPacket {
        let report: VerificationReport = record.failure.map { .acceptanceFailure(record.request, $0.notice) } ?? .acceptanceSuccess(record.request)
        return packet(report.messageType, record.time, report.sourceData, .high)
    }

    /// The packet of `record`, or `nil` for a record that only changes the encoder's state.
    mutating func encode(_ record: ServiceReport) -> TelemetryPacket? {
        let verification: VerificationReport
        switch record.kind {
        case .started: verification = .startSuccess(record.request)
        case .startFailed: verification = .startFailure(record.request, record.failure.notice)
        case .completed: verification = .completionSuccess(record.request)
        case .completionFailed: verification = .completionFailure(record.request, record.failure.notice)
        case .connectionReport:
            return packet(.areYouAliveReport, record.time, [], .high)
        case .scheduleReport:
            return nil // several packets: SpaceServices.pump asks TimeBasedScheduling
        case .sourceData:
            let type = MessageType(UInt8(truncatingIfNeeded: record.structure >> 8), UInt8(truncatingIfNeeded: record.structure))
            return packet(type, record.time, record.octets, .high)
        case .parameterReport:
            var assignments: [ParameterAssignment] = []
            for item in 0..<record.count {
                let definition = directory.parameters[Int(record.words[item])]
                assignments.append(
                    ParameterAssignment(
                        id: definition.id.rawValue,
                        value: Self.wireValue(
                            record.values[item], type: definition.type, usable: record.usable & (1 << UInt64(item)) != 0)))
            }
            return packet(.parameterReport, record.time, ParameterManagementMessage.report(assignments).applicationData, .high)
        case .storageRequest, .commandedState:
            return nil
        case .eventFilter:
            for item in 0..<record.count {
                let id = UInt16(truncatingIfNeeded: record.words[item])
                if record.enable { disabledEvents.remove(id) } else { disabledEvents.insert(id) }
            }
            return nil
        case .housekeeping:
            let structure = directory.structures[record.structure]
            var values: [ParameterValue] = []
            values.reserveCapacity(record.count)
            for position in 0..<min(record.count, structure.types.count) {
                values.append(
                    Self.wireValue(
                        record.values[position], type: structure.types[position],
                        usable: record.usable & (1 << UInt64(position)) != 0))
            }
            // A one-shot report (TC[3,27]) is part of its command's reports and keeps their
            // priority, so it reaches the ground before the TM[1,7] that completes the command.
            return packet(
                .housekeepingReport, record.time, HousekeepingReport(structureID: structure.id, values: values).sourceData,
                record.isPeriodic ? .normal : .high)
        }
        return packet(verification.messageType, record.time, verification.sourceData, .high)
    }

    /// A TC[15,x] performed by `service`: its reports, then TM[1,7] (if asked for) or TM[1,8]
    /// (failure data: the store ID, u16; 0 when no store service exists or the record is unreadable).
    mutating func encodeStorage(_ record: ServiceReport, service: (any PacketStorageService)?) -> [TelemetryPacket] {
        guard let service, let request = record.storageRequest else {
            let failure = FailureNotice(rawCode: VerificationFailureCode.executionFailed.rawValue, data: [0, 0])
            let report = VerificationReport.completionFailure(record.request, failure)
            return [packet(report.messageType, record.time, report.sourceData, .high)]
        }
        let outcome = service.perform(request, at: record.time)
        var packets = outcome.reports.map { packet($0.messageType, record.time, $0.applicationData, .high) }
        if let failure = outcome.failure {
            let notice = FailureNotice(rawCode: failure.code.rawValue, data: [UInt8(failure.storeID >> 8), UInt8(failure.storeID & 0xFF)])
            let report = VerificationReport.completionFailure(record.request, notice)
            packets.append(packet(report.messageType, record.time, report.sourceData, .high))
        } else if record.enable {
            let report = VerificationReport.completionSuccess(record.request)
            packets.append(packet(report.messageType, record.time, report.sourceData, .high))
        }
        return packets
    }

    /// TM[5,severity] for `event`, or `nil` when its ID is disabled.
    ///
    /// Auxiliary data: N (u8, 0…4) then N arguments as f64.
    mutating func encode(_ event: FlightEvent) -> TelemetryPacket? {
        guard !disabledEvents.contains(event.id.rawValue) else { return nil }
        let severity = SpaceLink.EventSeverity(rawValue: event.severity.rawValue) ?? .high
        let arguments = [event.arguments.0, event.arguments.1, event.arguments.2, event.arguments.3].prefix(Int(event.argumentCount))
        var auxiliary: [UInt8] = [UInt8(arguments.count)]
        for argument in arguments { auxiliary += ParameterValue.f64(argument).packed }
        let report = EventReport(severity: severity, eventID: event.id.rawValue, auxiliaryData: auxiliary)
        return packet(report.messageType, event.time, report.applicationData, .high)
    }

    /// A pool value as its wire type.
    ///
    /// Floating-point values that are not usable (unset or invalid) are sent as NaN; integers
    /// are rounded to nearest and saturate at their type's bounds (NaN → 0); booleans are
    /// "not zero".
    static func wireValue(_ value: Double, type: ParameterType, usable: Bool) -> ParameterValue {
        func integer<T: FixedWidthInteger>(_: T.Type) -> T {
            guard value.isFinite else { return 0 }
            let rounded = value.rounded()
            if rounded <= Double(T.min) { return T.min }
            if rounded >= Double(T.max) { return T.max }
            return T(rounded)
        }
        switch type {
        case .f64: return .f64(usable ? value : .nan)
        case .f32: return .f32(usable ? Float(value) : .nan)
        case .bool: return .bool(value.isFinite && value != 0)
        case .u8: return .u8(integer(UInt8.self))
        case .u16: return .u16(integer(UInt16.self))
        case .u32: return .u32(integer(UInt32.self))
        case .i16: return .i16(integer(Int16.self))
        case .i32: return .i32(integer(Int32.self))
        }
    }
}
