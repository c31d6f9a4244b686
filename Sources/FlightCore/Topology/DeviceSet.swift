import Drivers
import HAL

/// A configured device as built: ready, or unavailable with the reason.
public enum DeviceSlot {
    case ready(any SensorDevice)
    case unavailable(name: String, driver: String, reason: String)

    public var name: String {
        switch self {
        case .ready(let device): return device.name
        case .unavailable(let name, _, _): return name
        }
    }

    public var driver: String {
        switch self {
        case .ready(let device): return device.driver
        case .unavailable(_, let driver, _): return driver
        }
    }

    public var device: (any SensorDevice)? {
        if case .ready(let device) = self { return device }
        return nil
    }
}

/// Every configured device, built in configuration order through the driver catalog.
///
/// A configuration error in any device rejects the whole set (nothing is half-started).
///
/// I2C and Modbus devices are always built with their real driver, over a ``BusConnection`` of
/// their bus (``ConnectedI2CBus``, ``ConnectedModbusClient``): a bus missing at start is opened
/// when it appears and a bus gone bad is reopened, so such a device fails and recovers through
/// its ordinary recovery attempts. A GPIO device whose chip cannot be opened, or whose line cannot
/// be requested, is kept as ``DeviceSlot/unavailable(name:driver:reason:)`` (its lines are
/// requested while it is built), so a probe reports it and the flight core treats it as failed.
public final class DeviceSet {
    public let slots: [DeviceSlot]
    /// The I2C and Modbus buses, by name, in order of first use.
    public let connections: [BusConnection]

    /// - Throws: ``ConfigurationError`` for an unknown driver, a driver on the wrong kind of bus,
    ///   or a bad driver-specific key.
    public init(configuration: VehicleConfiguration, provider: any BusProvider, catalog: [DriverFactory], clock: any MonotonicClock) throws(ConfigurationError) {
        var opened: [String: Result<BusHandle, BusUnavailable>] = [:]
        var connections: [BusConnection] = []
        var slots: [DeviceSlot] = []
        for device in configuration.devices {
            guard let factory = catalog.first(where: { $0.name == device.driver }) else {
                throw device.options.error("driver", "unknown driver \"\(device.driver)\" (known: \(catalog.map(\.name).joined(separator: ", ")))")
            }
            guard let bus = configuration.bus(named: device.bus) else {
                throw device.options.error("bus", "no bus named \"\(device.bus)\"")
            }
            guard bus.kind.family == factory.family else {
                throw device.options.error("bus", "driver \"\(factory.name)\" needs a \(factory.family.rawValue) bus; \"\(bus.name)\" is \(bus.kind.kindName)")
            }
            let handle: Result<BusHandle, BusUnavailable>
            if let existing = opened[bus.name] {
                handle = existing
            } else {
                switch bus.kind.family {
                case .i2c, .modbus:
                    let connection = BusConnection(bus: bus, provider: provider, clock: clock)
                    connections.append(connection)
                    handle = .success(bus.kind.family == .i2c ? .i2c(ConnectedI2CBus(connection)) : .modbus(ConnectedModbusClient(connection)))
                case .gpio:
                    handle = BusConnection.open(bus, provider: provider)
                }
                opened[bus.name] = handle
            }
            switch handle {
            case .failure(let error):
                // Still validate the device's own keys so a typo is reported even without the bus.
                slots.append(.unavailable(name: device.name, driver: device.driver, reason: error.message))
                device.options.accept(contentsOf: device.options.keys)
            case .success(let bus):
                do {
                    let built = try factory.make(DeviceContext(configuration: device, bus: bus, clock: clock))
                    slots.append(.ready(built))
                } catch {
                    switch error {
                    case .configuration(let configurationError): throw configurationError
                    case .unavailable(let reason): slots.append(.unavailable(name: device.name, driver: device.driver, reason: reason))
                    }
                }
                // Keys every device may carry (role, load, sample_period…) are read by other
                // components (topology, simulation) or not at all on this bus: accept them here.
                device.options.accept(contentsOf: ConfigTable.commonDeviceKeys)
                try device.options.rejectUnknownKeys(known: ConfigTable.commonDeviceKeys)
            }
        }
        self.slots = slots
        self.connections = connections
    }

    /// The connection of the I2C or Modbus bus named `name`.
    public func connection(named name: String) -> BusConnection? {
        connections.first { $0.bus.name == name }
    }

    /// The device named `name`, if it was built.
    public func device(named name: String) -> (any SensorDevice)? {
        slots.first { $0.name == name }?.device
    }

    /// Every built device of type `T`.
    public func devices<T>(of type: T.Type) -> [T] {
        slots.compactMap { $0.device as? T }
    }
}

extension ConfigTable {
    func accept(contentsOf keys: [String]) {
        for key in keys { accept(key) }
    }
}
