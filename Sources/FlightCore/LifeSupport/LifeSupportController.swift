import HAL

/// Cabin life support, run at 10 Hz: oxygen partial pressure, CO2 removal, air temperature, and
/// the cabin's pressure and humidity as derived parameters.
///
/// Every cycle it reads its inputs from the pool (names from ``Configuration``), requests
/// actuator states with ``ActuatorSource/controller`` priority, publishes derived parameters and
/// raises events on transitions:
///
/// - **Oxygen**: the two sensors are voted (``OxygenSensorVote``); the injection valve is held in
///   a hysteresis band with minimum on/off times (``OxygenValveLogic``). With both sensors failed
///   the valve is commanded closed at once: injecting oxygen without knowing ppO2 risks an
///   oxygen-enriched, flammable cabin, while a closed valve only lets ppO2 fall slowly (hours in a
///   cabin of any size) — time for the crew and the ground to act.
/// - **CO2**: the partial pressure ppCO2 = CO2 mole fraction × cabin pressure (NASA-STD-3001
///   Volume 2 states its limit, [V2 6004], as a partial pressure: 3 mmHg = 0.40 kPa) drives
///   scrubber fan stages with hysteresis (``ScrubberStaging``), one channel per stage, and a
///   warning and an alarm; with ppCO2 invalid, the highest stage. With the cabin pressure
///   invalid, ppCO2 uses the last valid cabin pressure (it changes over minutes even in a leak,
///   and the pressure input's loss is reported as an event); with no valid pressure yet, ppCO2
///   is invalid.
/// - **Temperature**: a PI controller with anti-windup (``PIController``), its duty
///   time-proportioned on the heater (``TimeProportioner``); with temperature invalid, heater off.
///   The integral is frozen while a higher-priority source owns the heater, so control resumes
///   without a bump when it is released.
///
/// By mode (parameter `fdir.mode`):
/// - BOOT: no requests at all (every channel in its safe state: valve closed, fans and heater
///   as their channels define), state reset, derived parameters still published, no events.
/// - NOMINAL, DEGRADED, SAFE, EMERGENCY: full control. Life support is what keeps a crew alive,
///   so safe modes do not stop it; the mode machine's safing requests (a higher
///   ``ActuatorSource``) override individual channels — e.g. valve closed and fans off on fire —
///   and life support keeps computing so it resumes seamlessly when they are released.
/// - mode unknown or invalid, or no mode parameter configured (`mode_parameter = ""`): as NOMINAL.
///
/// Parameters (IDs relative to ``Configuration/parameterIDBase``, default 0x0200):
///
/// | offset | name | unit | type | |
/// |---|---|---|---|---|
/// | +0x00 | `ls.ppo2_kpa` | kPa | f32 | voted ppO2 (invalid when both sensors are) |
/// | +0x01 | `ls.o2_sensor_status` | – | u8 | ``OxygenSensorVote/Status`` |
/// | +0x02 | `ls.o2_valve_cmd` | – | bool | the controller's valve request |
/// | +0x03 | `ls.o2_fraction_pct` | % | f32 | ppO2 / cabin pressure |
/// | +0x04 | `ls.scrubber_stage` | – | u8 | 0 = off … number of stages |
/// | +0x05 | `ls.co2_alarm` | – | bool | ppCO2 above the alarm level |
/// | +0x06 | `ls.heater_duty` | 0…1 | f32 | PI output |
/// | +0x07 | `ls.heater_cmd` | – | bool | the controller's heater request |
/// | +0x08 | `ls.cabin_pressure_kpa` | kPa | f32 | |
/// | +0x09 | `ls.cabin_humidity_pct` | % | f32 | |
/// | +0x0A | `ls.ppco2_kpa` | kPa | f32 | CO2 partial pressure (ppm × cabin pressure) |
/// | +0x0B | `ls.co2_warning` | – | bool | ppCO2 above the warning level |
/// | +0x20 | `ls.ppo2_low_kpa` | kPa | f32, tunable 17…23 | valve opens below |
/// | +0x21 | `ls.ppo2_high_kpa` | kPa | f32, tunable 18…23.5 | valve closes above |
/// | +0x22 | `ls.temp_setpoint_c` | °C | f32, tunable 16…28 | |
/// | +0x23 | `ls.heater_kp` | 1/°C | f32, tunable 0…10 | |
/// | +0x24 | `ls.heater_ki` | 1/(°C·s) | f32, tunable 0…1 | |
/// | +0x25 | `ls.co2_alarm_kpa` | kPa | f32, tunable 0.05…2 | |
/// | +0x26 | `ls.co2_alarm_clear_kpa` | kPa | f32, tunable 0.05…2 | |
/// | +0x27 | `ls.co2_warning_kpa` | kPa | f32, tunable 0.05…2 | |
/// | +0x28 | `ls.co2_warning_clear_kpa` | kPa | f32, tunable 0.05…2 | |
/// | +0x30+2k | `ls.co2_stage<k+1>_on_kpa` | kPa | f32, tunable 0.05…2 | |
/// | +0x31+2k | `ls.co2_stage<k+1>_off_kpa` | kPa | f32, tunable 0.05…2 | |
///
/// - Warning: Runs on the executive's thread like the pool it uses.
public final class LifeSupportController: RateGroupMember {
    public let name: String
    public let configuration: Configuration

