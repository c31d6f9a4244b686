import Drivers
import HAL

/// What a rate group hands each member every cycle.
public struct CycleContext: Sendable {
    /// The cycle's scheduled start (its deadline), not the wake-up time: control laws integrate
    /// with ``period`` and timestamp with ``time`` so runs are deterministic.
    public var time: MonotonicInstant
    /// The group's period.
    public var period: Duration
    /// Cycles of this group since start.
    public var index: UInt64

    public init(time: MonotonicInstant, period: Duration, index: UInt64) {
        self.time = time
        self.period = period
        self.index = index
    }

    /// The period in seconds.
    public var dt: Double { period.secondsDouble }
}

/// A component run by a rate group, in the fixed order the assembly lists it.
///
/// What ``run(_:)`` may do, on the executive's thread:
/// - read and write the parameter pool (it owns it while the executive runs; debug builds check);
/// - take from and push to the preallocated rings and queues (``SPSCRing``, ``CommandQueue``,
///   the sample slots) and raise events into the ``EventRouter`` (a fixed ring);
/// - take an **uncontended** lock for a copy of a few words (``LockedValue`` around a sample slot
///   or a channel's request table): never one held by another thread across I/O;
/// - command actuators through their channels: one GPIO `ioctl` per change of state plus its
///   readback, a bounded system call that does not sleep (the output stage does this only when a
///   state changes or a failed channel is retried).
///
/// It must not: allocate in the steady state (buffers are reserved when the member is built),
/// log, wait on a condition, sleep, or do bus I/O that can block (I2C and Modbus run on the bus
/// threads). Two simulation-only prologue members step the simulated world and allocate
/// (``EdgeEventPump`` over simulated lines, `SimulationClockFollower`); on hardware neither is
/// in the executive except the edge pump, which then only drains `EdgeEventMonitor` rings.
public protocol RateGroupMember: AnyObject {
    /// For statistics and events.
    var name: String { get }
    func run(_ cycle: CycleContext)
}

/// Who asks for an actuator state, lowest priority first. The highest source with a request wins.
public enum ActuatorSource: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// The control law (life support, thermal).
    case controller = 0
    /// Power management's load shedding.
    case loadShedding = 1
    /// An operator's telecommand (service 8).
    case command = 2
    /// Fault management and the mode machine (safing, emergency response).
    case safing = 3

    public static func < (lhs: ActuatorSource, rhs: ActuatorSource) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .controller: return "controller"
        case .loadShedding: return "load-shedding"
        case .command: return "command"
        case .safing: return "safing"
        }
    }
}

/// One actuator as the flight core sees it: requests from several sources, arbitrated by
/// priority, applied to the device once per cycle at the output stage (only when it changes, and
/// re-applied after a failure).
///
/// With no request at all the actuator stays in its safe state.
public final class ActuatorChannel {
    public let name: String
    public let device: (any ActuatorDevice)?
    public let safeState: Bool
    private var requests: [Bool?] = Array(repeating: nil, count: ActuatorSource.allCases.count)
    /// What was last applied successfully.
    public private(set) var applied: Bool?
    /// The last applied change's time.
    public private(set) var lastChange: MonotonicInstant = .zero
    /// Consecutive failed applications.
    public private(set) var consecutiveFailures = 0
    public private(set) var totalFailures = 0
    /// The last failure, for events and the ground.
    public private(set) var lastError: DeviceErrorSummary?

    public init(name: String, device: (any ActuatorDevice)?, safeState: Bool) {
        self.name = name
        self.device = device
        self.safeState = safeState
    }

    /// Sets or clears (`nil`) the request of `source`.
    @inline(__always)
    public func request(_ source: ActuatorSource, _ state: Bool?) {
        requests[source.rawValue] = state
    }

    /// The request of `source`.
    public func requested(by source: ActuatorSource) -> Bool? { requests[source.rawValue] }

    /// The state the highest-priority request asks for (the safe state without requests).
    public var demanded: Bool {
        for index in stride(from: requests.count - 1, through: 0, by: -1) {
            if let state = requests[index] { return state }
        }
        return safeState
    }

    /// The source whose request wins, if any.
    public var winningSource: ActuatorSource? {
        for source in ActuatorSource.allCases.reversed() where requests[source.rawValue] != nil { return source }
        return nil
    }

    /// Applies the demanded state if it differs from what is applied (or the last try failed).
    /// - Parameters:
    ///   - force: command the device even when it should already hold the state (start-up and
    ///     shutdown reassert the safe state, with readback, instead of trusting the cached one).
    /// - Returns: `true` if the device now holds the demanded state.
    @discardableResult
    public func apply(at time: MonotonicInstant, force: Bool = false) -> Bool {
        let target = demanded
        if !force, applied == target, consecutiveFailures == 0 { return true }
        guard let device else {
            applied = target
            lastChange = time
            return true
        }
        do {
            try device.command(target)
            if applied != target { lastChange = time }
            applied = target
            consecutiveFailures = 0
            return true
        } catch {
            consecutiveFailures += 1
            totalFailures += 1
            lastError = DeviceErrorSummary(category: error.category, time: time)
            return false
        }
    }
}

/// A failure reduced to what the control path may keep without allocating.
public struct DeviceErrorSummary: Sendable, Equatable {
    public var category: DeviceFaultCategory
    public var time: MonotonicInstant
}
