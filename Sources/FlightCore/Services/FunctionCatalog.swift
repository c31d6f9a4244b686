/// One argument of an onboard function (TC[8,1]).
public struct FunctionArgumentDefinition: Sendable, Equatable {
    /// Argument ID on the wire (u16).
    public var id: UInt16
    public var name: String
    /// Accepted value types: `"integer"` (any integer tag: u8, u16, u32, i16, i32) or `"bool"`.
    public var type: String
    /// Whether the function refuses a request without it.
    public var required: Bool
    public var summary: String

    public init(_ id: UInt16, _ name: String, _ type: String, required: Bool, _ summary: String) {
        self.id = id
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

/// An onboard function that TC[8,1] performs.
public struct FunctionDefinition: Sendable, Equatable {
    public var id: UInt16
    public var name: String
    public var summary: String
    public var arguments: [FunctionArgumentDefinition]

    public init(_ id: UInt16, _ name: String, _ summary: String, arguments: [FunctionArgumentDefinition] = []) {
        self.id = id
        self.name = name
        self.summary = summary
        self.arguments = arguments
    }
}

/// The onboard functions of service 8 (function ID u16). docs/telecommands.md describes each
/// with its failure codes.
public enum FunctionCatalog {
    public static let setMode: UInt16 = 0x0001
    public static let actuatorCommand: UInt16 = 0x0002
    public static let loadSwitch: UInt16 = 0x0003
    public static let deviceReset: UInt16 = 0x0004
    public static let monitorEnable: UInt16 = 0x0005
    public static let eventActionEnable: UInt16 = 0x0006
    public static let releaseSafingLatches: UInt16 = 0x0007
    public static let resetExecutiveStatistics: UInt16 = 0x0008

    /// Argument IDs shared by the functions.
    public enum Argument {
        public static let mode: UInt16 = 1
        public static let channel: UInt16 = 1
        public static let device: UInt16 = 1
        public static let monitor: UInt16 = 1
        public static let entry: UInt16 = 1
        public static let state: UInt16 = 2
        public static let enabled: UInt16 = 2
    }

    public static let all: [FunctionDefinition] = [
        FunctionDefinition(
            setMode, "set_mode", "Commands a vehicle mode transition through the mode machine's table.",
            arguments: [
                FunctionArgumentDefinition(Argument.mode, "mode", "integer", required: true, "0 BOOT, 1 NOMINAL, 2 DEGRADED, 3 SAFE, 4 EMERGENCY")
            ]),
        FunctionDefinition(
            actuatorCommand, "actuator_command", "Sets or releases the command-priority request of an actuator channel.",
            arguments: [
                FunctionArgumentDefinition(Argument.channel, "channel", "integer", required: true, "actuator channel index (mission database)"),
                FunctionArgumentDefinition(Argument.state, "state", "bool", required: false, "requested state; absent releases the request"),
            ]),
        FunctionDefinition(
            loadSwitch, "load_switch", "Switches a load switch channel (role load_switch or radio_switch), or releases it.",
            arguments: [
                FunctionArgumentDefinition(Argument.channel, "channel", "integer", required: true, "actuator channel index of a load switch"),
                FunctionArgumentDefinition(Argument.state, "state", "bool", required: false, "on (true) or off (false); absent releases the request"),
            ]),
        FunctionDefinition(
            deviceReset, "device_reset", "Asks for a sampled device to be restarted on its bus thread's next pass.",
            arguments: [
                FunctionArgumentDefinition(Argument.device, "device", "integer", required: true, "device index (mission database) of a sampled device")
            ]),
        FunctionDefinition(
            monitorEnable, "monitor_enable", "Enables or disables a parameter monitor.",
            arguments: [
                FunctionArgumentDefinition(Argument.monitor, "monitor", "integer", required: true, "monitor index (mission database)"),
                FunctionArgumentDefinition(Argument.enabled, "enabled", "bool", required: true, "true enables, false disables"),
            ]),
        FunctionDefinition(
            eventActionEnable, "event_action_enable", "Enables or disables an event-action entry.",
            arguments: [
                FunctionArgumentDefinition(Argument.entry, "entry", "integer", required: true, "event-action entry index (mission database)"),
                FunctionArgumentDefinition(Argument.enabled, "enabled", "bool", required: true, "true enables, false disables"),
            ]),
        FunctionDefinition(releaseSafingLatches, "release_safing_latches", "Releases every event-action safing latch (shed loads, scrubber max, crew alarm)."),
        FunctionDefinition(resetExecutiveStatistics, "reset_executive_statistics", "Clears every rate group's latency, execution and slip statistics."),
    ]
}