    /// The oxygen injection valve.
    public let oxygenValve: ActuatorChannel
    /// The scrubber fan channels, lowest stage first.
    public let scrubberChannels: [ActuatorChannel]
    /// The cabin heater.
    public let heater: ActuatorChannel
    /// Every channel life support drives (to be protected from load shedding).
    public var drivenChannels: [ActuatorChannel] { [oxygenValve] + scrubberChannels + [heater] }

    /// Handles of the derived parameters, for other components and tests.
    public struct Outputs: Sendable {
        public let ppo2: ParameterHandle
        public let oxygenSensorStatus: ParameterHandle
        public let oxygenValveCommand: ParameterHandle
        public let oxygenFraction: ParameterHandle
        public let scrubberStage: ParameterHandle
        public let co2Alarm: ParameterHandle
        public let heaterDuty: ParameterHandle
        public let heaterCommand: ParameterHandle
        public let cabinPressure: ParameterHandle
        public let cabinHumidity: ParameterHandle
        public let carbonDioxidePartialPressure: ParameterHandle
        public let co2Warning: ParameterHandle
    }

    /// Handles of the tunable parameters.
    public struct Tunables: Sendable {
        public let ppo2Low: ParameterHandle
        public let ppo2High: ParameterHandle
        public let temperatureSetpoint: ParameterHandle
        public let heaterProportionalGain: ParameterHandle
        public let heaterIntegralGain: ParameterHandle
        public let co2Alarm: ParameterHandle
        public let co2AlarmClear: ParameterHandle
        public let co2Warning: ParameterHandle
        public let co2WarningClear: ParameterHandle
        public let scrubberStageOn: [ParameterHandle]
        public let scrubberStageOff: [ParameterHandle]
    }

    public let outputs: Outputs
    public let tunables: Tunables

    private let pool: ParameterPool
    private let events: any EventSink
    private let ppo2A: ParameterHandle
    private let ppo2B: ParameterHandle
    private let co2: ParameterHandle
    private let temperature: ParameterHandle
    private let pressure: ParameterHandle
    private let humidity: ParameterHandle
    private let mode: ParameterHandle?

    private var vote: OxygenSensorVote
    private var valve: OxygenValveLogic
    private var scrubber = ScrubberStaging()
    private var heaterLaw: PIController
    private var proportioner: TimeProportioner
    private var stageOn: [Double]
    private var stageOff: [Double]

    // What the ground has been told, for raising events on transitions only.
    private var reportedOxygenStatus = OxygenSensorVote.Status.nominal
    private var reportedOxygenSource = OxygenSensorVote.Source.mean
    private var reportedStage = 0
    private var reportedAlarm = false
    private var reportedWarning = false
    /// The last valid cabin pressure (Pa), for ppCO2 while the pressure input is invalid.
    private var lastCabinPressure: Double?
    private var reportedInputValid: (co2: Bool, temperature: Bool, pressure: Bool, humidity: Bool) = (true, true, true, true)

