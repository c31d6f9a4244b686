import HAL

/// Everything fault management reads from the vehicle configuration:
/// `[fault_management]`, `[[monitor]]`, `[[event_action]]` and `[mode_machine]`.
///
/// ```toml
/// [fault_management]
/// inbox_capacity = 64                 # events between two drains of the event-action table
/// monitor_state_parameter_base = 0x0400   # mon.<name>.state ids: base + monitor index
/// ```
public struct FaultManagementConfiguration: Sendable, Equatable {
    public var inboxCapacity = 64
    public var monitorStateParameterBase = ParameterID(0x0400)
    public var monitors: [MonitorConfiguration] = []
    public var eventActions: [EventActionConfiguration] = []
    public var modeMachine = ModeMachineConfiguration()

    public init() {}

    /// Reads the four sections from the document's root table, rejecting unknown keys in each.
    /// - Parameters:
    ///   - groups: the executive's rate group names; every monitor's `group` must be one of them.
    /// - Throws: ``ConfigurationError``.
    public init(root: ConfigTable, groups: [String]? = nil) throws(ConfigurationError) {
        let table = try root.table("fault_management")
        inboxCapacity = try table.int("inbox_capacity", default: 64, in: 1...4096)
        monitorStateParameterBase = ParameterID(UInt16(try table.int("monitor_state_parameter_base", default: 0x0400, in: 0...0xFFFF)))
        try table.rejectUnknownKeys()
        monitors = try MonitorConfiguration.all(in: root, groups: groups)
        guard Int(monitorStateParameterBase.rawValue) + monitors.count <= 0x10000 else {
            throw table.error("monitor_state_parameter_base", "leaves no room for \(monitors.count) monitor state parameters")
        }
        eventActions = try EventActionConfiguration.all(in: root)
        modeMachine = try ModeMachineConfiguration(table: try root.table("mode_machine"))
    }
}

/// Fault management as the topology builds it: monitors, the event-action table and the mode
/// machine around one ``EventRouter`` and one ``SafingRequests``.
///
/// Build order: make the ``EventRouter`` first (every component raises into it), register the
/// other subsystems' parameters (device health's `dev.<name>.health`, `power.battery_soc_pct`,
/// `ls.o2_sensor_status`, the monitored parameters), then build this, then add
/// ``monitoringMembers(period:)`` to the monitoring rate group followed by the actuator output stage.
public final class FaultManagement {
    /// The event definitions of fault management (monitors, mode machine, event-action).
    public static var eventProviders: [any EventDefinitionProvider.Type] { [MonitorEvents.self, ModeEvents.self, EventActionEvents.self] }

    public let router: EventRouter
    public let safing: SafingRequests
    public let monitors: MonitorBank
    public let modeMachine: ModeMachine
    public let eventActions: EventActionTable
    private var monitoringGroupBuilt = false

    /// - Parameters:
    ///   - catalog: the other subsystems' event definitions (event-action entries name events from it).
    ///   - devices: device names in device-index order.
    ///   - channels: every actuator channel event-action entries may name (roles included or not).
    ///   - recoverDevice: the device-health recovery hook for `recover_device` actions.
    /// - Throws: ``FaultManagementError`` for a configured name that does not resolve.
    public init(
        configuration: FaultManagementConfiguration, pool: ParameterPool, router: EventRouter, catalog: [EventDefinition],
        devices: [String], actuators: ModeActuators, channels: [ActuatorChannel],
        recoverDevice: ((Int) -> Void)? = nil
    ) throws(FaultManagementError) {
        self.router = router
        safing = SafingRequests(channels: channels)
        monitors = try MonitorBank(
            configurations: configuration.monitors, pool: pool, events: router,
            stateParameterBase: configuration.monitorStateParameterBase)
        modeMachine = try ModeMachine(
            configuration: configuration.modeMachine, pool: pool, events: router, monitors: monitors,
            devices: devices, actuators: actuators, safing: safing)
        let fullCatalog = catalog + EventCatalog.all(Self.eventProviders) + monitors.configuredEventDefinitions
        eventActions = try EventActionTable(
            configurations: configuration.eventActions, catalog: fullCatalog, router: router,
            events: router, monitors: monitors, modeMachine: modeMachine, safing: safing,
            channels: channels, actuators: actuators, devices: devices, recoverDevice: recoverDevice)
    }

    /// The members of the monitoring rate group, in the order that gives the reaction time:
    /// its monitors, the event-action table, the mode machine. Append the actuator output stage.
    public func monitoringMembers(group: String = MonitorConfiguration.defaultGroup, period: Duration) -> [any RateGroupMember] {
        precondition(!monitoringGroupBuilt, "the monitoring members are built twice")
        monitoringGroupBuilt = true
        return [monitors.member(group: group, period: period), eventActions, modeMachine]
    }

    /// The member for monitors configured in a faster `group` (run it before that group's consumers).
    public func monitorMember(group: String, period: Duration) -> MonitorGroup {
        monitors.member(group: group, period: period)
    }
}
