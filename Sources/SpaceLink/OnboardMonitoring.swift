/// ST[12] on-board monitoring (parameter monitoring subservice) and ST[19] event-action
/// messages, laid out as Yamcs's PUS example mission database (`pus12.xml`, `pus19.xml`).
/// docs/telecommands.md ("Service 12", "Service 19") gives every field.
extension MessageType {
    public static let monitoringEnable = MessageType(12, 1)
    public static let monitoringDisable = MessageType(12, 2)
    public static let monitoringAdd = MessageType(12, 5)
    public static let monitoringDelete = MessageType(12, 6)
    public static let monitoringModify = MessageType(12, 7)
    public static let monitoringReportDefinitions = MessageType(12, 8)
    public static let monitoringDefinitionReport = MessageType(12, 9)
    public static let monitoringReportTransitions = MessageType(12, 11)
    public static let monitoringTransitionReport = MessageType(12, 12)
    public static let monitoringReportStatus = MessageType(12, 13)
    public static let monitoringStatusReport = MessageType(12, 14)

    public static let eventActionAdd = MessageType(19, 1)
    public static let eventActionDelete = MessageType(19, 2)
    public static let eventActionDeleteAll = MessageType(19, 3)
    public static let eventActionEnable = MessageType(19, 4)
    public static let eventActionDisable = MessageType(19, 5)
    public static let eventActionReportStatus = MessageType(19, 6)
    public static let eventActionStatusReport = MessageType(19, 7)
    public static let eventActionEnableFunction = MessageType(19, 8)
    public static let eventActionDisableFunction = MessageType(19, 9)
}

/// The check of one parameter monitoring definition (check type u8: 0 expected value, 1 limit,
/// 2 delta) with its criteria.
public enum MonitoringCheck: Sendable, Hashable {
    /// `value & mask == expected`, else `event` (0: the generic one).
    case expectedValue(mask: UInt8, expected: UInt8, event: UInt16)
    /// Below `low` raises `lowEvent`, above `high` raises `highEvent` (0: the generic ones).
    case limit(low: Float, lowEvent: UInt16, high: Float, highEvent: UInt16)
    /// The mean of `consecutiveDeltas` successive changes below `low` or above `high`.
    case delta(low: Float, lowEvent: UInt16, high: Float, highEvent: UInt16, consecutiveDeltas: UInt8)

    public var checkType: UInt8 {
        switch self {
        case .expectedValue: 0
        case .limit: 1
        case .delta: 2
        }
    }

    func write(to writer: inout ByteWriter) {
        writer.u8(checkType)
        switch self {
        case .expectedValue(let mask, let expected, let event):
            writer.u8(mask)
            writer.u8(expected)
            writer.u16(event)
        case .limit(let low, let lowEvent, let high, let highEvent):
            writer.u32(low.bitPattern)
            writer.u16(lowEvent)
            writer.u32(high.bitPattern)
            writer.u16(highEvent)
        case .delta(let low, let lowEvent, let high, let highEvent, let deltas):
            writer.u32(low.bitPattern)
            writer.u16(lowEvent)
            writer.u32(high.bitPattern)
            writer.u16(highEvent)
            writer.u8(deltas)
        }
    }

    static func read(from reader: inout ByteReader, available: Int) throws(ServiceDataError) -> MonitoringCheck {
        guard let type = reader.u8() else { throw .truncated(needed: available + 1, available: available) }
        switch type {
        case 0:
            guard let mask = reader.u8(), let expected = reader.u8(), let event = reader.u16() else {
                throw .truncated(needed: available - reader.remaining + 4, available: available)
            }
            return .expectedValue(mask: mask, expected: expected, event: event)
        case 1, 2:
            guard let low = reader.u32(), let lowEvent = reader.u16(), let high = reader.u32(), let highEvent = reader.u16() else {
                throw .truncated(needed: available - reader.remaining + 12, available: available)
            }
            if type == 1 { return .limit(low: Float(bitPattern: low), lowEvent: lowEvent, high: Float(bitPattern: high), highEvent: highEvent) }
            guard let deltas = reader.u8() else { throw .truncated(needed: available + 1, available: available) }
            return .delta(low: Float(bitPattern: low), lowEvent: lowEvent, high: Float(bitPattern: high), highEvent: highEvent, consecutiveDeltas: deltas)
        default:
            throw .unknownTypeTag(type)
        }
    }
}

