#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One consumer on the power bus.
public struct PowerLoad: Sendable, Equatable {
    /// The name the load switch inputs use (`payload`, `radio`, `non_essential_heaters`).
    public var name: String
    /// Power drawn while on, W.
    public var powerWatts: Double
    /// Whether a load switch feeds it (false: always on, e.g. avionics).
    public var switched: Bool

    public init(name: String, powerWatts: Double, switched: Bool) {
        self.name = name
        self.powerWatts = powerWatts
        self.switched = switched
    }
}

/// The electrical power system: a solar array on a circular orbit with an MPPT, a Li-ion battery,
/// and the loads on the bus.
///
/// In sunlight the array delivers `A·η_cell·S·cos θ·η_MPPT`; in eclipse nothing. The battery takes
/// the difference between what the array delivers and what the loads draw, `P = V·I` with the
/// terminal voltage `V = OCV(SoC) + R·I` (I > 0 charging), and its state of charge follows by
/// coulomb counting with a charge efficiency. A full battery stops charging (the shunt regulator
/// dumps the surplus); an empty one cannot supply the loads (``loadsUnpowered``).
public struct PowerSystem: Sendable, Equatable {
    /// Total solar irradiance at 1 AU, W/m² (Kopp & Lean 2011, *Geophys. Res. Lett.* 38, L01706: 1360.8 W/m²).
    public static let solarConstant = 1361.0

    /// Battery charge state.
    public enum ChargeState: String, Sendable, Equatable {
        case charging, discharging, full, empty
    }

    public struct Configuration: Sendable, Equatable {
        public var orbit = CircularOrbit()
        /// Array area, m², and cell efficiency (triple-junction GaAs, ~29 % at beginning of life, e.g.
        /// Azur Space 3G30C 29.5 %, Spectrolab XTJ 29.5 %).
        public var arrayAreaSquareMeters: Double = 3.0
        public var cellEfficiency: Double = 0.29
        /// Angle between the array normal and the Sun, degrees (0: Sun-tracking array).
        public var incidenceDegrees: Double = 0
        /// Array voltage at its maximum power point, V.
        public var arrayMaxPowerVoltage: Double = 36
        /// MPPT converter efficiency.
        public var mpptEfficiency: Double = 0.95

        /// Battery capacity, Ah, and nominal voltage, V (8 Li-ion cells in series, 3.6 V each).
        public var batteryCapacityAmpereHours: Double = 100
        public var batteryNominalVoltage: Double = 28.8
        /// Battery internal resistance, Ω.
        public var batteryInternalResistanceOhms: Double = 0.05
        /// Coulombic efficiency of charging (Li-ion: ~0.98–0.99).
        public var chargeEfficiency: Double = 0.98
        /// State of charge at the start, 0…1.
        public var initialStateOfCharge: Double = 0.8

        /// The loads on the bus besides the life-support actuators (whose draw comes in as
        /// ``Inputs/actuatorPowerWatts``).
        public var loads: [PowerLoad] = [
            PowerLoad(name: "avionics", powerWatts: 120, switched: false),
            PowerLoad(name: "payload", powerWatts: 150, switched: true),
            PowerLoad(name: "radio", powerWatts: 40, switched: true),
            PowerLoad(name: "non_essential_heaters", powerWatts: 100, switched: true),
        ]

        public init() {}
    }

    public struct Inputs: Sendable, Equatable {
        /// Load switch states by load name; a switched load missing here is off.
        public var loadSwitches: [String: Bool] = [:]
        /// Power drawn by the life-support actuators (heater, fan, valve), W.
        public var actuatorPowerWatts: Double = 0
        /// An extra load injected by a scenario (a short, a stuck heater), W.
        public var extraLoadWatts: Double = 0

        public init(loadSwitches: [String: Bool] = [:], actuatorPowerWatts: Double = 0, extraLoadWatts: Double = 0) {
            self.loadSwitches = loadSwitches
            self.actuatorPowerWatts = actuatorPowerWatts
            self.extraLoadWatts = extraLoadWatts
        }
    }

