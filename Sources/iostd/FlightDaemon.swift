import Assembly
import Daemon
import FlightCore
import HAL
import Link
import LinuxHAL
import Logging
import SpaceLink

/// A rate-group member that blocks its group once: an injected overrun.
private final class ExecutiveStall: RateGroupMember {
    let name = "injected-stall"
    private let clock: any MonotonicClock
    private let at: MonotonicInstant
    private let length: Duration
    private var done = false

    init(clock: any MonotonicClock, at: MonotonicInstant, length: Duration) {
        self.clock = clock
        self.at = at
        self.length = length
    }

    func run(_ cycle: CycleContext) {
        guard !done, clock.now >= at else { return }
        done = true
        clock.sleep(until: clock.now.advanced(by: length))
    }
}

/// Why the daemon could not start, with the exit status it ends with.
struct DaemonStartError: Error, CustomStringConvertible {
    var description: String
    var exitStatus: Int32

    init(description: String, exitStatus: Int32) {
        self.description = description
        self.exitStatus = exitStatus
    }

    init(_ error: AssemblyError) {
        description = error.description
        switch error {
        case .configuration: exitStatus = ExitStatus.configuration
        case .assembly: exitStatus = ExitStatus.software
        case .usage: exitStatus = ExitStatus.usage
        }
    }
}

/// The flight software as a running process: the vehicle's assembly in real time, started and
/// stopped in order. Everything it runs is built by ``VehicleAssembly``; this type adds only the
/// process's life cycle (start order, shutdown sequence, the systemd status line).
///
/// Threads (named by the assembly): downlink, uplink, bus-NAME per bus, executive (SCHED_FIFO
/// when permitted), telemetry, edge-NAME per hardware edge line; plus the watchdog, and the main
/// thread waiting for signals.
final class FlightDaemon: @unchecked Sendable {
    let assembly: VehicleAssembly
    let clock: SystemMonotonicClock
    private let log: Logger
    /// Where what survives a restart is kept (`--state-dir`, `$STATE_DIRECTORY`, `.cache/state`).
    let stateDirectory: String?
    /// Events of medium severity and above (and mode changes, recoveries) into the journal.
    private let eventJournal: EventJournal

    init(
        configuration: VehicleConfiguration, downlinkOverride: [String], uplinkOverride: String?, stateDirectory: String?, log: Logger
    ) throws(DaemonStartError) {
        self.log = log
        self.stateDirectory = stateDirectory
        clock = SystemMonotonicClock.shared
        do {
            assembly = try VehicleAssembly(
                configuration: configuration, mode: .realTime(for: configuration),
                options: AssemblyOptions(
                    downlink: downlinkOverride, uplink: uplinkOverride,
                    scheduler: LinuxRealtimeScheduler(), stateDirectory: stateDirectory, repository: ConfigLocator.repositoryRoot()))
        } catch {
            throw DaemonStartError(error)
        }
        eventJournal = EventJournal(
            definitions: assembly.flight.eventDefinitions, parameters: assembly.flight.pool.definitions,
            logger: Logger(label: "iostd.events"))
        for slot in assembly.devices.slots {
            if case .unavailable(let name, _, let reason) = slot { log.warning("device unavailable: \(name): \(reason)") }
        }
    }

    var configuration: VehicleConfiguration { assembly.configuration }
    var executive: Executive { assembly.flight.executive }

    /// Starts every thread. Actuators go to their safe state first.
    func start() throws(DaemonStartError) {
        let flight = assembly.flight
        assembly.applySafeStates()
        let unavailable = flight.devices.slots.filter { $0.device == nil }.count
        flight.router.raise(
            FlightEvent(
                id: LifecycleEvents.started, severity: .informative, time: clock.now,
                a: assembly.simulation == nil ? 0 : 1, b: Double(configuration.devices.count), c: Double(unavailable), count: 3))
        for (index, slot) in flight.devices.slots.enumerated() where slot.device == nil {
            flight.router.raise(FlightEvent(id: LifecycleEvents.deviceUnavailable, severity: .low, time: clock.now, a: Double(index), count: 1))
        }
        do {
            try assembly.startThreads(eventObserver: eventJournal.record)
        } catch {
            throw DaemonStartError(description: error.description, exitStatus: ExitStatus.unavailable)
        }
    }

