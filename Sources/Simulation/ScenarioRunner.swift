import Drivers
import Assembly
import FlightCore
import HAL
import SimHardware

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Systems

/// Why a scenario cannot be run.
public enum ScenarioError: Error, CustomStringConvertible {
    /// The scenario or the vehicle configuration is unusable (file, line, key).
    case configuration(ConfigurationError)
    /// The vehicle cannot be assembled from the configuration.
    case topology(AssemblyError)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .topology(.configuration(let error)): return error.description
        case .topology(let error): return error.description
        }
    }
}

/// Flies a ``Scenario``: assembles the vehicle on simulated hardware, runs the executive to each
/// event's time, applies the event between two base cycles, and records the ``Timeline``.
///
/// An event at time *t* is applied after the base cycle scheduled at *t* has run; its effect is
/// seen from the next cycle on. The event log is drained every simulated second, so no event is
/// lost to its 512-entry ring; samples are taken after the cycle at each multiple of the
/// scenario's sample interval.
///
/// ```swift
/// let runner = try ScenarioRunner(scenario: try Scenario.load(path: "scenarios/cabin-leak.toml"))
/// let result = runner.run()
/// print(result.timeline.modeChanges)
/// ```
///
/// - Warning: Not thread-safe: build, trace and run it on one thread. ``run(observe:)`` runs once.
public final class ScenarioRunner {
    public let scenario: Scenario
    public let simulation: VehicleSimulation
    /// The columns of the timeline's samples.
    public let columns: [TimelineColumn]

    private let describer: EventDescriber
    private var overruns: [String: OverrunInjector] = [:]
    private var traces: [ParameterTrace] = []
    private var hasRun = false

    /// The default columns: mode, ppO2, O2 %, CO2 (ppm and partial pressure), cabin T, P, RH, SoC, eclipse, shed level,
    /// scrubber stage, heater duty, dose rate, crew alarm line — resolved against the devices the
    /// configuration names for each driver.
    public static func defaultColumns(for configuration: VehicleConfiguration) -> [TimelineColumn] {
        func device(_ driver: String) -> String? { configuration.devices.first { $0.driver == driver }?.name }
        func role(_ name: String) -> String? {
            configuration.devices.first { $0.role?.rawValue == name }?.name
        }
        let environment = device("bme280") ?? "cabin-env"
        let carbonDioxide = device("scd30") ?? "cabin-co2"
        let geiger = device("geiger") ?? "geiger"
        var columns = [
            TimelineColumn("mode", "fdir.mode"),
            TimelineColumn("ppo2_kpa", "ls.ppo2_kpa"),
            TimelineColumn("o2_pct", "ls.o2_fraction_pct"),
            TimelineColumn("co2_ppm", "dev.\(carbonDioxide).co2_ppm"),
            TimelineColumn("ppco2_kpa", "ls.ppco2_kpa"),
            TimelineColumn("temp_c", "dev.\(environment).temperature_c"),
            TimelineColumn("pressure_pa", "dev.\(environment).pressure_pa"),
            TimelineColumn("rh_pct", "dev.\(environment).humidity_pct"),
            TimelineColumn("soc_pct", "power.battery_soc_pct"),
            TimelineColumn("eclipse", "power.eclipse"),
            TimelineColumn("shed_level", "power.shed_level"),
            TimelineColumn("scrubber_stage", "ls.scrubber_stage"),
            TimelineColumn("heater_duty", "ls.heater_duty"),
            TimelineColumn("dose_usv_h", "dev.\(geiger).dose_rate_usv_h"),
        ]
        if let alarm = role("crew_alarm") { columns.append(TimelineColumn("crew_alarm", "line:\(alarm)")) }
        return columns
    }