    public let configuration: Configuration
    /// Seconds since the start (the orbit's clock).
    public private(set) var time: Double = 0
    /// State of charge, 0…1.
    public private(set) var stateOfCharge: Double
    /// Outputs of the last step.
    public private(set) var inEclipse: Bool
    public private(set) var arrayVoltage: Double = 0
    public private(set) var arrayCurrent: Double = 0
    /// Power delivered to the bus by the MPPT, W.
    public private(set) var arrayDeliveredPowerWatts: Double = 0
    /// Battery terminal voltage, V, and current, A (positive: charging).
    public private(set) var batteryVoltage: Double
    public private(set) var batteryCurrent: Double = 0
    public private(set) var chargeState: ChargeState = .discharging
    /// Power the loads asked for, W.
    public private(set) var loadPowerWatts: Double = 0
    /// The battery is empty (or past its maximum power) and the loads are not fully supplied.
    public private(set) var loadsUnpowered = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        stateOfCharge = min(max(configuration.initialStateOfCharge, 0), 1)
        inEclipse = configuration.orbit.isInEclipse(at: 0)
        batteryVoltage = 0
        batteryVoltage = openCircuitVoltage
    }

    /// Array output power, W (before the MPPT).
    public var arrayPowerWatts: Double { arrayVoltage * arrayCurrent }

    /// The array's power at the maximum power point in full sun, W.
    public var arraySunlitPowerWatts: Double {
        let c = configuration
        return c.arrayAreaSquareMeters * c.cellEfficiency * Self.solarConstant * max(0, cos(c.incidenceDegrees * .pi / 180))
    }

    /// Open-circuit voltage of one Li-ion cell at `soc` (0…1), V.
    ///
    /// A representative NMC / graphite curve, interpolated linearly between tenths of SoC: flat
    /// around 3.6–3.8 V in the middle, steep below 10 % and above 90 %. Its shape follows published
    /// open-circuit curves of 18650 NMC cells; it is not a fit to any one cell.
    public static func cellOpenCircuitVoltage(stateOfCharge soc: Double) -> Double {
        let table: [Double] = [3.00, 3.45, 3.55, 3.62, 3.67, 3.72, 3.78, 3.85, 3.93, 4.03, 4.15]
        let x = min(max(soc, 0), 1) * 10
        let index = min(Int(x), 9)
        let fraction = x - Double(index)
        return table[index] + (table[index + 1] - table[index]) * fraction
    }

    /// The battery's open-circuit voltage now, V (cell curve scaled to the nominal 3.6 V per cell).
    public var openCircuitVoltage: Double {
        Self.cellOpenCircuitVoltage(stateOfCharge: stateOfCharge) / 3.6 * configuration.batteryNominalVoltage
    }

    /// Advances the power system by `dt` seconds under `inputs`.
    public mutating func step(dt: Double, inputs: Inputs) {
        guard dt > 0 else { return }
        let c = configuration
        time += dt
        inEclipse = c.orbit.isInEclipse(at: time)

        let arrayPower = inEclipse ? 0 : arraySunlitPowerWatts
        arrayVoltage = arrayPower > 0 ? c.arrayMaxPowerVoltage : 0
        arrayCurrent = arrayPower > 0 ? arrayPower / c.arrayMaxPowerVoltage : 0
        arrayDeliveredPowerWatts = arrayPower * c.mpptEfficiency

        var loads = max(0, inputs.actuatorPowerWatts) + max(0, inputs.extraLoadWatts)
        for load in c.loads where !load.switched || inputs.loadSwitches[load.name] == true {
            loads += load.powerWatts
        }
        loadPowerWatts = loads

        let net = arrayDeliveredPowerWatts - loads
        let ocv = openCircuitVoltage
        let r = c.batteryInternalResistanceOhms
        var current: Double
        loadsUnpowered = false
        if net > 0 && stateOfCharge >= 1 {
            current = 0
        } else if net < 0 && stateOfCharge <= 0 {
            current = 0
            loadsUnpowered = true
        } else if r > 0 {
            // R·I² + OCV·I − P = 0, the root with I → P/OCV as R → 0.
            let discriminant = ocv * ocv + 4 * r * net
            if discriminant >= 0 {
                current = (-ocv + discriminant.squareRoot()) / (2 * r)
            } else {
                current = -ocv / (2 * r) // the most the battery can deliver
                loadsUnpowered = true
            }
        } else {
            current = ocv > 0 ? net / ocv : 0
        }
        batteryCurrent = current
        batteryVoltage = ocv + r * current

        let ampereHours = (current > 0 ? current * c.chargeEfficiency : current) * dt / 3600
        stateOfCharge = min(max(stateOfCharge + ampereHours / c.batteryCapacityAmpereHours, 0), 1)

        if current > 0 {
            chargeState = .charging
        } else if current < 0 {
            chargeState = .discharging
        } else {
            chargeState = loadsUnpowered ? .empty : (net >= 0 ? .full : .discharging)
        }
    }
}
