import Drivers
import PacketStore
import FlightCore
import HAL
import Link
import LinuxHAL
import SimHardware
import SpaceLink

#if canImport(Glibc)
    import Glibc
#endif

/// How the vehicle runs: the one value every entry point hands the assembly.
public enum RunMode {
    /// One thread, simulated time (`SimClock`): device I/O polled synchronously at the start of
    /// each base tick, so a run is deterministic and as fast as the CPU allows (`iostd sim`,
    /// `iostd mib`, `iostd probe` on simulated buses, tests).
    case simulatedTime(SimulatedTime)
    /// CLOCK_MONOTONIC and real buses through LinuxHAL: the executive on its own (SCHED_FIFO)
    /// thread, one I/O thread per bus, a monitor thread per edge-event line (an SBC, the bench).
    case realTimeOnHardware
    /// CLOCK_MONOTONIC with the buses simulated: the simulated world follows the wall clock from
    /// the executive's prologue, behind the same drivers and threads (`make run`).
    case realTimeOnSimulatedBuses

    /// Settings of a simulated-time run.
    public struct SimulatedTime {
        /// Overrides the configuration's `[vehicle] seed`.
        public var seed: UInt64?
        public var physics: VehiclePhysics.Configuration
        /// Also simulate the configuration's real buses (for the vehicle's shape without its
        /// hardware, as `iostd mib` needs); otherwise a real bus is a configuration error.
        public var standInForHardware: Bool

        public init(seed: UInt64? = nil, physics: VehiclePhysics.Configuration = VehiclePhysics.Configuration(), standInForHardware: Bool = false) {
            self.seed = seed
            self.physics = physics
            self.standInForHardware = standInForHardware
        }
    }

    /// Simulated time with the configuration's own seed and physics.
    public static var simulatedTime: RunMode { .simulatedTime(SimulatedTime()) }

    /// Real time: on simulated buses when the configuration has any (`sim-*`), else on hardware.
    public static func realTime(for configuration: VehicleConfiguration) -> RunMode {
        configuration.buses.contains { $0.kind.isSimulated } ? .realTimeOnSimulatedBuses : .realTimeOnHardware
    }

    public var isRealTime: Bool {
        if case .simulatedTime = self { return false }
        return true
    }
}

/// Why the vehicle could not be assembled.
public enum AssemblyError: Error, CustomStringConvertible {
    /// The configuration is unusable: file, line, key, expectation (exit 78).
    case configuration(ConfigurationError)
    /// The parts do not fit together (exit 70).
    case assembly(String)
    /// A command-line override is malformed (exit 64).
    case usage(String)

    public var description: String {
        switch self {
        case .configuration(let error): return "configuration error: \(error)"
        case .assembly(let message): return "cannot assemble the vehicle: \(message)"
        case .usage(let message): return message
        }
    }

    init(_ error: TopologyError) {
        switch error {
        case .configuration(let inner): self = .configuration(inner)
        case .assembly(let message): self = .assembly(message)
        }
    }
}

/// What an entry point adds to the run mode.
public struct AssemblyOptions {
    /// `--downlink HOST:PORT` (repeatable): replaces `[link] downlink`.
    public var downlink: [String]
    /// `--uplink HOST:PORT`: replaces `[link] uplink`.
    public var uplink: String?
    /// Applies `[executive.realtime]` on the executive's thread (real time only).
    public var scheduler: (any RealtimeScheduling)?
    /// Monotonic time to UTC for telemetry; default: the wall clock read once at assembly (real
    /// time) or 1970-01-01 at monotonic zero (simulated time).
    public var utc: UTCMapping?
    /// Where what survives a restart is kept (``StateDirectory/resolve(explicit:environment:repository:)``);
    /// `nil`: nothing is persisted (simulations and benchmarks that start from configuration).
    public var stateDirectory: String?
    /// The repository's root when run from a checkout: relative `[[link.sdls]] key_file` paths
    /// are resolved against it (else against the configuration file's directory).
    public var repository: String?

