import HAL

extension LifeSupportController {
    /// What life support reads, drives and aims for; TOML section `[life_support]`.
    ///
    /// Defaults are for a crewed cabin at about 101 kPa (sea-level air, ppO2 ≈ 21.2 kPa):
    /// - ppO2 control band 20.0–21.5 kPa: the valve opens below 20.0 and closes above 21.5, inside
    ///   the 19.5–23.1 kPa range allowed for crewed cabins (ISS, SSP 41000) with margin on both
    ///   sides, the upper one keeping the O2 fraction well under the ~24 % flammability concern.
    ///   Those outer limits are the monitors' (PUS 12) business, not this law's.
    /// - Valve minimum on-time 2 s, minimum off-time 5 s.
    /// - Sensors agree within 1.0 kPa; plausible cabin ppO2 10–35 kPa.
    /// - CO2, as partial pressure (ppCO2 = CO2 mole fraction × cabin pressure, so the levels mean
    ///   the same to the crew at any cabin pressure). NASA-STD-3001 Volume 2, requirement
    ///   [V2 6004] (nominal vehicle/habitat CO2 levels) limits the one-hour average ppCO2 in the
    ///   habitable volume to 3 mmHg (0.40 kPa); the ISS is run at about 2–3 mmHg. 1 mmHg =
    ///   0.133 322 kPa (``mmHgPerKPa``).
    ///   - scrubber stage 1 on above 0.20 kPa (1.5 mmHg), off below 0.13 kPa (1.0 mmHg);
    ///   - stage 2 on above 0.30 kPa (2.25 mmHg), back to stage 1 below 0.22 kPa (1.65 mmHg);
    ///   - warning (medium event) above 0.33 kPa (2.5 mmHg), cleared below 0.30 kPa: the highest
    ///     stage is not holding CO2 and the limit is near;
    ///   - alarm (high event) above 0.40 kPa (3.0 mmHg, the [V2 6004] limit), cleared below
    ///     0.37 kPa (2.8 mmHg). An hour's average cannot exceed the limit unless the reading did,
    ///     so alarming on the reading is the conservative side of the one-hour average.
    ///   With the simulated scrubber (``SimHardware/CabinAtmosphere``) stage 1 alone holds 4 crew
    ///   near 0.24 kPa (1.8 mmHg); `scenarios/nominal-orbit.toml` flies that for 24 h.
    /// - Cabin air 22 °C; heater PI kp 0.5 /°C, ki 0.005 /(°C·s) (integral time 100 s); duty
    ///   time-proportioned over a 10 s window.
    public struct Configuration: Sendable, Equatable {
        // MARK: Inputs (parameter names in the pool)
        /// Oxygen sensor A's ppO2 (kPa).
        public var ppo2AParameter = "dev.o2-a.ppo2_kpa"
        /// Oxygen sensor B's ppO2 (kPa).
        public var ppo2BParameter = "dev.o2-b.ppo2_kpa"
        /// Cabin CO2 mole fraction (ppm), as the sensor reports it; with ``pressureParameter`` it
        /// gives the CO2 partial pressure that every CO2 level below is compared with.
        public var co2Parameter = "dev.cabin-co2.co2_ppm"
        /// Cabin air temperature (°C).
        public var temperatureParameter = "dev.cabin-env.temperature_c"
        /// Cabin total pressure (Pa).
        public var pressureParameter = "dev.cabin-env.pressure_pa"
        /// Cabin relative humidity (%).
        public var humidityParameter = "dev.cabin-env.humidity_pct"
        /// The vehicle mode (``VehicleMode`` raw value), written by the mode machine; empty: none
        /// (always controlled as in NOMINAL).
        public var modeParameter = "fdir.mode"

        // MARK: Outputs (actuator channel names, resolved by the topology)
        /// The oxygen injection valve (safe state: closed).
        public var oxygenValveChannel = "o2-valve"
        /// The scrubber fan channels, one per stage (lowest stage first).
        public var scrubberChannels = ["scrubber-fan-low", "scrubber-fan-high"]
        public var scrubberMapping = ScrubberStageMapping.exclusive
        /// The cabin heater (safe state: off).
        public var heaterChannel = "cabin-heater"

        /// The first ID of life support's derived and tunable parameters (layout in
        /// ``LifeSupportController``).
        public var parameterIDBase: UInt16 = 0x0200

