import HAL

/// One load that power management may shed, in shed order.
public struct SheddableLoad: Sendable, Equatable {
    /// What shedding does to the load.
    public enum Action: Sendable, Equatable {
        /// Switched off.
        case off
        /// Cycled: on for `on` out of every `period` (e.g. a radio kept to a low duty).
        case duty(on: Duration, period: Duration)

        /// The code carried by the shed and restore events (0 = off, 1 = duty-cycled).
        public var code: Double {
            switch self {
            case .off: return 0
            case .duty: return 1
            }
        }
    }

    /// A short snake_case name (`payload`): it names the tunable `power.shed_<name>_soc_pct`.
    public var name: String
    /// The actuator channel that powers the load.
    public var channel: String
    /// Shed below this SoC (%); restored above it plus the hysteresis.
    public var shedBelowSoC: Double
    public var action: Action

    public init(name: String, channel: String, shedBelowSoC: Double, action: Action = .off) {
        self.name = name
        self.channel = channel
        self.shedBelowSoC = shedBelowSoC
        self.action = action
    }
}

extension PowerController {
    /// What power management reads and drives; TOML section `[power]` with `[[power.shed_load]]`
    /// entries.
    ///
    /// The default battery is a 7S Li-ion NMC pack (25.9 V nominal, 21.0 V empty, 29.4 V full —
    /// inside the INA226's 36 V bus range and the usual 28 V spacecraft bus) of 100 Ah, coulombic
    /// charge efficiency 0.98, OCV curve ``OpenCircuitVoltageCurve/nmcCell``. Rest: |I| < 0.5 A
    /// (C/200) for 30 min, long enough for an NMC cell to relax within a few millivolts.
    ///
    /// **Sign convention**: the battery current the estimator uses is positive when charging. The
    /// INA226 reads the shunt as wired; set `current_sign = -1` when positive readings mean
    /// discharge.
    ///
    /// Eclipse: array power below 5 W for 30 s → eclipse; at or above for 10 s → sunlight.
    ///
    /// Load shedding (defaults): payload below 40 % SoC, non-essential heaters below 30 %, the
    /// radio to a low duty (on 10 s per minute) below 20 %; each restored above its threshold
    /// + 5 %, in reverse order. Life-support channels can never be listed.
    public struct Configuration: Sendable, Equatable {
        // MARK: Inputs
        /// Battery current (A), through the battery INA226.
        public var batteryCurrentParameter = "dev.battery-power.current_a"
        /// Battery pack voltage (V).
        public var batteryVoltageParameter = "dev.battery-power.bus_voltage_v"
        /// Solar array power (W), through the array INA226.
        public var arrayPowerParameter = "dev.solar-power.power_w"
        /// The MPPT charger's PV power (W), used when the array reading is not valid; empty: none.
        public var mpptPowerParameter = "dev.mppt.pv_power_w"
        /// The MPPT charger's charging state code, passed through; empty: none.
        public var mpptChargingStateParameter = "dev.mppt.charging_state"

        /// `+1` if a positive current reading charges the battery, `-1` if it discharges it.
        public var currentSign = 1.0

        /// The first ID of power's derived and tunable parameters (layout in ``PowerController``).
        public var parameterIDBase: UInt16 = 0x0300

        // MARK: Battery
        public var capacityAh = 100.0
        public var chargeEfficiency = 0.98
        public var cellsInSeries = 7
        public var openCircuitVoltage = OpenCircuitVoltageCurve.nmcCell
        public var restCurrent = 0.5
        public var restDuration: Duration = .seconds(30 * 60)
        /// The SoC to start from (%); `nil`: from the OCV curve at the first valid voltage.
        public var initialSoC: Double?

        // MARK: Solar array
        public var eclipsePowerThreshold = 5.0
        public var eclipseEntryTime: Duration = .seconds(30)
        public var eclipseExitTime: Duration = .seconds(10)

        // MARK: Load shedding
        /// Loads in shed order (first shed first, restored last).
        public var loads: [SheddableLoad] = [
            SheddableLoad(name: "payload", channel: "payload-power", shedBelowSoC: 40),
            SheddableLoad(name: "heaters", channel: "aux-heater", shedBelowSoC: 30),
            SheddableLoad(name: "radio", channel: "radio-power", shedBelowSoC: 20, action: .duty(on: .seconds(10), period: .seconds(60))),
        ]
        /// Restore above threshold + this (% SoC).
        public var shedHysteresis = 5.0

