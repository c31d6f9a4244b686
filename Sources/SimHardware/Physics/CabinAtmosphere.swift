#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cabin's gas: masses of O2, N2, CO2 and H2O in a fixed volume, as ideal gases.
///
/// Sources and sinks: crew metabolism (O2 in, CO2 and water vapour out), the O2 injection valve, the
/// CO2 scrubber, the humidity control (condensing heat exchanger) and a leak to the outside. The
/// temperature comes from ``CabinThermal``. Partial pressures follow from `p_i = n_i·R·T / V`.
///
/// All state is a value; ``step(dt:inputs:)`` is explicit Euler on the species masses, so keep `dt`
/// at a second or less (``VehiclePhysics`` subdivides).
public struct CabinAtmosphere: Sendable, Equatable {
    /// Molar gas constant, J/(mol·K) (CODATA 2018, exact).
    public static let gasConstant = 8.314_462_618
    /// Molar masses, kg/mol (IUPAC standard atomic weights).
    public static let molarMassO2 = 0.031_998
    public static let molarMassN2 = 0.028_014
    public static let molarMassCO2 = 0.044_009
    public static let molarMassH2O = 0.018_015
    /// Ratio of specific heats of cabin air (diatomic gases dominate).
    public static let heatCapacityRatio = 1.4

    /// Saturation vapour pressure of water over liquid water, Pa, at `celsius`.
    ///
    /// Magnus form with the coefficients of Alduchov & Eskridge (1996), *J. Appl. Meteor.* 35,
    /// 601–609: `610.94 · exp(17.625·T / (T + 243.04))` — within 0.4 % from −40 to 50 °C.
    public static func saturationVaporPressure(celsius: Double) -> Double {
        610.94 * exp(17.625 * celsius / (celsius + 243.04))
    }

    public struct Configuration: Sendable, Equatable {
        /// Free gas volume, m³. Default 40 m³: a small crewed testbed (Orion's habitable volume is ~9 m³,
        /// a Cygnus-class module ~18–27 m³, ISS modules 70–100 m³).
        public var volumeCubicMeters: Double = 40
        /// Initial state: total pressure (sea level, 101.325 kPa), ppO2 21.3 kPa, 400 ppm CO2,
        /// 45 % RH at 22 °C; N2 makes up the rest.
        public var initialTotalPressurePascals: Double = 101_325
        public var initialO2PartialPressurePascals: Double = 21_300
        public var initialCO2PartialPressurePascals: Double = 40.5
        public var initialRelativeHumidity: Double = 0.45
        public var initialTemperatureKelvin: Double = 295.15

        /// O2 consumed per crew member, kg/day. 0.84 kg/CM-d: NASA *Life Support Baseline Values and
        /// Assumptions Document* (BVAD, NASA/CR-2004-208941, nominal crew member: 0.835 kg/CM-d).
        public var o2ConsumptionPerCrewKgPerDay: Double = 0.84
        /// CO2 produced per crew member, kg/day. 1.0 kg/CM-d: BVAD (0.998 kg/CM-d).
        public var co2ProductionPerCrewKgPerDay: Double = 1.0
        /// Water vapour from respiration and perspiration per crew member, kg/day. BVAD: 2.277 kg/CM-d.
        public var waterVaporPerCrewKgPerDay: Double = 2.277

        /// O2 mass flow through the open injection valve, kg/s. 0.2 g/s: five times what 4 crew use
        /// (0.039 g/s), so a bang-bang controller holds ppO2 at a ~20 % duty cycle.
        public var o2ValveFlowKgPerSecond: Double = 2.0e-4

        /// Air flow through the CO2 scrubber per fan stage (index 0 = off), m³/s: 12 L/s low
        /// (~25 cfm), 30 L/s high (~64 cfm).
        ///
        /// The scrubber removes `flow · efficiency · ρ_CO2` (kg/s), so with crew production `G`
        /// the cabin settles where removal equals production: `ρ_CO2 = G / (flow · efficiency)`,
        /// `ppCO2 = ρ_CO2 · R·T / M_CO2`, independent of the cabin volume (the volume sets only
        /// the time constant `V / (flow · efficiency)`: ~1 h on the low stage in 40 m³). Per crew
        /// member at 1.0 kg/day and 22 °C that is 60 Pa (0.45 mmHg) on the low stage and 24 Pa
        /// (0.18 mmHg) on the high stage:
        /// - 4 crew: low stage 0.24 kPa (1.8 mmHg), high stage 0.10 kPa (0.7 mmHg);
        /// - 12 crew: high stage 0.29 kPa (2.2 mmHg);
        /// all below the 3 mmHg (0.40 kPa) of NASA-STD-3001 Vol. 2 [V2 6004]. At 0.40 kPa the
        /// low stage removes 6.7 kg/day and the high stage 16.7 kg/day.
        public var scrubberFlowPerStage: [Double] = [0, 0.012, 0.030]
        /// Fraction of the CO2 in the air through the scrubber that it removes (single pass).
        public var scrubberEfficiency: Double = 0.9

