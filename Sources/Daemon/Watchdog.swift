#if canImport(Glibc)
    import Glibc
#endif
import HAL
import Systems

/// Whether the service manager expects watchdog pings from this process, and how often.
///
/// systemd sets `WATCHDOG_USEC` (the unit's `WatchdogSec=`, in microseconds) and `WATCHDOG_PID`
/// (the process it expects the pings from). The rules of `sd_watchdog_enabled(3)`: no
/// `WATCHDOG_USEC`, no watchdog; a `WATCHDOG_PID` that is not ours means the variables were
/// inherited from a parent and are not meant for us. We ping at half the timeout, as the man page
/// recommends, so one late ping is not yet a restart.
public enum WatchdogPolicy: Equatable, Sendable, CustomStringConvertible {
    /// Pings are expected at least once per `timeout`.
    case enabled(timeout: Duration)
    /// No pings are expected, and why.
    case disabled(DisabledReason)

    /// Why the watchdog is off.
    public enum DisabledReason: Equatable, Sendable {
        /// `WATCHDOG_USEC` is unset: no `WatchdogSec=`, or not under systemd.
        case notRequested
        /// `WATCHDOG_USEC` is not a positive integer.
        case invalidTimeout(String)
        /// `WATCHDOG_PID` is not a process id.
        case invalidPID(String)
        /// `WATCHDOG_PID` names another process: the variables were inherited.
        case otherProcess(pid: Int32)
    }

    /// The policy for given variables and process id.
    ///
    /// - Parameters:
    ///   - environment: at least `WATCHDOG_USEC` and `WATCHDOG_PID` when set.
    ///   - pid: this process's id.
    public init(environment: [String: String], pid: Int32) {
        guard let usecText = environment["WATCHDOG_USEC"] else {
            self = .disabled(.notRequested)
            return
        }
        guard let usec = UInt64(usecText), usec > 0, usec <= UInt64(Int64.max / 1000) else {
            self = .disabled(.invalidTimeout(usecText))
            return
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let watchdogPID = Int32(pidText), watchdogPID > 0 else {
                self = .disabled(.invalidPID(pidText))
                return
            }
            guard watchdogPID == pid else {
                self = .disabled(.otherProcess(pid: watchdogPID))
                return
            }
        }
        self = .enabled(timeout: .microseconds(Int64(usec)))
    }

    /// The policy of this process.
    ///
    /// - Parameter unsetEnvironment: remove `WATCHDOG_USEC` and `WATCHDOG_PID` afterwards, so child
    ///   processes do not inherit them.
    public static func fromEnvironment(unsetEnvironment: Bool = false) -> WatchdogPolicy {
        let policy = WatchdogPolicy(environment: ProcessEnvironment.systemdVariables(), pid: getpid())
        if unsetEnvironment {
            ProcessEnvironment.remove("WATCHDOG_USEC")
            ProcessEnvironment.remove("WATCHDOG_PID")
        }
        return policy
    }

    /// The watchdog timeout, when enabled.
    public var timeout: Duration? {
        if case .enabled(let timeout) = self { return timeout }
        return nil
    }

    /// The interval between pings: half the timeout. Nil when disabled.
    public var pingInterval: Duration? {
        timeout.map { $0 / 2 }
    }

    public var description: String {
        switch self {
        case .enabled(let timeout):
            "watchdog enabled: timeout \(timeout.secondsDouble) s, ping every \((timeout / 2).secondsDouble) s"
        case .disabled(.notRequested):
            "watchdog disabled: WATCHDOG_USEC unset"
        case .disabled(.invalidTimeout(let text)):
            "watchdog disabled: WATCHDOG_USEC=\(text) is not a positive number of microseconds"
        case .disabled(.invalidPID(let text)):
            "watchdog disabled: WATCHDOG_PID=\(text) is not a process id"
        case .disabled(.otherProcess(let pid)):
            "watchdog disabled: WATCHDOG_PID=\(pid) is another process"
        }
    }
}

/// Service-watchdog pings that stop when the flight software stops being healthy.
///
/// A ping says more than "the process is alive": it is sent only while `isHealthy` returns true —
/// the executive's signal that every rate group met its deadline over its last cycles. A hung or
/// overrunning executive therefore stops the pings, and systemd restarts the daemon after
/// `WatchdogSec=` (with `SIGABRT`, so there is a core dump to read). A ping thread that kept
/// pinging while the control loops were stuck would defeat the watchdog.
///
/// The core is a step function, ``tick(now:)``, for a thread the daemon already runs; ``start(clock:)``
/// is a convenience thread around it. Each tick: when a ping is due and the health check passes,
/// ping; when it fails, withhold the ping and keep checking at every tick until it passes again —
/// then ping at once. Transitions are reported once each through `onEvent`, never per tick.
///
/// Thread-safe: ticks are serialised by a lock.
///
/// - Warning: `isHealthy` and `ping` are called with the watchdog's lock held: they must not call
///   back into the watchdog, and must not block (``SystemdNotifier`` sends with `MSG_DONTWAIT`).
public final class Watchdog: @unchecked Sendable {
    /// A change worth one log line.
    public enum Event: Equatable, Sendable {
        /// A ping was due and the health check failed: pings are withheld from now on.
        case withholding(since: MonotonicInstant)
        /// The health check passes again after `withheldFor`; pings resume.
        case resumed(withheldFor: Duration)
    }

