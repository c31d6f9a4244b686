import HAL

// THE vehicle modes: entry conditions, safing profiles, and who may leave each mode. Everything
// mode-related is defined in this file; docs/fault-management.md describes the same table.
//
// | mode      | entered when                                             | safing (priority .safing)                                  | left by |
// |-----------|----------------------------------------------------------|------------------------------------------------------------|---------|
// | BOOT      | start                                                    | none (channels hold their safe states)                     | auto: NOMINAL/DEGRADED after the boot dwell with valid inputs; SAFE on boot timeout or a safe condition; EMERGENCY |
// | NOMINAL   | boot complete; DEGRADED clear for its dwell; command     | none                                                       | auto: DEGRADED, SAFE, EMERGENCY; command SAFE/EMERGENCY |
// | DEGRADED  | device degraded/failed (non-critical), O2 sensor degraded, degraded monitor off-nominal | none                         | auto: NOMINAL after the dwell, SAFE, EMERGENCY; command NOMINAL when clear, SAFE, EMERGENCY |
// | SAFE      | battery critical, attitude lost, critical device failed, safe monitor in alarm, boot timeout, EMERGENCY cleared | payload off, radio low, non-essential heaters off | command NOMINAL (refused while a safe/emergency condition persists); auto/command EMERGENCY |
// | EMERGENCY | emergency monitor in alarm (ppO2 low, CO2 high, cabin leak); command; event-action | crew alarm on, scrubbers max, payload off, non-essential heaters off, O2 valve closed only on ppO2 alarm HIGH | auto: SAFE once clear for the emergency dwell (not if entered by command); command SAFE/NOMINAL when clear |

/// Why the mode changed: the third argument of every mode event.
public enum ModeReason: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// BOOT dwell over with valid inputs. Detail: 0.
    case bootComplete = 1
    /// BOOT did not complete within the boot timeout. Detail: seconds since start.
    case bootTimeout = 2
    /// An emergency monitor is in alarm. Detail: monitor index.
    case emergencyMonitor = 3
    /// No emergency condition for the emergency dwell. Detail: dwell in seconds.
    case emergencyCleared = 4
    /// Battery state of charge below the critical level. Detail: SoC in %.
    case batteryCritical = 5
    /// Star tracker not tracking too long and the gyro invalid. Detail: seconds without tracking.
    case attitudeLost = 6
    /// A critical device failed. Detail: device index.
    case criticalDeviceFailed = 7
    /// A safe monitor is in alarm. Detail: monitor index.
    case safeMonitor = 8
    /// A device is degraded (redundancy lost). Detail: device index.
    case redundancyLost = 9
    /// A non-critical device failed. Detail: device index.
    case deviceFailed = 10
    /// The O2 sensors are degraded or in alarm. Detail: `ls.o2_sensor_status`.
    case o2SensorDegraded = 11
    /// A degraded monitor is off-nominal. Detail: monitor index.
    case degradedMonitor = 12
    /// No degraded condition for the degraded dwell. Detail: dwell in seconds.
    case redundancyRestored = 13
    /// A telecommand. Detail: 0.
    case command = 14
    /// An event-action entry. Detail: entry index.
    case eventAction = 15

    public var description: String {
        switch self {
        case .bootComplete: return "boot_complete"
        case .bootTimeout: return "boot_timeout"
        case .emergencyMonitor: return "emergency_monitor"
        case .emergencyCleared: return "emergency_cleared"
        case .batteryCritical: return "battery_critical"
        case .attitudeLost: return "attitude_lost"
        case .criticalDeviceFailed: return "critical_device_failed"
        case .safeMonitor: return "safe_monitor"
        case .redundancyLost: return "redundancy_lost"
        case .deviceFailed: return "device_failed"
        case .o2SensorDegraded: return "o2_sensor_degraded"
        case .degradedMonitor: return "degraded_monitor"
        case .redundancyRestored: return "redundancy_restored"
        case .command: return "command"
        case .eventAction: return "event_action"
        }
    }
}

/// A condition that holds a mode, with its reason and detail.
public struct ModeCause: Sendable, Equatable {
    public var reason: ModeReason
    public var detail: Double

