import Drivers
import HAL

/// How a configured bus is reached.
public enum BusKind: Sendable, Equatable {
    /// `/dev/i2c-N` through i2c-dev and libi2c.
    case i2c(device: String)
    /// `/dev/gpiochipN` (or a chip name/label) through libgpiod.
    case gpio(chip: String)
    /// Modbus TCP through libmodbus.
    case modbusTCP(host: String, port: Int)
    /// Modbus RTU on a serial line through libmodbus.
    case modbusRTU(device: String, baud: Int, parity: Parity, dataBits: Int, stopBits: Int, serialMode: SerialMode?)
    /// Simulated buses of the simulated vehicle (SimHardware).
    case simI2C
    case simGPIO(lines: [String])
    case simModbus

    public enum Parity: String, Sendable, Equatable {
        case none = "N", even = "E", odd = "O"
    }

    /// The UART's line mode where the adapter can switch it (`TIOCSRS485`); unset = leave as is.
    public enum SerialMode: String, Sendable, Equatable {
        case rs232, rs485
    }

    /// The `kind` string in the configuration file.
    public var kindName: String {
        switch self {
        case .i2c: return "i2c"
        case .gpio: return "gpio"
        case .modbusTCP: return "modbus-tcp"
        case .modbusRTU: return "modbus-rtu"
        case .simI2C: return "sim-i2c"
        case .simGPIO: return "sim-gpio"
        case .simModbus: return "sim-modbus"
        }
    }

    public var isSimulated: Bool {
        switch self {
        case .simI2C, .simGPIO, .simModbus: return true
        default: return false
        }
    }

    /// Which family of HAL contract the bus provides.
    public var family: BusFamily {
        switch self {
        case .i2c, .simI2C: return .i2c
        case .gpio, .simGPIO: return .gpio
        case .modbusTCP, .modbusRTU, .simModbus: return .modbus
        }
    }
}

public enum BusFamily: String, Sendable {
    case i2c = "I2C", gpio = "GPIO", modbus = "Modbus"
}

/// One `[[bus]]` entry.
public struct BusConfiguration: Sendable, Equatable {
    public var name: String
    public var kind: BusKind
    /// Modbus: how long to wait for a response (libmodbus response timeout).
    public var responseTimeout: Duration
    /// Modbus: the longest gap between bytes of one response (libmodbus byte timeout).
    public var byteTimeout: Duration
    /// Modbus: the first wait before reconnecting to a peer that refused or vanished; doubles up to ``reconnectMaximum``.
    public var reconnectInitial: Duration
    public var reconnectMaximum: Duration
}

/// The address of a device on its bus.
public enum DeviceAddress: Sendable, Equatable, CustomStringConvertible {
    case i2c(I2CAddress)
    case modbusUnit(UInt8)
    case gpioLine(GPIOLineID)

    public var description: String {
        switch self {
        case .i2c(let address): return address.description
        case .modbusUnit(let unit): return "unit \(unit)"
        case .gpioLine(let line): return line.description
        }
    }
}

/// What a device is for (`role`): for an actuator, which channel the controllers and the mode
/// machine drive (``ActuatorRole``); for a power monitor, which rail it measures. Parsed once,
/// by ``VehicleConfiguration``.
public enum DeviceRole: Sendable, Equatable {
    case actuator(ActuatorRole)
    case powerMonitor(PowerMonitorRole)

    /// The rail an INA226 measures.
    public enum PowerMonitorRole: String, Sendable, CaseIterable {
        case battery, solar
    }

    /// Every `role` value, by its text.
    public static let byName: [String: DeviceRole] = {
        var roles: [String: DeviceRole] = [:]
        for role in ActuatorRole.allCases { roles[role.rawValue] = .actuator(role) }
        for role in PowerMonitorRole.allCases { roles[role.rawValue] = .powerMonitor(role) }
        return roles
    }()

    /// The `role` value in the configuration.
    public var rawValue: String {
        switch self {
        case .actuator(let role): return role.rawValue
        case .powerMonitor(let role): return role.rawValue
        }
    }
}

/// The modelled load a load switch powers (`load`).
public enum LoadKind: String, Sendable, CaseIterable {
    case payload
    case nonEssentialHeaters = "non_essential_heaters"
}

/// One `[[device]]` entry. Driver-specific keys stay in ``options`` and are read — and checked
/// for unknown keys — by the driver's factory in the topology; the keys every device may have
/// (`role`, `load`, `sample_period`) are parsed once, here.
public final class DeviceConfiguration {
    public let name: String
    public let driver: String
    public let bus: String
    public let address: DeviceAddress
    /// GPIO devices: every line, in order (one for most devices; one per stage for a fan).
    public let lines: [GPIOLineID]
    public let role: DeviceRole?
    public let load: LoadKind?
    /// `sample_period` when given (the sampler's default applies otherwise).
    public let samplePeriod: Duration?
    /// The rest of the table, for the driver's own keys.
    public let options: ConfigTable