/// A parameter monitoring definition as TC[12,5] adds it and TC[12,7] modifies it.
public struct MonitoringDefinition: Sendable, Hashable {
    public var pmonID: UInt16
    public var parameterID: UInt16
    /// TC[12,5] only (TC[12,7] keeps the interval).
    public var intervalMilliseconds: UInt16
    public var repetition: UInt8
    public var check: MonitoringCheck

    public init(pmonID: UInt16, parameterID: UInt16, intervalMilliseconds: UInt16 = 0, repetition: UInt8, check: MonitoringCheck) {
        self.pmonID = pmonID
        self.parameterID = parameterID
        self.intervalMilliseconds = intervalMilliseconds
        self.repetition = repetition
        self.check = check
    }
}

/// The ST[12] telecommands.
public enum MonitoringRequest: ServiceMessage {
    case enable([UInt16])
    case disable([UInt16])
    /// One definition per TC (as Yamcs's mission database).
    case add(MonitoringDefinition)
    case delete([UInt16])
    case modify(MonitoringDefinition)
    /// An empty list reports every definition.
    case reportDefinitions([UInt16])
    case reportTransitions
    case reportStatus

    public var messageType: MessageType {
        switch self {
        case .enable: .monitoringEnable
        case .disable: .monitoringDisable
        case .add: .monitoringAdd
        case .delete: .monitoringDelete
        case .modify: .monitoringModify
        case .reportDefinitions: .monitoringReportDefinitions
        case .reportTransitions: .monitoringReportTransitions
        case .reportStatus: .monitoringReportStatus
        }
    }

    /// - Precondition: at most 255 identifiers (N is u8).
    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .enable(let ids), .disable(let ids), .delete(let ids), .reportDefinitions(let ids):
            precondition(ids.count <= 255, "at most 255 identifiers (N is u8)")
            writer.u8(UInt8(ids.count))
            for id in ids { writer.u16(id) }
        case .add(let definition), .modify(let definition):
            writer.u16(definition.pmonID)
            writer.u16(definition.parameterID)
            if case .add = self { writer.u16(definition.intervalMilliseconds) }
            writer.u8(definition.repetition)
            definition.check.write(to: &writer)
        case .reportTransitions, .reportStatus:
            break
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> MonitoringRequest {
        var reader = ByteReader(data)
        func ids() throws(ServiceDataError) -> [UInt16] { try reader.identifierList(available: data.count) }
        func definition(add: Bool) throws(ServiceDataError) -> MonitoringDefinition {
            guard let pmon = reader.u16(), let parameter = reader.u16() else { throw .truncated(needed: 4, available: data.count) }
            var interval: UInt16 = 0
            if add {
                guard let value = reader.u16() else { throw .truncated(needed: 6, available: data.count) }
                interval = value
            }
            guard let repetition = reader.u8() else { throw .truncated(needed: add ? 7 : 5, available: data.count) }
            let check = try MonitoringCheck.read(from: &reader, available: data.count)
            return MonitoringDefinition(pmonID: pmon, parameterID: parameter, intervalMilliseconds: interval, repetition: repetition, check: check)
        }
        let message: MonitoringRequest
        switch type {
        case .monitoringEnable: message = .enable(try ids())
        case .monitoringDisable: message = .disable(try ids())
        case .monitoringDelete: message = .delete(try ids())
        case .monitoringReportDefinitions: message = .reportDefinitions(try ids())
        case .monitoringAdd: message = .add(try definition(add: true))
        case .monitoringModify: message = .modify(try definition(add: false))
        case .monitoringReportTransitions: message = .reportTransitions
        case .monitoringReportStatus: message = .reportStatus
        default: throw .wrongMessageType(type)
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return message
    }
}

/// One entry of TM[12,9].
public struct MonitoringDefinitionEntry: Sendable, Hashable {
    public var pmonID: UInt16
    public var parameterID: UInt16
    public var enabled: Bool
    public var repetition: UInt8
    /// `nil` for a check this layout cannot express (iostd's staleness monitors: check type 3, no criteria).
    public var check: MonitoringCheck?