    public init(
        downlink: [String] = [], uplink: String? = nil, scheduler: (any RealtimeScheduling)? = nil, utc: UTCMapping? = nil,
        stateDirectory: String? = nil, repository: String? = nil
    ) {
        self.downlink = downlink
        self.uplink = uplink
        self.scheduler = scheduler
        self.utc = utc
        self.stateDirectory = stateDirectory
        self.repository = repository
    }
}

/// THE ASSEMBLY: the one place the vehicle is put together, for every entry point (`iostd run`,
/// `probe`, `sim`, `mib`, every `iost-bench` benchmark). Read this file to draw the system.
///
/// ```text
///  I/O threads                          executive thread (base rate 100 Hz)
///  ───────────                          ──────────────────────────────────────────────────────
///  bus-NAME  BusSampler per bus ──►     commands  (telecommands applied at the cycle boundary)
///            lock-free sample slots     prologue  [sim time: synchronous poll]
///  edge-NAME EdgeEventMonitor per       prologue  [sim buses in real time: world follows clock]
///            hardware edge line ──►     prologue  edge pump (drains edge events into devices)
///            ring                       att  50 Hz sample ingest → pool (dev.*), health → attitude filter (MEKF)
///                                       lsp  10 Hz pressure feed → life support → output stage
///  uplink    TC frames → FARM-1 →       pwr  10 Hz power (SoC, eclipse, shedding) → SoC keeper → output stage
///            services.acceptTelecommand hk    1 Hz housekeeping collection
///            → command queue ──►        mon   1 Hz monitors → event-action → mode machine → TM[12,12] → output stage
///  telemetry services.pump() → sequence counts → packet stores (<state>/store/NAME) → downlink queues
///  downlink  paced TM frames → UDP      Every component raises events into the EventRouter.
/// ```
///
/// Nothing adds itself to the executive: ``rateGroups`` is the table of what runs where, in
/// order, and ``init(configuration:mode:options:)`` installs exactly that.
public final class VehicleAssembly {
    public let configuration: VehicleConfiguration
    public let mode: RunMode
    /// The executive's clock: the `SimClock` in simulated time, CLOCK_MONOTONIC otherwise.
    public let clock: any MonotonicClock
    /// The simulated world, when any bus is simulated.
    public let simulation: SimulatedVehicle?
    public let devices: DeviceSet
    /// The flight software's components (pool, executive, sampling, control, fault management).
    public let flight: FlightComponents
    /// The PUS services over them.
    public let services: SpaceServices
    /// `[link]`, with the command line's overrides applied.
    public let link: LinkSettings
    /// The UDP space link (real time only; not opened until ``startThreads()``).
    public let downlink: Downlink?
    public let uplink: Uplink?
    /// Whether a ground station hears the vehicle (`[link.contact]`; `nil`: always in contact, or
    /// simulated time). The downlink's thread detects AOS and LOS; any thread may read it, and the
    /// retrieval of stored telemetry can start on acquisition through ``ContactMonitor/observe(_:)``
    /// (before ``startThreads()``) or a ``ContactEdge`` polled on its own thread.
    public let contact: ContactMonitor?
    /// The vehicle mode as the executive last published it (any thread may read it).
    public let publishedMode: PublishedValue
    /// The rate groups as installed: name, then member names in run order.
    public let rateGroups: [(group: String, members: [String])]
    /// The event logs of the threads other than the executive's, forwarded into the router by a
    /// prologue member each base tick.
    public let threadEvents: ThreadEventForwarder

    /// The `[[store]]` tables (or the default store `all`).
    public let storeSettings: [StoreSettings]
    /// The stores' housekeeping parameters (`store.<name>.*`), in every mode.
    public let storeParameters: StoreParameters
    /// Sequence counts and the packet stores (real time only; stores only with a state directory).
    /// Telemetry thread.
    let storage: OnboardStorage?

    private let telemetry: TelemetryForwarder?
    private let edgeLines: [(device: String, line: MonitoredEdgeLine)]

    // MARK: Assembling

