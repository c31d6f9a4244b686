import FlightCore
import HAL
import SimHardware

/// A simulated scenario: which vehicle to fly, for how long, from which initial physical state,
/// and what happens to it when — read from a TOML file (format: `scenarios/README.md`).
///
/// ```toml
/// [scenario]
/// name = "cabin-leak"
/// description = "A 5 mm² hole in the pressure shell at 10 min."
/// duration = "30min"
/// config = "config/sim.toml"      # found from the scenario's folder upwards
///
/// [[event]]
/// at = "10min"
/// action = "cabin_leak"
/// area_mm2 = 5
/// ```
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description: String
    /// Simulated time to run (default 1 h).
    public var duration: Duration
    /// The vehicle configuration, resolved to a path that exists (or as written when none does).
    public var configurationPath: String
    /// Overrides the configuration's `[vehicle] seed`.
    public var seed: UInt64?
    /// How often the timeline records the key parameters (default 1 min of simulated time).
    public var sampleInterval: Duration
    /// The initial physical state (start of the run).
    public var physics: ScenarioPhysics
    /// The events, in the order they are applied (by time, then as written).
    public var events: [ScenarioEvent]
    /// The file the scenario was read from.
    public var path: String

    public init(
        name: String, description: String = "", duration: Duration = .seconds(3600),
        configurationPath: String = "config/sim.toml", seed: UInt64? = nil, sampleInterval: Duration = .seconds(60),
        physics: ScenarioPhysics = ScenarioPhysics(), events: [ScenarioEvent] = [], path: String = ""
    ) {
        self.name = name
        self.description = description
        self.duration = duration
        self.configurationPath = configurationPath
        self.seed = seed
        self.sampleInterval = sampleInterval
        self.physics = physics
        // By time; events at the same time keep the order they were written in.
        self.events = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        self.path = path
    }

    /// The top-level sections of a scenario file.
    public static let sections = ["scenario", "physics", "event"]

    /// Reads and validates the scenario at `path`.
    /// - Throws: ``ConfigurationError`` naming the file, line and key.
    public static func load(path: String) throws(ConfigurationError) -> Scenario {
        try parse(root: try ConfigTable.load(path: path), path: path)
    }

    /// Parses scenario `text` as if read from `path` (the configuration path is resolved from
    /// `path`'s folder upwards).
    /// - Throws: ``ConfigurationError`` naming the file, line and key.
    public static func parse(text: String, path: String) throws(ConfigurationError) -> Scenario {
        try parse(root: try ConfigTable.parse(text: text, path: path), path: path)
    }

    private static func parse(root: ConfigTable, path: String) throws(ConfigurationError) -> Scenario {
        let header = try root.table("scenario")
        let name = try header.string("name")
        let description = try header.string("description", default: "")
        let duration = try header.duration("duration", default: .seconds(3600))
        guard duration > .zero else { throw header.error("duration", "expected a duration above zero") }
        let configuration = try header.string("config", default: "config/sim.toml")
        let seed = header.has("seed") ? UInt64(try header.int("seed", in: 0...Int.max)) : nil
        let interval = try header.duration("sample_interval", default: .seconds(60))
        guard interval >= .seconds(1) else { throw header.error("sample_interval", "expected at least 1 s") }
        try header.rejectUnknownKeys()

        let physics = try ScenarioPhysics(table: try root.table("physics"))

        var events: [ScenarioEvent] = []
        for table in try root.tables("event", label: { index, _ in "event #\(index + 1)" }) {
            events.append(contentsOf: try ScenarioEvent.parse(table))
        }
        try root.rejectUnknownKeys()
        return Scenario(
            name: name, description: description, duration: duration,
            configurationPath: resolve(configuration, from: path), seed: seed, sampleInterval: interval,
            physics: physics, events: events, path: path)
    }

    /// A relative configuration path is looked up from the scenario's folder upwards (so
    /// `config/sim.toml` in `scenarios/x.toml` names the repository's file); the first that
    /// exists wins, else it is kept as written (relative to the working directory).
    static func resolve(_ configuration: String, from scenarioPath: String) -> String {
        guard !configuration.hasPrefix("/") else { return configuration }
        var directory = scenarioPath.lastIndex(of: "/").map { String(scenarioPath[..<$0]) } ?? "."
        if directory.isEmpty { directory = "/" }
        for _ in 0..<8 {
            let candidate = directory + "/" + configuration
            if FileCheck.isReadable(candidate) { return candidate }
            directory += "/.."
        }
        return configuration
    }
}