    init(
        name: String, driver: String, bus: String, address: DeviceAddress, lines: [GPIOLineID], role: DeviceRole?, load: LoadKind?,
        samplePeriod: Duration?, options: ConfigTable
    ) {
        self.name = name
        self.driver = driver
        self.bus = bus
        self.address = address
        self.lines = lines
        self.role = role
        self.load = load
        self.samplePeriod = samplePeriod
        self.options = options
    }

    /// The shortest sample period a device may have: one base cycle of a 100 Hz executive.
    /// Shorter periods only burn CPU on the bus thread (`"1ns"` took 40 % of a core).
    public static let minimumSamplePeriod: Duration = .milliseconds(10)
    /// The longest: an hour.
    public static let maximumSamplePeriod: Duration = .seconds(3600)
}

/// The vehicle as described by one TOML file: buses and the devices on them (and, in later
/// sections, the executive, control, fault management and link — each parsed by its owner
/// from ``root``).
public final class VehicleConfiguration {
    public let path: String
    public let vehicleName: String
    /// The seed of the simulated world (simulated buses only).
    public let seed: UInt64
    public let buses: [BusConfiguration]
    public let devices: [DeviceConfiguration]
    /// The whole document, for the sections other components own.
    public let root: ConfigTable

    /// The bus named `name`.
    public func bus(named name: String) -> BusConfiguration? { buses.first { $0.name == name } }

    /// Reads and validates `path`.
    /// - Throws: ``ConfigurationError`` naming the file, line, key and what was expected.
    public static func load(path: String) throws(ConfigurationError) -> VehicleConfiguration {
        try VehicleConfiguration(root: try ConfigTable.load(path: path), path: path)
    }

    /// Parses configuration `text` (as if read from `path`).
    public static func parse(text: String, path: String) throws(ConfigurationError) -> VehicleConfiguration {
        try VehicleConfiguration(root: try ConfigTable.parse(text: text, path: path), path: path)
    }

