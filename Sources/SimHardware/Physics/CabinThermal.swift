#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cabin as one lumped thermal mass: heater, crew metabolic heat and equipment heat in, heat
/// leaking through the walls to a sink out.
///
/// `C·dT/dt = P_heater + N·P_crew + P_equipment − UA·(T − T_sink)`. For inputs constant over a step
/// this is solved exactly (`T → T_eq + (T − T_eq)·e^(−UA·dt/C)`), so any `dt` is stable.
public struct CabinThermal: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// Heat capacity of the cabin air, structure and equipment, J/K. 450 kJ/K: 40 m³ of air is only
        /// ~48 kJ/K (1.19 kg/m³ × 1005 J/(kg·K)); ~450 kg of aluminium interior (900 J/(kg·K)) adds the rest.
        public var heatCapacityJoulesPerKelvin: Double = 450_000
        /// Conductance to the sink (walls, radiator loop), W/K.
        public var conductanceWattsPerKelvin: Double = 40
        /// Effective sink temperature, °C.
        public var sinkTemperatureCelsius: Double = 5
        /// Cabin heater power when on, W (also drawn from the bus, see ``PowerSystem``).
        public var heaterPowerWatts: Double = 500
        /// Sensible metabolic heat per crew member, W. ~100 W at rest; BVAD gives 11.82 MJ/CM-d
        /// (137 W) of total metabolic energy, part of which leaves as latent heat in water vapour.
        public var metabolicHeatPerCrewWatts: Double = 100
        /// Initial temperature, °C.
        public var initialTemperatureCelsius: Double = 22

        public init() {}
    }

    public struct Inputs: Sendable, Equatable {
        public var heaterOn = false
        public var crewCount = 4
        /// Electrical dissipation inside the cabin, W.
        public var equipmentHeatWatts: Double = 0

        public init(heaterOn: Bool = false, crewCount: Int = 4, equipmentHeatWatts: Double = 0) {
            self.heaterOn = heaterOn
            self.crewCount = crewCount
            self.equipmentHeatWatts = equipmentHeatWatts
        }
    }

    public let configuration: Configuration
    /// Cabin temperature, °C.
    public private(set) var temperatureCelsius: Double

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        temperatureCelsius = configuration.initialTemperatureCelsius
    }

    /// Cabin temperature, K.
    public var temperatureKelvin: Double { temperatureCelsius + 273.15 }

    /// The temperature the cabin would settle at under `inputs`, °C.
    public func equilibriumCelsius(inputs: Inputs) -> Double {
        let c = configuration
        let heat = (inputs.heaterOn ? c.heaterPowerWatts : 0) + Double(max(0, inputs.crewCount)) * c.metabolicHeatPerCrewWatts + inputs.equipmentHeatWatts
        return c.sinkTemperatureCelsius + heat / c.conductanceWattsPerKelvin
    }

    /// Advances the temperature by `dt` seconds under `inputs`.
    public mutating func step(dt: Double, inputs: Inputs) {
        guard dt > 0 else { return }
        let equilibrium = equilibriumCelsius(inputs: inputs)
        let decay = exp(-configuration.conductanceWattsPerKelvin * dt / configuration.heatCapacityJoulesPerKelvin)
        temperatureCelsius = equilibrium + (temperatureCelsius - equilibrium) * decay
    }
}