    /// Builds every component for `mode` and wires it. Nothing runs and no socket is opened
    /// until ``startThreads()`` (real time) or ``run(until:)`` (simulated time).
    /// - Throws: ``AssemblyError``.
    public init(configuration: VehicleConfiguration, mode: RunMode, options: AssemblyOptions = AssemblyOptions()) throws(AssemblyError) {
        self.configuration = configuration
        self.mode = mode
        let root = configuration.root

        // ── Configuration sections read before the components check the root for unknown keys ──
        do {
            var link = try LinkSettings(root: root)
            do {
                if !options.downlink.isEmpty { link.downlink = try options.downlink.map { try SocketAddress(parsing: $0) } }
                if let uplink = options.uplink { link.uplink = try SocketAddress(parsing: uplink) }
            } catch {
                throw AssemblyError.usage("--downlink/--uplink: expected HOST:PORT (\(error))")
            }
            self.link = link
        } catch let error as AssemblyError {
            throw error
        } catch let error as ConfigurationError {
            throw .configuration(error)
        } catch {
            throw .assembly(String(describing: error))
        }
        let servicesConfiguration: ServicesConfiguration
        let storeSettings: [StoreSettings]
        let storageSettings: StorageSettings
        do {
            servicesConfiguration = try ServicesConfiguration(root: root)
            storeSettings = try StoreSettings.stores(root: root)
            storageSettings = try StorageSettings(root: root)
        } catch {
            throw .configuration(error)
        }
        self.storeSettings = storeSettings

        // ── Clocks, the simulated world, and the buses ──────────────────────────────────────
        let environment = try Self.environment(for: configuration, mode: mode)
        simulation = environment.simulation
        clock = environment.executiveClock
        let executiveClock = environment.executiveClock
        let simulationClock = environment.simulationClock
        let hardware = environment.hardware

        // ── Drivers and the flight components ───────────────────────────────────────────────
        do {
            devices = try DeviceSet(
                configuration: configuration, provider: environment.provider, catalog: DriverCatalog.all,
                clock: environment.deviceClock)
            flight = try FlightComponents(
                configuration: configuration, devices: devices, clock: executiveClock,
                scheduler: mode.isRealTime ? options.scheduler : nil)
        } catch let error as ConfigurationError {
            throw .configuration(error)
        } catch let error as TopologyError {
            throw AssemblyError(error)
        } catch {
            throw .assembly(String(describing: error))
        }
        let executive = flight.executive
        guard let housekeepingGroup = executive.group(named: RateGroupName.housekeeping) else {
            throw .assembly("the executive has no \"\(RateGroupName.housekeeping)\" rate group")
        }

        // ── The packet stores' parameters (every mode, so housekeeping may name them) ────────
        do {
            storeParameters = try StoreParameters(stores: storeSettings.map(\.configuration.name), pool: flight.pool)
        } catch {
            throw .assembly("the packet stores' parameters: \(error)")
        }

        // ── Services ────────────────────────────────────────────────────────────────────────
        let utc =
            options.utc
            ?? (mode.isRealTime
                ? Self.wallClockMapping(clock: SystemMonotonicClock.shared)
                : .fixedEpoch(UTCTime(unixSeconds: 0, nanoseconds: 0)))
        do {
            services = try SpaceServices(
                configuration: servicesConfiguration, components: flight,
                housekeepingPeriod: housekeepingGroup.period, utc: utc, storeNames: storeSettings.map(\.configuration.name))
        } catch {
            throw AssemblyError(error)
        }
        let services = self.services

        // ── Commands and the prologue (every base tick, in this order) ──────────────────────
        executive.attach(commands: services.commands) { command, cycle in services.apply(command, cycle: cycle) }
        if case .simulatedTime = mode {
            executive.addPrologue(flight.sampling.synchronousPoll)
        }
        if case .realTimeOnSimulatedBuses = mode, let simulationClock {
            executive.addPrologue(SimulationClockFollower(simulation: simulationClock, wallClockStart: executiveClock.now))
        }
        if !flight.edgeDevices.isEmpty {
            executive.addPrologue(EdgeEventPump(devices: flight.edgeDevices))
        }
        threadEvents = ThreadEventForwarder(into: flight.router)
        executive.addPrologue(threadEvents)
        // Time-tagged telecommands due at this tick go to acceptance (PUS 11).
        executive.addPrologue(services.scheduleReleaseMember)
        if let stateDirectory = options.stateDirectory {
            services.attachScheduleJournal(stateDirectory: stateDirectory, events: threadEvents.telemetry, now: executiveClock.now)
        }

        // ── THE RATE GROUPS: what runs where, in order ──────────────────────────────────────
        // Rates come from [[executive.group]] (base rate / divisor); every name below must exist.
        var table: [(group: String, members: [any RateGroupMember])] = [
            (RateGroupName.attitude, [flight.sampling.ingest] + (flight.attitude.map { [$0] } ?? [])),
            (RateGroupName.lifeSupport, (flight.pressureFeed.map { [$0] } ?? []) + [flight.lifeSupport, flight.outputStage]),
            (RateGroupName.power, [flight.power, services.batteryChargeMember, flight.outputStage]),
            (RateGroupName.housekeeping, [storeParameters, services.housekeepingMember]),
        ]
        for group in executive.groups where group.name != RateGroupName.monitoring {
            // Monitors configured in a faster group (`group = "att"`) run after its other members.
            guard flight.faultConfiguration.monitors.contains(where: { $0.group == group.name }) else { continue }
            let member = flight.faultManagement.monitorMember(group: group.name, period: group.period)
            if let index = table.firstIndex(where: { $0.group == group.name }) {
                table[index].members.append(member)
            } else {
                table.append((group.name, [member]))
            }
        }
        guard let monitoringGroup = executive.group(named: RateGroupName.monitoring) else {
            throw .assembly("the executive has no \"\(RateGroupName.monitoring)\" rate group")
        }
        table.append(
            (
                RateGroupName.monitoring,
                flight.faultManagement.monitoringMembers(group: RateGroupName.monitoring, period: monitoringGroup.period)
                    + [services.transitionReportMember, flight.outputStage]
            ))
        for (group, members) in table {
            for member in members { executive.add(member, to: group) }
        }
        if let stateDirectory = options.stateDirectory {
            // After the monitor members: TC-added monitors name their group by its period.
            let power = flight.power
            services.attachCommandedState(
                stateDirectory: stateDirectory, events: threadEvents.telemetry,
                batteryCharge: ({ power.stateOfCharge }, { power.restoreStateOfCharge($0) }), now: executiveClock.now)
        }
        rateGroups = executive.groups.map { ($0.name, $0.members.map(\.name)) }

        // ── What other threads may read ─────────────────────────────────────────────────────
        do {
            publishedMode = executive.publish(try flight.pool.handle(id: flight.faultConfiguration.modeMachine.modeParameterID))
        } catch {
            throw .assembly("the mode parameter is not registered: \(error)")
        }

        // ── The space link and the I/O threads (real time only) ─────────────────────────────
        if mode.isRealTime {
            let telemetryConfiguration = servicesConfiguration.telemetry
            let clcw = CLCWReport(virtualChannels: [0, 1])
            let wallClock = SystemMonotonicClock.shared
            // Passes ([link.contact]) and the frame counts kept in the state directory.
            let contact = try ContactWiring.monitor(
                for: link.contact, configuration: configuration, provider: environment.provider, clock: wallClock,
                telemetry: services.contactTelemetry, events: threadEvents.downlink)
            self.contact = contact
            let frameCounts = ContactWiring.frameCounts(stateDirectory: options.stateDirectory, events: threadEvents.downlink, clock: wallClock)
            let downlink = Downlink(
                configuration: DownlinkConfiguration(
                    frame: TMFrameConfiguration(spacecraftID: telemetryConfiguration.spacecraftID, frameLength: link.frameLength),
                    bitRate: link.bitRate, idleFill: link.idleFill, assignsSequenceCounts: false), clock: wallClock, clcw: clcw, contact: contact,
                frameCounts: frameCounts.counts, frameCountFile: frameCounts.file,
                notice: ContactWiring.noticeHandler(telemetry: services.contactTelemetry, events: threadEvents.downlink, clock: wallClock))
            self.downlink = downlink
            // SDLS on the protected VCs: keys checked (owner, mode 0600), counters from the state directory.
            let security = try link.uplinkSecurity(
                configurationPath: configuration.path, repository: options.repository, stateDirectory: options.stateDirectory)
            // FARM-1 sets Wait while the services cannot take a telecommand (a FOP retransmits).
            let uplink = Uplink(
                configuration: UplinkConfiguration(spacecraftID: telemetryConfiguration.spacecraftID), clcw: clcw, contact: contact, security: security,
                bufferAvailable: { services.hasRoomForTelecommand },
                handler: { packet in _ = services.acceptTelecommand(packet.bytes, now: wallClock.now) }
            )
            self.uplink = uplink
            // Sequence counts are stamped on the telemetry thread, before the stores, so a replay
            // carries the count the packet had in real time (the downlink stamps none).
            let storage = OnboardStorage(
                settings: storeSettings, stateDirectory: options.stateDirectory, timeFormat: telemetryConfiguration.timeFormat,
                utcToTAIOffset: telemetryConfiguration.utcToTAIOffset, parameters: storeParameters, events: threadEvents.telemetry,
                clock: wallClock, contact: contact, retrieveOnAOS: storageSettings.retrieveOnAcquisition)
            self.storage = storage
            services.storage = storage
            telemetry = TelemetryForwarder(
                services: services, downlink: downlink, uplink: uplink, storage: storage, clock: wallClock,
                pollInterval: TelemetryPacing.pollInterval(bitRate: link.bitRate, frameLength: link.frameLength))
        } else {
            downlink = nil
            uplink = nil
            storage = nil
            contact = nil
            telemetry = nil
        }
        edgeLines = (hardware?.edgeLines ?? []).map { entry in
            let device = configuration.devices.first { $0.bus == entry.bus && $0.lines.contains(entry.line.id) }
            return (device?.name ?? entry.bus, entry.line)
        }
    }

