/// Events of the parameter monitors (PUS 12 model), range 0x0400–0x04FF.
///
/// Every monitor state change raises exactly one of these, with the arguments
/// (monitor index, value, limit, new ``MonitorState`` raw value). 0x0480–0x04FF is reserved for
/// per-monitor event IDs set in configuration (`warning_event`, `alarm_event`).
public enum MonitorEvents: EventDefinitionProvider {
    public static let nominal = EventID(0x0401)
    public static let warning = EventID(0x0402)
    public static let alarm = EventID(0x0403)
    public static let unexpected = EventID(0x0404)
    public static let stale = EventID(0x0405)
    public static let invalid = EventID(0x0406)
    public static let disabled = EventID(0x0407)
    public static let enabled = EventID(0x0408)

    /// The first ID a configuration may give a single monitor.
    public static let configurableRange: ClosedRange<UInt16> = 0x0480...0x04FF

    static let stateArguments = ["monitor index", "value", "limit", "new state"]

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                nominal, "monitor_nominal", .informative, arguments: stateArguments,
                "A monitored parameter is back within its limits (limit: the one last violated, 0 if none)."),
            EventDefinition(
                warning, "monitor_warning", .low, arguments: stateArguments,
                "A monitored parameter crossed a warning limit (state tells low or high)."),
            EventDefinition(
                alarm, "monitor_alarm", .high, arguments: stateArguments,
                "A monitored parameter crossed an alarm limit (state tells low or high)."),
            EventDefinition(
                unexpected, "monitor_unexpected", .medium, arguments: stateArguments,
                "A parameter under an expected-value check differs from the expected value (limit: the expected value)."),
            EventDefinition(
                stale, "monitor_stale", .low, arguments: stateArguments,
                "A monitored parameter has had no new sample for the persistence count of checks, or is marked stale."),
            EventDefinition(
                invalid, "monitor_invalid", .low, arguments: stateArguments,
                "A monitored parameter is marked invalid by its source."),
            EventDefinition(
                disabled, "monitor_disabled", .informative, arguments: ["monitor index"],
                "A monitor was disabled; its state is unchecked until it is enabled again."),
            EventDefinition(
                enabled, "monitor_enabled", .informative, arguments: ["monitor index"],
                "A monitor was enabled; its state stays unchecked until its first state change."),
        ]
    }

    /// Whether `id` is a monitor state-change event (generic or per-monitor).
    @inline(__always)
    static func isStateChange(_ id: EventID) -> Bool {
        (id.rawValue >= nominal.rawValue && id.rawValue <= invalid.rawValue) || configurableRange.contains(id.rawValue)
    }
}

/// Events of the mode machine, range 0x0500–0x057F.
///
/// A transition raises the event of the mode entered, with the arguments (from mode, to mode,
/// ``ModeReason`` raw value, detail — a monitor or device index, a value, an event-action entry).
public enum ModeEvents: EventDefinitionProvider {
    public static let enteredNominal = EventID(0x0501)
    public static let enteredDegraded = EventID(0x0502)
    public static let enteredSafe = EventID(0x0503)
    public static let enteredEmergency = EventID(0x0504)
    public static let commandRefused = EventID(0x0510)

    static let transitionArguments = ["from mode", "to mode", "reason", "detail"]

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                enteredNominal, "mode_nominal", .informative, arguments: transitionArguments,
                "The vehicle entered NOMINAL."),
            EventDefinition(
                enteredDegraded, "mode_degraded", .low, arguments: transitionArguments,
                "The vehicle entered DEGRADED: redundancy lost or a non-critical device failed."),
            EventDefinition(
                enteredSafe, "mode_safe", .medium, arguments: transitionArguments,
                "The vehicle entered SAFE: minimal loads until commanded back to NOMINAL."),
            EventDefinition(
                enteredEmergency, "mode_emergency", .high, arguments: transitionArguments,
                "The vehicle entered EMERGENCY: crew alarm on, scrubbers at maximum, payload off."),
            EventDefinition(
                commandRefused, "mode_command_refused", .low, arguments: ["current mode", "requested mode", "refusal code", "reason"],
                "A mode command was refused: transition not allowed, or the conditions of the current mode persist."),
        ]
    }

    /// The event raised on entering `mode` (BOOT is never entered).
    static func entered(_ mode: VehicleMode) -> (EventID, EventSeverity) {
        switch mode {
        case .boot, .nominal: return (enteredNominal, .informative)
        case .degraded: return (enteredDegraded, .low)
        case .safe: return (enteredSafe, .medium)
        case .emergency: return (enteredEmergency, .high)
        }
    }
}

/// Events of the event-action table (PUS 19 model), range 0x0580–0x05FF.
public enum EventActionEvents: EventDefinitionProvider {
    public static let executed = EventID(0x0580)
    public static let powerCycleComplete = EventID(0x0581)
    public static let inboxOverflow = EventID(0x0582)
    public static let retriggerIgnored = EventID(0x0583)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                executed, "event_action_executed", .informative, arguments: ["entry index", "trigger event id", "action code"],
                "An enabled event-action entry matched an event and its action was executed."),
            EventDefinition(
                powerCycleComplete, "power_cycle_complete", .informative, arguments: ["entry index", "off time s"],
                "A power-cycle action switched its load back to its previous state."),
            EventDefinition(
                inboxOverflow, "event_inbox_overflow", .high, arguments: ["events dropped since start"],
                "The event-action inbox was full: events were logged but not checked against the table."),
            EventDefinition(
                retriggerIgnored, "event_action_retrigger_ignored", .low, arguments: ["entry index", "trigger event id"],
                "A power-cycle entry matched again while its sequence was still running; the new trigger was ignored."),
        ]
    }
}