/// The physical state a scenario starts from (`[physics]`; every key optional).
public struct ScenarioPhysics: Sendable, Equatable {
    /// Battery state of charge at start, %: `initial_soc_pct` (physics default 80 %).
    public var initialStateOfChargePercent: Double?
    /// Orbit phase at start, in orbits (0 = orbit noon, the eclipse is centred on 0.5): `orbit_phase`.
    public var orbitPhase: Double?
    /// Solar beta angle, degrees (0 = longest eclipse, 39 % of the orbit at 400 km): `beta_angle_deg`.
    public var betaAngleDegrees: Double?
    /// Orbit period, minutes (physics default 92.6): `orbit_period_min`.
    public var orbitPeriodMinutes: Double?
    /// A fixed eclipse length per orbit, minutes, instead of the beta angle's: `eclipse_min`.
    public var eclipseMinutes: Double?
    /// Cabin temperature at start, °C: `cabin_temperature_c`.
    public var cabinTemperatureCelsius: Double?
    /// Cabin CO2 at start, ppm of the total pressure: `cabin_co2_ppm` (physics default 400 ppm).
    public var cabinCO2PartsPerMillion: Double?

    public init(
        initialStateOfChargePercent: Double? = nil, orbitPhase: Double? = nil, betaAngleDegrees: Double? = nil,
        orbitPeriodMinutes: Double? = nil, eclipseMinutes: Double? = nil,
        cabinTemperatureCelsius: Double? = nil, cabinCO2PartsPerMillion: Double? = nil
    ) {
        self.initialStateOfChargePercent = initialStateOfChargePercent
        self.orbitPhase = orbitPhase
        self.betaAngleDegrees = betaAngleDegrees
        self.orbitPeriodMinutes = orbitPeriodMinutes
        self.eclipseMinutes = eclipseMinutes
        self.cabinTemperatureCelsius = cabinTemperatureCelsius
        self.cabinCO2PartsPerMillion = cabinCO2PartsPerMillion
    }

    init(table: ConfigTable) throws(ConfigurationError) {
        func optional(_ key: String, _ range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
            table.has(key) ? try table.double(key, in: range) : nil
        }
        initialStateOfChargePercent = try optional("initial_soc_pct", 0...100)
        orbitPhase = try optional("orbit_phase", 0...1)
        betaAngleDegrees = try optional("beta_angle_deg", -90...90)
        orbitPeriodMinutes = try optional("orbit_period_min", 10...10_000)
        eclipseMinutes = try optional("eclipse_min", 0...10_000)
        if betaAngleDegrees != nil, eclipseMinutes != nil {
            throw table.error("eclipse_min", "give \"beta_angle_deg\" or \"eclipse_min\", not both")
        }
        if let eclipse = eclipseMinutes, eclipse >= orbitPeriodMinutes ?? 92.6 {
            throw table.error("eclipse_min", "expected less than the orbit period (\(Format.number(orbitPeriodMinutes ?? 92.6)) min)")
        }
        cabinTemperatureCelsius = try optional("cabin_temperature_c", -20...50)
        cabinCO2PartsPerMillion = try optional("cabin_co2_ppm", 0...50_000)
        try table.rejectUnknownKeys()
    }

    /// `base` with this state applied.
    public func applied(to base: VehiclePhysics.Configuration) -> VehiclePhysics.Configuration {
        var configuration = base
        if let soc = initialStateOfChargePercent { configuration.power.initialStateOfCharge = soc / 100 }
        if let phase = orbitPhase { configuration.orbit.initialPhase = phase }
        if let beta = betaAngleDegrees { configuration.orbit.eclipse = .betaAngle(degrees: beta) }
        if let period = orbitPeriodMinutes { configuration.orbit.periodSeconds = period * 60 }
        if let eclipse = eclipseMinutes { configuration.orbit.eclipse = .duration(seconds: eclipse * 60) }
        if let celsius = cabinTemperatureCelsius { configuration.thermal.initialTemperatureCelsius = celsius }
        if let ppm = cabinCO2PartsPerMillion {
            configuration.atmosphere.initialCO2PartialPressurePascals = ppm * 1e-6 * configuration.atmosphere.initialTotalPressurePascals
        }
        return configuration
    }
}