        public static let socRange: ClosedRange<Double> = 0...100
        public static let hysteresisRange: ClosedRange<Double> = 0.5...25
        public static let eclipsePowerRange: ClosedRange<Double> = 0...10_000
        public static let maximumLoads = 16

        public init() {}

        /// Reads `[power]`; absent keys keep their defaults, unknown keys are rejected.
        ///
        /// Keys: `battery_current_parameter`, `battery_voltage_parameter`, `array_power_parameter`,
        /// `mppt_power_parameter`, `mppt_charging_state_parameter` (`""` = no MPPT),
        /// `current_sign` (1 or -1), `parameter_id_base`, `capacity_ah`, `charge_efficiency`,
        /// `cells_in_series`, `ocv_soc_pct`, `ocv_cell_v`, `rest_current_a`, `rest_duration`,
        /// `initial_soc_pct`, `eclipse_power_w`, `eclipse_entry_time`, `eclipse_exit_time`,
        /// `shed_hysteresis_pct`, and `[[power.shed_load]]` tables with `name`, `channel`,
        /// `shed_below_soc_pct`, `action` (`"off"` or `"duty"`), `duty_on`, `duty_period`.
        /// Without any `shed_load` table the default list is used.
        ///
        /// - Parameter lifeSupportChannels: the channels life support drives
        ///   (``LifeSupportController/Configuration/channelNames``): a load naming one is rejected.
        /// - Throws: ``ConfigurationError`` at the offending key.
        public init(table: ConfigTable, lifeSupportChannels: [String]) throws(ConfigurationError) {
            self.init()
            batteryCurrentParameter = try table.string("battery_current_parameter", default: batteryCurrentParameter)
            batteryVoltageParameter = try table.string("battery_voltage_parameter", default: batteryVoltageParameter)
            arrayPowerParameter = try table.string("array_power_parameter", default: arrayPowerParameter)
            mpptPowerParameter = try table.string("mppt_power_parameter", default: mpptPowerParameter)
            mpptChargingStateParameter = try table.string("mppt_charging_state_parameter", default: mpptChargingStateParameter)
            let sign = try table.int("current_sign", default: 1, in: -1...1)
            guard sign != 0 else { throw table.error("current_sign", "expected 1 or -1, found 0") }
            currentSign = Double(sign)
            parameterIDBase = UInt16(try table.int("parameter_id_base", default: Int(parameterIDBase), in: 0...0xFF00))
            capacityAh = try table.double("capacity_ah", default: capacityAh, in: 0.01...100_000)
            chargeEfficiency = try table.double("charge_efficiency", default: chargeEfficiency, in: 0.5...1)
            cellsInSeries = try table.int("cells_in_series", default: cellsInSeries, in: 1...64)
            let socColumn = try table.doubles("ocv_soc_pct", default: openCircuitVoltage.socPercent)
            let voltColumn = try table.doubles("ocv_cell_v", default: openCircuitVoltage.cellVolts)
            guard let curve = OpenCircuitVoltageCurve(socPercent: socColumn, cellVolts: voltColumn) else {
                let issue = OpenCircuitVoltageCurve.issue(socPercent: socColumn, cellVolts: voltColumn) ?? "unusable"
                throw table.error(table.has("ocv_cell_v") ? "ocv_cell_v" : "ocv_soc_pct", "OCV table: \(issue)")
            }
            openCircuitVoltage = curve
            restCurrent = try table.double("rest_current_a", default: restCurrent, in: 0...1000)
            restDuration = try table.duration("rest_duration", default: restDuration)
            if table.has("initial_soc_pct") {
                initialSoC = try table.double("initial_soc_pct", in: Self.socRange)
            }
            eclipsePowerThreshold = try table.double("eclipse_power_w", default: eclipsePowerThreshold, in: Self.eclipsePowerRange)
            eclipseEntryTime = try table.duration("eclipse_entry_time", default: eclipseEntryTime)
            eclipseExitTime = try table.duration("eclipse_exit_time", default: eclipseExitTime)
            shedHysteresis = try table.double("shed_hysteresis_pct", default: shedHysteresis, in: Self.hysteresisRange)

            if table.has("shed_load") {
                var loads: [SheddableLoad] = []
                for entry in try table.tables(
                    "shed_load",
                    label: { index, entry in
                        "power shed_load \((try? entry.string("name")).map { "\"\($0)\"" } ?? "#\(index + 1)")"
                    })
                {
                    let name = try entry.string("name")
                    let channel = try entry.string("channel")
                    let threshold = try entry.double("shed_below_soc_pct", in: Self.socRange)
                    let action: SheddableLoad.Action
                    switch try entry.choice("action", ["off": false, "duty": true], default: false) {
                    case false:
                        action = .off
                    case true:
                        action = .duty(
                            on: try entry.duration("duty_on", default: .seconds(10)),
                            period: try entry.duration("duty_period", default: .seconds(60)))
                    }
                    try entry.rejectUnknownKeys()
                    if lifeSupportChannels.contains(channel) {
                        throw entry.error("channel", "\"\(channel)\" is a life-support channel; life support is never shed")
                    }
                    if let issue = Self.loadIssue(
                        SheddableLoad(name: name, channel: channel, shedBelowSoC: threshold, action: action),
                        among: loads)
                    {
                        throw entry.error(issue.key, issue.message)
                    }
                    loads.append(SheddableLoad(name: name, channel: channel, shedBelowSoC: threshold, action: action))
                }
                self.loads = loads
            }
            try table.rejectUnknownKeys()
            if let issue = validationIssue(lifeSupportChannels: lifeSupportChannels) { throw table.error(issue.key, issue.message) }
        }

        /// Checks the values together.
        /// - Throws: ``ConfigurationError`` naming the `[power]` key at fault.
        public func validate(lifeSupportChannels: [String]) throws(ConfigurationError) {
            if let issue = validationIssue(lifeSupportChannels: lifeSupportChannels) {
                throw ConfigurationError(file: "(power configuration)", context: "power", key: issue.key, message: issue.message)
            }
        }

        /// The first inconsistency found, as the TOML key and a message.
        public func validationIssue(lifeSupportChannels: [String]) -> (key: String, message: String)? {
            if currentSign != 1, currentSign != -1 { return ("current_sign", "expected 1 or -1") }
            if !(capacityAh > 0) { return ("capacity_ah", "must be positive") }
            if !(chargeEfficiency > 0 && chargeEfficiency <= 1) { return ("charge_efficiency", "expected 0…1") }
            if cellsInSeries < 1 { return ("cells_in_series", "must be at least 1") }
            if !(restCurrent >= 0) { return ("rest_current_a", "must not be negative") }
            if restDuration < .seconds(1) { return ("rest_duration", "must be at least 1 s") }
            if let initialSoC, !Self.socRange.contains(initialSoC) { return ("initial_soc_pct", "expected 0…100") }
            if !Self.eclipsePowerRange.contains(eclipsePowerThreshold) { return ("eclipse_power_w", "expected \(Self.eclipsePowerRange)") }
            if eclipseEntryTime < .zero || eclipseExitTime < .zero { return ("eclipse_entry_time", "must not be negative") }
            if !Self.hysteresisRange.contains(shedHysteresis) { return ("shed_hysteresis_pct", "expected \(Self.hysteresisRange)") }
            if loads.count > Self.maximumLoads { return ("shed_load", "at most \(Self.maximumLoads) loads") }
            for index in loads.indices {
                let load = loads[index]
                if lifeSupportChannels.contains(load.channel) {
                    return ("shed_load", "load \"\(load.name)\": \"\(load.channel)\" is a life-support channel; life support is never shed")
                }
                if let issue = Self.loadIssue(load, among: Array(loads[..<index])) { return ("shed_load", "load \"\(load.name)\": " + issue.message) }
            }
            return nil
        }

        private static func loadIssue(_ load: SheddableLoad, among earlier: [SheddableLoad]) -> (key: String, message: String)? {
            if load.name.isEmpty || !load.name.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) {
                return ("name", "expected lowercase letters, digits and '_', found \"\(load.name)\"")
            }
            if earlier.contains(where: { $0.name == load.name }) { return ("name", "a load named \"\(load.name)\" is already listed") }
            if earlier.contains(where: { $0.channel == load.channel }) { return ("channel", "channel \"\(load.channel)\" is already listed") }
            if !socRange.contains(load.shedBelowSoC) { return ("shed_below_soc_pct", "expected 0…100") }
            if let previous = earlier.last, load.shedBelowSoC > previous.shedBelowSoC {
                return ("shed_below_soc_pct", "loads are shed in order: \(load.shedBelowSoC) % is above the previous load's \(previous.shedBelowSoC) %")
            }
            if case .duty(let on, let period) = load.action {
                if period < .seconds(1) { return ("duty_period", "must be at least 1 s") }
                if on < .zero || on >= period { return ("duty_on", "must be at least 0 and shorter than duty_period") }
            }
            return nil
        }
    }
}
