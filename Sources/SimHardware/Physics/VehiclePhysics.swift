/// The simulated vehicle's physical world: cabin atmosphere and temperature, power, attitude and
/// radiation, stepped together with one set of inputs.
///
/// A value: no clock, no threads, no hidden state. The binding to the device models (another layer)
/// reads the actuator lines into ``inputs``, calls ``step(dt:)`` from a `SimClock.onAdvance`
/// observer with the step's length, and writes the outputs into the sensor models. The same
/// configuration, seed and sequence of inputs and steps give the same trajectory, bit for bit.
///
/// Defaults (``Configuration``): a 40 m³ cabin at sea-level pressure with 4 crew, in a 92.6 min,
/// 400 km orbit at β = 0 (39 % eclipse). Uncontrolled, ppO2 falls ~6.4 kPa a day (3.36 of 11.1 kg
/// O2), ppCO2 rises ~0.23 kPa (1.7 mmHg) an hour with the scrubber off, and the cabin cools towards
/// 15 °C with the heater off. With a life-support controller cycling the O2 valve (0.2 g/s, ~20 %
/// duty), running the scrubber fan at low stage (ppCO2 settles near 0.24 kPa, 1.8 mmHg) and the
/// 500 W heater (~56 % duty), the cabin holds ppO2 ~21 kPa, ppCO2 below the 0.40 kPa (3 mmHg) of
/// NASA-STD-3001 V2 6004 and 21–24 °C (``PhysicsVehicleTests`` runs that day). The
/// power system (3 m² array, 100 Ah 28.8 V battery) carries ~630 W of average load (avionics,
/// payload, radio, heater duty, fan) through eclipse at ~13 % depth of discharge and recharges in sun.
/// The vehicle's orbit and the thermal model's initial temperature override those of the
/// subsystem configurations, so the subsystems agree.
public struct VehiclePhysics: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// The orbit, shared by the power system and the radiation environment (it overrides theirs).
        public var orbit = CircularOrbit()
        public var atmosphere = CabinAtmosphere.Configuration()
        public var thermal = CabinThermal.Configuration()
        public var power = PowerSystem.Configuration()
        public var attitude = AttitudeDynamics.Configuration()
        public var radiation = RadiationEnvironment.Configuration()

        /// Electrical power of the O2 injection valve's solenoid while open, W.
        public var o2ValvePowerWatts: Double = 10
        /// Electrical power of the scrubber fan per stage (index 0 = off), W.
        public var scrubberFanPowerPerStage: [Double] = [0, 40, 90]
        /// Electrical power of the crew alarm while on, W.
        public var alarmPowerWatts: Double = 5
        /// Fraction of the bus loads dissipated inside the cabin (0: avionics sit on a cold plate
        /// outside the cabin air).
        public var cabinFractionOfLoadHeat: Double = 0

        /// The longest internal step, s; longer steps are cut into pieces no longer than this.
        public var maximumStepSeconds: Double = 0.5

        public init() {}
    }

    /// Everything that drives the world: actuator line states and scenario knobs.
    public struct Inputs: Sendable, Equatable {
        // Actuators (from the GPIO lines the drivers set).
        public var o2ValveOpen = false
        /// Scrubber fan stage, 0 = off.
        public var scrubberStage = 1
        public var heaterOn = false
        /// Load switch states by load name (`payload`, `radio`, `non_essential_heaters`).
        public var loads: [String: Bool] = ["payload": true, "radio": true, "non_essential_heaters": false]
        public var alarmOn = false
        public var crewCount = 4

        // Scenario knobs.
        /// Effective area of a hole in the pressure shell, m².
        public var leakAreaSquareMeters: Double = 0
        public var scrubberFailed = false
        /// Extra electrical load, W.
        public var extraLoadWatts: Double = 0
        /// Multiplier on the dose rate (solar particle event).
        public var stormMultiplier: Double = 1
        public var starTrackerBlinded = false
        /// Extra torque (stuck thruster), N·m; and an attitude controller's torque, N·m.
        public var extraTorque = SIMD3<Double>(0, 0, 0)
        public var controlTorque = SIMD3<Double>(0, 0, 0)

        public init() {}
    }

    public let configuration: Configuration
    /// The inputs used by the next ``step(dt:)``.
    public var inputs = Inputs()
    /// Seconds simulated since the start.
    public private(set) var time: Double = 0

    public private(set) var atmosphere: CabinAtmosphere
    public private(set) var thermal: CabinThermal
    public private(set) var power: PowerSystem
    public private(set) var attitude: AttitudeDynamics
    public private(set) var radiation: RadiationEnvironment

    /// - Parameters:
    ///   - seed: the seed of the sensor noise (gyro, star tracker).
    public init(configuration: Configuration = Configuration(), seed: UInt64) {
        var configuration = configuration
        configuration.power.orbit = configuration.orbit
        configuration.radiation.orbit = configuration.orbit
        configuration.atmosphere.initialTemperatureKelvin = configuration.thermal.initialTemperatureCelsius + 273.15
        self.configuration = configuration
        atmosphere = CabinAtmosphere(configuration: configuration.atmosphere)
        thermal = CabinThermal(configuration: configuration.thermal)
        power = PowerSystem(configuration: configuration.power)
        attitude = AttitudeDynamics(configuration: configuration.attitude, seed: seed)
        radiation = RadiationEnvironment(configuration: configuration.radiation)
    }

    /// Electrical power drawn by the life-support actuators under the current inputs, W.
    public var actuatorPowerWatts: Double {
        let c = configuration
        var watts = 0.0
        if inputs.o2ValveOpen { watts += c.o2ValvePowerWatts }
        if c.scrubberFanPowerPerStage.indices.contains(inputs.scrubberStage) { watts += c.scrubberFanPowerPerStage[inputs.scrubberStage] }
        if inputs.heaterOn { watts += c.thermal.heaterPowerWatts }
        if inputs.alarmOn { watts += c.alarmPowerWatts }
        return watts
    }

    /// Advances the world by `dt` seconds with ``inputs``, in steps of at most
    /// ``Configuration/maximumStepSeconds``.
    public mutating func step(dt: Double) {
        guard dt > 0, dt.isFinite else { return }
        let pieces = max(1, Int((dt / configuration.maximumStepSeconds).rounded(.up)))
        let piece = dt / Double(pieces)
        for _ in 0..<pieces { advance(piece) }
    }

    /// Sets ``inputs`` and advances by `dt` seconds.
    public mutating func step(dt: Double, inputs: Inputs) {
        self.inputs = inputs
        step(dt: dt)
    }

    private mutating func advance(_ dt: Double) {
        let i = inputs
        power.step(dt: dt, inputs: PowerSystem.Inputs(loadSwitches: i.loads, actuatorPowerWatts: actuatorPowerWatts, extraLoadWatts: i.extraLoadWatts))
        let heaterPowered = i.heaterOn && !power.loadsUnpowered
        thermal.step(
            dt: dt,
            inputs: CabinThermal.Inputs(
                heaterOn: heaterPowered, crewCount: i.crewCount,
                equipmentHeatWatts: power.loadPowerWatts * configuration.cabinFractionOfLoadHeat))
        let fanPowered = power.loadsUnpowered ? 0 : i.scrubberStage
        atmosphere.step(
            dt: dt,
            inputs: CabinAtmosphere.Inputs(
                temperatureKelvin: thermal.temperatureKelvin, crewCount: i.crewCount, o2ValveOpen: i.o2ValveOpen && !power.loadsUnpowered,
                scrubberStage: fanPowered, scrubberFailed: i.scrubberFailed, leakAreaSquareMeters: i.leakAreaSquareMeters))
        attitude.step(dt: dt, inputs: AttitudeDynamics.Inputs(controlTorque: i.controlTorque, extraTorque: i.extraTorque, starTrackerBlinded: i.starTrackerBlinded))
        radiation.step(dt: dt, inputs: RadiationEnvironment.Inputs(stormMultiplier: i.stormMultiplier))
        time += dt
    }
}