/// One thing that happens to the vehicle at a time since the start of the run.
public struct ScenarioEvent: Sendable, Equatable {
    /// Since the start of the run.
    public var time: Duration
    public var action: ScenarioAction
    /// The line of the `[[event]]` header in the scenario file (0 when built in code).
    public var line: Int

    public init(at time: Duration, _ action: ScenarioAction, line: Int = 0) {
        self.time = time
        self.action = action
        self.line = line
    }

    /// The actions and the keys each accepts (besides `at`, `action`).
    public static let actionKeys: [String: [String]] = [
        "crew_count": ["count"],
        "cabin_leak": ["area_m2", "area_mm2", "rate_pa_per_min", "duration"],
        "cabin_leak_stop": [],
        "scrubber_failure": ["duration"],
        "scrubber_repaired": [],
        "extra_load": ["watts", "duration"],
        "extra_load_off": [],
        "radiation_storm": ["multiplier", "duration"],
        "radiation_storm_end": [],
        "star_tracker_blinded": ["duration"],
        "star_tracker_restored": [],
        "sensor_fault": ["device", "fault", "sigma", "per_second", "code", "count", "window"],
        "clear_faults": ["device"],
        "device_offline": ["device", "duration"],
        "device_online": ["device"],
        "executive_overrun": ["group", "burn"],
        "actuator": ["channel", "state", "source"],
    ]

    static let faultKinds = ["stuck", "noise", "drift", "no_acknowledge", "timeout", "disconnect", "modbus_exception", "modbus_silence"]

    /// One `[[event]]` table: the event, and its automatic end when it has a `duration`.
    static func parse(_ table: ConfigTable) throws(ConfigurationError) -> [ScenarioEvent] {
        guard table.has("at") else { throw table.error(nil, "missing key \"at\" (a time since the start: seconds or \"10min\")") }
        let time = try table.duration("at", default: .zero)
        let actionName = try table.choice("action", Dictionary(uniqueKeysWithValues: actionKeys.keys.map { ($0, $0) }))
        let line = table.error(nil, "").line ?? 0
        for key in table.keys where key != "at" && key != "action" && !(actionKeys[actionName] ?? []).contains(key) {
            let accepted = (actionKeys[actionName] ?? []).map { "\"\($0)\"" }
            throw table.error(key, "not a key of action \"\(actionName)\"" + (accepted.isEmpty ? " (it takes none)" : " (it takes \(accepted.joined(separator: ", ")))"))
        }
        func device() throws(ConfigurationError) -> String {
            let name = try table.string("device")
            guard !name.isEmpty else { throw table.error("device", "expected a device name") }
            return name
        }
        func optionalDuration() throws(ConfigurationError) -> Duration? {
            guard table.has("duration") else { return nil }
            let length = try table.duration("duration", default: .zero)
            guard length > .zero else { throw table.error("duration", "expected a duration above zero") }
            return length
        }
        var ending: ScenarioAction?
        let action: ScenarioAction
        switch actionName {
        case "crew_count":
            action = .crewCount(try table.int("count", in: 0...12))
        case "cabin_leak":
            let given = ["area_m2", "area_mm2", "rate_pa_per_min"].filter { table.has($0) }
            guard given.count == 1 else {
                throw table.error(given.last, "give exactly one of \"area_m2\", \"area_mm2\", \"rate_pa_per_min\"")
            }
            switch given[0] {
            case "area_m2": action = .cabinLeak(.area(squareMeters: try table.double("area_m2", in: 0...1)))
            case "area_mm2": action = .cabinLeak(.area(squareMeters: try table.double("area_mm2", in: 0...1_000_000) / 1e6))
            default: action = .cabinLeak(.pressureDropRate(pascalsPerMinute: try table.double("rate_pa_per_min", in: 0...1_000_000)))
            }
            ending = .cabinLeakStop
        case "cabin_leak_stop": action = .cabinLeakStop
        case "scrubber_failure":
            action = .scrubberFailed(true)
            ending = .scrubberFailed(false)
        case "scrubber_repaired": action = .scrubberFailed(false)
        case "extra_load":
            action = .extraLoad(watts: try table.double("watts", in: 0...100_000))
            ending = .extraLoad(watts: 0)
        case "extra_load_off": action = .extraLoad(watts: 0)
        case "radiation_storm":
            action = .radiationStorm(multiplier: try table.double("multiplier", in: 1...1_000_000))
            ending = .radiationStorm(multiplier: 1)
        case "radiation_storm_end": action = .radiationStorm(multiplier: 1)
        case "star_tracker_blinded":
            action = .starTrackerBlinded(true)
            ending = .starTrackerBlinded(false)
        case "star_tracker_restored": action = .starTrackerBlinded(false)
        case "sensor_fault":
            action = .sensorFault(device: try device(), fault: try parseFault(table), extent: try parseExtent(table))
        case "clear_faults":
            action = .clearFaults(device: table.has("device") ? try device() : nil)
        case "device_offline":
            action = .deviceOffline(device: try device())
            ending = .clearFaults(device: try device())
        case "device_online":
            action = .clearFaults(device: try device())
        case "actuator":
            let channel = try table.string("channel")
            let state = try table.choice("state", ["on": Bool?.some(true), "off": Bool?.some(false), "release": Bool?.none])
            let source = try table.choice(
                "source", ["controller": ActuatorSource.controller, "command": ActuatorSource.command],
                default: .controller)
            action = .actuator(channel: channel, source: source, state: state)
        case "executive_overrun":
            let group = try table.string("group", default: RateGroupName.monitoring)
            let burn = try table.duration("burn", default: .seconds(2))
            guard burn > .zero else { throw table.error("burn", "expected a duration above zero") }
            action = .executiveOverrun(group: group, burn: burn)
        default:
            throw table.error("action", "unknown action")
        }
        let length = try optionalDuration()
        try table.rejectUnknownKeys()
        var events = [ScenarioEvent(at: time, action, line: line)]
        if let length {
            guard let ending else { throw table.error("duration", "action \"\(actionName)\" has no duration") }
            events.append(ScenarioEvent(at: time + length, ending, line: line))
        }
        return events
    }