    /// Where the vehicle's devices live for a run mode: the clocks, the simulated world if any,
    /// and the bus provider (LinuxHAL, the simulated vehicle, or both).
    private struct Environment {
        var executiveClock: any MonotonicClock
        var deviceClock: any MonotonicClock
        var provider: any BusProvider
        var hardware: HardwareBuses?
        var simulation: SimulatedVehicle?
        var simulationClock: SimClock?
    }

    private static func environment(for configuration: VehicleConfiguration, mode: RunMode) throws(AssemblyError) -> Environment {
        switch mode {
        case .simulatedTime(let settings):
            if !settings.standInForHardware, let real = configuration.buses.first(where: { !$0.kind.isSimulated }) {
                throw .configuration(configuration.root.error("bus", "bus \"\(real.name)\" is \(real.kind.kindName): a simulation needs simulated buses only"))
            }
            let simClock = SimClock()
            let world = SimulatedVehicle(seed: settings.seed ?? configuration.seed, clock: simClock, physics: settings.physics)
            return Environment(
                executiveClock: simClock, deviceClock: SimulatedDeviceClock(simClock),
                provider: SimulatedBuses(configuration: configuration, simulation: world, standInForHardware: settings.standInForHardware),
                hardware: nil, simulation: world, simulationClock: simClock)
        case .realTimeOnSimulatedBuses:
            let simClock = SimClock()
            let world = SimulatedVehicle(seed: configuration.seed, clock: simClock)
            let buses = HardwareBuses(simulated: SimulatedBuses(configuration: configuration, simulation: world))
            return Environment(
                executiveClock: SystemMonotonicClock.shared, deviceClock: SimulatedDeviceClock(simClock),
                provider: buses, hardware: buses, simulation: world, simulationClock: simClock)
        case .realTimeOnHardware:
            let buses = HardwareBuses(simulated: nil)
            return Environment(
                executiveClock: SystemMonotonicClock.shared, deviceClock: SystemMonotonicClock.shared,
                provider: buses, hardware: buses, simulation: nil, simulationClock: nil)
        }
    }