    public init(_ reason: ModeReason, _ detail: Double = 0) {
        self.reason = reason
        self.detail = detail
    }
}

/// The level conditions evaluated every cycle (the first active cause of each level).
public struct ModeConditions: Sendable, Equatable {
    public var emergency: ModeCause?
    public var safe: ModeCause?
    public var degraded: ModeCause?
    /// Every input has produced data (device health set, condition monitors checked).
    public var inputsValid = false

    public init(emergency: ModeCause? = nil, safe: ModeCause? = nil, degraded: ModeCause? = nil, inputsValid: Bool = false) {
        self.emergency = emergency
        self.safe = safe
        self.degraded = degraded
        self.inputsValid = inputsValid
    }
}

/// Who can cause a transition.
public enum ModeTrigger: Sendable, Equatable {
    /// The mode machine itself, from the conditions, every cycle.
    case automatic
    /// A telecommand through ``ModeMachine/command(_:at:)``.
    case command
    /// An event-action entry through ``ModeMachine/request(_:entry:)``.
    case request
}

/// What must hold for a transition.
public enum ModeGuard: Sendable, Equatable {
    case always
    case emergencyCondition
    case safeCondition
    case degradedCondition
    /// No emergency condition for the emergency dwell, and EMERGENCY was not entered by command.
    case emergencyClearForDwell
    /// No degraded condition for the degraded dwell.
    case degradedClearForDwell
    /// Boot dwell over, inputs valid, no degraded condition.
    case bootComplete
    /// Boot dwell over, inputs valid, a degraded condition.
    case bootCompleteDegraded
    /// Boot timeout over without valid inputs.
    case bootTimedOut
    case noEmergencyCondition
    case noEmergencyOrSafeCondition
    case noCondition
}

/// One row of the transition table.
public struct ModeTransition: Sendable, Equatable {
    public var from: [VehicleMode]
    public var to: VehicleMode
    public var trigger: ModeTrigger
    public var guardCondition: ModeGuard

    public init(_ from: [VehicleMode], _ to: VehicleMode, _ trigger: ModeTrigger, _ guardCondition: ModeGuard) {
        self.from = from
        self.to = to
        self.trigger = trigger
        self.guardCondition = guardCondition
    }
}

/// What a mode requests of its actuator roles at priority `.safing` (`nil`: no request).
public struct SafingProfile: Sendable, Equatable {
    public var crewAlarm: Bool?
    public var scrubberStages: Bool?
    public var payload: Bool?
    /// `false`: radio in low-power mode (the radio channel switches the high-power transmitter).
    public var radio: Bool?
    public var nonEssentialHeaters: Bool?

    public init(crewAlarm: Bool? = nil, scrubberStages: Bool? = nil, payload: Bool? = nil, radio: Bool? = nil, nonEssentialHeaters: Bool? = nil) {
        self.crewAlarm = crewAlarm
        self.scrubberStages = scrubberStages
        self.payload = payload
        self.radio = radio
        self.nonEssentialHeaters = nonEssentialHeaters
    }
}

/// The actuator channels the mode machine drives, by role. Handed in by the topology.
public struct ModeActuators {
    public var crewAlarm: ActuatorChannel?
    public var scrubberStages: [ActuatorChannel]
    public var payload: [ActuatorChannel]
    /// The high-power transmitter switch: off is "radio low".
    public var radio: ActuatorChannel?
    public var nonEssentialHeaters: [ActuatorChannel]
    /// Left to life support's controller, except closed on ppO2 alarm HIGH in EMERGENCY.
    public var o2Valve: ActuatorChannel?

    public init(
        crewAlarm: ActuatorChannel? = nil, scrubberStages: [ActuatorChannel] = [], payload: [ActuatorChannel] = [],
        radio: ActuatorChannel? = nil, nonEssentialHeaters: [ActuatorChannel] = [], o2Valve: ActuatorChannel? = nil
    ) {
        self.crewAlarm = crewAlarm
        self.scrubberStages = scrubberStages
        self.payload = payload
        self.radio = radio
        self.nonEssentialHeaters = nonEssentialHeaters
        self.o2Valve = o2Valve
    }
}

