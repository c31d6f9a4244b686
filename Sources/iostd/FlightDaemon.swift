import Drivers
import FlightCore
import HAL
import Link
import LinuxHAL
import Logging
import SimHardware
import Simulation
import SpaceLink
import Daemon

#if canImport(Glibc)
import Glibc
#endif

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

/// An edge-event device handed to its reader thread.
private final class EdgeReader: @unchecked Sendable {
    let device: any EdgeEventDevice
    init(device: any EdgeEventDevice) { self.device = device }
    func ingest(timeout: Duration) { _ = try? device.ingest(timeout: timeout) }
}

/// Why the daemon could not start, with the exit status it ends with.
struct DaemonStartError: Error, CustomStringConvertible {
    var description: String
    var exitStatus: Int32
}

/// The flight software as a running process: the topology on the real clock, the PUS services,
/// the UDP space link, and the threads that connect them.
///
/// Threads: the executive (SCHED_FIFO when permitted), one sampler per bus, one edge-event reader
/// per hardware edge device, the telemetry thread (services → downlink), the downlink sender, the
/// uplink receiver, the watchdog; the main thread waits for signals.
final class FlightDaemon: @unchecked Sendable {
    let configuration: VehicleConfiguration
    let clock: SystemMonotonicClock
    let topology: Topology
    let services: SpaceServices
    let downlink: Downlink
    let uplink: Uplink
    let link: LinkSettings
    /// The simulated world, when buses are simulated (it then runs in real time).
    let simulation: SimulatedVehicle?
    private let log: Logger
    private var threads: [DedicatedThread] = []
    /// Services → downlink, link counters, FARM-1 buffer release (telemetry thread).
    private var forwarding: TelemetryForwarding
    private let stopping = LockedValue(false)

    init(configuration: VehicleConfiguration, downlinkOverride: [String], uplinkOverride: String?, log: Logger) throws {
        self.configuration = configuration
        self.log = log
        clock = SystemMonotonicClock.shared
        do {
            var link = try LinkSettings(root: configuration.root)
            if !downlinkOverride.isEmpty { link.downlink = try downlinkOverride.map { try SocketAddress(parsing: $0) } }
            if let uplinkOverride { link.uplink = try SocketAddress(parsing: uplinkOverride) }
            self.link = link
        } catch let error as ConfigurationError {
            throw DaemonStartError(description: "configuration error: \(error)", exitStatus: ExitStatus.configuration)
        } catch {
            throw DaemonStartError(description: "--downlink/--uplink: expected HOST:PORT (\(error))", exitStatus: ExitStatus.usage)
        }

        // The vehicle: real buses through LinuxHAL, simulated ones through the simulated vehicle,
        // whose clock follows the wall clock from the executive's prologue.
        let simulatedBuses = configuration.buses.contains { $0.kind.isSimulated }
        let simulationClock = SimClock()
        let simulation = simulatedBuses ? SimulatedVehicle(seed: configuration.seed, clock: simulationClock) : nil
        self.simulation = simulation
        let provider = HardwareBuses(simulated: simulation.map { SimulatedBuses(configuration: configuration, simulation: $0) })
        let deviceClock: any MonotonicClock = simulatedBuses ? SimulatedDeviceClock(simulationClock) : clock
        do {
            let devices = try DeviceSet(configuration: configuration, provider: provider, catalog: DriverCatalog.all, clock: deviceClock)
            for slot in devices.slots {
                if case .unavailable(let name, _, let reason) = slot { log.warning("device unavailable: \(name): \(reason)") }
            }
            topology = try Topology(configuration: configuration, devices: devices, clock: clock, mode: .realtime,
                                    scheduler: LinuxRealtimeScheduler())
        } catch let error as ConfigurationError {
            throw DaemonStartError(description: "configuration error: \(error)", exitStatus: ExitStatus.configuration)
        } catch let error as TopologyError {
            if case .configuration(let inner) = error {
                throw DaemonStartError(description: "configuration error: \(inner)", exitStatus: ExitStatus.configuration)
            }
            throw DaemonStartError(description: "cannot assemble the vehicle: \(error)", exitStatus: ExitStatus.software)
        }
        if let simulation {
            topology.executive.addPrologue(SimulationClockFollower(simulation: simulation.clock, wallClockStart: clock.now))
        }
        let simulatedEdges = topology.edgeDevices.filter { device in
            configuration.devices.first { $0.name == device.name }.flatMap { configuration.bus(named: $0.bus) }?.kind.isSimulated ?? false
        }
        if !simulatedEdges.isEmpty { topology.executive.addPrologue(EdgeEventPump(devices: simulatedEdges)) }

        // The PUS services and the link.
        let utc = Self.utcMapping(clock: clock)
        do {
            services = try SpaceServices(configuration: try ServicesConfiguration(root: configuration.root), topology: topology, utc: utc)
        } catch let error as ConfigurationError {
            throw DaemonStartError(description: "configuration error: \(error)", exitStatus: ExitStatus.configuration)
        } catch let error as TopologyError {
            if case .configuration(let inner) = error {
                throw DaemonStartError(description: "configuration error: \(inner)", exitStatus: ExitStatus.configuration)
            }
            throw DaemonStartError(description: "cannot assemble the services: \(error)", exitStatus: ExitStatus.software)
        }
        let telemetry = services.configuration.telemetry
        let clcw = CLCWReport(virtualChannels: [0, 1])
        downlink = Downlink(configuration: DownlinkConfiguration(
            frame: TMFrameConfiguration(spacecraftID: telemetry.spacecraftID, frameLength: link.frameLength),
            bitRate: link.bitRate, idleFill: link.idleFill), clock: clock, clcw: clcw)
        let services = self.services
        let clock = self.clock
        uplink = Uplink(configuration: UplinkConfiguration(spacecraftID: telemetry.spacecraftID), clcw: clcw,
                        bufferAvailable: { services.hasRoomForTelecommand }) { packet in
            _ = services.acceptTelecommand(packet.bytes, now: clock.now)
        }
        forwarding = TelemetryForwarding(services: services, downlink: downlink, uplink: uplink)
    }