    /// Only the devices of `configuration`, opened as `mode` opens them, for `iostd probe` on a
    /// configuration that is not a whole vehicle (one sensor on a bench). Configuration errors are
    /// the same as the full assembly's for the buses and devices.
    /// - Returns: the devices, the clock to wait on between reads, and the simulated world if any
    ///   (keep it: it steps only while referenced).
    public static func devices(of configuration: VehicleConfiguration, mode: RunMode) throws(AssemblyError)
        -> (devices: DeviceSet, clock: any MonotonicClock, simulation: SimulatedVehicle?)
    {
        let environment = try environment(for: configuration, mode: mode)
        do {
            return (
                try DeviceSet(
                    configuration: configuration, provider: environment.provider, catalog: DriverCatalog.all,
                    clock: environment.deviceClock), environment.executiveClock, environment.simulation
            )
        } catch {
            throw .configuration(error)
        }
    }

    // MARK: Simulated time

    /// Runs base cycles on the calling thread until `deadline` on the simulated clock.
    public func run(until deadline: MonotonicInstant) {
        flight.executive.run(until: deadline)
    }

    // MARK: Real time

    /// The threads ``startThreads()`` starts, by name, in start order.
    public var threadNames: [String] {
        var names: [String] = []
        if downlink != nil { names += ["downlink", "uplink"] }
        names += flight.sampling.samplers.map { "bus-\($0.bus)" }
        names.append("executive")
        if telemetry != nil { names.append("telemetry") }
        names += edgeLines.map { "edge-\($0.device)" }
        return names
    }