/// Why a mode command was refused. ``failureCode`` goes into the PUS failure report.
public enum ModeCommandError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No commanded transition from `from` to `to` in the table.
    case notAllowed(from: VehicleMode, to: VehicleMode)
    /// The transition exists but a condition of the current mode persists.
    case conditionsPersist(from: VehicleMode, to: VehicleMode, cause: ModeCause)

    public var failureCode: UInt16 {
        switch self {
        case .notAllowed: return 1
        case .conditionsPersist: return 2
        }
    }

    public var description: String {
        switch self {
        case .notAllowed(let from, let to): return "mode transition \(from) → \(to) cannot be commanded"
        case .conditionsPersist(let from, let to, let cause): return "mode transition \(from) → \(to) refused: \(cause.reason) persists (detail \(cause.detail))"
        }
    }
}

/// The `[mode_machine]` section.
///
/// ```toml
/// [mode_machine]
/// boot_dwell = "3s"                  # BOOT → NOMINAL no sooner (and only with valid inputs)
/// boot_timeout = "60s"               # BOOT → SAFE if inputs are still not valid
/// emergency_dwell = "60s"            # EMERGENCY → SAFE once clear this long
/// degraded_dwell = "30s"             # DEGRADED → NOMINAL once clear this long
/// battery_soc_parameter = "power.battery_soc_pct"   # "" disables
/// battery_critical_soc_pct = 15.0
/// o2_sensor_status_parameter = "ls.o2_sensor_status" # "" disables
/// critical_devices = ["cabin-env"]
/// emergency_monitors = ["cabin_ppo2", "cabin_co2", "cabin_leak"]
/// safe_monitors = []
/// degraded_monitors = []
/// o2_valve_close_monitor = "cabin_ppo2"             # alarm_high closes the O2 valve in EMERGENCY
/// attitude_tracking_parameter = ""                  # e.g. "adcs.star_tracker_tracking" (1 tracking)
/// attitude_rate_parameter = ""                      # the gyro rate; its validity matters
/// attitude_lost_after = "30s"
/// mode_parameter_id = 0x0500                        # id of fdir.mode
/// ```
public struct ModeMachineConfiguration: Sendable, Equatable {
    public var bootDwell: Duration = .seconds(3)
    public var bootTimeout: Duration = .seconds(60)
    public var emergencyDwell: Duration = .seconds(60)
    public var degradedDwell: Duration = .seconds(30)
    public var batterySoCParameter = "power.battery_soc_pct"
    public var batteryCriticalSoCPercent = 15.0
    public var o2SensorStatusParameter = "ls.o2_sensor_status"
    public var criticalDevices: [String] = []
    public var emergencyMonitors: [String] = []
    public var safeMonitors: [String] = []
    public var degradedMonitors: [String] = []
    public var o2ValveCloseMonitor = ""
    public var attitudeTrackingParameter = ""
    public var attitudeRateParameter = ""
    public var attitudeLostAfter: Duration = .seconds(30)
    public var modeParameterID = ParameterID(0x0500)

    public init() {}

    /// Reads `[mode_machine]`, rejecting unknown keys.
    /// - Throws: ``ConfigurationError``.
    public init(table: ConfigTable) throws(ConfigurationError) {
        let defaults = ModeMachineConfiguration()
        bootDwell = try table.duration("boot_dwell", default: defaults.bootDwell)
        bootTimeout = try table.duration("boot_timeout", default: defaults.bootTimeout)
        guard bootTimeout >= bootDwell else { throw table.error("boot_timeout", "expected at least boot_dwell") }
        emergencyDwell = try table.duration("emergency_dwell", default: defaults.emergencyDwell)
        degradedDwell = try table.duration("degraded_dwell", default: defaults.degradedDwell)
        batterySoCParameter = try table.string("battery_soc_parameter", default: defaults.batterySoCParameter)
        batteryCriticalSoCPercent = try table.double("battery_critical_soc_pct", default: defaults.batteryCriticalSoCPercent, in: 0...100)
        o2SensorStatusParameter = try table.string("o2_sensor_status_parameter", default: defaults.o2SensorStatusParameter)
        criticalDevices = try table.strings("critical_devices", default: [])
        emergencyMonitors = try table.strings("emergency_monitors", default: [])
        safeMonitors = try table.strings("safe_monitors", default: [])
        degradedMonitors = try table.strings("degraded_monitors", default: [])
        o2ValveCloseMonitor = try table.string("o2_valve_close_monitor", default: "")
        attitudeTrackingParameter = try table.string("attitude_tracking_parameter", default: "")
        attitudeRateParameter = try table.string("attitude_rate_parameter", default: "")
        attitudeLostAfter = try table.duration("attitude_lost_after", default: defaults.attitudeLostAfter)
        modeParameterID = ParameterID(UInt16(try table.int("mode_parameter_id", default: Int(defaults.modeParameterID.rawValue), in: 0...0xFFFF)))
        try table.rejectUnknownKeys()
    }
}

