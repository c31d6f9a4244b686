import HAL

/// An event's severity, as PUS service 5 reports it.
public enum EventSeverity: UInt8, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// TM[5,1] informative.
    case informative = 1
    /// TM[5,2] low severity (anomaly).
    case low = 2
    /// TM[5,3] medium severity.
    case medium = 3
    /// TM[5,4] high severity.
    case high = 4

    public static func < (lhs: EventSeverity, rhs: EventSeverity) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .informative: return "info"
        case .low: return "low"
        case .medium: return "medium"
        case .high: return "high"
        }
    }
}

/// An event's identifier (PUS service 5 event definition ID).
public struct EventID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// One event raised by the flight core: no strings, no allocation — the text is made on the
/// ground side (or off the control thread) from the ID and up to four numeric arguments.
public struct FlightEvent: Sendable, Equatable {
    public var id: EventID
    public var severity: EventSeverity
    public var time: MonotonicInstant
    /// Up to four numeric arguments (parameter id, value, limit, mode…), meaning per event ID.
    public var arguments: (Double, Double, Double, Double)
    public var argumentCount: UInt8

    public init(id: EventID, severity: EventSeverity, time: MonotonicInstant, _ arguments: Double...) {
        self.id = id
        self.severity = severity
        self.time = time
        var values = (0.0, 0.0, 0.0, 0.0)
        let count = min(arguments.count, 4)
        if count > 0 { values.0 = arguments[0] }
        if count > 1 { values.1 = arguments[1] }
        if count > 2 { values.2 = arguments[2] }
        if count > 3 { values.3 = arguments[3] }
        self.arguments = values
        self.argumentCount = UInt8(count)
    }

    /// Initializer for the control path: fixed arity, no variadic array.
    @inline(__always)
    public init(id: EventID, severity: EventSeverity, time: MonotonicInstant, a: Double = 0, b: Double = 0, c: Double = 0, d: Double = 0, count: UInt8) {
        self.id = id
        self.severity = severity
        self.time = time
        self.arguments = (a, b, c, d)
        self.argumentCount = min(count, 4)
    }

    public var argumentList: [Double] {
        Array([arguments.0, arguments.1, arguments.2, arguments.3].prefix(Int(argumentCount)))
    }

    public static func == (lhs: FlightEvent, rhs: FlightEvent) -> Bool {
        lhs.id == rhs.id && lhs.severity == rhs.severity && lhs.time == rhs.time && lhs.argumentList == rhs.argumentList
    }
}

/// Where components raise events. Implemented by the executive's event log (a bounded,
/// preallocated ring drained by telemetry and event-action dispatch).
public protocol EventSink: AnyObject {
    /// Records `event`. Must not allocate or block.
    func raise(_ event: FlightEvent)
}
