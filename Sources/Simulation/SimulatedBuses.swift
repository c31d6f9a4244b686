import FlightCore
import HAL
import SimHardware

/// Opens the configuration's `sim-*` buses on a ``SimulatedVehicle``, attaching a register-level
/// model for every device configured on them.
public final class SimulatedBuses: BusProvider {
    public let simulation: SimulatedVehicle
    private let configuration: VehicleConfiguration

    public init(configuration: VehicleConfiguration, simulation: SimulatedVehicle) {
        self.configuration = configuration
        self.simulation = simulation
    }

    public func i2cBus(for bus: BusConfiguration) throws(BusUnavailable) -> any I2CBus {
        guard case .simI2C = bus.kind else { throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a simulated I2C bus") }
        return simulation.i2cBus(named: bus.name, devices: devices(on: bus))
    }

    public func gpioChip(for bus: BusConfiguration) throws(BusUnavailable) -> any GPIOChip {
        guard case .simGPIO(let lines) = bus.kind else { throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a simulated GPIO chip") }
        return simulation.gpioChip(named: bus.name, lines: lines, devices: devices(on: bus))
    }

    public func modbusClient(for bus: BusConfiguration) throws(BusUnavailable) -> any ModbusClient {
        guard case .simModbus = bus.kind else { throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a simulated Modbus bus") }
        return simulation.modbusBus(named: bus.name, devices: devices(on: bus))
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
            for key in ["shunt_ohms", "cal_mv", "cal_ppo2_kpa"] where device.options.has(key) {
                if let number = try? device.options.double(key) { settings[key] = number }
            }
            return SimulatedDeviceSpec(name: device.name, driver: device.driver, address: address,
                                       role: (try? device.options.optionalString("role")) ?? nil,
                                       lines: device.lines,
                                       load: (try? device.options.optionalString("load")) ?? nil,
                                       settings: settings)
        }
    }
}