    /// Starts every thread. Actuators go to their safe state first.
    func start() throws(DaemonStartError) {
        topology.applySafeStates()
        let unavailable = topology.devices.slots.filter { $0.device == nil }.count
        topology.router.raise(FlightEvent(id: LifecycleEvents.started, severity: .informative, time: clock.now,
                                          a: simulation == nil ? 0 : 1, b: Double(configuration.devices.count), c: Double(unavailable), count: 3))
        for (index, slot) in topology.devices.slots.enumerated() where slot.device == nil {
            topology.router.raise(FlightEvent(id: LifecycleEvents.deviceUnavailable, severity: .low, time: clock.now, a: Double(index), count: 1))
        }
        do {
            try downlink.start(destinations: link.downlink)
            try uplink.start(listeningOn: link.uplink)
        } catch {
            throw DaemonStartError(description: "space link: \(error)", exitStatus: ExitStatus.unavailable)
        }
        do {
            try topology.sampling.start()
            try topology.executive.start()
            threads.append(try DedicatedThread(name: "iost-telemetry") { [self] in self.runTelemetry() })
            let hardwareEdges = topology.edgeDevices.filter { device in
                configuration.devices.first { $0.name == device.name }.flatMap { configuration.bus(named: $0.bus) }?.kind.isSimulated == false
            }
            for device in hardwareEdges {
                // The device is only touched by this thread (ingest) and, under its own lock, by the sampler.
                let reader = EdgeReader(device: device)
                threads.append(try DedicatedThread(name: "iost-edge") { [self] in
                    while !self.stopping.current { reader.ingest(timeout: .milliseconds(100)) }
                })
            }
        } catch {
            throw DaemonStartError(description: "cannot start a thread: \(error)", exitStatus: ExitStatus.unavailable)
        }
    }

