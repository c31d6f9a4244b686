import HAL

/// Electrical power management, run at 10 Hz: battery state of charge, solar array and eclipse,
/// load shedding.
///
/// - **State of charge**: ``StateOfChargeEstimator`` on the battery current (positive =
///   charging, after ``Configuration/currentSign``) and pack voltage. Invalid current → SoC held,
///   `power.soc_status` = 1 and an event.
/// - **Solar array**: array power (from the array sensor, or the MPPT's PV power when that is not
///   valid), the MPPT charging state passed through, eclipse by ``EclipseDetector``.
/// - **Load shedding**: ``LoadShedder`` over the configured loads, requests with
///   ``ActuatorSource/loadShedding`` priority — a shed load is requested off (or cycled for a
///   duty-cycled one), a restored one has its request cleared, leaving it to the controllers and
///   commands below. An operator's command still outranks shedding. With the SoC unknown the
///   shed state is held. Life-support channels can never be shed: the configuration rejects
///   them, and so does this initializer (by identity, against the channels handed in as
///   protected).
///
/// Power runs the same in every vehicle mode (the battery is indifferent to modes); the mode
/// machine's safing requests outrank shedding anyway.
///
/// Parameters (IDs relative to ``Configuration/parameterIDBase``, default 0x0300):
///
/// | offset | name | unit | type | |
/// |---|---|---|---|---|
/// | +0x00 | `power.battery_soc_pct` | % | f32 | invalid until initialised |
/// | +0x01 | `power.soc_status` | – | u8 | 0 counting, 1 held (current invalid), 2 not initialised |
/// | +0x02 | `power.battery_current_a` | A | f32 | + = charging |
/// | +0x03 | `power.battery_voltage_v` | V | f32 | |
/// | +0x04 | `power.battery_charge_ah` | Ah | f32 | SoC × capacity |
/// | +0x05 | `power.battery_at_rest` | – | bool | |
/// | +0x06 | `power.array_power_w` | W | f32 | |
/// | +0x07 | `power.charging_state` | – | u8 | MPPT code, passed through |
/// | +0x08 | `power.eclipse` | – | bool | invalid until known |
/// | +0x09 | `power.shed_level` | – | u8 | loads shed (the first `n` of the list) |
/// | +0x20 | `power.shed_hysteresis_pct` | % | f32, tunable 0.5…25 | |
/// | +0x21 | `power.eclipse_power_w` | W | f32, tunable 0…10000 | |
/// | +0x30+k | `power.shed_<name>_soc_pct` | % | f32, tunable 0…100 | load `k`'s threshold |
public final class PowerController: RateGroupMember {
    public let name: String
    public let configuration: Configuration
    /// The loads' channels, in shed order.
    public let loadChannels: [ActuatorChannel]

    public struct Outputs: Sendable {
        public let stateOfCharge: ParameterHandle
        public let stateOfChargeStatus: ParameterHandle
        public let batteryCurrent: ParameterHandle
        public let batteryVoltage: ParameterHandle
        public let batteryCharge: ParameterHandle
        public let batteryAtRest: ParameterHandle
        public let arrayPower: ParameterHandle
        public let chargingState: ParameterHandle
        public let eclipse: ParameterHandle
        public let shedLevel: ParameterHandle
    }

    public struct Tunables: Sendable {
        public let shedHysteresis: ParameterHandle
        public let eclipsePower: ParameterHandle
        /// One per load, in shed order.
        public let shedThresholds: [ParameterHandle]
    }

    /// `power.soc_status` values.
    public enum StateOfChargeStatus: UInt8, Sendable {
        case counting = 0
        case held = 1
        case notInitialized = 2
    }

    public let outputs: Outputs
    public let tunables: Tunables

    private let pool: ParameterPool
    private let events: any EventSink
    private let batteryCurrent: ParameterHandle
    private let batteryVoltage: ParameterHandle
    private let arrayPower: ParameterHandle
    private let mpptPower: ParameterHandle?
    private let mpptChargingState: ParameterHandle?

    private var estimator: StateOfChargeEstimator
    private var eclipse: EclipseDetector
    private var shedder: LoadShedder
    private var thresholds: [Double]
    /// When each load was shed (the phase reference of duty cycling).
    private var shedSince: [MonotonicInstant]
    private var reportedStatus = StateOfChargeStatus.counting

