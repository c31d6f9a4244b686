/// Power management's events (range 0x0300–0x03FF), raised once per transition.
///
/// Loads are identified by their index in the configured shed list (0 = first shed); the ground
/// maps it to the name from the same configuration.
public enum PowerEvents: EventDefinitionProvider {
    public static let socInitialized = EventID(0x0301)
    public static let socHeld = EventID(0x0302)
    public static let socResumed = EventID(0x0303)
    public static let socRestCorrected = EventID(0x0304)
    public static let eclipseEntry = EventID(0x0310)
    public static let eclipseExit = EventID(0x0311)
    public static let loadShed = EventID(0x0320)
    public static let loadRestored = EventID(0x0321)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                socInitialized, "soc_initialized", .informative,
                arguments: ["SoC (%)", "battery voltage (V)"],
                "The battery state of charge was initialised from the open-circuit-voltage curve."),
            EventDefinition(
                socHeld, "soc_held", .medium,
                arguments: ["SoC (%)"],
                "The battery current is not valid: the state of charge is held, not counted."),
            EventDefinition(
                socResumed, "soc_resumed", .informative,
                arguments: ["SoC (%)"],
                "The battery current is valid again: coulomb counting resumed."),
            EventDefinition(
                socRestCorrected, "soc_rest_corrected", .informative,
                arguments: ["SoC before (%)", "SoC after (%)", "battery voltage (V)"],
                "After a rest the state of charge was re-anchored on the open-circuit-voltage curve."),
            EventDefinition(
                eclipseEntry, "eclipse_entry", .informative,
                arguments: ["array power (W)", "threshold (W)"],
                "The solar array power stayed below the threshold: eclipse (also raised when eclipse is first established)."),
            EventDefinition(
                eclipseExit, "eclipse_exit", .informative,
                arguments: ["array power (W)", "threshold (W)"],
                "The solar array power stayed at or above the threshold: sunlight (also raised when sunlight is first established)."),
            EventDefinition(
                loadShed, "load_shed", .low,
                arguments: ["load index", "SoC (%)", "shed threshold (%)", "action (0 = off, 1 = low duty)"],
                "A load was shed because the battery state of charge fell below its threshold."),
            EventDefinition(
                loadRestored, "load_restored", .informative,
                arguments: ["load index", "SoC (%)", "restore threshold (%)", "action (0 = off, 1 = low duty)"],
                "A shed load was restored because the state of charge rose above its threshold plus hysteresis."),
        ]
    }
}
