// Application data codecs for the PUS-C services this project implements. Encoding and
// decoding only: execution belongs to the flight core.
//
// Mission choices, for every list below: the count N is one octet (at most 255 items per
// message), structure IDs are u32, event, function, argument and parameter IDs are u16.

/// A PUS service message: a message type and its application (or source) data.
public protocol ServiceMessage: Sendable, Hashable {
    /// Service type and subtype.
    var messageType: MessageType { get }
    /// The application data (TC) or source data (TM) octets.
    var applicationData: [UInt8] { get }
    /// Decodes the data of a message of `type`.
    /// - Throws: ``ServiceDataError`` for a type this codec does not handle or malformed data.
    static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> Self
}

extension MessageType {
    public static let housekeepingEnablePeriodic = MessageType(3, 5)
    public static let housekeepingDisablePeriodic = MessageType(3, 6)
    public static let housekeepingReport = MessageType(3, 25)
    public static let housekeepingOneShot = MessageType(3, 27)
    public static let housekeepingModifyInterval = MessageType(3, 31)
    public static let eventEnable = MessageType(5, 5)
    public static let eventDisable = MessageType(5, 6)
    public static let performFunction = MessageType(8, 1)
    public static let areYouAlive = MessageType(17, 1)
    public static let areYouAliveReport = MessageType(17, 2)
    public static let parameterReportRequest = MessageType(20, 1)
    public static let parameterReport = MessageType(20, 2)
    public static let parameterSet = MessageType(20, 3)
}

// MARK: - Shared list codecs

private func writeCount(_ count: Int, to writer: inout ByteWriter) {
    precondition(count <= 255, "at most 255 items per message (N is one octet)")
    writer.u8(UInt8(count))
}

private func readCount(_ reader: inout ByteReader) throws(ServiceDataError) -> Int {
    guard let n = reader.u8() else { throw .truncated(needed: 1, available: 0) }
    return Int(n)
}

private func readList<T>(_ data: ArraySlice<UInt8>, width: Int, _ read: (inout ByteReader) -> T?) throws(ServiceDataError) -> [T] {
    var reader = ByteReader(data)
    let n = try readCount(&reader)
    guard reader.remaining >= n * width else { throw .truncated(needed: 1 + n * width, available: data.count) }
    var items: [T] = []
    items.reserveCapacity(n)
    for _ in 0..<n {
        guard let item = read(&reader) else { throw .truncated(needed: 1 + n * width, available: data.count) }
        items.append(item)
    }
    guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
    return items
}

// MARK: - Service 3: housekeeping

/// TM[3,25] housekeeping parameter report: structure ID (u32), then the parameter values
/// packed without tags in the order the structure defines.
public struct HousekeepingReport: Sendable, Hashable {
    public var structureID: UInt32
    public var values: [ParameterValue]

    public init(structureID: UInt32, values: [ParameterValue]) {
        self.structureID = structureID
        self.values = values
    }

    public var messageType: MessageType { .housekeepingReport }

    public var sourceData: [UInt8] {
        var writer = ByteWriter(capacity: 4 + values.count * 4)
        writer.u32(structureID)
        for value in values { value.writePacked(to: &writer) }
        return writer.bytes
    }

    /// The structure ID of a report's source data, read before looking up its layout.
    public static func structureID(of sourceData: ArraySlice<UInt8>) throws(ServiceDataError) -> UInt32 {
        var reader = ByteReader(sourceData)
        guard let id = reader.u32() else { throw .truncated(needed: 4, available: sourceData.count) }
        return id
    }

    /// Decodes a report whose structure has the parameter types `layout`.
    /// - Throws: ``ServiceDataError`` when the data is shorter or longer than the layout.
    public static func decode(_ sourceData: ArraySlice<UInt8>, layout: [ParameterType]) throws(ServiceDataError) -> HousekeepingReport {
        var reader = ByteReader(sourceData)
        guard let id = reader.u32() else { throw .truncated(needed: 4, available: sourceData.count) }
        var values: [ParameterValue] = []
        values.reserveCapacity(layout.count)
        for type in layout { values.append(try ParameterValue.readPacked(type, from: &reader)) }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return HousekeepingReport(structureID: id, values: values)
    }
}