/// The vehicle mode machine: evaluates the mode conditions every cycle, takes the transitions of
/// ``transitions``, applies each mode's ``SafingProfile``, raises one event per transition and
/// writes `fdir.mode` every cycle.
///
/// Run it after the monitors and the event-action table and before the actuator output stage, in
/// the monitoring rate group, so a safing request is applied in the cycle of its cause.
///
/// - Warning: Executive thread only; ``command(_:at:)`` at a cycle boundary.
public final class ModeMachine: RateGroupMember {
    /// THE transition table. Automatic rows are tried in order (the first whose guard holds wins);
    /// a request wins over an automatic row only if it goes to a more severe mode. Any commanded
    /// transition not listed is refused with ``ModeCommandError/notAllowed(from:to:)``.
    public static let transitions: [ModeTransition] = [
        // Automatic, in priority order.
        ModeTransition([.boot, .nominal, .degraded, .safe], .emergency, .automatic, .emergencyCondition),
        ModeTransition([.boot, .nominal, .degraded], .safe, .automatic, .safeCondition),
        ModeTransition([.emergency], .safe, .automatic, .emergencyClearForDwell),
        ModeTransition([.boot], .safe, .automatic, .bootTimedOut),
        ModeTransition([.boot], .degraded, .automatic, .bootCompleteDegraded),
        ModeTransition([.boot], .nominal, .automatic, .bootComplete),
        ModeTransition([.nominal], .degraded, .automatic, .degradedCondition),
        ModeTransition([.degraded], .nominal, .automatic, .degradedClearForDwell),
        // Telecommands.
        ModeTransition([.boot, .nominal, .degraded, .safe], .emergency, .command, .always),
        ModeTransition([.boot, .nominal, .degraded], .safe, .command, .always),
        ModeTransition([.emergency], .safe, .command, .noEmergencyCondition),
        ModeTransition([.safe, .emergency], .nominal, .command, .noEmergencyOrSafeCondition),
        ModeTransition([.degraded], .nominal, .command, .noCondition),
        // Event-action requests.
        ModeTransition([.boot, .nominal, .degraded, .safe], .emergency, .request, .always),
        ModeTransition([.boot, .nominal, .degraded], .safe, .request, .always),
        ModeTransition([.nominal], .degraded, .request, .always),
    ]

    /// What each mode asks of its actuator roles (the O2 valve is handled apart, see ``ModeActuators/o2Valve``).
    public static func safingProfile(_ mode: VehicleMode) -> SafingProfile {
        switch mode {
        case .boot, .nominal, .degraded:
            return SafingProfile()
        case .safe:
            return SafingProfile(payload: false, radio: false, nonEssentialHeaters: false)
        case .emergency:
            return SafingProfile(crewAlarm: true, scrubberStages: true, payload: false, nonEssentialHeaters: false)
        }
    }

    public let name = "mode-machine"
    public let configuration: ModeMachineConfiguration
    public private(set) var mode: VehicleMode = .boot
    /// The conditions of the last cycle (commands are judged on them).
    public private(set) var conditions = ModeConditions()
    /// Transitions since start.
    public private(set) var transitionCount = 0
    /// Whether EMERGENCY was entered (or confirmed) by command: then only a command leaves it.
    public private(set) var emergencyLatchedByCommand = false
    /// When the current mode was entered.
    public private(set) var enteredAt: MonotonicInstant = .zero