        /// Air flow through the condensing heat exchanger, m³/s, and the relative humidity it dries
        /// towards (always running; not commanded by the flight software).
        public var humidityControlFlowCubicMetersPerSecond: Double = 0.05
        public var humidityControlTargetRelativeHumidity: Double = 0.45

        /// Discharge coefficient of a leak hole (sharp-edged orifice ≈ 0.6).
        public var leakDischargeCoefficient: Double = 0.6
        /// Pressure outside the hull, Pa (0 in orbit: every leak is choked).
        public var outsidePressurePascals: Double = 0

        public init() {}
    }

    /// What drives the atmosphere during one step.
    public struct Inputs: Sendable, Equatable {
        public var temperatureKelvin: Double = 295.15
        public var crewCount: Int = 4
        public var o2ValveOpen = false
        /// Scrubber fan stage (0 = off), an index into ``Configuration/scrubberFlowPerStage``.
        public var scrubberStage = 0
        /// The scrubber's bed is saturated or its valves stuck: no CO2 removal whatever the fan does.
        public var scrubberFailed = false
        /// Effective area of a hole in the pressure shell, m².
        public var leakAreaSquareMeters: Double = 0

        public init(
            temperatureKelvin: Double = 295.15, crewCount: Int = 4, o2ValveOpen: Bool = false, scrubberStage: Int = 0,
            scrubberFailed: Bool = false, leakAreaSquareMeters: Double = 0
        ) {
            self.temperatureKelvin = temperatureKelvin
            self.crewCount = crewCount
            self.o2ValveOpen = o2ValveOpen
            self.scrubberStage = scrubberStage
            self.scrubberFailed = scrubberFailed
            self.leakAreaSquareMeters = leakAreaSquareMeters
        }
    }