    /// Assembles the vehicle for `scenario`.
    /// - Parameters:
    ///   - configurationPath: overrides the scenario's `config`.
    /// - Throws: ``ScenarioError``: an unreadable configuration, a vehicle that cannot be
    ///   assembled, or an event naming a device or rate group the vehicle does not have (with the
    ///   scenario's file and line).
    public init(scenario: Scenario, configurationPath: String? = nil) throws(ScenarioError) {
        self.scenario = scenario
        let configuration: VehicleConfiguration
        do {
            configuration = try VehicleConfiguration.load(path: configurationPath ?? scenario.configurationPath)
        } catch {
            throw .configuration(error)
        }
        let physics = scenario.physics.applied(to: VehiclePhysics.Configuration())
        do {
            simulation = try VehicleSimulation(configuration: configuration, physics: physics, seed: scenario.seed)
        } catch {
            throw .topology(error)
        }
        columns = Self.defaultColumns(for: configuration)
        describer = EventDescriber(topology: simulation.topology)

        for event in scenario.events {
            func refuse(_ message: String) -> ScenarioError {
                .configuration(
                    ConfigurationError(
                        file: scenario.path, line: event.line == 0 ? nil : event.line,
                        context: "event at \(Format.clock(event.time))", message: message))
            }
            switch event.action {
            case .sensorFault(let device, _, _), .deviceOffline(let device), .clearFaults(.some(let device)):
                guard configuration.devices.contains(where: { $0.name == device }) else {
                    throw refuse("no device named \"\(device)\" in \(configuration.path) (defined: \(configuration.devices.map { "\"\($0.name)\"" }.joined(separator: ", ")))")
                }
            case .executiveOverrun(let group, _):
                guard simulation.topology.executive.group(named: group) != nil else {
                    throw refuse("no rate group named \"\(group)\" (defined: \(simulation.topology.executive.groups.map { "\"\($0.name)\"" }.joined(separator: ", ")))")
                }
                if overruns[group] == nil {
                    let injector = OverrunInjector(clock: simulation.clock)
                    overruns[group] = injector
                    simulation.topology.executive.add(injector, to: group)
                }
            case .actuator(let channel, _, _):
                guard simulation.topology.channels.contains(where: { $0.name == channel }) else {
                    throw refuse("no actuator channel named \"\(channel)\" (defined: \(simulation.topology.channels.map { "\"\($0.name)\"" }.joined(separator: ", ")))")
                }
            default:
                break
            }
        }
    }

    /// Records `parameters` every cycle of the rate group `group`, after the group's other members
    /// (so a trace of the monitoring group shows the samples the monitors checked). Call before
    /// ``run(observe:)``.
    /// - Throws: ``ScenarioError`` when the group or a parameter does not exist.
    public func trace(_ parameters: [String], in group: String) throws(ScenarioError) -> ParameterTrace {
        precondition(!hasRun, "traces are added before the run")
        guard simulation.topology.executive.group(named: group) != nil else {
            throw .topology(.assembly("no rate group named \"\(group)\""))
        }
        var handles: [ParameterHandle] = []
        for name in parameters {
            guard let handle = try? simulation.pool.handle(named: name) else { throw .topology(.assembly("no parameter named \"\(name)\"")) }
            handles.append(handle)
        }
        let trace = ParameterTrace(
            name: "trace.\(group)", parameters: parameters, handles: handles, pool: simulation.pool,
            origin: simulation.clock.now)
        simulation.topology.executive.add(trace, to: group)
        traces.append(trace)
        return trace
    }

    /// Runs the scenario to its end (or for `duration`), calling `observe` with each timeline
    /// entry as it is recorded.
    public func run(for duration: Duration? = nil, observe: (TimelineEntry) -> Void = { _ in }) -> ScenarioResult {
        precondition(!hasRun, "a scenario runner runs once")
        hasRun = true
        let wallStart = Self.wallSeconds()
        let end = duration ?? scenario.duration
        let origin = simulation.clock.now
        var timeline = Timeline(columns: columns)
        func record(_ entry: TimelineEntry) {
            timeline.entries.append(entry)
            observe(entry)
        }

        var nextEvent = 0
        var nextSample = scenario.sampleInterval
        var nextDrain = Duration.seconds(1)
        let events = scenario.events
        while true {
            var stop = min(end, nextSample, nextDrain)
            if nextEvent < events.count { stop = min(stop, events[nextEvent].time) }
            simulation.run(until: origin + stop)
            drainEvents(origin: origin, record: record)
            while nextEvent < events.count, events[nextEvent].time <= stop {
                let event = events[nextEvent]
                apply(event.action)
                record(.action(AppliedAction(time: stop, action: event.action, line: event.line)))
                nextEvent += 1
            }
            if stop == nextSample {
                record(.sample(sample(at: stop)))
                nextSample += scenario.sampleInterval
            }
            if stop == nextDrain { nextDrain += .seconds(1) }
            if stop >= end { break }
        }
        drainEvents(origin: origin, record: record)

        let summary = ScenarioSummary(
            scenario: scenario.name, simulated: simulation.clock.now - origin,
            wallSeconds: Self.wallSeconds() - wallStart, finalMode: simulation.mode,
            eventCounts: timeline.eventCounts, eventsDropped: simulation.topology.eventLog.droppedCount)
        return ScenarioResult(timeline: timeline, summary: summary)
    }

    // MARK: Applying events

    private func apply(_ action: ScenarioAction) {
        let vehicle = simulation.vehicle
        switch action {
        case .crewCount(let count):
            vehicle.withPhysics { $0.inputs.crewCount = count }
        case .cabinLeak(.area(let area)):
            vehicle.withPhysics { $0.inputs.leakAreaSquareMeters = area }
        case .cabinLeak(.pressureDropRate(let rate)):
            vehicle.withPhysics { physics in physics.inputs.leakAreaSquareMeters = Self.leakArea(for: rate, in: physics) }
        case .cabinLeakStop:
            vehicle.withPhysics { $0.inputs.leakAreaSquareMeters = 0 }
        case .scrubberFailed(let failed):
            vehicle.withPhysics { $0.inputs.scrubberFailed = failed }
        case .extraLoad(let watts):
            vehicle.withPhysics { $0.inputs.extraLoadWatts = watts }
        case .radiationStorm(let multiplier):
            vehicle.withPhysics { $0.inputs.stormMultiplier = multiplier }
        case .starTrackerBlinded(let blinded):
            vehicle.withPhysics { $0.inputs.starTrackerBlinded = blinded }
        case .sensorFault(let device, let fault, let extent):
            vehicle.faults.inject(fault, device: device, extent: extent)
        case .clearFaults(let device):
            if let device { vehicle.faults.clear(device: device) } else { vehicle.faults.clearAll() }
        case .deviceOffline(let device):
            let configuration = simulation.configuration
            let family = configuration.devices.first { $0.name == device }.flatMap { configuration.bus(named: $0.bus)?.kind.family }
            vehicle.faults.inject(family == .modbus ? .modbusSilence : .disconnect, device: device)
        case .executiveOverrun(let group, let burn):
            overruns[group]?.arm(burn)
        case .actuator(let name, let source, let state):
            simulation.topology.channels.first { $0.name == name }?.request(source, state)
        }
    }

    /// The hole area that makes the cabin pressure fall at `pascalsPerMinute` now: the drop over one
    /// second with a reference hole, less the drop without it, scaled (choked flow is linear in the
    /// area). Computed on copies of the physics, which are values.
    static func leakArea(for pascalsPerMinute: Double, in physics: VehiclePhysics) -> Double {
        let reference = 1e-5
        var sealed = physics
        sealed.inputs.leakAreaSquareMeters = 0
        sealed.step(dt: 1)
        var leaking = physics
        leaking.inputs.leakAreaSquareMeters = reference
        leaking.step(dt: 1)
        let dropPerSecond = sealed.atmosphere.totalPressurePascals - leaking.atmosphere.totalPressurePascals
        guard dropPerSecond > 0 else { return 0 }
        return reference * (pascalsPerMinute / 60) / dropPerSecond
    }

    // MARK: Recording

    private func drainEvents(origin: MonotonicInstant, record: (TimelineEntry) -> Void) {
        while let event = simulation.topology.eventLog.next() {
            let time = event.time - origin
            let described = describer.describe(event, time: time)
            record(.event(described))
            if let change = describer.modeChange(event, time: time) { record(.mode(change)) }
        }
    }

    private func sample(at time: Duration) -> TimelineSample {
        let values = columns.map { column -> Double? in
            if column.source.hasPrefix("line:") {
                let device = String(column.source.dropFirst("line:".count))
                return simulation.vehicle.outputLevels(ofDevice: device)?.first.map { $0 ? 1 : 0 }
            }
            guard let value = simulation.value(column.source), value.isFinite else { return nil }
            return value
        }
        return TimelineSample(time: time, values: values)
    }

    private static func wallSeconds() -> Double {
        Double(MonotonicTime.nanoseconds) * 1e-9
    }
}

