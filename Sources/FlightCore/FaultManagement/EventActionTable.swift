import HAL

/// What triggers an event-action entry.
public enum EventActionTrigger: Sendable, Equatable {
    /// An event by its catalog name (`device_failed`, `o2_sensor_degraded`, `mode_emergency`).
    case eventNamed(String)
    /// An event by its ID.
    case eventID(EventID)
    /// A state change of the named monitor into one of `states`.
    case monitor(String, states: MonitorStateSet)
}

/// What an entry does. Every action takes effect in the cycle the event is drained.
public enum EventAction: Sendable, Equatable {
    /// Asks the mode machine for SAFE, EMERGENCY or DEGRADED (taken if the transition table allows).
    case setMode(VehicleMode)
    /// Latches the channel off at priority `.safing` until released by command.
    case shedLoad(channel: String)
    /// Latches every scrubber fan stage on at priority `.safing`.
    case scrubberMax
    /// Latches the crew alarm on at priority `.safing`.
    case crewAlarm
    /// Switches the load switch channel off for `offTime`, then back to what it was asked before.
    case powerCycle(channel: String, offTime: Duration)
    /// Calls the topology's device-recovery hook with the named device's index, or with the
    /// event's first argument (device events carry the device index there).
    case recoverDevice(device: String?)
    /// Releases a telecommand (added by TC[19,1]; not configurable in TOML): it goes through the
    /// same acceptance, validation and verification reports as one from the ground.
    case telecommand

    /// The number in `event_action_executed`.
    public var code: UInt8 {
        switch self {
        case .setMode: return 1
        case .shedLoad: return 2
        case .scrubberMax: return 3
        case .crewAlarm: return 4
        case .powerCycle: return 5
        case .recoverDevice: return 6
        case .telecommand: return 7
        }
    }
}

/// One `[[event_action]]` table.
///
/// ```toml
/// [[event_action]]
/// event = "device_failed"     # an event name or id …
/// argument = 3                # … optionally only when its first argument equals this
/// # monitor = "cabin_leak"    # … or a monitor's state change
/// # state = "alarm_low"       #     into this state or set: alarm, warning, data_loss, off_nominal (default alarm)
/// action = "power_cycle"      # set_mode | shed_load | scrubber_max | crew_alarm | power_cycle | recover_device
/// channel = "cabin-env-power" # shed_load, power_cycle
/// off_time = "5s"             # power_cycle (default 5 s)
/// # mode = "SAFE"             # set_mode: SAFE | EMERGENCY | DEGRADED
/// # device = "cabin-env"      # recover_device (default: the event's first argument)
/// enabled = true
/// ```
public struct EventActionConfiguration: Sendable, Equatable {
    public var trigger: EventActionTrigger
    /// Matches only events whose first argument equals this.
    public var argument: Double?
    public var action: EventAction
    public var enabled: Bool

    public init(trigger: EventActionTrigger, argument: Double? = nil, action: EventAction, enabled: Bool = true) {
        self.trigger = trigger
        self.argument = argument
        self.action = action
        self.enabled = enabled
    }