    private init(root: ConfigTable, path: String) throws(ConfigurationError) {
        self.root = root
        self.path = path
        let vehicle = try root.table("vehicle")
        vehicleName = try vehicle.string("name", default: "iost testbed")
        seed = UInt64(try vehicle.int("seed", default: 1, in: 0...Int.max))
        try vehicle.rejectUnknownKeys()

        var buses: [BusConfiguration] = []
        for table in try root.tables(
            "bus",
            label: { index, table in
                "bus \((try? table.string("name")).map { "\"\($0)\"" } ?? "#\(index + 1)")"
            })
        {
            let bus = try Self.parseBus(table)
            if buses.contains(where: { $0.name == bus.name }) {
                throw table.error("name", "a bus named \"\(bus.name)\" is already defined")
            }
            buses.append(bus)
        }
        self.buses = buses

        var devices: [DeviceConfiguration] = []
        for table in try root.tables(
            "device",
            label: { index, table in
                "device \((try? table.string("name")).map { "\"\($0)\"" } ?? "#\(index + 1)")"
            })
        {
            let name = try table.string("name")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw table.error("name", "expected letters, digits, '-' or '_', found \"\(name)\"")
            }
            if devices.contains(where: { $0.name == name }) {
                throw table.error("name", "a device named \"\(name)\" is already defined")
            }
            let driver = try table.string("driver")
            let busName = try table.string("bus")
            guard let bus = buses.first(where: { $0.name == busName }) else {
                throw table.error("bus", "no bus named \"\(busName)\" (defined: \(buses.map { "\"\($0.name)\"" }.joined(separator: ", ")))")
            }
            let address: DeviceAddress
            var gpioLines: [GPIOLineID] = []
            switch bus.kind.family {
            case .i2c:
                let raw = try table.int("address", in: 0x03...0x77)
                address = .i2c(I2CAddress(UInt8(raw)))
            case .modbus:
                address = .modbusUnit(UInt8(try table.int("unit", in: 1...247)))
            case .gpio:
                let lines = try Self.gpioLines(table)
                guard let first = lines.first else { throw table.error("line", "missing; expected line = N, line_name = \"…\" or lines = [...]") }
                address = .gpioLine(first)
                gpioLines = lines
            }
            let role: DeviceRole? = table.has("role") ? try table.choice("role", DeviceRole.byName) : nil
            let load: LoadKind? =
                table.has("load")
                ? try table.choice("load", Dictionary(uniqueKeysWithValues: LoadKind.allCases.map { ($0.rawValue, $0) }))
                : nil
            if load != nil, role != .actuator(.loadSwitch) {
                throw table.error("load", "only a device with role = \"load_switch\" powers a load")
            }
            var samplePeriod: Duration?
            if table.has("sample_period") {
                let period = try table.duration("sample_period", default: .zero)
                guard period >= DeviceConfiguration.minimumSamplePeriod, period <= DeviceConfiguration.maximumSamplePeriod else {
                    throw table.error("sample_period", "expected a duration from 10ms to 1h, found \(period)")
                }
                samplePeriod = period
            }
            devices.append(
                DeviceConfiguration(
                    name: name, driver: driver, bus: busName, address: address, lines: gpioLines,
                    role: role, load: load, samplePeriod: samplePeriod, options: table))
        }
        try Self.rejectSharedGPIOLines(devices)
        self.devices = devices
    }

    /// Two devices on the same line of the same chip would fight over it (the second request
    /// fails at start-up and the vehicle runs without that actuator): a configuration error.
    private static func rejectSharedGPIOLines(_ devices: [DeviceConfiguration]) throws(ConfigurationError) {
        var owners: [String: String] = [:]
        for device in devices {
            for line in device.lines {
                let key = "\(device.bus)/\(line)"
                if let owner = owners[key] {
                    throw device.options.error(
                        device.options.has("lines") ? "lines" : (device.options.has("line") ? "line" : "line_name"),
                        "\(line) on bus \"\(device.bus)\" is already used by device \"\(owner)\"")
                }
                owners[key] = device.name
            }
        }
    }

    /// `line = N`, `line_name = "name"`, or `lines = [...]` (names or offsets).
    private static func gpioLines(_ table: ConfigTable) throws(ConfigurationError) -> [GPIOLineID] {
        if table.has("lines") {
            if let names = try? table.strings("lines", default: []) {
                return names.map { .name($0) }
            }
            let offsets = try table.doubles("lines", default: [])
            return try offsets.map { value throws(ConfigurationError) -> GPIOLineID in
                guard value >= 0, value <= 1023, value == value.rounded() else {
                    throw table.error("lines", "expected line names or offsets 0...1023, found \(value)")
                }
                return .offset(UInt32(value))
            }
        }
        if table.has("line_name") { return [.name(try table.string("line_name"))] }
        if table.has("line") { return [.offset(UInt32(try table.int("line", in: 0...1023)))] }
        return []
    }

    private static func parseBus(_ table: ConfigTable) throws(ConfigurationError) -> BusConfiguration {
        let name = try table.string("name")
        let kindName = try table.string("kind")
        let kind: BusKind
        switch kindName {
        case "i2c":
            kind = .i2c(device: try table.string("device"))
        case "gpio":
            kind = .gpio(chip: try table.string("chip"))
        case "modbus-tcp":
            kind = .modbusTCP(host: try table.string("host"), port: try table.int("port", in: 1...65535))
        case "modbus-rtu":
            kind = .modbusRTU(
                device: try table.string("device"),
                baud: try table.int("baud", default: 19200, in: 300...4_000_000),
                parity: try table.choice("parity", ["N": BusKind.Parity.none, "E": .even, "O": .odd], default: BusKind.Parity.none),
                dataBits: try table.int("data_bits", default: 8, in: 5...8),
                stopBits: try table.int("stop_bits", default: 1, in: 1...2),
                serialMode: table.has("serial_mode") ? try table.choice("serial_mode", ["rs232": .rs232, "rs485": .rs485]) : nil
            )
        case "sim-i2c":
            kind = .simI2C
        case "sim-gpio":
            kind = .simGPIO(lines: try table.strings("lines", default: []))
        case "sim-modbus":
            kind = .simModbus
        default:
            throw table.error("kind", "expected one of \"i2c\", \"gpio\", \"modbus-tcp\", \"modbus-rtu\", \"sim-i2c\", \"sim-gpio\", \"sim-modbus\", found \"\(kindName)\"")
        }
        let bus = BusConfiguration(
            name: name,
            kind: kind,
            responseTimeout: try table.duration("response_timeout", default: .seconds(1)),
            byteTimeout: try table.duration("byte_timeout", default: .milliseconds(100)),
            reconnectInitial: try table.duration("reconnect_initial", default: .milliseconds(100)),
            reconnectMaximum: try table.duration("reconnect_max", default: .seconds(5))
        )
        try table.rejectUnknownKeys()
        return bus
    }
}