    /// After an unexpected restart (no clean-shutdown record): `unclean_restart` naming the mode
    /// the previous run was in, and the mode machine commanded from BOOT to SAFE before the
    /// executive starts, so the vehicle waits in SAFE for the ground instead of booting to
    /// NOMINAL. Call before ``start()``.
    func bootTowardSafe(previousMode: UInt8?, boots: UInt64) {
        let flight = assembly.flight
        flight.router.raise(
            FlightEvent(
                id: LifecycleEvents.uncleanRestart, severity: .medium, time: clock.now, a: Double(previousMode ?? 255), b: Double(boots),
                count: 2))
        do {
            try flight.faultManagement.modeMachine.command(.safe, at: clock.now)
        } catch {
            log.error("cannot boot toward SAFE after an unclean restart: \(error)")
        }
    }

    /// The vehicle mode the executive last published (``VehicleMode`` raw value).
    var publishedModeValue: UInt8? {
        assembly.publishedMode.value.map { UInt8(clamping: Int($0)) }
    }

    /// Fault injection (`--inject-stall`): blocks the monitoring group once, `after` from now, for `length`.
    func injectStall(after: Duration, length: Duration) {
        executive.add(ExecutiveStall(clock: clock, at: clock.now.advanced(by: after), length: length), to: RateGroupName.monitoring)
    }

    /// Waits until the executive has completed a cycle.
    func waitForFirstCycle(timeout: Duration) -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        while executive.completedCycles == 0 {
            if clock.now >= deadline { return false }
            clock.sleep(until: clock.now.advanced(by: .milliseconds(1)))
        }
        return true
    }

    /// `STATUS=` for systemd: mode and link. Reads only what the executive publishes (the pool
    /// belongs to the executive's thread) and the downlink's own counters.
    func statusLine() -> String {
        let mode = assembly.publishedMode.value.flatMap { VehicleMode(rawValue: UInt8(clamping: Int($0))) } ?? .boot
        let frames = assembly.downlink?.statistics.datagramsSent ?? 0
        let link = assembly.link
        return "mode=\(mode) downlink=\(link.downlink.map(\.description).joined(separator: ",")) frames=\(frames) uplink=\(link.uplink)"
    }

    /// Stops the vehicle in order: the executive (so control no longer writes), actuators to their
    /// safe state, the shutdown events, I/O threads, then telemetry flushed and the link closed.
    func shutdown(reason: ReceivedSignal?) {
        var sequence = ShutdownSequence()
        let clock = self.clock
        sequence.add("stop the executive", budget: .seconds(2)) { [self] in _ = assembly.stopExecutive(timeout: .seconds(1)) }
        sequence.add("actuators to their safe state", budget: .seconds(2)) { [self] in
            let flight = assembly.flight
            flight.router.raise(
                FlightEvent(
                    id: LifecycleEvents.shutdownRequested, severity: .medium, time: clock.now,
                    a: Double(reason?.signal.number ?? 0), b: Double(reason?.senderPID ?? 0), count: 2))
            assembly.applySafeStates()
            let failures = flight.channels.filter { $0.consecutiveFailures > 0 }.count
            flight.router.raise(
                FlightEvent(
                    id: LifecycleEvents.actuatorsSafed, severity: .medium, time: clock.now,
                    a: Double(flight.channels.count), b: Double(failures), count: 2))
        }
        sequence.add("stop device I/O", budget: .seconds(2)) { [self] in _ = assembly.stopDeviceIO(timeout: .seconds(1)) }
        sequence.add("flush telemetry", budget: .seconds(3)) { [self] in _ = assembly.flushTelemetry(timeout: .milliseconds(2500)) }
        sequence.add("close the link", budget: .seconds(1)) { [self] in assembly.closeLink() }
        let report = sequence.run { [log] step, outcome in log.info("shutdown: \(step): \(outcome)") }
        if !report.allCompleted { log.warning("shutdown: some steps did not complete") }
    }
}