    /// Reads one `[[event_action]]` table, rejecting unknown keys.
    /// - Throws: ``ConfigurationError``.
    public init(table: ConfigTable) throws(ConfigurationError) {
        switch (table.has("event"), table.has("monitor")) {
        case (true, false):
            if let name = try? table.string("event") {
                trigger = .eventNamed(name)
            } else {
                trigger = .eventID(EventID(UInt16(try table.int("event", in: 1...0xFFFF))))
            }
        case (false, true):
            let monitor = try table.string("monitor")
            let stateName = try table.string("state", default: "alarm")
            guard let states = MonitorStateSet(name: stateName) else {
                throw table.error("state", "expected one of \(MonitorStateSet.configurationNames.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(stateName)\"")
            }
            trigger = .monitor(monitor, states: states)
        default:
            throw table.error(nil, "expected exactly one of \"event\" or \"monitor\"")
        }
        argument = table.has("argument") ? try table.double("argument") : nil
        let actionName = try table.choice(
            "action",
            [
                "set_mode": "set_mode", "shed_load": "shed_load", "scrubber_max": "scrubber_max",
                "crew_alarm": "crew_alarm", "power_cycle": "power_cycle", "recover_device": "recover_device",
            ])
        switch actionName {
        case "set_mode":
            action = .setMode(try table.choice("mode", ["SAFE": VehicleMode.safe, "EMERGENCY": .emergency, "DEGRADED": .degraded]))
        case "shed_load":
            action = .shedLoad(channel: try table.string("channel"))
        case "scrubber_max":
            action = .scrubberMax
        case "crew_alarm":
            action = .crewAlarm
        case "power_cycle":
            let offTime = try table.duration("off_time", default: .seconds(5))
            guard offTime > .zero else { throw table.error("off_time", "expected a duration above zero") }
            action = .powerCycle(channel: try table.string("channel"), offTime: offTime)
        default:
            action = .recoverDevice(device: try table.optionalString("device"))
        }
        enabled = try table.bool("enabled", default: true)
        try table.rejectUnknownKeys()
    }

    /// Reads every `[[event_action]]` table of `root`.
    public static func all(in root: ConfigTable) throws(ConfigurationError) -> [EventActionConfiguration] {
        var result: [EventActionConfiguration] = []
        for table in try root.tables("event_action", label: { index, _ in "event_action #\(index + 1)" }) {
            result.append(try EventActionConfiguration(table: table))
        }
        return result
    }
}

/// The event-action table (PUS 19 model): drains the ``EventRouter`` inbox every cycle, runs the
/// action of each enabled entry whose trigger matches, and advances running power-cycle sequences.
///
/// Run it after the monitors and before the mode machine in the monitoring rate group: an event
/// raised by a monitor is acted on in the same cycle. Events raised by later members (the mode
/// machine, other groups) are acted on in the next cycle of this group.
///
/// - Warning: Executive thread only.
public final class EventActionTable: RateGroupMember {
    public let name = "event-action"
    public let configurations: [EventActionConfiguration]
    /// Executions per entry since start.
    public private(set) var executions: [Int]
    private var enabled: [Bool]

    private let router: EventRouter
    private let events: any EventSink
    private let safing: SafingRequests
    private let modeMachine: ModeMachine?
    private let recoverDevice: ((Int) -> Void)?

    // Resolved triggers and actions, one per entry.
    private let triggerID: [EventID?]
    private let triggerMonitor: [Int?]
    private let triggerStates: [MonitorStateSet]
    private let channelSlot: [Int?]
    private let deviceIndex: [Int?]
    private let scrubberSlots: [Int]
    private let crewAlarmSlot: Int?
    private var sequenceStart: [MonotonicInstant?]
    private var lastDropped: UInt64 = 0

    // Service 19.
    /// The event ID each configured entry answers to in ST[19] (an event trigger's ID; a monitor
    /// trigger's own alarm or warning event), `nil` when it has none (ST[8] only).
    public let serviceEventIDs: [UInt16?]
    /// Configured entries deleted by TC[19,2]/[19,3] (until the next start without the state file).
    private var deleted: [Bool]
    /// Whether the event-action function runs at all (TC[19,8]/[19,9]).
    public private(set) var functionEnabled = true
    /// Definitions added by TC[19,1]: event ID, enable flag and the telecommand to release.
    public static let telecommandSlots = 16
    private var added: [UInt16?] = Array(repeating: nil, count: EventActionTable.telecommandSlots)
    private var addedEnabled = Array(repeating: false, count: EventActionTable.telecommandSlots)
    private var addedLength = Array(repeating: 0, count: EventActionTable.telecommandSlots)
    private var addedPackets = [UInt8](repeating: 0, count: EventActionTable.telecommandSlots * EventActionTable.maximumTelecommandOctets)
    /// Executions of each TC[19,1] definition since start.
    public private(set) var addedExecutions = Array(repeating: 0, count: EventActionTable.telecommandSlots)
    /// The longest telecommand packet a definition holds.
    public static let maximumTelecommandOctets = 256
    /// Releases a TC[19,1] definition's telecommand (set by the services before the executive
    /// starts). Called on the executive's thread; may allocate (a release is rare).
    public var releaseTelecommand: ((UnsafeBufferPointer<UInt8>, MonotonicInstant) -> Void)?

