import HAL
import SpaceLink
import Synchronization

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
    /// ST[15]: performed by the telemetry thread, which owns the packet stores.
    case storage
    /// Service 11 (``TimeBasedScheduling``).
    case scheduleEnable, scheduleDisable, scheduleReset, scheduleInsert, scheduleDelete, scheduleShift, scheduleShiftAll
    case scheduleDetail, scheduleDetailAll, scheduleSummary, scheduleSummaryAll
    /// ST[12] and ST[19] (subtype in ``ServiceCommand/detail``; ``MonitoringExecution``).
    case monitoring, eventAction
}

/// An accepted telecommand, decoded and checked on the link thread: fixed size, so the command
/// queue holds it without allocating.
///
/// Lists (structures, event IDs, parameters) hold at most ``maximumItems`` entries.
public struct ServiceCommand: Sendable {
    /// Entries in one request's list at most.
    public static let maximumItems = 16

    var operation: ServiceOperation
    /// The message subtype, for operations that stand for a whole service (``ServiceOperation/storage``).
    var detail: UInt8 = 0
    var request: RequestID
    var flags: AcknowledgementFlags
    var count: Int
    /// Report records this command may push, reserved at acceptance (see ``ReportBudget``).
    var budget: Int {
        switch operation {
        case .connectionTest, .parameterReport, .eventsEnable, .eventsDisable: return 3
        case .scheduleDetail, .scheduleDetailAll, .scheduleSummary, .scheduleSummaryAll: return 3
        case .housekeepingOneShot: return 2 + count
        // Start, the change to persist, completion.
        case .parameterSet, .housekeepingEnable, .housekeepingDisable, .housekeepingInterval: return 3
        // Start, the change(s) to persist or the report records, completion.
        case .monitoring: return 3 + ReportWriter.maximumRecords
        case .eventAction: return 2 + max(count, ReportWriter.maximumRecords)
        default: return 2
        }
    }
    /// The largest ``budget`` any command has.
    static let largestBudget = 2 + maximumItems

    /// Structure indices, event IDs, parameter pool indices, or the function's target index.
    var words: Inline16<UInt32>
    /// Collection intervals (in hk cycles), parameter values, or the function's state (NaN = release).
    var values: Inline16<Double>
    /// Service 11: the time offset in milliseconds (TC[11,7], TC[11,15]).
    var argument: Int64 = 0

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
        /// A TC[15,x] for the telemetry thread to perform (subtype in ``structure``, store IDs in
        /// ``words``, times as u64 bit patterns in ``values``; ``enable``: TM[1,7] asked for). Final:
        /// the telemetry thread sends the completion.
        case storageRequest
        /// A commanded change to persist (``PersistedCommanding``): the change in ``structure``,
        /// pool or structure indices in ``words``, values or intervals in ``values``.
        case commandedState
        /// TM[11,10] (``structure`` 1) or TM[11,13] (0) of the latest schedule snapshot; with
        /// ``enable``, only the ``count`` request IDs in ``words`` (packet ID, sequence control)
        /// and ``values`` (source ID).
        case scheduleReport
        /// A report built by the executive: type `structure >> 8`, subtype `structure & 0xFF`,
        /// source data the first `count` octets of the value storage (``octets``).
        case sourceData
    }

    var kind: Kind
    var request: RequestID
    var time: MonotonicInstant
    var failure: FailureRecord
    /// Whether the telemetry thread sends it (a final success stage the TC did not ask for is
    /// still pushed, to release the command's reservation, but not sent).
    var isSent: Bool
    /// On the final record of a command (TM[1,4], [1,7], [1,8]): the records it had reserved.
    var budget: Int
    /// A periodic housekeeping snapshot (reserved from the housekeeping share of the ring).
    var isPeriodic: Bool
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
        isSent = true
        budget = 0
        isPeriodic = false
        enable = false
        structure = 0
        count = 0
        usable = 0
        words = Inline16(repeating: 0)
        values = Inline64(repeating: 0)
    }
}

extension ServiceReport.Kind {
    /// The last record of a command.
    var isFinal: Bool { self == .startFailed || self == .completed || self == .completionFailed || self == .storageRequest }
}

/// How the report ring's slots are shared, so the records of an accepted command always fit:
/// each accepted command reserves the records it may push (``ServiceCommand/budget``) until the
/// telemetry thread takes its final record, and periodic housekeeping snapshots use a separate
/// share. The acceptance check refuses a command (queue full) whose records would not fit.
final class ReportBudget: Sendable {
    /// Slots for command records: the ring's capacity minus the housekeeping share.
    let commandSlots: Int
    /// Slots for periodic snapshots.
    let housekeepingSlots: Int
    private let reserved = Atomic<Int>(0)
    private let housekeepingQueued = Atomic<Int>(0)

    init(capacity: Int, housekeepingSlots: Int) {
        self.housekeepingSlots = max(1, min(housekeepingSlots, capacity / 2))
        commandSlots = capacity - self.housekeepingSlots
    }

    /// Reserves `records` for a command. Link thread, under the acceptance lock.
    func reserve(_ records: Int) -> Bool {
        guard reserved.load(ordering: .acquiring) + records <= commandSlots else { return false }
        reserved.wrappingAdd(records, ordering: .acquiringAndReleasing)
        return true
    }

    /// Releases a command's reservation. Telemetry thread, on its final record.
    func release(_ records: Int) { reserved.wrappingSubtract(records, ordering: .acquiringAndReleasing) }

    /// Takes a housekeeping slot. Executive thread.
    func reserveHousekeeping() -> Bool {
        guard housekeepingQueued.load(ordering: .acquiring) < housekeepingSlots else { return false }
        housekeepingQueued.wrappingAdd(1, ordering: .acquiringAndReleasing)
        return true
    }

    /// Gives a housekeeping slot back. Telemetry thread (or the executive after a failed push).
    func releaseHousekeeping() { housekeepingQueued.wrappingSubtract(1, ordering: .acquiringAndReleasing) }

    /// Whether `records` could be reserved now (no reservation is made).
    func canReserve(_ records: Int) -> Bool { reserved.load(ordering: .acquiring) + records <= commandSlots }

    /// Records reserved by accepted commands now.
    var reservedRecords: Int { reserved.load(ordering: .relaxed) }
}

/// An acceptance report from the link thread to the telemetry thread.
struct AcceptanceRecord: Sendable {
    var request: RequestID
    var time: MonotonicInstant
    /// `nil`: TM[1,1]; otherwise TM[1,2] with this notice.
    var failure: FailureRecord?
}