    /// Builds power management: resolves inputs and channels, registers its parameters.
    ///
    /// - Parameters:
    ///   - channels: the vehicle's actuator channels; the loads' are looked up by name.
    ///   - protectedChannels: channels that must never be shed (life support's
    ///     ``LifeSupportController/drivenChannels``).
    /// - Throws: ``ControlSetupError``: ``ControlSetupError/protectedChannel(name:)`` if a load's
    ///   channel is protected; unknown inputs or channels; registration conflicts; bad values.
    public init(
        name: String = "power", configuration: Configuration, pool: ParameterPool, channels: [ActuatorChannel],
        protectedChannels: [ActuatorChannel], events: any EventSink
    ) throws(ControlSetupError) {
        do {
            try configuration.validate(lifeSupportChannels: protectedChannels.map(\.name))
        } catch {
            if let load = configuration.loads.first(where: { load in protectedChannels.contains { $0.name == load.channel } }) {
                throw .protectedChannel(name: load.channel)
            }
            throw .configuration(error)
        }
        self.name = name
        self.configuration = configuration
        self.pool = pool
        self.events = events

        batteryCurrent = try ControlSetup.input(pool, key: "battery_current_parameter", name: configuration.batteryCurrentParameter)
        batteryVoltage = try ControlSetup.input(pool, key: "battery_voltage_parameter", name: configuration.batteryVoltageParameter)
        arrayPower = try ControlSetup.input(pool, key: "array_power_parameter", name: configuration.arrayPowerParameter)
        mpptPower =
            configuration.mpptPowerParameter.isEmpty
            ? nil
            : try ControlSetup.input(pool, key: "mppt_power_parameter", name: configuration.mpptPowerParameter)
        mpptChargingState =
            configuration.mpptChargingStateParameter.isEmpty
            ? nil
            : try ControlSetup.input(pool, key: "mppt_charging_state_parameter", name: configuration.mpptChargingStateParameter)

        var loadChannels: [ActuatorChannel] = []
        for load in configuration.loads {
            let channel = try ControlSetup.channel(channels, key: "shed_load", name: load.channel)
            guard !protectedChannels.contains(where: { $0 === channel }) else { throw .protectedChannel(name: load.channel) }
            loadChannels.append(channel)
        }
        self.loadChannels = loadChannels

        let base = configuration.parameterIDBase
        let block = ControlSetup.ParameterBlock(pool: pool, base: base)
        outputs = Outputs(
            stateOfCharge: try block.derived(0x00, "power.battery_soc_pct", "%", .f32),
            stateOfChargeStatus: try block.derived(0x01, "power.soc_status", "", .u8),
            batteryCurrent: try block.derived(0x02, "power.battery_current_a", "A", .f32),
            batteryVoltage: try block.derived(0x03, "power.battery_voltage_v", "V", .f32),
            batteryCharge: try block.derived(0x04, "power.battery_charge_ah", "Ah", .f32),
            batteryAtRest: try block.derived(0x05, "power.battery_at_rest", "", .bool),
            arrayPower: try block.derived(0x06, "power.array_power_w", "W", .f32),
            chargingState: try block.derived(0x07, "power.charging_state", "", .u8),
            eclipse: try block.derived(0x08, "power.eclipse", "", .bool),
            shedLevel: try block.derived(0x09, "power.shed_level", "", .u8)
        )
        typealias C = Configuration
        var thresholdHandles: [ParameterHandle] = []
        for (index, load) in configuration.loads.enumerated() {
            thresholdHandles.append(try block.tunable(0x30 + index, "power.shed_\(load.name)_soc_pct", "%", C.socRange, load.shedBelowSoC))
        }
        tunables = Tunables(
            shedHysteresis: try block.tunable(0x20, "power.shed_hysteresis_pct", "%", C.hysteresisRange, configuration.shedHysteresis),
            eclipsePower: try block.tunable(0x21, "power.eclipse_power_w", "W", C.eclipsePowerRange, configuration.eclipsePowerThreshold),
            shedThresholds: thresholdHandles
        )

        estimator = StateOfChargeEstimator(
            capacityAh: configuration.capacityAh, chargeEfficiency: configuration.chargeEfficiency,
            curve: configuration.openCircuitVoltage, cellsInSeries: configuration.cellsInSeries,
            restCurrent: configuration.restCurrent, restDuration: configuration.restDuration,
            initialSoC: configuration.initialSoC)
        eclipse = EclipseDetector(entryTime: configuration.eclipseEntryTime, exitTime: configuration.eclipseExitTime)
        shedder = LoadShedder(count: configuration.loads.count)
        thresholds = configuration.loads.map(\.shedBelowSoC)
        shedSince = Array(repeating: .zero, count: configuration.loads.count)
    }

    /// The current state-of-charge estimate (%), if initialised.
    public var stateOfCharge: Double? { estimator.socPercent }

    /// Starts from a state-of-charge estimate kept across a restart (%).
    /// - Warning: Before the executive starts.
    public func restoreStateOfCharge(_ percent: Double) { estimator.restore(soc: percent) }
    /// Loads `0..<shedLevel` are shed.
    public var shedLevel: Int { shedder.level }

    // MARK: - Cycle

    public func run(_ cycle: CycleContext) {
        let time = cycle.time
        runBattery(cycle)
        runSolarArray(at: time)
        runLoadShedding(at: time)
    }

