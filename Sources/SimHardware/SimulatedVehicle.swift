import HAL

/// A configured device as the simulation needs to know it: which model to attach where, and which
/// physical quantity feeds it.
public struct SimulatedDeviceSpec: Sendable, Equatable {
    public enum Address: Sendable, Equatable {
        case i2c(I2CAddress)
        case modbusUnit(UInt8)
        case gpioLine(GPIOLineID)
    }

    public var name: String
    /// The configured driver (`bme280`, `ina226`, …): the model is the driver's counterpart.
    public var driver: String
    public var address: Address
    /// What the device measures or switches (`battery` / `solar` for an INA226; an actuator role).
    public var role: String?
    /// GPIO devices: every line, in order (one per stage for a fan).
    public var lines: [GPIOLineID]
    /// Load switches: which modelled load they power (`payload`, `radio`, `non_essential_heaters`).
    public var load: String?
    /// Numeric driver settings the model must agree with (`shunt_ohms`, `cal_mv`, `cal_ppo2_kpa`).
    public var settings: [String: Double]

    public init(
        name: String, driver: String, address: Address, role: String? = nil, lines: [GPIOLineID] = [],
        load: String? = nil, settings: [String: Double] = [:]
    ) {
        self.name = name
        self.driver = driver
        self.address = address
        self.role = role
        self.lines = lines
        self.load = load
        self.settings = settings
    }
}

/// The whole vehicle in simulation: simulated buses with a register-level model behind every
/// configured device, the physics world driving them, and the fault-injection layer over both.
///
/// Time is a ``SimClock``: every step of the clock steps the physics, reads the actuator lines the
/// drivers set into the physics inputs, and refreshes the models' registers from the physical
/// state (through the ``FaultInjector``'s value faults) at ``refreshInterval``. Deterministic for a
/// seed.
public final class SimulatedVehicle: @unchecked Sendable {
    public let clock: SimClock
    public let faults: FaultInjector
    /// How often the models' registers are refreshed from the physics (simulated time).
    public let refreshInterval: Duration
    /// The world's seed: every random process of the simulation (noise, pulses) derives from it.
    public let seed: UInt64

    private let state: LockedValue<State>

    private struct State {
        var physics: VehiclePhysics
        var pendingSeconds = 0.0
        var lastRefresh: MonotonicInstant?
        var lastSCD30Measurement: MonotonicInstant?
        var i2cBuses: [String: SimI2CBus] = [:]
        var gpioChips: [String: SimGPIOChip] = [:]
        var modbusBuses: [String: SimModbusBus] = [:]
        var bindings: [Binding] = []
        var actuators: [(spec: SimulatedDeviceSpec, chip: SimGPIOChip)] = []
        var geigerTubes: [(name: String, tube: GeigerTubeModel)] = []
    }

    /// A model and how physics reaches it.
    private enum Binding {
        case environment(String, SimI2CBus, BME280Model)
        case oxygen(String, SimI2CBus, ADS1115Model)
        case batteryMonitor(String, SimI2CBus, INA226Model)
        case solarMonitor(String, SimI2CBus, INA226Model)
        case imu(String, SimI2CBus, MPU6050Model)
        case carbonDioxide(String, SCD30Model)
        case chargeController(String, MPPTModel)
        case starTracker(String, StarTrackerModel)
    }

    public init(
        seed: UInt64, clock: SimClock, physics: VehiclePhysics.Configuration = VehiclePhysics.Configuration(),
        refreshInterval: Duration = .milliseconds(100)
    ) {
        self.clock = clock
        self.faults = FaultInjector(clock: clock, seed: seed ^ 0xFA17)
        self.refreshInterval = refreshInterval
        self.seed = seed
        self.state = LockedValue(State(physics: VehiclePhysics(configuration: physics, seed: seed)))
        clock.onAdvance { [weak self] from, to in self?.advance(from: from, to: to) }
    }

    /// Reads or changes the physics (scenario knobs: crew count, leak, scrubber failure, extra load, storm…).
    public func withPhysics<T>(_ body: (inout VehiclePhysics) -> T) -> T {
        state.withLock { body(&$0.physics) }
    }

    /// A copy of the physical state.
    public var physics: VehiclePhysics { state.withLock { $0.physics } }

    // MARK: Buses