    private let pool: ParameterPool
    private let events: any EventSink
    private let monitors: MonitorBank?
    private let safing: SafingRequests
    private let modeHandle: ParameterHandle
    private let batteryHandle: ParameterHandle?
    private let o2StatusHandle: ParameterHandle?
    private let trackingHandle: ParameterHandle?
    private let gyroHandle: ParameterHandle?
    private let healthHandles: [ParameterHandle]
    private let criticalDevice: [Bool]
    private let emergencyMonitors: [Int]
    private let safeMonitors: [Int]
    private let degradedMonitors: [Int]
    private let o2CloseMonitor: Int?
    private let automaticRows: [ModeTransition]
    private let crewAlarmSlot: Int?
    private let scrubberSlots: [Int]
    private let payloadSlots: [Int]
    private let radioSlot: Int?
    private let heaterSlots: [Int]
    private let o2ValveSlot: Int?
    private var o2ValveRequest: Bool?

    private var bootStart: MonotonicInstant?
    private var emergencyLastActive: MonotonicInstant = .zero
    private var degradedLastActive: MonotonicInstant = .zero
    private var notTrackingSince: MonotonicInstant?
    private var pendingRequest: (mode: VehicleMode, entry: Int)?

    /// Resolves the configured names and registers `fdir.mode` (u8, ``VehicleMode`` raw value).
    /// - Parameters:
    ///   - devices: every device's name in device-index order; each has a `dev.<name>.health` parameter.
    ///   - monitors: the monitor bank the condition monitors are looked up in.
    /// - Throws: ``FaultManagementError`` for a name that does not resolve.
    public init(
        configuration: ModeMachineConfiguration, pool: ParameterPool, events: any EventSink, monitors: MonitorBank?,
        devices: [String], actuators: ModeActuators, safing: SafingRequests
    ) throws(FaultManagementError) {
        self.configuration = configuration
        self.pool = pool
        self.events = events
        self.monitors = monitors
        self.safing = safing
        let user = "mode_machine"
        func parameter(_ name: String) throws(FaultManagementError) -> ParameterHandle? {
            guard !name.isEmpty else { return nil }
            do { return try pool.handle(named: name) } catch { throw .unknownParameter(name, user: user) }
        }
        batteryHandle = try parameter(configuration.batterySoCParameter)
        o2StatusHandle = try parameter(configuration.o2SensorStatusParameter)
        trackingHandle = try parameter(configuration.attitudeTrackingParameter)
        gyroHandle = try parameter(configuration.attitudeRateParameter)
        var health: [ParameterHandle] = []
        for device in devices {
            guard let handle = try parameter("dev.\(device).health") else { continue }
            health.append(handle)
        }
        healthHandles = health
        for device in configuration.criticalDevices where !devices.contains(device) {
            throw .unknownDevice(device, user: user)
        }
        criticalDevice = devices.map { configuration.criticalDevices.contains($0) }
        func monitorIndices(_ names: [String]) throws(FaultManagementError) -> [Int] {
            var result: [Int] = []
            for name in names {
                guard let index = monitors?.index(named: name) else { throw .unknownMonitor(name, user: user) }
                result.append(index)
            }
            return result
        }
        emergencyMonitors = try monitorIndices(configuration.emergencyMonitors)
        safeMonitors = try monitorIndices(configuration.safeMonitors)
        degradedMonitors = try monitorIndices(configuration.degradedMonitors)
        o2CloseMonitor = configuration.o2ValveCloseMonitor.isEmpty ? nil : try monitorIndices([configuration.o2ValveCloseMonitor]).first
        automaticRows = Self.transitions.filter { $0.trigger == .automatic }
        crewAlarmSlot = actuators.crewAlarm.map(safing.slot(for:))
        scrubberSlots = actuators.scrubberStages.map(safing.slot(for:))
        payloadSlots = actuators.payload.map(safing.slot(for:))
        radioSlot = actuators.radio.map(safing.slot(for:))
        heaterSlots = actuators.nonEssentialHeaters.map(safing.slot(for:))
        o2ValveSlot = actuators.o2Valve.map(safing.slot(for:))
        do {
            // The topology registers `fdir.mode` early, so that life support (built before fault
            // management, whose monitors read its outputs) can read the mode: reuse it then.
            if let existing = try? pool.handle(named: "fdir.mode"), existing.id == configuration.modeParameterID {
                modeHandle = existing
            } else {
                modeHandle = try pool.register(Self.modeParameter(id: configuration.modeParameterID))
            }
        } catch {
            throw .parameter(error)
        }
        // BOOT is valid from the start, not only after the first monitoring cycle: members that run
        // before it in the first second (life support at 10 Hz) must see BOOT, not an unset mode
        // they would take for NOMINAL (a false `o2_sensors_failed` before the first O2 samples).
        pool.set(modeHandle, Double(VehicleMode.boot.rawValue), at: .zero)
    }