    /// Resolves the entries against the event catalog, the monitors, the channels and the devices.
    /// - Parameters:
    ///   - catalog: every event definition (all subsystems plus ``MonitorBank/configuredEventDefinitions``).
    ///   - router: the inbox to drain; `events` is where this table raises its own events (normally the same router).
    ///   - channels: every actuator channel an entry may name.
    ///   - devices: device names in device-index order.
    ///   - recoverDevice: called with a device index by `recover_device` (must not block or allocate).
    /// - Throws: ``FaultManagementError`` for a name that does not resolve or a missing role/hook.
    public init(
        configurations: [EventActionConfiguration], catalog: [EventDefinition], router: EventRouter, events: any EventSink,
        monitors: MonitorBank?, modeMachine: ModeMachine?, safing: SafingRequests, channels: [ActuatorChannel],
        actuators: ModeActuators, devices: [String], recoverDevice: ((Int) -> Void)?
    ) throws(FaultManagementError) {
        self.configurations = configurations
        self.router = router
        self.events = events
        self.safing = safing
        self.modeMachine = modeMachine
        self.recoverDevice = recoverDevice
        for channel in channels { _ = safing.slot(for: channel) }
        scrubberSlots = actuators.scrubberStages.map(safing.slot(for:))
        crewAlarmSlot = actuators.crewAlarm.map(safing.slot(for:))
        var triggerID: [EventID?] = [], triggerMonitor: [Int?] = [], triggerStates: [MonitorStateSet] = []
        var channelSlot: [Int?] = [], deviceIndex: [Int?] = []
        for (index, entry) in configurations.enumerated() {
            let user = "event_action #\(index + 1)"
            switch entry.trigger {
            case .eventNamed(let name):
                guard let definition = catalog.first(where: { $0.name == name }) else { throw .unknownEvent(name, user: user) }
                triggerID.append(definition.id); triggerMonitor.append(nil); triggerStates.append([])
            case .eventID(let id):
                triggerID.append(id); triggerMonitor.append(nil); triggerStates.append([])
            case .monitor(let name, let states):
                guard let monitor = monitors?.index(named: name) else { throw .unknownMonitor(name, user: user) }
                triggerID.append(nil); triggerMonitor.append(monitor); triggerStates.append(states)
            }
            var slot: Int?
            var device: Int?
            switch entry.action {
            case .setMode:
                if modeMachine == nil { throw .missing("the mode machine", user: user) }
            case .shedLoad(let channel), .powerCycle(let channel, _):
                guard let found = safing.slot(named: channel) else { throw .unknownChannel(channel, user: user) }
                slot = found
            case .scrubberMax:
                if actuators.scrubberStages.isEmpty { throw .missing("scrubber stage channels", user: user) }
            case .crewAlarm:
                if actuators.crewAlarm == nil { throw .missing("a crew alarm channel", user: user) }
            case .recoverDevice(let name):
                if recoverDevice == nil { throw .missing("a device recovery hook", user: user) }
                if let name {
                    guard let found = devices.firstIndex(of: name) else { throw .unknownDevice(name, user: user) }
                    device = found
                }
            case .telecommand:
                throw .missing("a telecommand (only TC[19,1] adds telecommand actions)", user: user)
            }
            channelSlot.append(slot)
            deviceIndex.append(device)
        }
        self.triggerID = triggerID
        self.triggerMonitor = triggerMonitor
        self.triggerStates = triggerStates
        self.channelSlot = channelSlot
        self.deviceIndex = deviceIndex
        executions = Array(repeating: 0, count: configurations.count)
        enabled = configurations.map(\.enabled)
        sequenceStart = Array(repeating: nil, count: configurations.count)
        deleted = Array(repeating: false, count: configurations.count)
        serviceEventIDs = configurations.indices.map { index in
            if let id = triggerID[index] { return id.rawValue }
            guard let monitor = triggerMonitor[index], let configured = monitors?.configurations[monitor] else { return nil }
            let states = triggerStates[index]
            if !states.isDisjoint(with: .alarm), let id = configured.alarmEvent { return id.rawValue }
            if !states.isDisjoint(with: .warning), let id = configured.warningEvent { return id.rawValue }
            return nil
        }
    }