    /// The simulated I2C bus `name`, with a model attached for each of `devices`.
    public func i2cBus(named name: String, devices: [SimulatedDeviceSpec]) -> SimI2CBus {
        let bus = state.withLock { state -> SimI2CBus in
            if let existing = state.i2cBuses[name] { return existing }
            let bus = SimI2CBus(name: name, faults: faults)
            state.i2cBuses[name] = bus
            return bus
        }
        for device in devices {
            guard case .i2c(let address) = device.address else { continue }
            let binding: Binding?
            switch device.driver {
            case "bme280":
                let model = BME280Model()
                bus.attach(model, at: address, deviceName: device.name)
                binding = .environment(device.name, bus, model)
            case "ads1115-o2":
                let model = ADS1115Model(
                    cell: .init(
                        calibrationMillivolts: device.settings["cal_mv"] ?? 10.0,
                        calibrationPPO2kPa: device.settings["cal_ppo2_kpa"] ?? 21.2))
                bus.attach(model, at: address, deviceName: device.name)
                binding = .oxygen(device.name, bus, model)
            case "ina226":
                let model = INA226Model(shuntOhms: device.settings["shunt_ohms"] ?? 0.1)
                bus.attach(model, at: address, deviceName: device.name)
                binding = device.role == "solar" ? .solarMonitor(device.name, bus, model) : .batteryMonitor(device.name, bus, model)
            case "mpu6050":
                let model = MPU6050Model()
                bus.attach(model, at: address, deviceName: device.name)
                binding = .imu(device.name, bus, model)
            default:
                binding = nil
            }
            if let binding { state.withLock { $0.bindings.append(binding) } }
        }
        refresh(force: true)
        return bus
    }

    /// The simulated Modbus bus `name`, with a model for each of `devices`.
    public func modbusBus(named name: String, devices: [SimulatedDeviceSpec]) -> SimModbusBus {
        let bus = state.withLock { state -> SimModbusBus in
            if let existing = state.modbusBuses[name] { return existing }
            let bus = SimModbusBus(name: name, faults: faults)
            state.modbusBuses[name] = bus
            return bus
        }
        for device in devices {
            guard case .modbusUnit(let unit) = device.address else { continue }
            let binding: Binding?
            switch device.driver {
            case "scd30":
                let model = SCD30Model()
                bus.attach(model, unit: unit, deviceName: device.name)
                binding = .carbonDioxide(device.name, model)
            case "epever-tracer":
                let model = MPPTModel()
                bus.attach(model, unit: unit, deviceName: device.name)
                binding = .chargeController(device.name, model)
            case "star-tracker":
                let model = StarTrackerModel()
                bus.attach(model, unit: unit, deviceName: device.name)
                binding = .starTracker(device.name, model)
            default:
                binding = nil
            }
            if let binding { state.withLock { $0.bindings.append(binding) } }
        }
        refresh(force: true)
        return bus
    }

    /// The simulated GPIO chip `name` with `lines`; actuator lines feed the physics inputs and a
    /// Geiger tube model pulses the Geiger counter's line.
    public func gpioChip(named name: String, lines: [String], devices: [SimulatedDeviceSpec]) -> SimGPIOChip {
        let chip = state.withLock { state -> SimGPIOChip in
            if let existing = state.gpioChips[name] { return existing }
            let chip = SimGPIOChip(name: name, lineNames: lines, faults: faults)
            state.gpioChips[name] = chip
            return chip
        }
        for (index, device) in devices.enumerated() {
            for line in device.lines { chip.assign(line, toDevice: device.name) }
            if device.driver == "geiger", let line = device.lines.first {
                var generator = SplitMix64(seed: seed ^ (UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15))
                let tube = GeigerTubeModel(chip: chip, line: line, seed: generator.next())
                state.withLock { $0.geigerTubes.append((device.name, tube)) }
            } else {
                state.withLock { $0.actuators.append((device, chip)) }
            }
        }
        refresh(force: true)
        return chip
    }

    /// The electrical levels of an actuator device's GPIO lines, in configuration order (`nil` for
    /// a device that is not a simulated GPIO actuator). A line no driver holds reads low.
    public func outputLevels(ofDevice device: String) -> [Bool]? {
        guard let (spec, chip) = state.withLock({ $0.actuators.first { $0.spec.name == device } }) else { return nil }
        return spec.lines.map { chip.isRequested($0) ? (chip.outputValue($0) ?? false) : false }
    }

    // MARK: Stepping

    private func advance(from: MonotonicInstant, to: MonotonicInstant) {
        let seconds = to.duration(since: from).secondsDouble
        let due = state.withLock { state -> Bool in
            state.pendingSeconds += seconds
            guard let last = state.lastRefresh else { return true }
            return to.duration(since: last) >= refreshInterval
        }
        guard due else { return }
        state.withLock { state in
            state.physics.inputs = Self.inputs(from: state.actuators, base: state.physics.inputs)
            state.physics.step(dt: state.pendingSeconds)
            state.pendingSeconds = 0
        }
        let tubes = state.withLock { $0.geigerTubes }
        let dose = state.withLock { $0.physics.radiation.doseRateMicrosievertsPerHour }
        for (name, tube) in tubes {
            tube.setDoseRate(microsievertsPerHour: max(0, faults.apply(device: name, channel: "dose_rate_usv_h", value: dose)))
            tube.advance(from: state.withLock { $0.lastRefresh } ?? from, to: to)
        }
        refresh(force: false)
    }

