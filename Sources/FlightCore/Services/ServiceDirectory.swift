import HAL
import Systems

/// A housekeeping structure as resolved against the parameter pool.
public struct HousekeepingStructure: Sendable {
    public var id: UInt32
    public var name: String
    /// The configured interval.
    public var interval: Duration
    /// The interval in runs of the hk rate group.
    public var intervalCycles: Int
    /// Periodic generation at start.
    public var enabled: Bool
    /// Pool indices, `fdir.mode` first.
    public var parameterIndices: [Int]
    public var parameterIDs: [ParameterID]
    public var types: [ParameterType]
}

/// An actuator channel as the services name it.
public struct ChannelDescription: Sendable, Equatable {
    public var index: Int
    public var name: String
    /// The configured device role (`o2_valve`, `load_switch`, …), if any.
    public var role: String?
    /// The device this channel belongs to (a fan's stages share one).
    public var device: String
    /// A load switch (role `load_switch` or `radio_switch`): function 3 may switch it.
    public var isLoadSwitch: Bool { role == "load_switch" || role == "radio_switch" }
}

/// A configured device as the services name it.
public struct DeviceDescription: Sendable, Equatable {
    public var index: Int
    public var name: String
    public var driver: String
    /// Sampled by the flight core (a sensor): function 4 may reset it.
    public var sampled: Bool
}

/// Everything the services know about the vehicle, fixed when they are built and read from any
/// thread: parameter definitions, housekeeping structures, events, channels, devices, monitors.
///
/// The parameter pool belongs to the executive's thread; the link thread validates telecommands
/// against this copy of its (immutable after build) definitions instead.
public final class ServiceDirectory: Sendable {
    public let parameters: [ParameterDefinition]
    let parameterIndexByID: [UInt16: Int]
    public let structures: [HousekeepingStructure]
    let structureIndexByID: [UInt32: Int]
    public let events: [EventDefinition]
    let eventIDs: Set<UInt16>
    public let channels: [ChannelDescription]
    public let devices: [DeviceDescription]
    public let monitors: [String]
    public let eventActions: [EventActionConfiguration]
    /// The hk rate group's period: the unit of collection intervals.
    public let housekeepingPeriod: Duration
    /// The pool index of `fdir.mode`.
    public let modeIndex: Int
    /// Packet stores configured, in ST[15] store ID order (IDs 1…count).
    public let storeNames: [String]
    public var storeCount: Int { storeNames.count }

    /// Resolves the housekeeping structures against `parameters` (the pool's definitions, in pool order).
    /// - Throws: ``ConfigurationError`` at the structure's `parameters` line for an unknown name,
    ///   too many parameters, or an interval that is not a whole multiple of `housekeepingPeriod`.
    init(
        parameters: [ParameterDefinition], housekeeping: [HousekeepingStructureConfiguration], housekeepingPeriod: Duration,
        events: [EventDefinition], channels: [ChannelDescription], devices: [DeviceDescription], monitors: [String],
        eventActions: [EventActionConfiguration], modeParameter: String = "fdir.mode", storeNames: [String] = []
    ) throws(ConfigurationError) {
        self.parameters = parameters
        self.storeNames = storeNames
        var byID: [UInt16: Int] = [:]
        var byName: [String: Int] = [:]
        for (index, definition) in parameters.enumerated() {
            byID[definition.id.rawValue] = index
            byName[definition.name] = index
        }
        parameterIndexByID = byID
        guard let modeIndex = byName[modeParameter] else {
            throw ConfigurationError(file: "(services)", context: "telemetry", message: "the parameter pool has no \"\(modeParameter)\"")
        }
        self.modeIndex = modeIndex
        let periodNanoseconds = max(1, housekeepingPeriod.nanoseconds)
        var structures: [HousekeepingStructure] = []
        var structureIndex: [UInt32: Int] = [:]
        for configuration in housekeeping {
            var names = configuration.parameters
            if names.first != modeParameter { names.insert(modeParameter, at: 0) }
            guard names.count <= HousekeepingService.maximumParameters else {
                throw configuration.error("\(names.count) parameters with \(modeParameter); a structure holds at most \(HousekeepingService.maximumParameters)")
            }
            var indices: [Int] = []
            for name in names {
                guard let index = byName[name] else {
                    let close = byName.keys.min { editDistance($0, name) < editDistance($1, name) }
                    let hint = close.map { editDistance($0, name) <= 3 ? " (did you mean \"\($0)\"?)" : "" } ?? ""
                    throw configuration.error("unknown parameter \"\(name)\"\(hint)")
                }
                indices.append(index)
            }
            let intervalNanoseconds = configuration.interval.nanoseconds
            guard intervalNanoseconds >= periodNanoseconds, intervalNanoseconds % periodNanoseconds == 0 else {
                var error = configuration.error("interval \(configuration.interval) is not a whole multiple of the hk rate group's period (\(housekeepingPeriod))")
                error.key = "interval"
                throw error
            }
            structureIndex[configuration.id] = structures.count
            structures.append(
                HousekeepingStructure(
                    id: configuration.id, name: configuration.name, interval: configuration.interval,
                    intervalCycles: Int(intervalNanoseconds / periodNanoseconds), enabled: configuration.enabled,
                    parameterIndices: indices, parameterIDs: indices.map { parameters[$0].id }, types: indices.map { parameters[$0].type }))
        }
        self.structures = structures
        structureIndexByID = structureIndex
        self.events = events
        eventIDs = Set(events.map(\.id.rawValue))
        self.channels = channels
        self.devices = devices
        self.monitors = monitors
        self.eventActions = eventActions
        self.housekeepingPeriod = housekeepingPeriod
    }

    func parameterIndex(id: UInt16) -> Int? { parameterIndexByID[id] }
    func structureIndex(id: UInt32) -> Int? { structureIndexByID[id] }
    func isKnownEvent(_ id: UInt16) -> Bool { eventIDs.contains(id) }
}