        // MARK: Oxygen
        public var ppo2LowKPa = 20.0
        public var ppo2HighKPa = 21.5
        public var valveMinimumOnTime: Duration = .seconds(2)
        public var valveMinimumOffTime: Duration = .seconds(5)
        public var sensorAgreementKPa = 1.0
        public var plausibleMinimumKPa = 10.0
        public var plausibleMaximumKPa = 35.0

        // MARK: Carbon dioxide (partial pressure, kPa; NASA-STD-3001 V2 6004)
        /// Per stage, the ppCO2 above which it switches on (kPa), increasing.
        public var scrubberStageOnKPa: [Double] = [0.20, 0.30]
        /// Per stage, the ppCO2 below which it switches off again (kPa), each below its on level.
        public var scrubberStageOffKPa: [Double] = [0.13, 0.22]
        /// ppCO2 above which the CO2 warning is raised (kPa).
        public var co2WarningKPa = 0.33
        /// ppCO2 below which the CO2 warning clears (kPa).
        public var co2WarningClearKPa = 0.30
        /// ppCO2 above which the CO2 alarm is raised (kPa): the [V2 6004] limit, 3 mmHg.
        public var co2AlarmKPa = 0.40
        /// ppCO2 below which the CO2 alarm clears (kPa).
        public var co2AlarmClearKPa = 0.37

        // MARK: Temperature
        public var temperatureSetpointC = 22.0
        /// Duty per °C of error.
        public var heaterProportionalGain = 0.5
        /// Duty per °C·s of accumulated error.
        public var heaterIntegralGain = 0.005
        public var heaterWindow: Duration = .seconds(10)

        // MARK: Ranges of the tunables (service 20 may set values only within these)
        public static let ppo2LowRange: ClosedRange<Double> = 17...23
        public static let ppo2HighRange: ClosedRange<Double> = 18...23.5
        public static let temperatureSetpointRange: ClosedRange<Double> = 16...28
        /// ppCO2 levels (kPa) the configuration and service 20 accept: 0.4–15 mmHg.
        public static let co2ThresholdRange: ClosedRange<Double> = 0.05...2.0
        public static let heaterProportionalRange: ClosedRange<Double> = 0...10
        public static let heaterIntegralRange: ClosedRange<Double> = 0...1

        /// mmHg in one kPa (1 mmHg = 133.322 387 Pa, the conventional millimetre of mercury).
        public static let mmHgPerKPa = 1000 / 133.322_387_415

        /// The configuration keys of CO2 levels in ppm that earlier versions read, and the keys
        /// that replaced them: a file that still uses one is refused with the new key's name.
        public static let replacedKeys: [(old: String, new: String)] = [
            ("co2_stage_on_ppm", "co2_stage_on_kpa"), ("co2_stage_off_ppm", "co2_stage_off_kpa"),
            ("co2_alarm_ppm", "co2_alarm_kpa"), ("co2_alarm_clear_ppm", "co2_alarm_clear_kpa"),
        ]

        public init() {}

        /// Every actuator channel life support drives: power management must never shed these.
        public var channelNames: [String] { [oxygenValveChannel] + scrubberChannels + [heaterChannel] }