    /// The definition of `fdir.mode` (u8, ``VehicleMode`` raw value, starting in BOOT).
    public static func modeParameter(id: ParameterID = ParameterID(0x0500)) -> ParameterDefinition {
        ParameterDefinition(id: id, name: "fdir.mode", unit: "", type: .u8, initialValue: Double(VehicleMode.boot.rawValue))
    }

    // MARK: Inputs

    /// Asks for `mode` on behalf of event-action entry `entry`; taken in this cycle's run if the
    /// table has a request row from the current mode. Several requests in one cycle: the most
    /// severe wins. A request for the current mode re-arms its clear dwell.
    public func request(_ mode: VehicleMode, entry: Int) {
        if let pending = pendingRequest, pending.mode.rawValue >= mode.rawValue { return }
        pendingRequest = (mode, entry)
    }

    /// A telecommanded transition (service 8 function or the mode service), judged on the
    /// conditions of the last cycle and taken at once. Commanding the current mode succeeds and
    /// changes nothing (commanding EMERGENCY in EMERGENCY latches it).
    /// - Throws: ``ModeCommandError``; the refusal is also raised as `mode_command_refused`.
    public func command(_ target: VehicleMode, at time: MonotonicInstant) throws(ModeCommandError) {
        if target == mode {
            if target == .emergency { emergencyLatchedByCommand = true }
            return
        }
        guard let row = Self.transitions.first(where: { $0.trigger == .command && $0.to == target && $0.from.contains(mode) }) else {
            let error = ModeCommandError.notAllowed(from: mode, to: target)
            raiseRefusal(error, target: target, time: time)
            throw error
        }
        if let blocking = blockingCause(row.guardCondition) {
            let error = ModeCommandError.conditionsPersist(from: mode, to: target, cause: blocking)
            raiseRefusal(error, target: target, time: time)
            throw error
        }
        transition(to: target, cause: ModeCause(.command), at: time)
        if target == .emergency { emergencyLatchedByCommand = true }
    }

    private func raiseRefusal(_ error: ModeCommandError, target: VehicleMode, time: MonotonicInstant) {
        var reason = 0.0
        if case .conditionsPersist(_, _, let cause) = error { reason = Double(cause.reason.rawValue) }
        events.raise(
            FlightEvent(
                id: ModeEvents.commandRefused, severity: .low, time: time, a: Double(mode.rawValue),
                b: Double(target.rawValue), c: Double(error.failureCode), d: reason, count: 4))
    }

    /// The condition that keeps a command guard from holding, if any.
    private func blockingCause(_ guardCondition: ModeGuard) -> ModeCause? {
        switch guardCondition {
        case .noEmergencyCondition: return conditions.emergency
        case .noEmergencyOrSafeCondition: return conditions.emergency ?? conditions.safe
        case .noCondition: return conditions.emergency ?? conditions.safe ?? conditions.degraded
        default: return nil
        }
    }

    // MARK: Cycle