/// A scenario instrument: burns simulated time once inside a rate group's cycle (an injected
/// overrun), by advancing the `SimClock` while the cycle runs.
final class OverrunInjector: RateGroupMember {
    let name = "scenario.overrun"
    private let clock: SimClock
    private var pending: Duration?

    init(clock: SimClock) {
        self.clock = clock
    }

    /// The next cycle of the group takes `burn` longer.
    func arm(_ burn: Duration) { pending = burn }

    func run(_ cycle: CycleContext) {
        guard let burn = pending else { return }
        pending = nil
        clock.advance(by: burn)
    }
}

/// Parameters recorded every cycle of one rate group (a scenario instrument for tests and
/// analysis; it allocates as it grows, unlike flight members).
public final class ParameterTrace: RateGroupMember {
    public let name: String
    public let parameters: [String]
    /// One row per cycle: the cycle's scheduled time since the start and each parameter's sample.
    public private(set) var rows: [(time: Duration, samples: [ParameterSample])] = []
    private let handles: [ParameterHandle]
    private let pool: ParameterPool
    private let origin: MonotonicInstant

    init(name: String, parameters: [String], handles: [ParameterHandle], pool: ParameterPool, origin: MonotonicInstant) {
        self.name = name
        self.parameters = parameters
        self.handles = handles
        self.pool = pool
        self.origin = origin
        rows.reserveCapacity(8192)
    }