/// A new collection interval for one housekeeping structure (TC[3,31]).
///
/// PUS-C expresses the interval as a multiple of the minimum sampling interval; this project
/// fixes that unit to 1 ms, so the value is the period in milliseconds (u32).
public struct CollectionInterval: Sendable, Hashable {
    public var structureID: UInt32
    public var milliseconds: UInt32
    public init(structureID: UInt32, milliseconds: UInt32) {
        self.structureID = structureID
        self.milliseconds = milliseconds
    }
}

/// Housekeeping telecommands: N (u8) then N structure IDs (u32), or N × (structure ID u32,
/// interval ms u32) for TC[3,31].
public enum HousekeepingRequest: ServiceMessage {
    case enablePeriodic([UInt32]) // TC[3,5]
    case disablePeriodic([UInt32]) // TC[3,6]
    case generateOneShot([UInt32]) // TC[3,27]
    case modifyCollectionInterval([CollectionInterval]) // TC[3,31]

    public var messageType: MessageType {
        switch self {
        case .enablePeriodic: .housekeepingEnablePeriodic
        case .disablePeriodic: .housekeepingDisablePeriodic
        case .generateOneShot: .housekeepingOneShot
        case .modifyCollectionInterval: .housekeepingModifyInterval
        }
    }

    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .enablePeriodic(let ids), .disablePeriodic(let ids), .generateOneShot(let ids):
            writeCount(ids.count, to: &writer)
            for id in ids { writer.u32(id) }
        case .modifyCollectionInterval(let intervals):
            writeCount(intervals.count, to: &writer)
            for interval in intervals {
                writer.u32(interval.structureID)
                writer.u32(interval.milliseconds)
            }
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> HousekeepingRequest {
        switch type {
        case .housekeepingEnablePeriodic: return .enablePeriodic(try readList(data, width: 4) { $0.u32() })
        case .housekeepingDisablePeriodic: return .disablePeriodic(try readList(data, width: 4) { $0.u32() })
        case .housekeepingOneShot: return .generateOneShot(try readList(data, width: 4) { $0.u32() })
        case .housekeepingModifyInterval:
            return .modifyCollectionInterval(
                try readList(data, width: 8) { reader in
                    guard let id = reader.u32(), let ms = reader.u32() else { return nil }
                    return CollectionInterval(structureID: id, milliseconds: ms)
                })
        default: throw .wrongMessageType(type)
        }
    }
}

// MARK: - Service 5: event reporting

/// Event severity, which selects the report subtype TM[5,1]…[5,4].
public enum EventSeverity: UInt8, Sendable, Hashable, CaseIterable {
    case informative = 1
    case low = 2
    case medium = 3
    case high = 4
}

/// TM[5,1]…[5,4] event report: event ID (u16) then auxiliary data.
public struct EventReport: ServiceMessage {
    public var severity: EventSeverity
    public var eventID: UInt16
    public var auxiliaryData: [UInt8]

    public init(severity: EventSeverity, eventID: UInt16, auxiliaryData: [UInt8] = []) {
        self.severity = severity
        self.eventID = eventID
        self.auxiliaryData = auxiliaryData
    }

    public var messageType: MessageType { MessageType(5, severity.rawValue) }

    public var applicationData: [UInt8] {
        var writer = ByteWriter(capacity: 2 + auxiliaryData.count)
        writer.u16(eventID)
        writer.append(auxiliaryData)
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> EventReport {
        guard type.service == 5, let severity = EventSeverity(rawValue: type.subtype) else { throw .wrongMessageType(type) }
        var reader = ByteReader(data)
        guard let id = reader.u16() else { throw .truncated(needed: 2, available: data.count) }
        return EventReport(severity: severity, eventID: id, auxiliaryData: Array(reader.rest()))
    }
}

/// TC[5,5] / TC[5,6]: enable / disable the generation of event reports: N (u8) × event ID (u16).
public enum EventReportingRequest: ServiceMessage {
    case enable([UInt16])
    case disable([UInt16])

    public var messageType: MessageType {
        switch self {
        case .enable: .eventEnable
        case .disable: .eventDisable
        }
    }

    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .enable(let ids), .disable(let ids):
            writeCount(ids.count, to: &writer)
            for id in ids { writer.u16(id) }
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> EventReportingRequest {
        switch type {
        case .eventEnable: return .enable(try readList(data, width: 2) { $0.u16() })
        case .eventDisable: return .disable(try readList(data, width: 2) { $0.u16() })
        default: throw .wrongMessageType(type)
        }
    }
}

// MARK: - Service 8: function management

/// One argument of a function: argument ID (u16) and a tagged value.
public struct FunctionArgument: Sendable, Hashable {
    public var id: UInt16
    public var value: ParameterValue
    public init(id: UInt16, value: ParameterValue) {
        self.id = id
        self.value = value
    }
}

/// TC[8,1] perform a function: function ID (u16), N (u8), then N × (argument ID u16, tag u8,
/// value). PUS-C names functions with a fixed-length string; this project uses a u16.
public struct FunctionRequest: ServiceMessage {
    public var functionID: UInt16
    public var arguments: [FunctionArgument]