    private static func parseFault(_ table: ConfigTable) throws(ConfigurationError) -> InjectedFault {
        let kind = try table.choice("fault", Dictionary(uniqueKeysWithValues: faultKinds.map { ($0, $0) }))
        let fault: InjectedFault
        switch kind {
        case "stuck": fault = .stuck
        case "noise": fault = .noise(standardDeviation: try table.double("sigma", in: 0...1e9))
        case "drift": fault = .drift(perSecond: try table.double("per_second", in: -1e9...1e9))
        case "no_acknowledge": fault = .noAcknowledge
        case "timeout": fault = .timeout
        case "disconnect": fault = .disconnect
        case "modbus_exception":
            let code = try table.int("code", default: 4, in: 1...255)
            fault = .modbusException(ModbusExceptionCode(code: UInt8(code)))
        default: fault = .modbusSilence
        }
        let allowed: [String: String] = ["noise": "sigma", "drift": "per_second", "modbus_exception": "code"]
        for key in ["sigma", "per_second", "code"] where table.has(key) && allowed[kind] != key {
            throw table.error(key, "not a key of fault \"\(kind)\"")
        }
        return fault
    }

    private static func parseExtent(_ table: ConfigTable) throws(ConfigurationError) -> FaultExtent {
        switch (table.has("count"), table.has("window")) {
        case (true, true): throw table.error("window", "give \"count\" or \"window\", not both")
        case (true, false): return .count(try table.int("count", in: 1...Int(Int32.max)))
        case (false, true):
            let window = try table.duration("window", default: .zero)
            guard window > .zero else { throw table.error("window", "expected a duration above zero") }
            return .window(window)
        case (false, false): return .indefinite
        }
    }
}

/// What a scenario event does.
public enum ScenarioAction: Sendable, Equatable {
    /// How big a cabin leak is.
    public enum Leak: Sendable, Equatable {
        /// Effective hole area, m².
        case area(squareMeters: Double)
        /// The hole that makes the cabin pressure fall this fast at the moment it opens, Pa/min.
        case pressureDropRate(pascalsPerMinute: Double)
    }

