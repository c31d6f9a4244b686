import Drivers
import HAL

/// A bus that could not be opened (`/dev/i2c-1` missing, a Modbus TCP peer unreachable at start…).
public struct BusUnavailable: Error, Sendable, CustomStringConvertible {
    public var bus: String
    public var message: String

    public init(bus: String, message: String) {
        self.bus = bus
        self.message = message
    }

    public var description: String { message }
}

/// Opens the buses the configuration names: real ones (LinuxHAL) or simulated ones
/// (SimHardware). `iostd` provides it; FlightCore never imports a backend.
public protocol BusProvider: AnyObject {
    func i2cBus(for bus: BusConfiguration) throws(BusUnavailable) -> any I2CBus
    func gpioChip(for bus: BusConfiguration) throws(BusUnavailable) -> any GPIOChip
    func modbusClient(for bus: BusConfiguration) throws(BusUnavailable) -> any ModbusClient
}

/// An opened bus, handed to a driver factory.
public enum BusHandle {
    case i2c(any I2CBus)
    case gpio(any GPIOChip)
    case modbus(any ModbusClient)
}

/// Why a configured device could not be built.
public enum DeviceBuildError: Error, CustomStringConvertible {
    /// Its configuration is wrong: the whole configuration is rejected.
    case configuration(ConfigurationError)
    /// It is configured correctly but cannot be reached now (bus missing, line busy).
    case unavailable(String)

    public var description: String {
        switch self {
        case .configuration(let error): return error.description
        case .unavailable(let message): return message
        }
    }
}

/// What a driver factory receives.
public struct DeviceContext {
    public let configuration: DeviceConfiguration
    public let bus: BusHandle
    public let clock: any MonotonicClock

    public var name: String { configuration.name }
    public var options: ConfigTable { configuration.options }

    /// The device's I2C bus and address.
    public func i2c() throws(DeviceBuildError) -> (bus: any I2CBus, address: I2CAddress) {
        guard case .i2c(let bus) = bus, case .i2c(let address) = configuration.address else {
            throw .configuration(options.error("bus", "driver \"\(configuration.driver)\" needs an I2C bus"))
        }
        return (bus, address)
    }

    /// The device's Modbus client and unit id.
    public func modbus() throws(DeviceBuildError) -> (client: any ModbusClient, unit: UInt8) {
        guard case .modbus(let client) = bus, case .modbusUnit(let unit) = configuration.address else {
            throw .configuration(options.error("bus", "driver \"\(configuration.driver)\" needs a Modbus bus"))
        }
        return (client, unit)
    }

    /// The device's GPIO chip and line.
    public func gpio() throws(DeviceBuildError) -> (chip: any GPIOChip, line: GPIOLineID) {
        guard case .gpio(let chip) = bus, case .gpioLine(let line) = configuration.address else {
            throw .configuration(options.error("bus", "driver \"\(configuration.driver)\" needs a GPIO bus"))
        }
        return (chip, line)
    }
}

/// How to build one driver from its `[[device]]` table.
public struct DriverFactory: Sendable {
    /// What the device built by a factory becomes in the vehicle.
    public enum Output: Sendable, Equatable {
        /// A sensor: sampled, its readings are parameters.
        case samples
        /// One actuator channel.
        case channel
        /// One actuator channel per GPIO line (a staged fan).
        case stagedChannels
    }

    /// The `driver` value in the configuration.
    public let name: String
    /// What the device becomes (the assembly decides by this, never by the driver's name).
    public let output: Output
    /// The bus family the driver needs.
    public let family: BusFamily
    /// One line for the README's hardware table and `iostd drivers`.
    public let summary: String
    /// The reading keys a sample of this driver carries (the parameters the topology registers
    /// for each device, available even when the device cannot be reached at start-up).
    public let readingKeys: [String]
    /// Builds the driver; reads its own keys from `context.options` (unknown keys are rejected after).
    public let make: @Sendable (DeviceContext) throws(DeviceBuildError) -> any SensorDevice

    public init(
        name: String, family: BusFamily, summary: String, readingKeys: [String], output: Output = .samples,
        make: @escaping @Sendable (DeviceContext) throws(DeviceBuildError) -> any SensorDevice
    ) {
        self.name = name
        self.output = output
        self.family = family
        self.summary = summary
        self.readingKeys = readingKeys
        self.make = make
    }
}

extension ConfigTable {
    /// Keys every `[[device]]` table has, read by ``VehicleConfiguration``.
    static let commonDeviceKeys = ["name", "driver", "bus", "address", "unit", "line", "line_name", "lines", "role", "load", "sample_period"]
}