    public init(functionID: UInt16, arguments: [FunctionArgument] = []) {
        self.functionID = functionID
        self.arguments = arguments
    }

    public var messageType: MessageType { .performFunction }

    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        writer.u16(functionID)
        writeCount(arguments.count, to: &writer)
        for argument in arguments {
            writer.u16(argument.id)
            argument.value.writeTagged(to: &writer)
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> FunctionRequest {
        guard type == .performFunction else { throw .wrongMessageType(type) }
        var reader = ByteReader(data)
        guard let function = reader.u16(), let n = reader.u8() else { throw .truncated(needed: 3, available: data.count) }
        var arguments: [FunctionArgument] = []
        for _ in 0..<n {
            guard let id = reader.u16() else { throw .truncated(needed: data.count + 2, available: data.count) }
            arguments.append(FunctionArgument(id: id, value: try ParameterValue.readTagged(from: &reader)))
        }
        guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        return FunctionRequest(functionID: function, arguments: arguments)
    }
}

// MARK: - Service 17: test

/// TC[17,1] are-you-alive and its TM[17,2] report: no application data.
public enum ConnectionTest: ServiceMessage {
    case areYouAlive
    case report

    public var messageType: MessageType { self == .areYouAlive ? .areYouAlive : .areYouAliveReport }
    public var applicationData: [UInt8] { [] }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> ConnectionTest {
        let message: ConnectionTest
        switch type {
        case .areYouAlive: message = .areYouAlive
        case .areYouAliveReport: message = .report
        default: throw .wrongMessageType(type)
        }
        guard data.isEmpty else { throw .trailingOctets(data.count) }
        return message
    }
}

// MARK: - Service 20: on-board parameter management

/// A parameter ID (u16) with a value.
public struct ParameterAssignment: Sendable, Hashable {
    public var id: UInt16
    public var value: ParameterValue
    public init(id: UInt16, value: ParameterValue) {
        self.id = id
        self.value = value
    }
}

/// Service 20 messages. Values are tagged (type tag u8 + big-endian value, see
/// ``ParameterType``): self-describing, so a wrong type is caught by the receiver instead of
/// silently reinterpreting bits, and no shared parameter database is needed to parse.
///
/// - TC[20,1] report parameter values: N (u8) × parameter ID (u16)
/// - TM[20,2] parameter value report: N (u8) × (parameter ID u16, tag u8, value)
/// - TC[20,3] set parameter values: N (u8) × (parameter ID u16, tag u8, value)
public enum ParameterManagementMessage: ServiceMessage {
    case reportRequest([UInt16])
    case report([ParameterAssignment])
    case set([ParameterAssignment])

    public var messageType: MessageType {
        switch self {
        case .reportRequest: .parameterReportRequest
        case .report: .parameterReport
        case .set: .parameterSet
        }
    }

    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .reportRequest(let ids):
            writeCount(ids.count, to: &writer)
            for id in ids { writer.u16(id) }
        case .report(let assignments), .set(let assignments):
            writeCount(assignments.count, to: &writer)
            for assignment in assignments {
                writer.u16(assignment.id)
                assignment.value.writeTagged(to: &writer)
            }
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> ParameterManagementMessage {
        switch type {
        case .parameterReportRequest:
            return .reportRequest(try readList(data, width: 2) { $0.u16() })
        case .parameterReport, .parameterSet:
            var reader = ByteReader(data)
            let n = try readCount(&reader)
            var assignments: [ParameterAssignment] = []
            for _ in 0..<n {
                guard let id = reader.u16() else { throw .truncated(needed: data.count + 2, available: data.count) }
                assignments.append(ParameterAssignment(id: id, value: try ParameterValue.readTagged(from: &reader)))
            }
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
            return type == .parameterSet ? .set(assignments) : .report(assignments)
        default:
            throw .wrongMessageType(type)
        }
    }
}
