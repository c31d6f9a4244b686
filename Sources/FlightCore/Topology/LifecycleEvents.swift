/// Events of the daemon's life (range 0x0800–0x08FF), raised by `iostd run`.
public enum LifecycleEvents: EventDefinitionProvider {
    public static let started = EventID(0x0800)
    public static let shutdownRequested = EventID(0x0801)
    public static let actuatorsSafed = EventID(0x0802)
    public static let deviceUnavailable = EventID(0x0803)
    public static let uncleanRestart = EventID(0x0804)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                started, "daemon_started", .informative, arguments: ["simulated buses", "devices", "devices unavailable"],
                "iostd started and completed its first cycle"),
            EventDefinition(
                shutdownRequested, "shutdown_requested", .medium, arguments: ["signal", "sender pid"],
                "a shutdown was requested (SIGTERM, SIGINT); actuators go to their safe state"),
            EventDefinition(
                actuatorsSafed, "actuators_safed", .medium, arguments: ["channels", "failures"],
                "every actuator channel was put in its safe state"),
            EventDefinition(
                deviceUnavailable, "device_unavailable", .low, arguments: ["device index"],
                "a configured device could not be opened at start-up; it is treated as failed"),
            EventDefinition(
                uncleanRestart, "unclean_restart", .medium, arguments: ["previous mode (VehicleMode; 255 unknown)", "boot count"],
                "the previous run did not shut down cleanly (killed, crashed, power lost): the vehicle boots toward SAFE, not NOMINAL"),
        ]
    }
}