    // MARK: Service 19

    /// One ST[19] event-action definition: an event ID and whether it is enabled (any of its entries).
    public struct ServiceDefinition: Sendable, Equatable {
        public var eventID: UInt16
        public var enabled: Bool
    }

    /// Every ST[19] definition in event-ID order (TM[19,7]); allocates (reports only).
    public var serviceDefinitions: [ServiceDefinition] {
        var result: [UInt16: Bool] = [:]
        for index in configurations.indices where !deleted[index] {
            if let id = serviceEventIDs[index] { result[id] = (result[id] ?? false) || enabled[index] }
        }
        for slot in added.indices { if let id = added[slot] { result[id] = (result[id] ?? false) || addedEnabled[slot] } }
        return result.keys.sorted().map { ServiceDefinition(eventID: $0, enabled: result[$0] ?? false) }
    }

    /// Whether an ST[19] definition exists for `eventID`.
    public func hasDefinition(_ eventID: UInt16) -> Bool {
        for index in configurations.indices where !deleted[index] && serviceEventIDs[index] == eventID { return true }
        for slot in added.indices where added[slot] == eventID { return true }
        return false
    }

    /// Whether the definition for `eventID` is enabled.
    public func isDefinitionEnabled(_ eventID: UInt16) -> Bool {
        for index in configurations.indices where !deleted[index] && serviceEventIDs[index] == eventID && enabled[index] { return true }
        for slot in added.indices where added[slot] == eventID && addedEnabled[slot] { return true }
        return false
    }

    /// Free TC[19,1] slots.
    public var freeDefinitionSlots: Int { added.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }

    /// Adds a definition releasing `packet` on `eventID` (TC[19,1]), disabled.
    /// - Returns: `false` when the event already has a definition, every slot is taken or the
    ///   packet is too long.
    /// - Warning: Executive thread (or before it starts); does not allocate.
    @discardableResult
    public func addDefinition(eventID: UInt16, packet: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !hasDefinition(eventID), packet.count <= Self.maximumTelecommandOctets, let base = packet.baseAddress,
            let slot = added.firstIndex(where: { $0 == nil })
        else { return false }
        added[slot] = eventID
        addedEnabled[slot] = false
        addedLength[slot] = packet.count
        addedExecutions[slot] = 0
        addedPackets.withUnsafeMutableBufferPointer { storage in
            if let target = storage.baseAddress { (target + slot * Self.maximumTelecommandOctets).update(from: base, count: packet.count) }
        }
        return true
    }

    /// The telecommand of the TC[19,1] definition for `eventID` (copied: reports and persistence).
    public func definitionTelecommand(_ eventID: UInt16) -> [UInt8]? {
        guard let slot = added.firstIndex(where: { $0 == eventID }) else { return nil }
        let start = slot * Self.maximumTelecommandOctets
        return Array(addedPackets[start..<start + addedLength[slot]])
    }