    case crewCount(Int)
    case cabinLeak(Leak)
    case cabinLeakStop
    case scrubberFailed(Bool)
    /// Extra electrical load on the bus, W (0 removes it).
    case extraLoad(watts: Double)
    /// Dose-rate multiplier (1 ends a storm).
    case radiationStorm(multiplier: Double)
    case starTrackerBlinded(Bool)
    /// A value or bus fault over a device (``FaultInjector``).
    case sensorFault(device: String, fault: InjectedFault, extent: FaultExtent)
    /// Clears every injected fault over `device` (every device when `nil`).
    case clearFaults(device: String?)
    /// The device stops answering: Modbus units go silent, I2C and GPIO devices disconnect.
    case deviceOffline(device: String)
    /// The rate group's next cycle after the event takes `burn` longer (simulated time passes
    /// inside the cycle): an injected overrun.
    case executiveOverrun(group: String, burn: Duration)
    /// A request on an actuator channel at `source` priority (`nil` releases it): stands for a
    /// payload's own controller (`.controller`, below load shedding) or a telecommand (`.command`).
    case actuator(channel: String, source: ActuatorSource, state: Bool?)

    /// A short description for the timeline.
    public var summary: String {
        switch self {
        case .crewCount(let count): return "crew_count count=\(count)"
        case .cabinLeak(.area(let area)): return "cabin_leak area_mm2=\(Format.number(area * 1e6))"
        case .cabinLeak(.pressureDropRate(let rate)): return "cabin_leak rate_pa_per_min=\(Format.number(rate))"
        case .cabinLeakStop: return "cabin_leak_stop"
        case .scrubberFailed(let failed): return failed ? "scrubber_failure" : "scrubber_repaired"
        case .extraLoad(let watts): return watts > 0 ? "extra_load watts=\(Format.number(watts))" : "extra_load_off"
        case .radiationStorm(let multiplier): return multiplier != 1 ? "radiation_storm multiplier=\(Format.number(multiplier))" : "radiation_storm_end"
        case .starTrackerBlinded(let blinded): return blinded ? "star_tracker_blinded" : "star_tracker_restored"
        case .sensorFault(let device, let fault, let extent): return "sensor_fault device=\(device) fault=\(Format.fault(fault))\(Format.extent(extent))"
        case .clearFaults(let device): return "clear_faults" + (device.map { " device=\($0)" } ?? "")
        case .deviceOffline(let device): return "device_offline device=\(device)"
        case .executiveOverrun(let group, let burn): return "executive_overrun group=\(group) burn_s=\(Format.number(burn.secondsDouble))"
        case .actuator(let channel, let source, let state):
            return "actuator channel=\(channel) state=\(state.map { $0 ? "on" : "off" } ?? "release") source=\(source)"
        }
    }
}

/// Text for numbers and faults in timelines.
enum Format {
    /// Up to 3 decimals, no trailing zeros; whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        if value == value.rounded(), abs(value) < 1e12 { return String(Int64(value)) }
        let scaled = (value * 1000).rounded() / 1000
        if scaled == scaled.rounded(), abs(scaled) < 1e12 { return String(Int64(scaled)) }
        return String(scaled)
    }

    static func fault(_ fault: InjectedFault) -> String {
        switch fault {
        case .noAcknowledge: return "no_acknowledge"
        case .timeout: return "timeout"
        case .disconnect: return "disconnect"
        case .modbusException(let code): return "modbus_exception code=\(code.code)"
        case .modbusSilence: return "modbus_silence"
        case .stuck: return "stuck"
        case .noise(let sigma): return "noise sigma=\(number(sigma))"
        case .drift(let rate): return "drift per_second=\(number(rate))"
        }
    }

    static func extent(_ extent: FaultExtent) -> String {
        switch extent {
        case .indefinite: return ""
        case .count(let count): return " count=\(count)"
        case .window(let window): return " window_s=\(number(window.secondsDouble))"
        }
    }

    /// `h:mm:ss` of a time since the start.
    static func clock(_ time: Duration) -> String {
        let milliseconds = time.nanoseconds / 1_000_000
        let total = milliseconds / 1000
        let fraction = milliseconds % 1000
        let text = "\(total / 3600):" + pad2((total / 60) % 60) + ":" + pad2(total % 60)
        return fraction == 0 ? text : text + "." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }

    private static func pad2(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
