import Drivers
import HAL

/// A device's health as reported in `dev.<device>.health`.
public enum DeviceHealthState: UInt8, Sendable, Equatable, CustomStringConvertible {
    /// Its last read succeeded.
    case ok = 0
    /// Errors since the last good read, fewer than the failure threshold (or bad data).
    case degraded = 1
    /// Too many consecutive errors: its parameters are invalid; recovery is being attempted.
    case failed = 2

    public var description: String {
        switch self {
        case .ok: return "OK"
        case .degraded: return "DEGRADED"
        case .failed: return "FAILED"
        }
    }
}

/// When a device is declared failed and how it is retried (configuration section `[sampling]`).
public struct DeviceHealthPolicy: Sendable, Equatable {
    /// Consecutive bus or identity errors that make a device FAILED (key `failure_threshold`, default 3).
    public var failureThreshold: Int
    /// Delay before the first recovery attempt (key `recovery_initial`, default 1 s); doubled after
    /// each failed attempt.
    public var recoveryInitialDelay: Duration
    /// The longest delay between attempts (key `recovery_max`, default 60 s).
    public var recoveryMaximumDelay: Duration

    public init(failureThreshold: Int = 3, recoveryInitialDelay: Duration = .seconds(1), recoveryMaximumDelay: Duration = .seconds(60)) {
        self.failureThreshold = failureThreshold
        self.recoveryInitialDelay = recoveryInitialDelay
        self.recoveryMaximumDelay = recoveryMaximumDelay
    }
}

/// One device's health state machine: OK → DEGRADED on an error → FAILED after
/// ``DeviceHealthPolicy/failureThreshold`` consecutive bus/identity errors → recovery attempts
/// (re-running the driver's `start()`) with exponential back-off → OK.
///
/// Which errors count: `bus` and `identity` count towards FAILED; `configuration` fails at once;
/// `data` makes that sample invalid and the device DEGRADED without counting; `notReady` is not
/// an error (no new data yet; staleness covers a device that never becomes ready).
///
/// A pure value: its owner (the device's ``BusSampler``) feeds it outcomes and acts on the
/// transitions it returns.
public struct DeviceHealth: Sendable {
    public let policy: DeviceHealthPolicy
    public private(set) var state: DeviceHealthState = .ok
    public private(set) var consecutiveErrors = 0
    public private(set) var totalErrors = 0
    /// Recovery attempts since the device failed.
    public private(set) var recoveryAttempts = 0
    /// When the next recovery attempt is due (FAILED only).
    public private(set) var nextRecovery: MonotonicInstant?
    /// The delay that led to ``nextRecovery``.
    public private(set) var recoveryDelay: Duration = .zero
    public private(set) var failedSince: MonotonicInstant?

    /// What changed, for events.
    public enum Transition: Sendable, Equatable {
        case none
        case failed(consecutiveErrors: Int, category: DeviceFaultCategory)
        case recovered(attempts: Int, downtime: Duration)
        case recoveryFailed(attempt: Int, nextDelay: Duration, category: DeviceFaultCategory)
    }

    public init(policy: DeviceHealthPolicy = DeviceHealthPolicy()) {
        self.policy = policy
    }

    /// A read succeeded (not during recovery).
    public mutating func recordSuccess() {
        guard state != .failed else { return }
        state = .ok
        consecutiveErrors = 0
    }

    /// A read (or a start) failed with `category` at `time`.
    public mutating func recordError(_ category: DeviceFaultCategory, at time: MonotonicInstant) -> Transition {
        guard state != .failed else { return .none }
        switch category {
        case .notReady:
            return .none
        case .data:
            totalErrors += 1
            state = .degraded
            return .none
        case .bus, .identity, .configuration:
            totalErrors += 1
            consecutiveErrors += 1
            guard category == .configuration || consecutiveErrors >= policy.failureThreshold else {
                state = .degraded
                return .none
            }
            state = .failed
            failedSince = time
            recoveryAttempts = 0
            recoveryDelay = policy.recoveryInitialDelay
            nextRecovery = time + recoveryDelay
            return .failed(consecutiveErrors: consecutiveErrors, category: category)
        }
    }

    /// Whether a recovery attempt is due at `time`.
    public func isRecoveryDue(at time: MonotonicInstant) -> Bool {
        guard state == .failed, let nextRecovery else { return false }
        return time >= nextRecovery
    }

    /// A recovery attempt at `time` ended; `failure` is its error's category, `nil` on success.
    public mutating func recordRecovery(failure: DeviceFaultCategory?, at time: MonotonicInstant) -> Transition {
        guard state == .failed else { return .none }
        recoveryAttempts += 1
        guard let failure else {
            let downtime = failedSince.map { time - $0 } ?? .zero
            let attempts = recoveryAttempts
            state = .ok
            consecutiveErrors = 0
            nextRecovery = nil
            failedSince = nil
            recoveryAttempts = 0
            return .recovered(attempts: attempts, downtime: downtime)
        }
        totalErrors += 1
        recoveryDelay = min(recoveryDelay * 2, policy.recoveryMaximumDelay)
        nextRecovery = time + recoveryDelay
        return .recoveryFailed(attempt: recoveryAttempts, nextDelay: recoveryDelay, category: failure)
    }

    /// Fault management asks for an attempt now (after power-cycling the device): the next
    /// attempt is due at `time`, with the back-off restarted.
    public mutating func requestRecovery(at time: MonotonicInstant) {
        guard state == .failed else { return }
        recoveryDelay = policy.recoveryInitialDelay
        nextRecovery = time
    }
}

/// Device health events (range 0x0600–0x06FF). The first argument of each is the ID of the
/// device's `dev.<device>.health` parameter, which names the device on the ground.
public enum DeviceHealthEvents: EventDefinitionProvider {
    public static let failed = EventID(0x0600)
    public static let recovered = EventID(0x0601)
    public static let recoveryFailed = EventID(0x0602)
    public static let recoveryRequested = EventID(0x0603)
    public static let unexpectedReading = EventID(0x0604)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                failed, "device_failed", .medium,
                arguments: ["health parameter ID", "consecutive errors", "fault category (1 bus, 2 identity, 3 data, 4 not ready, 5 configuration)"],
                "A device failed: its parameters are invalid until it recovers."),
            EventDefinition(
                recovered, "device_recovered", .informative,
                arguments: ["health parameter ID", "recovery attempts", "downtime (s)"],
                "A failed device was restarted and read successfully."),
            EventDefinition(
                recoveryFailed, "device_recovery_failed", .low,
                arguments: ["health parameter ID", "attempt", "delay before the next attempt (s)", "fault category"],
                "A recovery attempt of a failed device failed; the next one is scheduled with back-off."),
            EventDefinition(
                recoveryRequested, "device_recovery_requested", .informative,
                arguments: ["health parameter ID"],
                "Fault management asked for a device to be restarted."),
            EventDefinition(
                unexpectedReading, "device_unexpected_reading", .low,
                arguments: ["health parameter ID", "readings in the sample"],
                "A device returned a reading key it did not declare; the reading is ignored (reported once)."),
        ]
    }
}

extension DeviceFaultCategory {
    /// The number used in event arguments.
    public var eventCode: Double {
        switch self {
        case .bus: return 1
        case .identity: return 2
        case .data: return 3
        case .notReady: return 4
        case .configuration: return 5
        }
    }
}
