import HAL

/// What a GPIO actuator is for; each role has a default safe state.
public enum ActuatorRole: String, Sendable, CaseIterable {
    /// Solenoid valve admitting O2 from the tank into the cabin.
    case oxygenInjectionValve = "o2_valve"
    /// A stage line of the CO2 scrubber's fan (see ``FanStages``).
    case scrubberFan = "scrubber_fan"
    /// The cabin heater's relay.
    case cabinHeater = "cabin_heater"
    /// A load switch for a payload, non-essential load or heater.
    case loadSwitch = "load_switch"
    /// A load switch for the radio (kept on: it is how the ground reaches a vehicle in trouble).
    case radioSwitch = "radio_switch"
    /// The crew alarm (klaxon / caution and warning lamp).
    case crewAlarm = "crew_alarm"

    /// The state the actuator is left in at start-up, shutdown and when its controller fails.
    ///
    /// - O2 valve closed: an open valve with no controller can raise ppO2 into the fire-hazard range;
    ///   a closed one gives the crew hours (a cabin's O2 lasts days at 0.84 kg/person/day).
    /// - Scrubber fan on: with the fan off CO2 climbs at ~1 kg/person/day and reaches the
    ///   NASA-STD-3001 limits within hours in a small cabin — the fan is a life-support load.
    /// - Heater off: a stuck-on heater is a fire and over-temperature hazard; the cabin's thermal mass
    ///   gives hours before it gets cold.
    /// - Load switches off (payload, non-essential heaters): shed loads to protect the battery.
    /// - Radio on: a silent vehicle cannot be recovered.
    /// - Alarm off: a spurious alarm that cannot be silenced is a hazard of its own; the fault
    ///   manager raises it when a real condition is detected.
    public var defaultSafeState: Bool {
        switch self {
        case .oxygenInjectionValve, .cabinHeater, .loadSwitch, .crewAlarm: return false
        case .scrubberFan, .radioSwitch: return true
        }
    }
}

/// Configuration of one GPIO-driven actuator.
///
/// Configuration keys (TOML, under the device's table):
///
/// | key          | default                 | meaning                                       |
/// |--------------|-------------------------|-----------------------------------------------|
/// | `role`       | —                       | `o2_valve`, `cabin_heater`, `load_switch`, …  |
/// | `line`       | —                       | line name or offset on the chip               |
/// | `active_low` | false                   | logical on = electrical low                   |
/// | `safe_state` | the role's default      | `true` = on                                   |
public struct ActuatorConfiguration: Sendable, Equatable {
    public var role: ActuatorRole
    /// Logical on is the low electrical level (relay boards with inverting drivers).
    public var activeLow: Bool
    /// The state ``ActuatorDevice/applySafeState()`` commands.
    public var safeState: Bool

    public init(role: ActuatorRole, activeLow: Bool = false, safeState: Bool? = nil) {
        self.role = role
        self.activeLow = activeLow
        self.safeState = safeState ?? role.defaultSafeState
    }

    /// The options to request the line with (active-low applied by the chip, bias left as is).
    public var lineOptions: GPIOLineOptions { GPIOLineOptions(bias: .asIs, activeLow: activeLow) }

    /// Requests `line` on `chip` as an output already in the safe state, so the actuator never
    /// glitches to the unsafe state between the request and ``GPIOActuator/start()``.
    ///
    /// - Throws: the chip's `GPIOError`.
    public func requestLine(_ line: GPIOLineID, on chip: some GPIOChip) throws(GPIOError) -> any GPIOOutputLine {
        try chip.requestOutput(line, initialValue: safeState, options: lineOptions)
    }
}

/// Failures of a GPIO actuator.
public enum ActuatorError: DriverError, Equatable {
    /// Setting or reading the line failed (chip gone, line released).
    case bus(GPIOError)
    /// The line reads back something other than what was commanded.
    case readbackMismatch(commanded: Bool, readBack: Bool)
    /// A fan stage outside `0...stages`.
    case invalidStage(Int, stages: Int)
    /// A multi-line actuator's lines read back as a combination no stage produces.
    case invalidStageReadback([Bool])

    /// The category for fault management.
    ///
    /// A readback mismatch is `.data`, not `.bus`: the chip answered, but the value it reports
    /// contradicts the command (driver stuck, line shorted or overridden). `.bus` stays for "the line
    /// cannot be reached", whose recovery is re-requesting the line (``SensorDevice/start()``); a
    /// mismatch is not cured by that and calls for isolating the actuator at its power switch. The
    /// error is thrown from `command`, so a controller always sees the failed command.
    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .readbackMismatch, .invalidStageReadback: return .data
        case .invalidStage: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "actuator: \(error)"
        case .readbackMismatch(let commanded, let readBack):
            return "actuator: commanded \(commanded ? "on" : "off"), reads back \(readBack ? "on" : "off")"
        case .invalidStage(let stage, let stages): return "actuator: stage \(stage) outside 0...\(stages)"
        case .invalidStageReadback(let lines): return "actuator: lines read back \(lines), which is no stage"
        }
    }
}

/// Command totals of an actuator, for telemetry.
public struct ActuatorStatistics: Sendable, Equatable {
    /// Commands issued (including safe-state commands).
    public var commands: Int = 0
    /// Commands or samples whose readback disagreed with the command.
    public var readbackMismatches: Int = 0
    /// Commands or samples that failed on the line.
    public var busErrors: Int = 0

    public init(commands: Int = 0, readbackMismatches: Int = 0, busErrors: Int = 0) {
        self.commands = commands
        self.readbackMismatches = readbackMismatches
        self.busErrors = busErrors
    }
}