    /// Fault injection (`--inject-stall`): blocks the monitoring group once, `after` from now, for `length`.
    func injectStall(after: Duration, length: Duration) {
        topology.executive.add(ExecutiveStall(clock: clock, at: clock.now.advanced(by: after), length: length), to: Topology.Group.monitoring)
    }

    /// Waits until the executive has completed a cycle.
    func waitForFirstCycle(timeout: Duration) -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        while topology.executive.completedCycles == 0 {
            if clock.now >= deadline { return false }
            clock.sleep(until: clock.now.advanced(by: .milliseconds(1)))
        }
        return true
    }

    /// The telemetry thread: services → downlink queues, every 10 ms.
    private func runTelemetry() {
        while !stopping.current {
            forwardTelemetry()
            clock.sleep(until: clock.now.advanced(by: .milliseconds(10)))
        }
    }

    private func forwardTelemetry() {
        forwarding.forward()
    }

    /// `STATUS=` for systemd: mode and link.
    func statusLine() -> String {
        let mode = (try? topology.pool.handle(named: "fdir.mode")).map { topology.pool[$0].value }.flatMap { VehicleMode(rawValue: UInt8(clamping: Int($0))) } ?? .boot
        let statistics = downlink.statistics
        return "mode=\(mode) downlink=\(link.downlink.map(\.description).joined(separator: ",")) frames=\(statistics.datagramsSent) uplink=\(link.uplink)"
    }

    /// Stops the vehicle in order: the executive (so control no longer writes), actuators to their
    /// safe state, the shutdown events, I/O threads, then telemetry flushed and the link closed.
    func shutdown(reason: ReceivedSignal?) {
        var sequence = ShutdownSequence()
        let clock = self.clock
        sequence.add("stop the executive", budget: .seconds(2)) { [self] in _ = topology.executive.stop(timeout: .seconds(1)) }
        sequence.add("actuators to their safe state", budget: .seconds(2)) { [self] in
            topology.router.raise(FlightEvent(id: LifecycleEvents.shutdownRequested, severity: .medium, time: clock.now,
                                              a: Double(reason?.signal.number ?? 0), b: Double(reason?.senderPID ?? 0), count: 2))
            topology.applySafeStates()
            let failures = topology.channels.filter { $0.consecutiveFailures > 0 }.count
            topology.router.raise(FlightEvent(id: LifecycleEvents.actuatorsSafed, severity: .medium, time: clock.now,
                                              a: Double(topology.channels.count), b: Double(failures), count: 2))
        }
        sequence.add("stop device I/O", budget: .seconds(2)) { [self] in
            stopping.withLock { $0 = true }
            _ = topology.sampling.stop(timeout: .seconds(1))
            for thread in threads { _ = thread.join(timeout: .seconds(1)) }
        }
        sequence.add("flush telemetry", budget: .seconds(3)) { [self] in
            _ = forwarding.flush(timeout: .milliseconds(2500), clock: clock)
        }
        sequence.add("close the link", budget: .seconds(1)) { [self] in
            uplink.stop()
            downlink.stop()
        }
        let report = sequence.run { [log] step, outcome in log.info("shutdown: \(step): \(outcome)") }
        if !report.allCompleted { log.warning("shutdown: some steps did not complete") }
    }

    /// Monotonic instants to UTC: the wall clock read once at start, advanced by monotonic time.
    private static func utcMapping(clock: SystemMonotonicClock) -> UTCMapping {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let monotonicStart = clock.now
        let unixStart = Int64(now.tv_sec)
        let nanosecondStart = Int64(now.tv_nsec)
        return UTCMapping { instant in
            let delta = instant.duration(since: monotonicStart).nanoseconds
            let total = nanosecondStart + delta
            let seconds = unixStart + total / 1_000_000_000 - (total % 1_000_000_000 < 0 ? 1 : 0)
            let nanoseconds = ((total % 1_000_000_000) + 1_000_000_000) % 1_000_000_000
            return UTCTime(unixSeconds: seconds, nanoseconds: UInt32(nanoseconds))
        }
    }
}
