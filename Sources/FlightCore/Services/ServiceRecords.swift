import HAL
import SpaceLink

/// The failure notice of a verification report in a fixed-size form: the code and up to eight
/// octets of failure data (big-endian, the low `length` octets of `data`).
struct FailureRecord: Sendable, Equatable {
    var code: UInt16
    var data: UInt64
    var length: UInt8

    init(_ code: VerificationFailureCode, data: UInt64 = 0, length: UInt8 = 0) {
        self.code = code.rawValue
        self.data = data
        self.length = min(length, 8)
    }

    /// Failure data holding one identifier in its wire width (u8, u16 or u32).
    static func identifier(_ code: VerificationFailureCode, _ value: UInt32, width: UInt8) -> FailureRecord {
        FailureRecord(code, data: UInt64(value), length: width)
    }

    var notice: FailureNotice {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(length))
        var shift = Int(length) * 8
        while shift > 0 {
            shift -= 8
            bytes.append(UInt8(truncatingIfNeeded: data >> UInt64(shift)))
        }
        return FailureNotice(rawCode: code, data: bytes)
    }
}

/// What an accepted telecommand asks the executive to do.
enum ServiceOperation: UInt8, Sendable {
    case connectionTest
    case housekeepingEnable, housekeepingDisable, housekeepingOneShot, housekeepingInterval
    case eventsEnable, eventsDisable
    case setMode, actuatorCommand, deviceReset, monitorEnable, eventActionEnable, releaseLatches, resetStatistics
    case parameterReport, parameterSet
}

/// An accepted telecommand, decoded and checked on the link thread: fixed size, so the command
/// queue holds it without allocating.
///
/// Lists (structures, event IDs, parameters) hold at most ``maximumItems`` entries.
public struct ServiceCommand: Sendable {
    /// Entries in one request's list at most.
    public static let maximumItems = 16

    var operation: ServiceOperation
    var request: RequestID
    var flags: AcknowledgementFlags
    var count: Int
    /// Structure indices, event IDs, parameter pool indices, or the function's target index.
    var words: Inline16<UInt32>
    /// Collection intervals (in hk cycles), parameter values, or the function's state (NaN = release).
    var values: Inline16<Double>

    init(_ operation: ServiceOperation, request: RequestID, flags: AcknowledgementFlags) {
        self.operation = operation
        self.request = request
        self.flags = flags
        count = 0
        words = Inline16(repeating: 0)
        values = Inline16(repeating: 0)
    }

    mutating func append(_ word: UInt32, _ value: Double = 0) {
        precondition(count < Self.maximumItems, "a service command holds at most \(Self.maximumItems) items")
        words[count] = word
        values[count] = value
        count += 1
    }
}

/// A record from the executive's thread to the telemetry thread: a verification stage, a
/// report's values, or a housekeeping snapshot. Fixed size; the telemetry thread encodes it.
struct ServiceReport: Sendable {
    enum Kind: UInt8, Sendable {
        /// TM[1,3].
        case started
        /// TM[1,4] with ``failure``.
        case startFailed
        /// TM[1,7].
        case completed
        /// TM[1,8] with ``failure``.
        case completionFailed
        /// TM[17,2].
        case connectionReport
        /// TM[20,2]: ``count`` parameters, pool indices in ``words``, values in ``values``, ``usable`` as for housekeeping.
        case parameterReport
        /// Event IDs in ``words`` enabled (``enable``) or disabled for reporting (telemetry-side filter).
        case eventFilter
        /// TM[3,25] of structure ``structure``: ``count`` values, ``usable`` bit i set when value i is valid or stale.
        case housekeeping
    }

    var kind: Kind
    var request: RequestID
    var time: MonotonicInstant
    var failure: FailureRecord
    var enable: Bool
    var structure: Int
    var count: Int
    var usable: UInt64
    var words: Inline16<UInt32>
    var values: Inline64<Double>

    init(_ kind: Kind, request: RequestID, time: MonotonicInstant) {
        self.kind = kind
        self.request = request
        self.time = time
        failure = FailureRecord(.executionFailed)
        enable = false
        structure = 0
        count = 0
        usable = 0
        words = Inline16(repeating: 0)
        values = Inline64(repeating: 0)
    }
}

/// An acceptance report from the link thread to the telemetry thread.
struct AcceptanceRecord: Sendable {
    var request: RequestID
    var time: MonotonicInstant
    /// `nil`: TM[1,1]; otherwise TM[1,2] with this notice.
    var failure: FailureRecord?
}
