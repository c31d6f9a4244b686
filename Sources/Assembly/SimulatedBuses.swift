import FlightCore
import HAL
import SimHardware

/// Opens the configuration's `sim-*` buses on a ``SimulatedVehicle``, attaching a register-level
/// model for every device configured on them.
public final class SimulatedBuses: BusProvider {
    public let simulation: SimulatedVehicle
    private let configuration: VehicleConfiguration
    private let standInForHardware: Bool

    /// - Parameters:
    ///   - standInForHardware: also simulate the configuration's real buses (`i2c`, `gpio`,
    ///     `modbus-*`), for tools that need the vehicle's shape without its hardware (`iostd mib`).
    public init(configuration: VehicleConfiguration, simulation: SimulatedVehicle, standInForHardware: Bool = false) {
        self.configuration = configuration
        self.simulation = simulation
        self.standInForHardware = standInForHardware
    }

    public func i2cBus(for bus: BusConfiguration) throws(BusUnavailable) -> any I2CBus {
        guard bus.kind == .simI2C || (standInForHardware && bus.kind.family == .i2c) else {
            throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a simulated I2C bus")
        }
        return simulation.i2cBus(named: bus.name, devices: devices(on: bus))
    }

    public func gpioChip(for bus: BusConfiguration) throws(BusUnavailable) -> any GPIOChip {
        let lines: [String]
        switch bus.kind {
        case .simGPIO(let names):
            lines = names
        case .gpio where standInForHardware:
            lines = Self.standInLines(for: configuration.devices.filter { $0.bus == bus.name })
        default:
            throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a simulated GPIO chip")
        }
        return simulation.gpioChip(named: bus.name, lines: lines, devices: devices(on: bus))
    }

    public func modbusClient(for bus: BusConfiguration) throws(BusUnavailable) -> any ModbusClient {
        guard bus.kind == .simModbus || (standInForHardware && bus.kind.family == .modbus) else {
            throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a simulated Modbus bus")
        }
        return simulation.modbusBus(named: bus.name, devices: devices(on: bus))
    }

    /// Line names for a stand-in chip: every configured line offset gets a line (`line17`),
    /// named lines keep their names after them.
    static func standInLines(for devices: [DeviceConfiguration]) -> [String] {
        let ids = devices.flatMap(\.lines)
        var highest = -1
        for case .offset(let offset) in ids { highest = max(highest, Int(offset)) }
        var lines = highest >= 0 ? (0...highest).map { "line\($0)" } : []
        for case .name(let name) in ids where !lines.contains(name) { lines.append(name) }
        return lines
    }

    /// The devices configured on a simulated bus, as the simulation needs to know them.
    private func devices(on bus: BusConfiguration) -> [SimulatedDeviceSpec] {
        configuration.devices.filter { $0.bus == bus.name }.map { device in
            let address: SimulatedDeviceSpec.Address
            switch device.address {
            case .i2c(let value): address = .i2c(value)
            case .modbusUnit(let unit): address = .modbusUnit(unit)
            case .gpioLine(let line): address = .gpioLine(line)
            }
            var settings: [String: Double] = [:]
            // Only usable values reach the models; the driver's factory reports a bad one with its line.
            for key in ["shunt_ohms", "cal_mv", "cal_ppo2_kpa"] where device.options.has(key) {
                if let number = try? device.options.double(key), number.isFinite, number > 0 { settings[key] = number }
            }
            return SimulatedDeviceSpec(
                name: device.name, driver: device.driver, address: address,
                role: device.role?.rawValue,
                lines: device.lines,
                load: device.load?.rawValue,
                settings: settings)
        }
    }
}
