/// Life support's events (range 0x0200–0x02FF).
///
/// Each is raised once per transition, not every cycle. Arguments that name an input or a sensor
/// use the codes documented on each event.
public enum LifeSupportEvents: EventDefinitionProvider {
    public static let o2SensorsDisagree = EventID(0x0201)
    public static let o2SensorDegraded = EventID(0x0202)
    public static let o2SensorsFailed = EventID(0x0203)
    public static let o2SensorsNominal = EventID(0x0204)
    public static let scrubberStageChanged = EventID(0x0210)
    public static let co2Alarm = EventID(0x0211)
    public static let co2AlarmCleared = EventID(0x0212)
    public static let co2Warning = EventID(0x0213)
    public static let co2WarningCleared = EventID(0x0214)
    public static let inputInvalid = EventID(0x0220)
    public static let inputRestored = EventID(0x0221)

    /// Input codes carried by ``inputInvalid`` and ``inputRestored``.
    public enum Input: UInt8, Sendable {
        case co2 = 1
        case temperature = 2
        case pressure = 3
        case humidity = 4
    }

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                o2SensorsDisagree, "o2_sensors_disagree", .low,
                arguments: ["sensor A ppO2 (kPa)", "sensor B ppO2 (kPa)", "sensor used (1 = A, 2 = B)"],
                "The two oxygen sensors differ by more than the agreement tolerance; the more plausible one is used."),
            EventDefinition(
                o2SensorDegraded, "o2_sensor_degraded", .medium,
                arguments: ["failed sensor (1 = A, 2 = B)", "ppO2 of the remaining sensor (kPa)"],
                "One oxygen sensor is invalid; ppO2 control continues on the other alone (DEGRADED)."),
            EventDefinition(
                o2SensorsFailed, "o2_sensors_failed", .high,
                arguments: ["last voted ppO2 (kPa, NaN if none)"],
                "Both oxygen sensors are invalid: ppO2 unknown, oxygen valve closed (no blind injection)."),
            EventDefinition(
                o2SensorsNominal, "o2_sensors_nominal", .informative,
                arguments: ["voted ppO2 (kPa)"],
                "Both oxygen sensors are valid and agree again."),
            EventDefinition(
                scrubberStageChanged, "scrubber_stage_changed", .informative,
                arguments: ["previous stage", "new stage", "ppCO2 (kPa, NaN if invalid)"],
                "The CO2 scrubber fan stage changed."),
            EventDefinition(
                co2Alarm, "co2_alarm", .high,
                arguments: ["ppCO2 (kPa)", "alarm level (kPa)"],
                "Cabin CO2 partial pressure is above the alarm level (default 0.40 kPa = 3 mmHg, NASA-STD-3001 V2 6004)."),
            EventDefinition(
                co2AlarmCleared, "co2_alarm_cleared", .informative,
                arguments: ["ppCO2 (kPa)", "clear level (kPa)"],
                "Cabin CO2 partial pressure is back below the alarm clear level."),
            EventDefinition(
                co2Warning, "co2_warning", .medium,
                arguments: ["ppCO2 (kPa)", "warning level (kPa)"],
                "Cabin CO2 partial pressure is above the warning level: the scrubber is not holding it."),
            EventDefinition(
                co2WarningCleared, "co2_warning_cleared", .informative,
                arguments: ["ppCO2 (kPa)", "clear level (kPa)"],
                "Cabin CO2 partial pressure is back below the warning clear level."),
            EventDefinition(
                inputInvalid, "ls_input_invalid", .medium,
                arguments: ["input (1 = CO2, 2 = temperature, 3 = pressure, 4 = humidity)"],
                "A life-support input is not valid: CO2 → scrubber at its highest stage, temperature → heater off."),
            EventDefinition(
                inputRestored, "ls_input_restored", .informative,
                arguments: ["input (1 = CO2, 2 = temperature, 3 = pressure, 4 = humidity)"],
                "A life-support input is valid again."),
        ]
    }
}