    /// Enables or disables the definition for `eventID` (TC[19,4]/[19,5]); `false` if none.
    @discardableResult
    public func setDefinitionEnabled(_ eventID: UInt16, _ isEnabled: Bool) -> Bool {
        var found = false
        for index in configurations.indices where !deleted[index] && serviceEventIDs[index] == eventID {
            enabled[index] = isEnabled
            found = true
        }
        for slot in added.indices where added[slot] == eventID {
            addedEnabled[slot] = isEnabled
            found = true
        }
        return found
    }

    /// Deletes the definition for `eventID` (TC[19,2]); `false` if none. The caller checks it is disabled.
    @discardableResult
    public func deleteDefinition(_ eventID: UInt16) -> Bool {
        var found = false
        for index in configurations.indices where !deleted[index] && serviceEventIDs[index] == eventID {
            deleted[index] = true
            enabled[index] = false
            found = true
        }
        for slot in added.indices where added[slot] == eventID {
            added[slot] = nil
            addedEnabled[slot] = false
            found = true
        }
        return found
    }

    /// Enables or disables every definition (TC[19,4]/[19,5] with no event IDs).
    public func setAllDefinitionsEnabled(_ isEnabled: Bool) {
        for index in configurations.indices where !deleted[index] && serviceEventIDs[index] != nil { enabled[index] = isEnabled }
        for slot in added.indices where added[slot] != nil { addedEnabled[slot] = isEnabled }
    }

    /// Whether any ST[19] definition is enabled.
    public var anyDefinitionEnabled: Bool {
        for index in configurations.indices where !deleted[index] && serviceEventIDs[index] != nil && enabled[index] { return true }
        for slot in added.indices where added[slot] != nil && addedEnabled[slot] { return true }
        return false
    }

    /// Deletes every ST[19] definition (TC[19,3]; the caller checks none is enabled).
    public func deleteAllDefinitions() {
        for index in configurations.indices where serviceEventIDs[index] != nil { deleted[index] = true }
        for slot in added.indices { added[slot] = nil }
    }

    /// Calls `body` once per ST[19] definition (configured ones first, then TC[19,1] ones) with
    /// its event ID and enable status. Does not allocate.
    public func forEachDefinition(_ body: (UInt16, Bool) -> Void) {
        for index in configurations.indices where !deleted[index] {
            guard let id = serviceEventIDs[index] else { continue }
            if (0..<index).contains(where: { !deleted[$0] && serviceEventIDs[$0] == id }) { continue }
            body(id, isDefinitionEnabled(id))
        }
        for slot in added.indices {
            if let id = added[slot] { body(id, addedEnabled[slot]) }
        }
    }

    /// The configured entries' event IDs deleted by command (persistence).
    public var deletedEventIDs: [UInt16] {
        configurations.indices.compactMap { deleted[$0] ? serviceEventIDs[$0] : nil }
    }

    /// Enables or disables the event-action function (TC[19,8]/[19,9]).
    public func setFunctionEnabled(_ isEnabled: Bool) { functionEnabled = isEnabled }

    /// Whether entry `index` is enabled.
    public func isEnabled(_ index: Int) -> Bool { enabled[index] }

    /// Enables or disables an entry (service 19 enable/disable). A disabled power-cycle entry
    /// still finishes a running sequence.
    /// - Throws: ``FaultCommandError/unknownEntry(_:)``.
    public func setEnabled(entry index: Int, _ isEnabled: Bool) throws(FaultCommandError) {
        guard enabled.indices.contains(index), !deleted[index] else { throw .unknownEntry(index) }
        enabled[index] = isEnabled
    }

    /// Whether entry `index` has a power-cycle sequence running.
    public func isSequenceRunning(_ index: Int) -> Bool { sequenceStart[index] != nil }