    /// Builds life support: resolves its inputs and channels, registers its parameters.
    ///
    /// - Parameters:
    ///   - channels: the vehicle's actuator channels; those named by the configuration are used.
    ///   - pool: must already hold the input parameters (samplers and the mode machine register first).
    /// - Throws: ``ControlSetupError`` for an unknown input or channel, a parameter ID or name
    ///   already taken, or an inconsistent configuration.
    public init(
        name: String = "life-support", configuration: Configuration, pool: ParameterPool,
        channels: [ActuatorChannel], events: any EventSink
    ) throws(ControlSetupError) {
        do {
            try configuration.validate()
        } catch {
            throw .configuration(error)
        }
        self.name = name
        self.configuration = configuration
        self.pool = pool
        self.events = events

        ppo2A = try ControlSetup.input(pool, key: "ppo2_a_parameter", name: configuration.ppo2AParameter)
        ppo2B = try ControlSetup.input(pool, key: "ppo2_b_parameter", name: configuration.ppo2BParameter)
        co2 = try ControlSetup.input(pool, key: "co2_parameter", name: configuration.co2Parameter)
        temperature = try ControlSetup.input(pool, key: "temperature_parameter", name: configuration.temperatureParameter)
        pressure = try ControlSetup.input(pool, key: "pressure_parameter", name: configuration.pressureParameter)
        humidity = try ControlSetup.input(pool, key: "humidity_parameter", name: configuration.humidityParameter)
        mode =
            configuration.modeParameter.isEmpty
            ? nil
            : try ControlSetup.input(pool, key: "mode_parameter", name: configuration.modeParameter)

        oxygenValve = try ControlSetup.channel(channels, key: "o2_valve_channel", name: configuration.oxygenValveChannel)
        var scrubberChannels: [ActuatorChannel] = []
        for channelName in configuration.scrubberChannels {
            scrubberChannels.append(try ControlSetup.channel(channels, key: "scrubber_channels", name: channelName))
        }
        self.scrubberChannels = scrubberChannels
        heater = try ControlSetup.channel(channels, key: "heater_channel", name: configuration.heaterChannel)

        let base = configuration.parameterIDBase
        let block = ControlSetup.ParameterBlock(pool: pool, base: base)
        outputs = Outputs(
            ppo2: try block.derived(0x00, "ls.ppo2_kpa", "kPa", .f32),
            oxygenSensorStatus: try block.derived(0x01, "ls.o2_sensor_status", "", .u8),
            oxygenValveCommand: try block.derived(0x02, "ls.o2_valve_cmd", "", .bool),
            oxygenFraction: try block.derived(0x03, "ls.o2_fraction_pct", "%", .f32),
            scrubberStage: try block.derived(0x04, "ls.scrubber_stage", "", .u8),
            co2Alarm: try block.derived(0x05, "ls.co2_alarm", "", .bool),
            heaterDuty: try block.derived(0x06, "ls.heater_duty", "", .f32),
            heaterCommand: try block.derived(0x07, "ls.heater_cmd", "", .bool),
            cabinPressure: try block.derived(0x08, "ls.cabin_pressure_kpa", "kPa", .f32),
            cabinHumidity: try block.derived(0x09, "ls.cabin_humidity_pct", "%", .f32),
            carbonDioxidePartialPressure: try block.derived(0x0A, "ls.ppco2_kpa", "kPa", .f32),
            co2Warning: try block.derived(0x0B, "ls.co2_warning", "", .bool)
        )
        typealias C = Configuration
        var stageOnHandles: [ParameterHandle] = []
        var stageOffHandles: [ParameterHandle] = []
        for stage in configuration.scrubberStageOnKPa.indices {
            stageOnHandles.append(
                try block.tunable(
                    0x30 + 2 * stage, "ls.co2_stage\(stage + 1)_on_kpa", "kPa", C.co2ThresholdRange,
                    configuration.scrubberStageOnKPa[stage]))
            stageOffHandles.append(
                try block.tunable(
                    0x31 + 2 * stage, "ls.co2_stage\(stage + 1)_off_kpa", "kPa", C.co2ThresholdRange,
                    configuration.scrubberStageOffKPa[stage]))
        }
        tunables = Tunables(
            ppo2Low: try block.tunable(0x20, "ls.ppo2_low_kpa", "kPa", C.ppo2LowRange, configuration.ppo2LowKPa),
            ppo2High: try block.tunable(0x21, "ls.ppo2_high_kpa", "kPa", C.ppo2HighRange, configuration.ppo2HighKPa),
            temperatureSetpoint: try block.tunable(0x22, "ls.temp_setpoint_c", "°C", C.temperatureSetpointRange, configuration.temperatureSetpointC),
            heaterProportionalGain: try block.tunable(0x23, "ls.heater_kp", "1/°C", C.heaterProportionalRange, configuration.heaterProportionalGain),
            heaterIntegralGain: try block.tunable(0x24, "ls.heater_ki", "1/(°C·s)", C.heaterIntegralRange, configuration.heaterIntegralGain),
            co2Alarm: try block.tunable(0x25, "ls.co2_alarm_kpa", "kPa", C.co2ThresholdRange, configuration.co2AlarmKPa),
            co2AlarmClear: try block.tunable(0x26, "ls.co2_alarm_clear_kpa", "kPa", C.co2ThresholdRange, configuration.co2AlarmClearKPa),
            co2Warning: try block.tunable(0x27, "ls.co2_warning_kpa", "kPa", C.co2ThresholdRange, configuration.co2WarningKPa),
            co2WarningClear: try block.tunable(0x28, "ls.co2_warning_clear_kpa", "kPa", C.co2ThresholdRange, configuration.co2WarningClearKPa),
            scrubberStageOn: stageOnHandles,
            scrubberStageOff: stageOffHandles
        )
        // The cross-checks of the configuration, kept by every TC[20,3] as well.
        block.below(tunables.ppo2Low, tunables.ppo2High)
        block.below(tunables.co2AlarmClear, tunables.co2Alarm)
        block.below(tunables.co2WarningClear, tunables.co2Warning)
        block.below(tunables.co2Warning, tunables.co2Alarm)
        for stage in stageOnHandles.indices {
            block.below(stageOffHandles[stage], stageOnHandles[stage])
            if stage > 0 {
                block.below(stageOnHandles[stage - 1], stageOnHandles[stage])
                block.below(stageOffHandles[stage - 1], stageOffHandles[stage])
            }
        }

        vote = OxygenSensorVote(
            agreementKPa: configuration.sensorAgreementKPa,
            plausibleKPa: configuration.plausibleMinimumKPa...configuration.plausibleMaximumKPa)
        valve = OxygenValveLogic(minimumOnTime: configuration.valveMinimumOnTime, minimumOffTime: configuration.valveMinimumOffTime)
        heaterLaw = PIController(proportionalGain: configuration.heaterProportionalGain, integralGain: configuration.heaterIntegralGain)
        proportioner = TimeProportioner(window: configuration.heaterWindow)
        stageOn = configuration.scrubberStageOnKPa
        stageOff = configuration.scrubberStageOffKPa
    }