    public init(pmonID: UInt16, parameterID: UInt16, enabled: Bool, repetition: UInt8, check: MonitoringCheck?) {
        self.pmonID = pmonID
        self.parameterID = parameterID
        self.enabled = enabled
        self.repetition = repetition
        self.check = check
    }

    /// The entry's octets.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 20)
        writer.u16(pmonID)
        writer.u16(parameterID)
        writer.u8(enabled ? 1 : 0)
        writer.u8(repetition)
        if let check { check.write(to: &writer) } else { writer.u8(MonitoringDefinitionEntry.stalenessCheckType) }
        return writer.bytes
    }

    /// The check type iostd reports for a staleness monitor (a mission extension; no criteria follow).
    public static let stalenessCheckType: UInt8 = 3
}

/// A change of one definition's checking status in TM[12,12] (0 good, 1 unchecked, 2 invalid,
/// 3 below low or unexpected, 4 above high).
public struct MonitoringTransition: Sendable, Hashable {
    public var pmonID: UInt16
    public var previous: UInt8
    public var current: UInt8

    public init(pmonID: UInt16, previous: UInt8, current: UInt8) {
        self.pmonID = pmonID
        self.previous = previous
        self.current = current
    }
}

/// The ST[12] reports, decoded (the ground's side).
public enum MonitoringReport: Sendable, Hashable {
    case definitions([MonitoringDefinitionEntry])
    case transitions([MonitoringTransition])
    /// Each definition's enable status.
    case status([(pmonID: UInt16, enabled: Bool)])