    public func run(_ cycle: CycleContext) {
        let time = cycle.time
        // Only the events queued before this drain: events raised by the actions wait for the next cycle.
        var remaining = router.pendingCount
        while remaining > 0, let event = router.next() {
            remaining -= 1
            dispatch(event, at: time)
        }
        if router.droppedCount != lastDropped {
            lastDropped = router.droppedCount
            events.raise(FlightEvent(id: EventActionEvents.inboxOverflow, severity: .high, time: time, a: Double(lastDropped), count: 1))
        }
        for index in sequenceStart.indices {
            guard let start = sequenceStart[index], case .powerCycle(_, let offTime) = configurations[index].action,
                let slot = channelSlot[index], time - start >= offTime
            else { continue }
            sequenceStart[index] = nil
            safing.set(.sequence, slot: slot, nil)
            events.raise(
                FlightEvent(
                    id: EventActionEvents.powerCycleComplete, severity: .informative, time: time,
                    a: Double(index), b: offTime.secondsDouble, count: 2))
        }
    }

    @inline(__always)
    private func matches(_ index: Int, _ event: FlightEvent) -> Bool {
        if let id = triggerID[index] {
            guard event.id == id else { return false }
        } else if let monitor = triggerMonitor[index] {
            // Arguments come from any raiser: convert only values known to fit.
            let stateArgument = event.arguments.3
            guard MonitorEvents.isStateChange(event.id), event.argumentCount >= 4, event.arguments.0 == Double(monitor),
                stateArgument >= 0, stateArgument <= 255,
                let state = MonitorState(rawValue: UInt8(stateArgument)),
                triggerStates[index].contains(state)
            else { return false }
        }
        if let argument = configurations[index].argument, event.arguments.0 != argument { return false }
        return true
    }

    private func dispatch(_ event: FlightEvent, at time: MonotonicInstant) {
        guard functionEnabled else { return }
        for slot in added.indices where addedEnabled[slot] && added[slot] == event.id.rawValue {
            addedPackets.withUnsafeBufferPointer { storage in
                if let base = storage.baseAddress {
                    releaseTelecommand?(UnsafeBufferPointer(start: base + slot * Self.maximumTelecommandOctets, count: addedLength[slot]), time)
                }
            }
            addedExecutions[slot] += 1
            events.raise(
                FlightEvent(
                    id: EventActionEvents.executed, severity: .informative, time: time, a: Double(configurations.count + slot),
                    b: Double(event.id.rawValue), c: Double(EventAction.telecommand.code), count: 3))
        }
        for index in configurations.indices where enabled[index] && matches(index, event) {
            switch configurations[index].action {
            case .setMode(let mode):
                modeMachine?.request(mode, entry: index)
            case .shedLoad:
                if let slot = channelSlot[index] { safing.set(.latch, slot: slot, false) }
            case .scrubberMax:
                for slot in scrubberSlots { safing.set(.latch, slot: slot, true) }
            case .crewAlarm:
                if let slot = crewAlarmSlot { safing.set(.latch, slot: slot, true) }
            case .powerCycle:
                guard let slot = channelSlot[index] else { continue }
                if sequenceStart[index] != nil {
                    events.raise(
                        FlightEvent(
                            id: EventActionEvents.retriggerIgnored, severity: .low, time: time,
                            a: Double(index), b: Double(event.id.rawValue), count: 2))
                    continue
                }
                sequenceStart[index] = time
                safing.set(.sequence, slot: slot, false)
            case .recoverDevice:
                let argument = event.arguments.0
                let device = deviceIndex[index] ?? (argument >= 0 && argument < 1_000_000 ? Int(argument) : -1)
                guard device >= 0 else { continue }
                recoverDevice?(device)
            case .telecommand:
                continue // only TC[19,1] definitions carry a telecommand
            }
            executions[index] += 1
            events.raise(
                FlightEvent(
                    id: EventActionEvents.executed, severity: .informative, time: time, a: Double(index),
                    b: Double(event.id.rawValue), c: Double(configurations[index].action.code), count: 3))
        }
    }
}