        /// Reads `[life_support]`; absent keys keep their defaults, unknown keys are rejected.
        ///
        /// Keys: `ppo2_a_parameter`, `ppo2_b_parameter`, `co2_parameter`, `temperature_parameter`,
        /// `pressure_parameter`, `humidity_parameter`, `mode_parameter`, `o2_valve_channel`,
        /// `scrubber_channels`, `scrubber_mapping` (`"exclusive"`/`"cumulative"`), `heater_channel`,
        /// `parameter_id_base`, `ppo2_low_kpa`, `ppo2_high_kpa`, `valve_min_on`, `valve_min_off`,
        /// `o2_agreement_kpa`, `o2_plausible_min_kpa`, `o2_plausible_max_kpa`, `co2_stage_on_kpa`,
        /// `co2_stage_off_kpa`, `co2_warning_kpa`, `co2_warning_clear_kpa`, `co2_alarm_kpa`,
        /// `co2_alarm_clear_kpa`, `temp_setpoint_c`, `heater_kp`, `heater_ki`, `heater_window`.
        /// The ppm keys of earlier versions (``replacedKeys``) are errors naming their replacement.
        /// - Throws: ``ConfigurationError`` at the offending key.
        public init(table: ConfigTable) throws(ConfigurationError) {
            self.init()
            for replaced in Self.replacedKeys where table.has(replaced.old) {
                throw table.error(
                    replaced.old,
                    "CO2 levels are partial pressures now: use \"\(replaced.new)\" (kPa; "
                        + "NASA-STD-3001 V2 6004 limits ppCO2 to 3 mmHg = 0.40 kPa; 1000 ppm at 101.3 kPa is 0.101 kPa)")
            }
            ppo2AParameter = try table.string("ppo2_a_parameter", default: ppo2AParameter)
            ppo2BParameter = try table.string("ppo2_b_parameter", default: ppo2BParameter)
            co2Parameter = try table.string("co2_parameter", default: co2Parameter)
            temperatureParameter = try table.string("temperature_parameter", default: temperatureParameter)
            pressureParameter = try table.string("pressure_parameter", default: pressureParameter)
            humidityParameter = try table.string("humidity_parameter", default: humidityParameter)
            modeParameter = try table.string("mode_parameter", default: modeParameter)
            oxygenValveChannel = try table.string("o2_valve_channel", default: oxygenValveChannel)
            scrubberChannels = try table.strings("scrubber_channels", default: scrubberChannels)
            scrubberMapping = try table.choice(
                "scrubber_mapping",
                Dictionary(uniqueKeysWithValues: ScrubberStageMapping.allCases.map { ($0.rawValue, $0) }),
                default: scrubberMapping)
            heaterChannel = try table.string("heater_channel", default: heaterChannel)
            parameterIDBase = UInt16(try table.int("parameter_id_base", default: Int(parameterIDBase), in: 0...0xFF00))
            ppo2LowKPa = try table.double("ppo2_low_kpa", default: ppo2LowKPa, in: Self.ppo2LowRange)
            ppo2HighKPa = try table.double("ppo2_high_kpa", default: ppo2HighKPa, in: Self.ppo2HighRange)
            valveMinimumOnTime = try table.duration("valve_min_on", default: valveMinimumOnTime)
            valveMinimumOffTime = try table.duration("valve_min_off", default: valveMinimumOffTime)
            sensorAgreementKPa = try table.double("o2_agreement_kpa", default: sensorAgreementKPa, in: 0.01...10)
            plausibleMinimumKPa = try table.double("o2_plausible_min_kpa", default: plausibleMinimumKPa, in: 0...100)
            plausibleMaximumKPa = try table.double("o2_plausible_max_kpa", default: plausibleMaximumKPa, in: 0...100)
            scrubberStageOnKPa = try table.doubles("co2_stage_on_kpa", default: scrubberStageOnKPa)
            scrubberStageOffKPa = try table.doubles("co2_stage_off_kpa", default: scrubberStageOffKPa)
            co2WarningKPa = try table.double("co2_warning_kpa", default: co2WarningKPa, in: Self.co2ThresholdRange)
            co2WarningClearKPa = try table.double("co2_warning_clear_kpa", default: co2WarningClearKPa, in: Self.co2ThresholdRange)
            co2AlarmKPa = try table.double("co2_alarm_kpa", default: co2AlarmKPa, in: Self.co2ThresholdRange)
            co2AlarmClearKPa = try table.double("co2_alarm_clear_kpa", default: co2AlarmClearKPa, in: Self.co2ThresholdRange)
            temperatureSetpointC = try table.double("temp_setpoint_c", default: temperatureSetpointC, in: Self.temperatureSetpointRange)
            heaterProportionalGain = try table.double("heater_kp", default: heaterProportionalGain, in: Self.heaterProportionalRange)
            heaterIntegralGain = try table.double("heater_ki", default: heaterIntegralGain, in: Self.heaterIntegralRange)
            heaterWindow = try table.duration("heater_window", default: heaterWindow)
            try table.rejectUnknownKeys()
            if let issue = validationIssue() { throw table.error(issue.key, issue.message) }
        }

        /// Checks the values together (ordering of limits, channel counts, ranges).
        /// - Throws: ``ConfigurationError`` naming the `[life_support]` key at fault.
        public func validate() throws(ConfigurationError) {
            if let issue = validationIssue() {
                throw ConfigurationError(file: "(life support configuration)", context: "life_support", key: issue.key, message: issue.message)
            }
        }