    public static func == (a: MonitoringReport, b: MonitoringReport) -> Bool {
        switch (a, b) {
        case (.definitions(let x), .definitions(let y)): x == y
        case (.transitions(let x), .transitions(let y)): x == y
        case (.status(let x), .status(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.pmonID == $1.pmonID && $0.enabled == $1.enabled }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .definitions(let x): hasher.combine(x)
        case .transitions(let x): hasher.combine(x)
        case .status(let x): for entry in x { hasher.combine(entry.pmonID); hasher.combine(entry.enabled) }
        }
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> MonitoringReport {
        var reader = ByteReader(data)
        guard let count = reader.u8() else { throw .truncated(needed: 1, available: data.count) }
        let report: MonitoringReport
        switch type {
        case .monitoringDefinitionReport:
            var entries: [MonitoringDefinitionEntry] = []
            for _ in 0..<count {
                guard let pmon = reader.u16(), let parameter = reader.u16(), let status = reader.u8(), let repetition = reader.u8() else {
                    throw .truncated(needed: data.count + 6, available: data.count)
                }
                var check: MonitoringCheck?
                var peek = reader
                if peek.u8() == MonitoringDefinitionEntry.stalenessCheckType {
                    _ = reader.u8()
                } else {
                    check = try MonitoringCheck.read(from: &reader, available: data.count)
                }
                entries.append(MonitoringDefinitionEntry(pmonID: pmon, parameterID: parameter, enabled: status == 1, repetition: repetition, check: check))
            }
            report = .definitions(entries)
        case .monitoringTransitionReport:
            var entries: [MonitoringTransition] = []
            for _ in 0..<count {
                guard let pmon = reader.u16(), let previous = reader.u8(), let current = reader.u8() else {
                    throw .truncated(needed: 1 + Int(count) * 4, available: data.count)
                }
                entries.append(MonitoringTransition(pmonID: pmon, previous: previous, current: current))
            }
            report = .transitions(entries)
        case .monitoringStatusReport:
            var entries: [(pmonID: UInt16, enabled: Bool)] = []
            for _ in 0..<count {
                guard let pmon = reader.u16(), let status = reader.u8() else { throw .truncated(needed: 1 + Int(count) * 3, available: data.count) }
                entries.append((pmon, status == 1))
            }
            report = .status(entries)
        default:
            throw .wrongMessageType(type)
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return report
    }
}

/// The ST[19] telecommands.
public enum EventActionRequest: ServiceMessage {
    /// Definitions: an event ID and the telecommand (a whole space packet) it releases.
    case add([(eventID: UInt16, packet: [UInt8])])
    case delete([UInt16])
    case deleteAll
    /// An empty list: every definition.
    case enable([UInt16])
    case disable([UInt16])
    case reportStatus
    case enableFunction
    case disableFunction

    public static func == (a: EventActionRequest, b: EventActionRequest) -> Bool { a.messageType == b.messageType && a.applicationData == b.applicationData }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(messageType)
        hasher.combine(applicationData)
    }

    public var messageType: MessageType {
        switch self {
        case .add: .eventActionAdd
        case .delete: .eventActionDelete
        case .deleteAll: .eventActionDeleteAll
        case .enable: .eventActionEnable
        case .disable: .eventActionDisable
        case .reportStatus: .eventActionReportStatus
        case .enableFunction: .eventActionEnableFunction
        case .disableFunction: .eventActionDisableFunction
        }
    }

    /// - Precondition: at most 255 entries (N is u8).
    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .add(let definitions):
            precondition(definitions.count <= 255, "at most 255 definitions (N is u8)")
            writer.u8(UInt8(definitions.count))
            for definition in definitions {
                writer.u16(definition.eventID)
                writer.append(definition.packet)
            }
        case .delete(let ids), .enable(let ids), .disable(let ids):
            precondition(ids.count <= 255, "at most 255 event IDs (N is u8)")
            writer.u8(UInt8(ids.count))
            for id in ids { writer.u16(id) }
        case .deleteAll, .reportStatus, .enableFunction, .disableFunction:
            break
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> EventActionRequest {
        var reader = ByteReader(data)
        func ids() throws(ServiceDataError) -> [UInt16] { try reader.identifierList(available: data.count) }
        let message: EventActionRequest
        switch type {
        case .eventActionAdd:
            guard let n = reader.u8() else { throw .truncated(needed: 1, available: data.count) }
            var definitions: [(eventID: UInt16, packet: [UInt8])] = []
            for _ in 0..<n {
                guard let event = reader.u16() else { throw .truncated(needed: data.count + 2, available: data.count) }
                guard let length = ScheduleActivity.embeddedLength(reader) else {
                    throw .truncated(needed: data.count - reader.remaining + SpacePacketHeader.size, available: data.count)
                }
                guard let packet = reader.take(length) else { throw .truncated(needed: data.count - reader.remaining + length, available: data.count) }
                definitions.append((event, Array(packet)))
            }
            message = .add(definitions)
        case .eventActionDelete: message = .delete(try ids())
        case .eventActionDeleteAll: message = .deleteAll
        case .eventActionEnable: message = .enable(try ids())
        case .eventActionDisable: message = .disable(try ids())
        case .eventActionReportStatus: message = .reportStatus
        case .eventActionEnableFunction: message = .enableFunction
        case .eventActionDisableFunction: message = .disableFunction
        default: throw .wrongMessageType(type)
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return message
    }
}

/// TM[19,7]: each definition's event ID and enable status, decoded (the ground's side).
public enum EventActionStatusReport {
    public static func decode(_ data: ArraySlice<UInt8>) throws(ServiceDataError) -> [(eventID: UInt16, enabled: Bool)] {
        var reader = ByteReader(data)
        guard let count = reader.u8() else { throw .truncated(needed: 1, available: data.count) }
        var result: [(eventID: UInt16, enabled: Bool)] = []
        for _ in 0..<count {
            guard let id = reader.u16(), let status = reader.u8() else { throw .truncated(needed: 1 + Int(count) * 3, available: data.count) }
            result.append((id, status == 1))
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return result
    }
}

extension ByteReader {
    /// `N` (u8) then `N` × u16: the identifier lists of ST[12] and ST[19].
    mutating func identifierList(available: Int) throws(ServiceDataError) -> [UInt16] {
        guard let n = u8() else { throw .truncated(needed: 1, available: available) }
        guard remaining >= Int(n) * 2 else { throw .truncated(needed: 1 + Int(n) * 2, available: available) }
        var result: [UInt16] = []
        for _ in 0..<n { if let id = u16() { result.append(id) } }
        return result
    }
}