    /// The PI controller's state, for telemetry and tests.
    public var heaterIntegral: Double { heaterLaw.integral }

    // MARK: - Cycle

    public func run(_ cycle: CycleContext) {
        let time = cycle.time
        let active = currentMode != .boot
        runOxygen(at: time, active: active)
        runCarbonDioxide(at: time, active: active)
        runTemperature(cycle, active: active)
        runCabinAir(at: time, active: active)
    }

    private var currentMode: VehicleMode {
        guard let mode, let raw = pool.value(mode), raw >= 0, raw <= 255, let mode = VehicleMode(rawValue: UInt8(raw)) else { return .nominal }
        return mode
    }

    /// Raises `raised` when a CO2 level (warning or alarm) is entered and `cleared` when it is
    /// left, with the reading and the threshold crossed.
    private func reportLevel(
        _ active: Bool, reported: inout Bool, raised: (EventID, EventSeverity, ParameterHandle),
        cleared: (EventID, ParameterHandle), reading: Double?, at time: MonotonicInstant
    ) {
        guard active != reported else { return }
        reported = active
        let (id, severity, threshold) = active ? raised : (cleared.0, .informative, cleared.1)
        events.raise(FlightEvent(id: id, severity: severity, time: time, a: reading ?? .nan, b: pool[threshold].value, count: 2))
    }