    public func run(_ cycle: CycleContext) {
        let time = cycle.time
        if bootStart == nil { bootStart = time }
        conditions = evaluateConditions(at: time)
        if conditions.emergency != nil { emergencyLastActive = time }
        if conditions.degraded != nil { degradedLastActive = time }

        var chosen: (to: VehicleMode, cause: ModeCause)?
        for row in automaticRows where row.from.contains(mode) {
            if let cause = automaticCause(row.guardCondition, at: time) {
                chosen = (row.to, cause)
                break
            }
        }
        if let pending = pendingRequest {
            pendingRequest = nil
            if pending.mode == mode {
                if mode == .emergency { emergencyLastActive = time }
                if mode == .degraded { degradedLastActive = time }
            } else if Self.transitions.contains(where: { $0.trigger == .request && $0.to == pending.mode && $0.from.contains(mode) }),
                chosen.map({ pending.mode.rawValue > $0.to.rawValue }) ?? true
            {
                chosen = (pending.mode, ModeCause(.eventAction, Double(pending.entry)))
            }
        }
        if let chosen { transition(to: chosen.to, cause: chosen.cause, at: time) }
        updateO2Valve()
        pool.set(modeHandle, Double(mode.rawValue), at: time)
    }

    /// The cause if the guard of an automatic row holds.
    private func automaticCause(_ guardCondition: ModeGuard, at time: MonotonicInstant) -> ModeCause? {
        let sinceBoot = time - (bootStart ?? time)
        let bootDone = sinceBoot >= configuration.bootDwell && conditions.inputsValid
        switch guardCondition {
        case .emergencyCondition: return conditions.emergency
        case .safeCondition: return conditions.safe
        case .degradedCondition: return conditions.degraded
        case .emergencyClearForDwell:
            guard !emergencyLatchedByCommand, conditions.emergency == nil,
                time - emergencyLastActive >= configuration.emergencyDwell
            else { return nil }
            return ModeCause(.emergencyCleared, configuration.emergencyDwell.secondsDouble)
        case .degradedClearForDwell:
            guard conditions.degraded == nil, time - degradedLastActive >= configuration.degradedDwell else { return nil }
            return ModeCause(.redundancyRestored, configuration.degradedDwell.secondsDouble)
        case .bootComplete:
            return bootDone && conditions.degraded == nil ? ModeCause(.bootComplete) : nil
        case .bootCompleteDegraded:
            return bootDone ? conditions.degraded : nil
        case .bootTimedOut:
            return !bootDone && sinceBoot >= configuration.bootTimeout ? ModeCause(.bootTimeout, sinceBoot.secondsDouble) : nil
        case .always: return ModeCause(.command)
        case .noEmergencyCondition, .noEmergencyOrSafeCondition, .noCondition: return nil
        }
    }

    private func transition(to target: VehicleMode, cause: ModeCause, at time: MonotonicInstant) {
        let from = mode
        mode = target
        enteredAt = time
        transitionCount += 1
        if target == .emergency { emergencyLastActive = time }
        if target == .degraded { degradedLastActive = time }
        if from == .emergency { emergencyLatchedByCommand = false }
        applyProfile(Self.safingProfile(target))
        updateO2Valve()
        let (id, severity) = ModeEvents.entered(target)
        events.raise(
            FlightEvent(
                id: id, severity: severity, time: time, a: Double(from.rawValue), b: Double(target.rawValue),
                c: Double(cause.reason.rawValue), d: cause.detail, count: 4))
        pool.set(modeHandle, Double(mode.rawValue), at: time)
    }

    private func applyProfile(_ profile: SafingProfile) {
        if let slot = crewAlarmSlot { safing.set(.mode, slot: slot, profile.crewAlarm) }
        for slot in scrubberSlots { safing.set(.mode, slot: slot, profile.scrubberStages) }
        for slot in payloadSlots { safing.set(.mode, slot: slot, profile.payload) }
        if let slot = radioSlot { safing.set(.mode, slot: slot, profile.radio) }
        for slot in heaterSlots { safing.set(.mode, slot: slot, profile.nonEssentialHeaters) }
    }