        /// The first inconsistency found, as the TOML key and a message.
        public func validationIssue() -> (key: String, message: String)? {
            if !Self.ppo2LowRange.contains(ppo2LowKPa) { return ("ppo2_low_kpa", "expected a number in \(Self.ppo2LowRange), found \(ppo2LowKPa)") }
            if !Self.ppo2HighRange.contains(ppo2HighKPa) { return ("ppo2_high_kpa", "expected a number in \(Self.ppo2HighRange), found \(ppo2HighKPa)") }
            if ppo2LowKPa >= ppo2HighKPa { return ("ppo2_low_kpa", "must be below ppo2_high_kpa (\(ppo2HighKPa)), found \(ppo2LowKPa)") }
            if valveMinimumOnTime < .zero || valveMinimumOnTime > .seconds(600) { return ("valve_min_on", "expected 0…600 s") }
            if valveMinimumOffTime < .zero || valveMinimumOffTime > .seconds(600) { return ("valve_min_off", "expected 0…600 s") }
            if !(sensorAgreementKPa > 0) { return ("o2_agreement_kpa", "must be positive") }
            if plausibleMinimumKPa >= plausibleMaximumKPa { return ("o2_plausible_min_kpa", "must be below o2_plausible_max_kpa") }
            if scrubberChannels.isEmpty { return ("scrubber_channels", "at least one scrubber channel is needed") }
            if scrubberChannels.count > 8 { return ("scrubber_channels", "at most 8 scrubber stages") }
            if Set(channelNames).count != channelNames.count { return ("scrubber_channels", "every life-support channel must be a different channel") }
            let stages = scrubberChannels.count
            if scrubberStageOnKPa.count != stages {
                return ("co2_stage_on_kpa", "expected \(stages) levels (one per scrubber channel), found \(scrubberStageOnKPa.count)")
            }
            if scrubberStageOffKPa.count != stages {
                return ("co2_stage_off_kpa", "expected \(stages) levels (one per scrubber channel), found \(scrubberStageOffKPa.count)")
            }
            let range = Self.co2ThresholdRange
            for index in 0..<stages {
                if !range.contains(scrubberStageOnKPa[index]) { return ("co2_stage_on_kpa", "level \(index + 1) outside \(range) kPa") }
                if !range.contains(scrubberStageOffKPa[index]) { return ("co2_stage_off_kpa", "level \(index + 1) outside \(range) kPa") }
                if index > 0, scrubberStageOnKPa[index] <= scrubberStageOnKPa[index - 1] { return ("co2_stage_on_kpa", "levels must increase") }
                if index > 0, scrubberStageOffKPa[index] <= scrubberStageOffKPa[index - 1] { return ("co2_stage_off_kpa", "levels must increase") }
                if scrubberStageOffKPa[index] >= scrubberStageOnKPa[index] {
                    return ("co2_stage_off_kpa", "level \(index + 1) (\(scrubberStageOffKPa[index])) must be below its on level (\(scrubberStageOnKPa[index]))")
                }
            }
            if !range.contains(co2WarningKPa) { return ("co2_warning_kpa", "expected a number in \(range)") }
            if !range.contains(co2WarningClearKPa) { return ("co2_warning_clear_kpa", "expected a number in \(range)") }
            if !range.contains(co2AlarmKPa) { return ("co2_alarm_kpa", "expected a number in \(range)") }
            if !range.contains(co2AlarmClearKPa) { return ("co2_alarm_clear_kpa", "expected a number in \(range)") }
            if co2WarningClearKPa >= co2WarningKPa { return ("co2_warning_clear_kpa", "must be below co2_warning_kpa (\(co2WarningKPa))") }
            if co2AlarmClearKPa >= co2AlarmKPa { return ("co2_alarm_clear_kpa", "must be below co2_alarm_kpa (\(co2AlarmKPa))") }
            if co2WarningKPa >= co2AlarmKPa { return ("co2_warning_kpa", "must be below co2_alarm_kpa (\(co2AlarmKPa))") }
            if !Self.temperatureSetpointRange.contains(temperatureSetpointC) { return ("temp_setpoint_c", "expected a number in \(Self.temperatureSetpointRange)") }
            if !Self.heaterProportionalRange.contains(heaterProportionalGain) { return ("heater_kp", "expected a number in \(Self.heaterProportionalRange)") }
            if !Self.heaterIntegralRange.contains(heaterIntegralGain) { return ("heater_ki", "expected a number in \(Self.heaterIntegralRange)") }
            if heaterWindow < .milliseconds(100) || heaterWindow > .seconds(3600) { return ("heater_window", "expected 0.1 s … 1 h") }
            return nil
        }
    }
}