    /// What one tick did.
    public enum TickOutcome: Equatable, Sendable {
        /// A ping was sent.
        case pinged
        /// No ping was due.
        case notDue
        /// A ping was due but withheld: the health check failed.
        case withheld
    }

    private struct State {
        var nextDue: MonotonicInstant?
        var withheldSince: MonotonicInstant?
        var pings: UInt64 = 0
    }

    /// The interval between pings.
    public let interval: Duration
    private let ping: @Sendable () -> Void
    private let isHealthy: @Sendable () -> Bool
    private let onEvent: @Sendable (Event) -> Void
    private let state = LockedValue(State())
    private let thread = LockedValue<DedicatedThread?>(nil)

    /// A watchdog pinging through a closure.
    ///
    /// - Parameters:
    ///   - interval: the time between pings (``WatchdogPolicy/pingInterval``); must be positive.
    ///   - isHealthy: the health check, called when a ping is due; keep it cheap and non-blocking.
    ///   - onEvent: told of each transition (for the log); called on the ticking thread.
    ///   - ping: sends one ping.
    public init(
        interval: Duration,
        isHealthy: @escaping @Sendable () -> Bool,
        onEvent: @escaping @Sendable (Event) -> Void = { _ in },
        ping: @escaping @Sendable () -> Void
    ) {
        precondition(interval > .zero, "Watchdog: the ping interval must be positive")
        self.interval = interval
        self.isHealthy = isHealthy
        self.onEvent = onEvent
        self.ping = ping
    }

    /// A watchdog for `policy`, pinging through `notifier`; nil when the policy is disabled.
    public convenience init?(
        policy: WatchdogPolicy,
        notifier: SystemdNotifier,
        isHealthy: @escaping @Sendable () -> Bool,
        onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        guard let interval = policy.pingInterval, interval > .zero else { return nil }
        self.init(interval: interval, isHealthy: isHealthy, onEvent: onEvent, ping: { notifier.watchdog() })
    }

    /// Pings sent so far.
    public var pingCount: UInt64 { state.current.pings }

    /// Whether pings are being withheld now.
    public var isWithholding: Bool { state.current.withheldSince != nil }

    /// One step: pings if a ping is due and the health check passes.
    ///
    /// The first tick pings at once (if healthy); after a ping the next one is due `interval`
    /// later. Call it at least a few times per interval; a late tick pings late, never twice.
    @discardableResult
    public func tick(now: MonotonicInstant) -> TickOutcome {
        let (outcome, event): (TickOutcome, Event?) = state.withLock { state in
            if let due = state.nextDue, now < due, state.withheldSince == nil { return (.notDue, nil) }
            guard isHealthy() else {
                if state.withheldSince == nil {
                    state.withheldSince = now
                    return (.withheld, .withholding(since: now))
                }
                return (.withheld, nil)
            }
            var event: Event?
            if let since = state.withheldSince {
                state.withheldSince = nil
                event = .resumed(withheldFor: now - since)
            }
            ping()
            state.pings += 1
            state.nextDue = now + interval
            return (.pinged, event)
        }
        if let event { onEvent(event) }
        return outcome
    }

    /// When the next tick is useful: the next due ping, or soon when withholding.
    public func nextTick(after now: MonotonicInstant) -> MonotonicInstant {
        let current = state.current
        if current.withheldSince != nil { return now + recheckInterval }
        guard let due = current.nextDue else { return now }
        return max(now, due)
    }

    /// How often health is re-checked while pings are withheld: a tenth of the interval, so
    /// pings resume promptly once the executive recovers.
    public var recheckInterval: Duration { interval / 10 }

    /// Starts a thread that ticks on `clock`'s time until ``stop()``.
    ///
    /// The thread sleeps in slices of at most `stopLatency`, so ``stop()`` returns within about
    /// that. Calling it twice does nothing.
    ///
    /// - Throws: ``SystemCallError`` when the thread cannot be created.
    /// - Warning: Start it after ``SignalWatcher`` has blocked the shutdown signals, like every
    ///   other thread.
    public func start(clock: any MonotonicClock, stopLatency: Duration = .milliseconds(100)) throws(SystemCallError) {
        try thread.withLock { (running) throws(SystemCallError) in
            guard running == nil else { return }
            do throws(ThreadStartError) {
                running = try DedicatedThread(name: .watchdog) { [self] thread in
                    while !thread.isStopRequested {
                        let now = clock.now
                        tick(now: now)
                        let wake = min(nextTick(after: now), now + stopLatency)
                        clock.sleep(until: wake)
                    }
                }
            } catch {
                throw error.systemCallError
            }
        }
    }

    /// Stops the thread of ``start(clock:stopLatency:)`` and waits for it.
    public func stop() {
        guard
            let running = thread.withLock({ running in
                defer { running = nil }
                return running
            })
        else { return }
        running.requestStop()
        running.join()
    }
}