    public let configuration: Configuration
    /// Species masses, kg.
    public private(set) var massO2: Double
    public private(set) var massN2: Double
    public private(set) var massCO2: Double
    public private(set) var massH2O: Double
    /// The gas temperature of the last step, K.
    public private(set) var temperatureKelvin: Double
    /// Mass flow out through the leak in the last step, kg/s.
    public private(set) var leakMassFlowKgPerSecond: Double = 0
    /// Totals since the start, kg (for mass-balance checks).
    public private(set) var o2ConsumedKg: Double = 0
    public private(set) var o2InjectedKg: Double = 0
    public private(set) var co2RemovedKg: Double = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let t = configuration.initialTemperatureKelvin
        let v = configuration.volumeCubicMeters
        func mass(_ partialPressure: Double, _ molarMass: Double) -> Double {
            max(0, partialPressure) * v / (Self.gasConstant * t) * molarMass
        }
        let water = configuration.initialRelativeHumidity * Self.saturationVaporPressure(celsius: t - 273.15)
        let nitrogen =
            configuration.initialTotalPressurePascals - configuration.initialO2PartialPressurePascals
            - configuration.initialCO2PartialPressurePascals - water
        temperatureKelvin = t
        massO2 = mass(configuration.initialO2PartialPressurePascals, Self.molarMassO2)
        massN2 = mass(nitrogen, Self.molarMassN2)
        massCO2 = mass(configuration.initialCO2PartialPressurePascals, Self.molarMassCO2)
        massH2O = mass(water, Self.molarMassH2O)
    }

    // MARK: Outputs

    private func partialPressure(_ mass: Double, _ molarMass: Double) -> Double {
        mass / molarMass * Self.gasConstant * temperatureKelvin / configuration.volumeCubicMeters
    }

    /// Partial pressures, Pa.
    public var o2PartialPressurePascals: Double { partialPressure(massO2, Self.molarMassO2) }
    public var n2PartialPressurePascals: Double { partialPressure(massN2, Self.molarMassN2) }
    public var co2PartialPressurePascals: Double { partialPressure(massCO2, Self.molarMassCO2) }
    public var waterVaporPartialPressurePascals: Double { partialPressure(massH2O, Self.molarMassH2O) }

    /// Total pressure, Pa.
    public var totalPressurePascals: Double {
        o2PartialPressurePascals + n2PartialPressurePascals + co2PartialPressurePascals + waterVaporPartialPressurePascals
    }
    /// ppO2, kPa.
    public var o2PartialPressureKilopascals: Double { o2PartialPressurePascals / 1000 }
    /// O2 mole fraction, %.
    public var o2Percent: Double { fraction(o2PartialPressurePascals) * 100 }
    /// CO2 mole fraction, %.
    public var co2Percent: Double { fraction(co2PartialPressurePascals) * 100 }
    /// CO2 mole fraction, ppm.
    public var co2PartsPerMillion: Double { fraction(co2PartialPressurePascals) * 1e6 }
    /// ppCO2, kPa.
    public var co2PartialPressureKilopascals: Double { co2PartialPressurePascals / 1000 }
    /// Relative humidity, %.
    public var relativeHumidityPercent: Double {
        waterVaporPartialPressurePascals / Self.saturationVaporPressure(celsius: temperatureKelvin - 273.15) * 100
    }

    private func fraction(_ partial: Double) -> Double {
        let total = totalPressurePascals
        return total > 0 ? partial / total : 0
    }

    // MARK: Dynamics

    /// Mass flow through a hole of `area` from `pressure` to the outside, kg/s.
    ///
    /// Isentropic orifice flow of an ideal gas (e.g. Anderson, *Modern Compressible Flow*, ch. 5):
    /// choked when `p_out/p ≤ (2/(γ+1))^(γ/(γ−1))` (0.528 for γ = 1.4), with
    /// `ṁ = Cd·A·p·√(γ/(R_s·T))·(2/(γ+1))^((γ+1)/(2(γ−1)))`; otherwise
    /// `ṁ = Cd·A·p·√(2γ/((γ−1)·R_s·T)·(r^(2/γ) − r^((γ+1)/γ)))`, `r = p_out/p`.
    public static func orificeMassFlow(
        area: Double, dischargeCoefficient: Double, pressure: Double, outsidePressure: Double,
        temperatureKelvin: Double, specificGasConstant: Double
    ) -> Double {
        guard area > 0, pressure > outsidePressure, pressure > 0, temperatureKelvin > 0 else { return 0 }
        let gamma = heatCapacityRatio
        let rt = specificGasConstant * temperatureKelvin
        let ratio = outsidePressure / pressure
        let critical = pow(2 / (gamma + 1), gamma / (gamma - 1))
        if ratio <= critical {
            return dischargeCoefficient * area * pressure * (gamma / rt).squareRoot() * pow(2 / (gamma + 1), (gamma + 1) / (2 * (gamma - 1)))
        }
        let term = 2 * gamma / ((gamma - 1) * rt) * (pow(ratio, 2 / gamma) - pow(ratio, (gamma + 1) / gamma))
        return dischargeCoefficient * area * pressure * max(0, term).squareRoot()
    }

    /// Advances the gas by `dt` seconds under `inputs`.
    public mutating func step(dt: Double, inputs: Inputs) {
        guard dt > 0 else { return }
        let config = configuration
        let volume = config.volumeCubicMeters
        temperatureKelvin = inputs.temperatureKelvin
        let crew = Double(max(0, inputs.crewCount))
        let perSecond = 1.0 / 86_400

        // Crew metabolism.
        let o2Use = min(massO2, crew * config.o2ConsumptionPerCrewKgPerDay * perSecond * dt)
        let co2Made = crew * config.co2ProductionPerCrewKgPerDay * perSecond * dt
        let waterMade = crew * config.waterVaporPerCrewKgPerDay * perSecond * dt

        // O2 injection.
        let o2In = inputs.o2ValveOpen ? config.o2ValveFlowKgPerSecond * dt : 0

        // CO2 scrubber: removes a fraction of the CO2 in the air it moves.
        var co2Out = 0.0
        if !inputs.scrubberFailed, config.scrubberFlowPerStage.indices.contains(inputs.scrubberStage) {
            let flow = config.scrubberFlowPerStage[inputs.scrubberStage]
            co2Out = min(massCO2, flow * config.scrubberEfficiency * massCO2 / volume * dt)
        }

        // Humidity control: dries the air it moves down to the target humidity.
        let targetVapor =
            config.humidityControlTargetRelativeHumidity
            * Self.saturationVaporPressure(celsius: temperatureKelvin - 273.15)
            * volume / (Self.gasConstant * temperatureKelvin) * Self.molarMassH2O
        let excessDensity = max(0, massH2O - targetVapor) / volume
        let waterOut = min(max(0, massH2O - targetVapor), config.humidityControlFlowCubicMetersPerSecond * excessDensity * dt)

        // Leak: the mixture leaves in proportion to its mass fractions.
        let total = massO2 + massN2 + massCO2 + massH2O
        var leak = 0.0
        if inputs.leakAreaSquareMeters > 0, total > 0 {
            let moles = massO2 / Self.molarMassO2 + massN2 / Self.molarMassN2 + massCO2 / Self.molarMassCO2 + massH2O / Self.molarMassH2O
            let specific = Self.gasConstant / (total / moles)
            leak = Self.orificeMassFlow(
                area: inputs.leakAreaSquareMeters, dischargeCoefficient: config.leakDischargeCoefficient,
                pressure: totalPressurePascals, outsidePressure: config.outsidePressurePascals,
                temperatureKelvin: temperatureKelvin, specificGasConstant: specific)
        }
        leakMassFlowKgPerSecond = leak
        let leaked = min(total, leak * dt)
        let keep = total > 0 ? 1 - leaked / total : 1

        massO2 = max(0, (massO2 - o2Use + o2In) * keep)
        massN2 = max(0, massN2 * keep)
        massCO2 = max(0, (massCO2 + co2Made - co2Out) * keep)
        massH2O = max(0, (massH2O + waterMade - waterOut) * keep)

        // Vapour above saturation condenses on the walls.
        let saturated =
            Self.saturationVaporPressure(celsius: temperatureKelvin - 273.15)
            * volume / (Self.gasConstant * temperatureKelvin) * Self.molarMassH2O
        massH2O = min(massH2O, saturated)

        o2ConsumedKg += o2Use
        o2InjectedKg += o2In
        co2RemovedKg += co2Out
    }
}
