import Drivers
import HAL

/// Why the vehicle could not be assembled.
public enum TopologyError: Error, CustomStringConvertible {
    /// The configuration is unusable (file, line, key, expectation).
    case configuration(ConfigurationError)
    /// The parts do not fit together (a parameter a controller reads does not exist, a channel
    /// is missing, IDs collide).
    case assembly(String)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .assembly(let message): return message
        }
    }
}

/// The names of the executive's rate groups the assembly wires (`[[executive.group]]` must
/// define each of them; their rates come from the divisors there).
public enum RateGroupName {
    public static let attitude = "att"
    public static let lifeSupport = "lsp"
    public static let power = "pwr"
    public static let housekeeping = "hk"
    public static let monitoring = "mon"
    public static let all = [attitude, lifeSupport, power, housekeeping, monitoring]
}

/// The flight software's components, built from the configuration but not wired: the parameter
/// pool, events, the executive (with its rate groups, still empty), device sampling, actuator
/// channels and their output stage, life support, power and fault management.
///
/// Nothing here adds itself to the executive. The vehicle's one assembly (`VehicleAssembly`, in
/// the `Assembly` target) puts the members into the rate groups, in a visible order, and builds
/// the services and the link on top.
public final class FlightComponents {
    public let configuration: VehicleConfiguration
    public let clock: any MonotonicClock
    public let devices: DeviceSet

    // The data everyone shares.
    public let pool: ParameterPool
    /// Events for telemetry (drained by the event-reporting service).
    public let eventLog: EventLog
    /// Where every component raises events: the log and fault management's inbox.
    public let router: EventRouter
    /// Every event this vehicle can raise, for the ground and the README.
    public let eventDefinitions: [EventDefinition]

    // The components.
    public let executiveConfiguration: ExecutiveConfiguration
    public let faultConfiguration: FaultManagementConfiguration
    public let executive: Executive
    public let sampling: DeviceSampling
    public let channels: [ActuatorChannel]
    public let outputStage: ActuatorOutputStage
    public let lifeSupport: LifeSupportController
    public let power: PowerController
    /// The attitude filter (``AttitudeDetermination``), when the configuration has `[attitude]`.
    public let attitude: AttitudeDetermination?
    public let faultManagement: FaultManagement
    /// Sets the O2 sensors' ambient pressure from the cabin pressure (nil without such sensors).
    public let pressureFeed: AmbientPressureFeed?
    /// Devices fed by edge events; each needs its events pumped (``EdgeEventPump``).
    public let edgeDevices: [any EdgeEventDevice]
    /// The sampled devices' names in device-index order (events name devices by this index).
    public let sampledDeviceNames: [String]

    /// Configuration sections read by the components (top-level keys the assembly accepts).
    public static let sections = [
        "vehicle", "bus", "device", "executive", "sampling", "life_support", "power",
        "fault_management", "monitor", "event_action", "mode_machine",
        "link", "telemetry", "housekeeping", "store", "storage", "schedule",
    ]