    private func runBattery(_ cycle: CycleContext) {
        let time = cycle.time
        let current = pool.value(batteryCurrent).map { $0 * configuration.currentSign }
        let voltage = pool.value(batteryVoltage)
        if let current { pool.set(outputs.batteryCurrent, current, at: time) } else { pool.invalidate(outputs.batteryCurrent, at: time) }
        if let voltage { pool.set(outputs.batteryVoltage, voltage, at: time) } else { pool.invalidate(outputs.batteryVoltage, at: time) }

        let outcome = estimator.update(current: current, voltage: voltage, dt: cycle.dt, at: time)
        switch outcome {
        case .initialized(let soc):
            events.raise(FlightEvent(id: PowerEvents.socInitialized, severity: .informative, time: time, a: soc, b: voltage ?? .nan, count: 2))
        case .restCorrected(let from, let to):
            events.raise(
                FlightEvent(
                    id: PowerEvents.socRestCorrected, severity: .informative, time: time,
                    a: from, b: to, c: voltage ?? .nan, count: 3))
        case .counted, .held:
            break
        }

        let status: StateOfChargeStatus
        if estimator.socPercent == nil {
            status = .notInitialized
        } else if case .held = outcome {
            status = .held
        } else {
            status = .counting
        }
        if status != reportedStatus {
            if status == .held {
                events.raise(FlightEvent(id: PowerEvents.socHeld, severity: .medium, time: time, a: estimator.socPercent ?? .nan, count: 1))
            } else if reportedStatus == .held, status == .counting {
                events.raise(FlightEvent(id: PowerEvents.socResumed, severity: .informative, time: time, a: estimator.socPercent ?? .nan, count: 1))
            }
            reportedStatus = status
        }
        pool.set(outputs.stateOfChargeStatus, Double(status.rawValue), at: time)
        if let soc = estimator.socPercent {
            pool.set(outputs.stateOfCharge, soc, at: time)
            pool.set(outputs.batteryCharge, soc / 100 * configuration.capacityAh, at: time)
        } else {
            pool.invalidate(outputs.stateOfCharge, at: time)
            pool.invalidate(outputs.batteryCharge, at: time)
        }
        pool.set(outputs.batteryAtRest, estimator.atRest ? 1 : 0, at: time)
    }

    private func runSolarArray(at time: MonotonicInstant) {
        let power = pool.value(arrayPower) ?? mpptPower.flatMap { pool.value($0) }
        if let power { pool.set(outputs.arrayPower, power, at: time) } else { pool.invalidate(outputs.arrayPower, at: time) }
        if let state = mpptChargingState.flatMap({ pool.value($0) }) {
            pool.set(outputs.chargingState, state, at: time)
        } else {
            pool.invalidate(outputs.chargingState, at: time)
        }

        let threshold = pool[tunables.eclipsePower].value
        if eclipse.update(power: power, threshold: threshold, at: time), let inEclipse = eclipse.inEclipse {
            events.raise(
                FlightEvent(
                    id: inEclipse ? PowerEvents.eclipseEntry : PowerEvents.eclipseExit, severity: .informative,
                    time: time, a: power ?? .nan, b: threshold, count: 2))
        }
        if let inEclipse = eclipse.inEclipse {
            pool.set(outputs.eclipse, inEclipse ? 1 : 0, at: time)
        } else {
            pool.invalidate(outputs.eclipse, at: time)
        }
    }

    private func runLoadShedding(at time: MonotonicInstant) {
        for index in thresholds.indices { thresholds[index] = pool[tunables.shedThresholds[index]].value }
        let hysteresis = pool[tunables.shedHysteresis].value
        if let soc = estimator.socPercent {
            var steps = 0
            while steps <= 2 * shedder.count, let step = shedder.step(soc: soc, thresholds: thresholds, hysteresis: hysteresis) {
                steps += 1
                switch step {
                case .shed(let index):
                    shedSince[index] = time
                    events.raise(
                        FlightEvent(
                            id: PowerEvents.loadShed, severity: .low, time: time, a: Double(index), b: soc,
                            c: thresholds[index], d: configuration.loads[index].action.code, count: 4))
                case .restored(let index):
                    events.raise(
                        FlightEvent(
                            id: PowerEvents.loadRestored, severity: .informative, time: time, a: Double(index), b: soc,
                            c: thresholds[index] + hysteresis, d: configuration.loads[index].action.code, count: 4))
                }
            }
        }
        for index in loadChannels.indices {
            guard index < shedder.level else {
                loadChannels[index].request(.loadShedding, nil)
                continue
            }
            switch configuration.loads[index].action {
            case .off:
                loadChannels[index].request(.loadShedding, false)
            case .duty(let on, let period):
                let phase = (time - shedSince[index]).nanoseconds % max(period.nanoseconds, 1)
                loadChannels[index].request(.loadShedding, phase < on.nanoseconds)
            }
        }
        pool.set(outputs.shedLevel, Double(shedder.level), at: time)
    }
}