    private func runOxygen(at time: MonotonicInstant, active: Bool) {
        let outcome = vote.vote(pool.value(ppo2A), pool.value(ppo2B))
        if let value = outcome.value {
            pool.set(outputs.ppo2, value, at: time)
        } else {
            pool.invalidate(outputs.ppo2, at: time)
        }
        pool.set(outputs.oxygenSensorStatus, Double(outcome.status.rawValue), at: time)
        if let value = outcome.value, let cabin = pool.value(pressure), cabin > 0 {
            pool.set(outputs.oxygenFraction, 100 * value * 1000 / cabin, at: time)
        } else {
            pool.invalidate(outputs.oxygenFraction, at: time)
        }

        guard active else {
            valve.reset()
            oxygenValve.request(.controller, nil)
            pool.set(outputs.oxygenValveCommand, 0, at: time)
            return
        }
        let open = valve.update(ppo2: outcome.value, low: pool[tunables.ppo2Low].value, high: pool[tunables.ppo2High].value, at: time)
        oxygenValve.request(.controller, open)
        pool.set(outputs.oxygenValveCommand, open ? 1 : 0, at: time)
        reportOxygen(outcome, at: time)
    }

    private func reportOxygen(_ outcome: OxygenSensorVote.Outcome, at time: MonotonicInstant) {
        let changed =
            outcome.status != reportedOxygenStatus
            || (outcome.status == .degraded && outcome.source != reportedOxygenSource)
        guard changed else { return }
        reportedOxygenStatus = outcome.status
        reportedOxygenSource = outcome.source
        switch outcome.status {
        case .nominal:
            events.raise(
                FlightEvent(
                    id: LifeSupportEvents.o2SensorsNominal, severity: .informative, time: time,
                    a: outcome.value ?? .nan, count: 1))
        case .disagreement:
            events.raise(
                FlightEvent(
                    id: LifeSupportEvents.o2SensorsDisagree, severity: .low, time: time,
                    a: pool[ppo2A].value, b: pool[ppo2B].value,
                    c: outcome.source == .sensorA ? 1 : 2, count: 3))
        case .degraded:
            events.raise(
                FlightEvent(
                    id: LifeSupportEvents.o2SensorDegraded, severity: .medium, time: time,
                    a: outcome.source == .sensorA ? 2 : 1, b: outcome.value ?? .nan, count: 2))
        case .failed:
            events.raise(
                FlightEvent(
                    id: LifeSupportEvents.o2SensorsFailed, severity: .high, time: time,
                    a: vote.lastVoted ?? .nan, count: 1))
        }
    }

    /// ppCO2 (kPa) from the CO2 mole fraction (ppm) and the cabin pressure (Pa), or `nil`.
    private func carbonDioxidePartialPressure() -> Double? {
        if let cabin = pool.value(pressure), cabin > 0 { lastCabinPressure = cabin }
        guard let ppm = pool.value(co2), let cabin = lastCabinPressure else { return nil }
        return ppm * 1e-6 * cabin / 1000
    }