    public func run(_ cycle: CycleContext) {
        rows.append((cycle.time - origin, handles.map { pool[$0] }))
    }

    /// The samples of `parameter`, one per cycle.
    public func column(_ parameter: String) -> [(time: Duration, sample: ParameterSample)] {
        guard let index = parameters.firstIndex(of: parameter) else { return [] }
        return rows.map { ($0.time, $0.samples[index]) }
    }
}

/// Turns raw events into timeline entries, decoding the arguments that name things.
struct EventDescriber {
    private let definitions: [UInt16: EventDefinition]
    private let monitorNames: [String]
    private let pool: ParameterPool
    private let deviceNames: [String]

    init(topology: FlightComponents) {
        var definitions: [UInt16: EventDefinition] = [:]
        for definition in topology.eventDefinitions where definitions[definition.id.rawValue] == nil {
            definitions[definition.id.rawValue] = definition
        }
        self.definitions = definitions
        monitorNames = topology.faultManagement.monitors.configurations.map(\.name)
        pool = topology.pool
        // The topology's device index order: every configured device that is not an actuator.
        deviceNames = topology.sampledDeviceNames
    }

    func describe(_ event: FlightEvent, time: Duration) -> TimelineEvent {
        let raw = event.id.rawValue
        let name = definitions[raw]?.name ?? event.id.description
        let arguments = event.argumentList
        var parts = arguments.map(Format.number)
        switch raw {
        case 0x0401...0x0408, 0x0480...0x04FF:
            if let first = arguments.first { parts[0] = monitor(first) }
            if (0x0401...0x0406).contains(raw) || raw >= 0x0480, arguments.count == 4 {
                parts[3] = MonitorState(rawValue: UInt8(clamping: Int(arguments[3]))).map(\.description) ?? parts[3]
            }
        case 0x0501...0x0504:
            if arguments.count == 4 {
                parts[0] = mode(arguments[0])
                parts[1] = mode(arguments[1])
                let reason = ModeReason(rawValue: UInt8(clamping: Int(arguments[2])))
                parts[2] = reason.map(\.description) ?? parts[2]
                parts[3] = detail(reason, arguments[3])
            }
        case 0x0510:
            if arguments.count >= 2 { parts[0] = mode(arguments[0]); parts[1] = mode(arguments[1]) }
        case 0x0600...0x06FF:
            if let first = arguments.first { parts[0] = device(healthParameter: first) }
        default:
            break
        }
        let text = parts.isEmpty ? name : name + " " + parts.joined(separator: " ")
        return TimelineEvent(time: time, id: event.id, name: name, severity: event.severity, arguments: arguments, text: text)
    }

    func modeChange(_ event: FlightEvent, time: Duration) -> ModeChange? {
        guard (0x0501...0x0504).contains(event.id.rawValue), event.argumentCount == 4 else { return nil }
        let a = event.argumentList
        guard let from = VehicleMode(rawValue: UInt8(clamping: Int(a[0]))), let to = VehicleMode(rawValue: UInt8(clamping: Int(a[1]))) else { return nil }
        let reason = ModeReason(rawValue: UInt8(clamping: Int(a[2])))
        let detailText: String
        switch reason {
        case .emergencyMonitor, .safeMonitor, .degradedMonitor, .criticalDeviceFailed, .redundancyLost, .deviceFailed:
            detailText = detail(reason, a[3])
        default:
            detailText = a[3] == 0 ? "" : Format.number(a[3])
        }
        return ModeChange(time: time, from: from, to: to, reason: reason, detail: a[3], detailText: detailText)
    }

    private func monitor(_ index: Double) -> String {
        let i = Int(index)
        return monitorNames.indices.contains(i) ? monitorNames[i] : Format.number(index)
    }

    private func mode(_ raw: Double) -> String {
        VehicleMode(rawValue: UInt8(clamping: Int(raw)))?.description ?? Format.number(raw)
    }

    private func detail(_ reason: ModeReason?, _ value: Double) -> String {
        switch reason {
        case .emergencyMonitor, .safeMonitor, .degradedMonitor: return monitor(value)
        case .criticalDeviceFailed, .redundancyLost, .deviceFailed:
            let i = Int(value)
            return deviceNames.indices.contains(i) ? deviceNames[i] : Format.number(value)
        default: return Format.number(value)
        }
    }

    private func device(healthParameter id: Double) -> String {
        guard id >= 0, id <= Double(UInt16.max), let handle = try? pool.handle(id: ParameterID(UInt16(id))) else { return Format.number(id) }
        let name = pool.definition(handle).name
        guard name.hasPrefix("dev."), name.hasSuffix(".health") else { return name }
        return String(name.dropFirst(4).dropLast(7))
    }
}