    /// Why a thread or socket could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts, in order: the downlink and the uplink (sockets), the bus samplers, the executive,
    /// the telemetry thread and the edge-line monitors. Put actuators in their safe state first.
    /// - Parameters:
    ///   - eventObserver: sees every event the telemetry thread takes from the event log (the
    ///     daemon logs those of medium severity and above).
    /// - Throws: ``StartError``; what was started stays started (``stopThreads(timeout:)`` ends it).
    public func startThreads(eventObserver: ((FlightEvent) -> Void)? = nil) throws(StartError) {
        precondition(mode.isRealTime, "threads run in real time only; call run(until:) in simulated time")
        do {
            try downlink?.start(destinations: link.downlink)
            try uplink?.start(listeningOn: link.uplink)
        } catch {
            throw StartError(description: "space link: \(error)")
        }
        do throws(any Error) {
            try flight.sampling.start()
            try flight.executive.start()
            try telemetry?.start(eventObserver: eventObserver)
            for (device, line) in edgeLines { try line.startMonitor(name: .edge(device)) }
        } catch {
            throw StartError(description: "cannot start a thread: \(error)")
        }
    }

    /// Stops the executive (control no longer writes): the first step of a shutdown.
    @discardableResult
    public func stopExecutive(timeout: Duration) -> Bool {
        flight.executive.stop(timeout: timeout)
    }

    /// Stops the device I/O threads: bus samplers and edge-line monitors.
    @discardableResult
    public func stopDeviceIO(timeout: Duration) -> Bool {
        var stopped = flight.sampling.stop(timeout: timeout)
        for (_, line) in edgeLines { stopped = line.stopMonitor(timeout: timeout) && stopped }
        return stopped
    }

    /// Stops the telemetry thread, forwards what is left (backlog included) and waits for the
    /// downlink to send it.
    @discardableResult
    public func flushTelemetry(timeout: Duration) -> Bool {
        guard let telemetry else { return true }
        telemetry.stop(timeout: .seconds(1))
        return telemetry.flush(timeout: timeout)
    }

    /// Sees every packet the telemetry thread hands to the downlink, with the time it did
    /// (benchmarks). Set before ``startThreads()``.
    public func observeTelemetry(_ observer: @escaping (TelemetryPacket, MonotonicInstant) -> Void) {
        telemetry?.packetObserver = observer
    }

    /// Closes the uplink and the downlink.
    public func closeLink() {
        uplink?.stop()
        downlink?.stop()
    }

    /// Puts every actuator in its safe state (start-up and shutdown): every request is cleared and
    /// the safe state is commanded (and read back) on every channel, even one that should already
    /// hold it. Failures are counted on the channel, not thrown.
    public func applySafeStates() {
        flight.applySafeStates()
    }

    /// Monotonic instants to UTC: the wall clock read once, advanced by monotonic time.
    static func wallClockMapping(clock: SystemMonotonicClock) -> UTCMapping {
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