    /// Reads the actuator lines the drivers drive into the physics inputs (electrical levels).
    private static func inputs(from actuators: [(spec: SimulatedDeviceSpec, chip: SimGPIOChip)], base: VehiclePhysics.Inputs) -> VehiclePhysics.Inputs {
        var inputs = base
        for (spec, chip) in actuators {
            let levels = spec.lines.map { chip.isRequested($0) ? (chip.outputValue($0) ?? false) : false }
            let on = levels.first ?? false
            switch spec.driver {
            case "gpio-fan":
                // Exclusive wiring: the highest line on is the stage.
                inputs.scrubberStage = levels.lastIndex(of: true).map { $0 + 1 } ?? 0
            default:
                switch spec.role {
                case "o2_valve": inputs.o2ValveOpen = on
                case "cabin_heater": inputs.heaterOn = on
                case "crew_alarm": inputs.alarmOn = on
                case "radio_switch": inputs.loads["radio"] = on
                case "load_switch": if let load = spec.load { inputs.loads[load] = on }
                default: break
                }
            }
        }
        return inputs
    }

    /// Encodes the physical state into every model's registers.
    private func refresh(force: Bool) {
        let now = clock.now
        let (physics, bindings, takeCO2) = state.withLock { state -> (VehiclePhysics, [Binding], Bool) in
            let co2Due = state.lastSCD30Measurement.map { now.duration(since: $0) >= .seconds(2) } ?? true
            if co2Due { state.lastSCD30Measurement = now }
            state.lastRefresh = now
            return (state.physics, state.bindings, co2Due)
        }
        let atmosphere = physics.atmosphere
        let cabinC = physics.thermal.temperatureCelsius
        func value(_ device: String, _ channel: String, _ physical: Double) -> Double {
            faults.apply(device: device, channel: channel, value: physical)
        }
        for binding in bindings {
            switch binding {
            case .environment(let name, let bus, let model):
                let t = value(name, "temperature_c", cabinC)
                let p = value(name, "pressure_pa", atmosphere.totalPressurePascals)
                let h = value(name, "humidity_pct", atmosphere.relativeHumidityPercent)
                bus.withBusLocked { model.set(temperatureC: t, pressurePa: p, humidityPct: h) }
            case .oxygen(let name, let bus, let model):
                let ppo2 = value(name, "ppo2_kpa", atmosphere.o2PartialPressureKilopascals)
                bus.withBusLocked { model.set(ppO2kPa: ppo2) }
            case .batteryMonitor(let name, let bus, let model):
                let v = value(name, "bus_voltage_v", physics.power.batteryVoltage)
                let i = value(name, "current_a", physics.power.batteryCurrent)
                bus.withBusLocked { model.set(busVoltageV: v, currentA: i) }
            case .solarMonitor(let name, let bus, let model):
                let v = value(name, "bus_voltage_v", physics.power.arrayVoltage)
                let i = value(name, "current_a", physics.power.arrayCurrent)
                bus.withBusLocked { model.set(busVoltageV: v, currentA: i) }
            case .imu(let name, let bus, let model):
                let rate = physics.attitude.gyroMeasurement
                let r = (value(name, "rate_x_rad_s", rate.x), value(name, "rate_y_rad_s", rate.y), value(name, "rate_z_rad_s", rate.z))
                let t = value(name, "temperature_c", cabinC)
                bus.withBusLocked { model.set(rateRadS: r, accelMS2: (0, 0, 0), temperatureC: t) }
            case .carbonDioxide(let name, let model):
                guard takeCO2 || force else { continue }
                model.set(
                    co2Ppm: value(name, "co2_ppm", atmosphere.co2PartsPerMillion),
                    temperatureC: value(name, "temperature_c", cabinC),
                    humidityPct: value(name, "humidity_pct", atmosphere.relativeHumidityPercent))
            case .chargeController(let name, let model):
                let power = physics.power
                let state: Int
                switch power.chargeState {
                case .charging: state = 2 // boost
                case .full: state = 1 // float
                case .discharging, .empty: state = 0
                }
                model.set(
                    pvVoltage: value(name, "pv_voltage_v", power.arrayVoltage),
                    pvCurrent: value(name, "pv_current_a", power.arrayCurrent),
                    batteryVoltage: value(name, "battery_voltage_v", power.batteryVoltage),
                    chargeCurrent: max(0, power.batteryCurrent),
                    batterySoC: value(name, "battery_soc_pct", power.stateOfCharge * 100),
                    chargingState: state,
                    batteryCurrent: value(name, "battery_current_a", power.batteryCurrent))
            case .starTracker(let name, let model):
                let attitude = physics.attitude
                let q = attitude.starTrackerMeasurement ?? attitude.attitude
                let tracking = attitude.starTrackerTracking && attitude.starTrackerMeasurement != nil
                model.set(
                    attitude: (value(name, "q_w", q.w), value(name, "q_x", q.x), value(name, "q_y", q.y), value(name, "q_z", q.z)),
                    stars: tracking ? 12 : 0, tracking: tracking, timeTag: now.seconds)
            }
        }
    }
}