    /// Builds every flight component.
    /// - Parameters:
    ///   - scheduler: applies SCHED_FIFO / mlockall / affinity on the executive's thread (real time only).
    /// - Throws: ``TopologyError``.
    public init(
        configuration: VehicleConfiguration, devices: DeviceSet, clock: any MonotonicClock,
        scheduler: (any RealtimeScheduling)? = nil
    ) throws(TopologyError) {
        self.configuration = configuration
        self.devices = devices
        self.clock = clock
        let root = configuration.root
        do {
            // ── Configuration read once, before anything is built ──────────────────────────
            guard !configuration.devices.isEmpty else {
                throw TopologyError.configuration(root.error("device", "no [[device]] is configured: a vehicle needs at least one device"))
            }
            executiveConfiguration = try ExecutiveConfiguration(table: try root.table("executive"))
            let groupNames = executiveConfiguration.groups.map(\.name)
            for group in RateGroupName.all where !groupNames.contains(group) {
                throw TopologyError.configuration(root.error("executive", "rate group \"\(group)\" is missing (the assembly needs \(RateGroupName.all.joined(separator: ", ")))"))
            }
            faultConfiguration = try FaultManagementConfiguration(root: root, groups: groupNames)

            // ── Shared data ────────────────────────────────────────────────────────────────
            pool = ParameterPool()
            eventLog = EventLog(capacity: 512)
            router = EventRouter(inboxCapacity: faultConfiguration.inboxCapacity, downstream: [eventLog])
            try pool.register(ModeMachine.modeParameter(id: faultConfiguration.modeMachine.modeParameterID))
            try SoftwareVersion.build.register(in: pool)

            // ── Executive (rate groups empty until the assembly fills them) ─────────────────
            executive = try Executive(configuration: executiveConfiguration, clock: clock, pool: pool, events: router, scheduler: scheduler)

            // ── Devices: sensors are sampled; actuators become arbitrated channels ────────────
            var specs: [DeviceSamplingSpec] = []
            var channels: [ActuatorChannel] = []
            var edgeDevices: [any EdgeEventDevice] = []
            var pressureSensors: [any AmbientPressureCompensated] = []
            for (slot, deviceConfiguration) in zip(devices.slots, configuration.devices) {
                let factory = DriverCatalog.all.first { $0.name == deviceConfiguration.driver }
                switch slot.device {
                case let actuator as any ActuatorDevice:
                    channels.append(ActuatorChannel(name: actuator.name, device: actuator, safeState: actuator.safeState))
                case let fan as FanStages:
                    let selector = FanStageSelector(fan: fan)
                    let safeStage = fan.commandedStage ?? 1
                    for stage in 1...max(fan.stageCount, 1) {
                        let stageSwitch = FanStageSwitch(selector: selector, stage: stage, safeStage: safeStage)
                        channels.append(ActuatorChannel(name: stageSwitch.name, device: stageSwitch, safeState: stageSwitch.safeState))
                    }
                case .some(let sensor):
                    if let edge = sensor as? any EdgeEventDevice { edgeDevices.append(edge) }
                    if let compensated = sensor as? any AmbientPressureCompensated { pressureSensors.append(compensated) }
                    specs.append(
                        DeviceSamplingSpec(
                            device: sensor, bus: deviceConfiguration.bus,
                            period: try DeviceSamplingSpec.samplePeriod(of: deviceConfiguration),
                            readingKeys: factory?.readingKeys))
                case .none:
                    // Configured but unreachable: a failed device from the start, with its parameters.
                    let unreachable = UnreachableDevice(name: slot.name, driver: slot.driver, reason: Self.reason(slot))
                    switch factory?.output {
                    case .channel:
                        channels.append(ActuatorChannel(name: slot.name, device: UnreachableActuator(unreachable), safeState: false))
                    case .stagedChannels:
                        for stage in 1...max(deviceConfiguration.lines.count, 1) {
                            channels.append(ActuatorChannel(name: "\(slot.name)-stage\(stage)", device: UnreachableActuator(unreachable), safeState: false))
                        }
                    case .samples, .none:
                        specs.append(
                            DeviceSamplingSpec(
                                device: unreachable, bus: deviceConfiguration.bus,
                                period: try DeviceSamplingSpec.samplePeriod(of: deviceConfiguration),
                                readingKeys: factory?.readingKeys ?? []))
                    }
                }
            }
            self.channels = channels
            self.edgeDevices = edgeDevices
            sampling = try DeviceSampling(
                devices: specs, configuration: try SamplingConfiguration(table: try root.table("sampling")),
                pool: pool, clock: clock, events: router)
            outputStage = try Self.makeOutputStage(channels: channels, pool: pool)

            // ── Control ────────────────────────────────────────────────────────────────────
            let lifeSupportConfiguration = try LifeSupportController.Configuration(table: try root.table("life_support"))
            lifeSupport = try LifeSupportController(configuration: lifeSupportConfiguration, pool: pool, channels: channels, events: router)
            let powerConfiguration = try PowerController.Configuration(
                table: try root.table("power"),
                lifeSupportChannels: lifeSupportConfiguration.channelNames)
            power = try PowerController(
                configuration: powerConfiguration, pool: pool, channels: channels,
                protectedChannels: lifeSupport.drivenChannels, events: router)
            if root.has("attitude") {
                let table = try root.table("attitude")
                do {
                    attitude = try AttitudeDetermination(
                        configuration: try AttitudeDetermination.Configuration(table: table), pool: pool, events: router)
                } catch let error as ControlSetupError {
                    throw TopologyError.configuration(table.error(nil, error.description))
                }
            } else {
                attitude = nil
            }
            if pressureSensors.isEmpty {
                pressureFeed = nil
            } else {
                // The cabin pressure parameter is named in [life_support]; a wrong name is an error, not a silent no-op.
                let pressure: ParameterHandle
                do {
                    pressure = try pool.handle(named: lifeSupportConfiguration.pressureParameter)
                } catch {
                    throw TopologyError.configuration(
                        try root.table("life_support").error(
                            "pressure_parameter", "no parameter named \"\(lifeSupportConfiguration.pressureParameter)\" (the O2 sensors' ambient pressure comes from it)"))
                }
                pressureFeed = AmbientPressureFeed(pool: pool, pressure: pressure, sensors: pressureSensors)
            }

            // ── Fault management ───────────────────────────────────────────────────────────
            let deviceNames = specs.map(\.device.name)
            sampledDeviceNames = deviceNames
            let modeMachineTable = try root.table("mode_machine")
            for name in faultConfiguration.modeMachine.criticalDevices where !deviceNames.contains(name) {
                throw TopologyError.configuration(
                    modeMachineTable.error(
                        "critical_devices", "no sampled device named \"\(name)\" (sampled: \(deviceNames.map { "\"\($0)\"" }.joined(separator: ", ")))"))
            }
            let catalog = EventCatalog.all([
                ExecutiveEvents.self, DeviceHealthEvents.self, LifeSupportEvents.self, PowerEvents.self, LifecycleEvents.self, StorageEvents.self,
                ScheduleEvents.self, ContactEvents.self, StateEvents.self, AttitudeEvents.self,
            ])
            let sampling = self.sampling
            faultManagement = try FaultManagement(
                configuration: faultConfiguration, pool: pool, router: router, catalog: catalog,
                devices: deviceNames, actuators: Self.modeActuators(channels: channels, configuration: configuration, lifeSupport: lifeSupport),
                channels: channels,
                recoverDevice: { index in
                    if deviceNames.indices.contains(index) { sampling.requestRecovery(device: deviceNames[index]) }
                })
            eventDefinitions = catalog + EventCatalog.all(FaultManagement.eventProviders) + faultManagement.monitors.configuredEventDefinitions
            // Two subsystems claiming one ID would make the ground name one of them wrongly.
            var named: [UInt16: String] = [:]
            for definition in eventDefinitions {
                if let other = named.updateValue(definition.name, forKey: definition.id.rawValue), other != definition.name {
                    throw TopologyError.assembly(
                        "event ID 0x\(String(definition.id.rawValue, radix: 16)) is defined twice: \(other) and \(definition.name)")
                }
            }

            // Sections other components read later (the services, the link) are accepted here and
            // checked key by key by their owners.
            for section in Self.sections { root.accept(section) }
            try root.rejectUnknownKeys(known: Self.sections)
        } catch let error as TopologyError {
            throw error
        } catch let error as ConfigurationError {
            throw .configuration(error)
        } catch let error as ControlSetupError {
            throw Self.translate(error, root: root)
        } catch {
            throw .assembly(String(describing: error))
        }
    }

    /// Puts every actuator in its safe state (start-up and shutdown): every request is cleared and
    /// the safe state is commanded (and read back) on every channel, even one that should already
    /// hold it. Failures are counted on the channel, not thrown.
    public func applySafeStates() {
        for channel in channels {
            for source in ActuatorSource.allCases { channel.request(source, nil) }
            channel.apply(at: clock.now, force: true)
        }
    }

    private static func reason(_ slot: DeviceSlot) -> String {
        if case .unavailable(_, _, let reason) = slot { return reason }
        return "unavailable"
    }

    private static func makeOutputStage(channels: [ActuatorChannel], pool: ParameterPool) throws(ParameterError) -> ActuatorOutputStage {
        var ids = ParameterIDSequence(first: 0x0700, last: 0x07FF)
        var states: [ParameterHandle] = []
        var failures: [ParameterHandle] = []
        for channel in channels {
            guard let stateID = ids.take(), let failureID = ids.take() else { throw .duplicateID(ParameterID(0x07FF)) }
            states.append(try pool.register(ParameterDefinition(id: stateID, name: "act.\(channel.name).state", unit: "", type: .u8)))
            failures.append(try pool.register(ParameterDefinition(id: failureID, name: "act.\(channel.name).failures", unit: "", type: .u32)))
        }
        return ActuatorOutputStage(name: "output-stage", channels: channels, pool: pool, stateHandles: states, failureHandles: failures)
    }

    /// The channels the mode machine safes, by actuator role (`role`, and `load` for load switches).
    private static func modeActuators(channels: [ActuatorChannel], configuration: VehicleConfiguration, lifeSupport: LifeSupportController) -> ModeActuators {
        func channel(_ name: String) -> ActuatorChannel? { channels.first { $0.name == name } }
        var actuators = ModeActuators()
        for device in configuration.devices {
            switch (device.role, device.load) {
            case (.actuator(.crewAlarm), _): actuators.crewAlarm = channel(device.name)
            case (.actuator(.oxygenInjectionValve), _): actuators.o2Valve = channel(device.name)
            case (.actuator(.radioSwitch), _): actuators.radio = channel(device.name)
            case (.actuator(.loadSwitch), .payload): if let found = channel(device.name) { actuators.payload.append(found) }
            case (.actuator(.loadSwitch), .nonEssentialHeaters): if let found = channel(device.name) { actuators.nonEssentialHeaters.append(found) }
            default: break
            }
        }
        actuators.scrubberStages = lifeSupport.scrubberChannels
        return actuators
    }

    private static func translate(_ error: ControlSetupError, root: ConfigTable) -> TopologyError {
        if case .configuration(let configurationError) = error { return .configuration(configurationError) }
        return .assembly(error.description)
    }
}

/// An unreachable actuator: its channel reports every command as failed.
final class UnreachableActuator: ActuatorDevice, @unchecked Sendable {
    private let device: UnreachableDevice
    var name: String { device.name }
    var driver: String { device.driver }
    let safeState = false

    init(_ device: UnreachableDevice) { self.device = device }

    func start() throws(DeviceError) -> String { try device.start() }
    func readSample() throws(DeviceError) -> [Reading] { try device.readSample() }
    func command(_ on: Bool) throws(DeviceError) { _ = try device.start() }
    func readBack() throws(DeviceError) -> Bool { _ = try device.start(); return false }
}