    /// In EMERGENCY with ppO2 in alarm HIGH (over-enrichment, fire risk) the O2 valve is closed;
    /// otherwise it is left to life support's controller, which injects O2 on ppO2 low and makes
    /// up for a leak.
    private func updateO2Valve() {
        guard let slot = o2ValveSlot else { return }
        var wanted: Bool?
        if mode == .emergency, let monitor = o2CloseMonitor, let monitors, monitors.state(monitor) == .alarmHigh { wanted = false }
        guard wanted != o2ValveRequest else { return }
        o2ValveRequest = wanted
        safing.set(.mode, slot: slot, wanted)
    }

    /// Whether monitor `index` keeps BOOT waiting for its input: it is enabled and still unchecked.
    ///
    /// A rate-of-change monitor stays unchecked until its whole window is filled (the cabin leak
    /// monitor: 60 s), which made boot last the window instead of `boot_dwell` after the slowest
    /// sensor's first sample. Its input is what boot waits for: once the parameter has a sample,
    /// the monitor is counted as ready; it keeps running, and a leak it finds when its window is
    /// full takes the vehicle from NOMINAL to EMERGENCY like any other emergency condition.
    private func awaitsInput(_ monitors: MonitorBank, _ index: Int) -> Bool {
        guard monitors.isEnabled(index), monitors.state(index) == .unchecked else { return false }
        if let definition = monitors.definitions[index], case .rateOfChange = definition.kind {
            return pool[definition.parameter].validity == .unset
        }
        return true
    }

    private func evaluateConditions(at time: MonotonicInstant) -> ModeConditions {
        var result = ModeConditions(inputsValid: true)
        if let monitors {
            for index in emergencyMonitors where result.emergency == nil && monitors.state(index).isAlarm {
                result.emergency = ModeCause(.emergencyMonitor, Double(index))
            }
            for index in emergencyMonitors where awaitsInput(monitors, index) { result.inputsValid = false }
        }
        if let batteryHandle {
            let sample = pool[batteryHandle]
            if sample.validity == .valid, sample.value < configuration.batteryCriticalSoCPercent {
                result.safe = ModeCause(.batteryCritical, sample.value)
            }
            if sample.validity == .unset { result.inputsValid = false }
        }
        if let trackingHandle {
            let tracking = (pool.value(trackingHandle) ?? 0) != 0
            if tracking {
                notTrackingSince = nil
            } else if notTrackingSince == nil {
                notTrackingSince = time
            }
            if result.safe == nil, let since = notTrackingSince, time - since > configuration.attitudeLostAfter,
                gyroHandle.map({ pool[$0].validity != .valid }) ?? true
            {
                result.safe = ModeCause(.attitudeLost, (time - since).secondsDouble)
            }
        }
        for device in healthHandles.indices {
            let sample = pool[healthHandles[device]]
            if sample.validity == .unset { result.inputsValid = false }
            guard sample.validity == .valid else { continue }
            if sample.value >= 2 {
                if criticalDevice[device] {
                    if result.safe == nil { result.safe = ModeCause(.criticalDeviceFailed, Double(device)) }
                } else if result.degraded == nil {
                    result.degraded = ModeCause(.deviceFailed, Double(device))
                }
            } else if sample.value >= 1, result.degraded == nil {
                result.degraded = ModeCause(.redundancyLost, Double(device))
            }
        }
        if let o2StatusHandle {
            let sample = pool[o2StatusHandle]
            if sample.validity == .unset { result.inputsValid = false }
            if result.degraded == nil, sample.validity == .valid, sample.value >= 1 {
                result.degraded = ModeCause(.o2SensorDegraded, sample.value)
            }
        }
        if let monitors {
            for index in safeMonitors {
                if result.safe == nil, monitors.state(index).isAlarm { result.safe = ModeCause(.safeMonitor, Double(index)) }
                if awaitsInput(monitors, index) { result.inputsValid = false }
            }
            for index in degradedMonitors {
                let state = monitors.state(index)
                if result.degraded == nil, state != .unchecked, state != .nominal { result.degraded = ModeCause(.degradedMonitor, Double(index)) }
                if awaitsInput(monitors, index) { result.inputsValid = false }
            }
        }
        return result
    }
}