    private func runCarbonDioxide(at time: MonotonicInstant, active: Bool) {
        for index in stageOn.indices {
            stageOn[index] = pool[tunables.scrubberStageOn[index]].value
            stageOff[index] = pool[tunables.scrubberStageOff[index]].value
        }
        let reading = carbonDioxidePartialPressure()
        if let reading {
            pool.set(outputs.carbonDioxidePartialPressure, reading, at: time)
        } else {
            pool.invalidate(outputs.carbonDioxidePartialPressure, at: time)
        }
        let stage = scrubber.update(co2: reading, on: stageOn, off: stageOff)
        _ = scrubber.updateWarning(co2: reading, level: pool[tunables.co2Warning].value, clear: pool[tunables.co2WarningClear].value)
        _ = scrubber.updateAlarm(co2: reading, level: pool[tunables.co2Alarm].value, clear: pool[tunables.co2AlarmClear].value)
        pool.set(outputs.scrubberStage, Double(stage), at: time)
        pool.set(outputs.co2Warning, scrubber.warning ? 1 : 0, at: time)
        pool.set(outputs.co2Alarm, scrubber.alarm ? 1 : 0, at: time)

        guard active else {
            for channel in scrubberChannels { channel.request(.controller, nil) }
            reportedStage = stage
            return
        }
        for index in scrubberChannels.indices {
            scrubberChannels[index].request(.controller, configuration.scrubberMapping.isOn(channel: index, stage: stage))
        }
        if stage != reportedStage {
            events.raise(
                FlightEvent(
                    id: LifeSupportEvents.scrubberStageChanged, severity: .informative, time: time,
                    a: Double(reportedStage), b: Double(stage), c: reading ?? .nan, count: 3))
            reportedStage = stage
        }
        reportLevel(
            scrubber.warning, reported: &reportedWarning, raised: (LifeSupportEvents.co2Warning, .medium, tunables.co2Warning),
            cleared: (LifeSupportEvents.co2WarningCleared, tunables.co2WarningClear), reading: reading, at: time)
        reportLevel(
            scrubber.alarm, reported: &reportedAlarm, raised: (LifeSupportEvents.co2Alarm, .high, tunables.co2Alarm),
            cleared: (LifeSupportEvents.co2AlarmCleared, tunables.co2AlarmClear), reading: reading, at: time)
        reportInput(.co2, handle: co2, reported: &reportedInputValid.co2, at: time)
    }

    private func runTemperature(_ cycle: CycleContext, active: Bool) {
        let time = cycle.time
        guard active else {
            heaterLaw.reset()
            proportioner.reset()
            heater.request(.controller, nil)
            pool.set(outputs.heaterDuty, 0, at: time)
            pool.set(outputs.heaterCommand, 0, at: time)
            return
        }
        let on: Bool
        if let measured = pool.value(temperature) {
            heaterLaw.proportionalGain = pool[tunables.heaterProportionalGain].value
            heaterLaw.integralGain = pool[tunables.heaterIntegralGain].value
            // Integrate only while this law's request is what the heater gets.
            let owned =
                heater.requested(by: .loadShedding) == nil && heater.requested(by: .command) == nil
                && heater.requested(by: .safing) == nil
            let duty = heaterLaw.update(
                setpoint: pool[tunables.temperatureSetpoint].value, measurement: measured,
                dt: cycle.dt, integrate: owned)
            on = proportioner.output(duty: duty, at: time)
            pool.set(outputs.heaterDuty, duty, at: time)
        } else {
            proportioner.reset()
            on = false
            pool.set(outputs.heaterDuty, 0, at: time)
        }
        heater.request(.controller, on)
        pool.set(outputs.heaterCommand, on ? 1 : 0, at: time)
        reportInput(.temperature, handle: temperature, reported: &reportedInputValid.temperature, at: time)
    }

    private func runCabinAir(at time: MonotonicInstant, active: Bool) {
        if let value = pool.value(pressure) {
            pool.set(outputs.cabinPressure, value / 1000, at: time)
        } else {
            pool.invalidate(outputs.cabinPressure, at: time)
        }
        if let value = pool.value(humidity) {
            pool.set(outputs.cabinHumidity, value, at: time)
        } else {
            pool.invalidate(outputs.cabinHumidity, at: time)
        }
        guard active else { return }
        reportInput(.pressure, handle: pressure, reported: &reportedInputValid.pressure, at: time)
        reportInput(.humidity, handle: humidity, reported: &reportedInputValid.humidity, at: time)
    }

    /// Raises an event when an input's validity changes (a never-set input is not reported:
    /// device health reports devices that never come up).
    private func reportInput(_ input: LifeSupportEvents.Input, handle: ParameterHandle, reported: inout Bool, at time: MonotonicInstant) {
        let validity = pool[handle].validity
        guard validity != .unset else { return }
        let valid = validity == .valid
        guard valid != reported else { return }
        reported = valid
        events.raise(
            FlightEvent(
                id: valid ? LifeSupportEvents.inputRestored : LifeSupportEvents.inputInvalid,
                severity: valid ? .informative : .medium, time: time, a: Double(input.rawValue), count: 1))
    }
}
