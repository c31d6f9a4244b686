import Drivers
import FlightCore
import HAL
import LinuxHAL
import SimHardware
import Simulation

/// The vehicle as `iostd` opens it: the devices built from the configuration over real or
/// simulated buses, and the clock they run on.
struct Vehicle {
    let configuration: VehicleConfiguration
    let devices: DeviceSet
    let clock: any MonotonicClock
    /// The simulated world, when any bus is simulated.
    let simulation: SimulatedVehicle?

    /// Opens every bus and builds every device.
    /// - Throws: ``ConfigurationError`` (nothing is half-started: a bad device rejects the whole file).
    static func open(_ configuration: VehicleConfiguration) throws(ConfigurationError) -> Vehicle {
        let anySimulated = configuration.buses.contains { $0.kind.isSimulated }
        let allSimulated = configuration.buses.allSatisfy { $0.kind.isSimulated }
        let simClock = SimClock()
        let clock: any MonotonicClock = allSimulated ? simClock : SystemMonotonicClock()
        let simulation = anySimulated ? SimulatedVehicle(seed: configuration.seed, clock: simClock) : nil
        let provider = HardwareBuses(simulated: simulation.map { SimulatedBuses(configuration: configuration, simulation: $0) })
        let devices = try DeviceSet(configuration: configuration, provider: provider, catalog: DriverCatalog.all, clock: clock)
        return Vehicle(configuration: configuration, devices: devices, clock: clock, simulation: simulation)
    }
}

/// Opens the configured buses: LinuxHAL for real ones, the simulated vehicle for `sim-*` ones.
final class HardwareBuses: BusProvider {
    private let simulated: SimulatedBuses?

    init(simulated: SimulatedBuses?) {
        self.simulated = simulated
    }

    func i2cBus(for bus: BusConfiguration) throws(BusUnavailable) -> any I2CBus {
        switch bus.kind {
        case .i2c(let device):
            do {
                return try LinuxI2CBus.shared(path: device)
            } catch {
                throw BusUnavailable(bus: bus.name, message: error.description)
            }
        case .simI2C:
            guard let simulated else { throw BusUnavailable(bus: bus.name, message: "no simulation") }
            return try simulated.i2cBus(for: bus)
        default:
            throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not an I2C bus")
        }
    }

    func gpioChip(for bus: BusConfiguration) throws(BusUnavailable) -> any GPIOChip {
        switch bus.kind {
        case .gpio(let chip):
            do {
                return try LinuxGPIOChip(chip)
            } catch {
                throw BusUnavailable(bus: bus.name, message: error.description)
            }
        case .simGPIO:
            guard let simulated else { throw BusUnavailable(bus: bus.name, message: "no simulation") }
            return try simulated.gpioChip(for: bus)
        default:
            throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a GPIO bus")
        }
    }

    func modbusClient(for bus: BusConfiguration) throws(BusUnavailable) -> any ModbusClient {
        let reconnect = ReconnectPolicy(initialDelay: bus.reconnectInitial, maximumDelay: bus.reconnectMaximum)
        let configuration: ModbusBusConfiguration
        switch bus.kind {
        case .modbusTCP(let host, let port):
            configuration = .tcp(host: host, port: UInt16(port), responseTimeout: bus.responseTimeout, byteTimeout: bus.byteTimeout, reconnect: reconnect)
        case .modbusRTU(let device, let baud, let parity, let dataBits, let stopBits, let serialMode):
            let rtuParity: ModbusBusConfiguration.Parity
            switch parity {
            case .none: rtuParity = .none
            case .even: rtuParity = .even
            case .odd: rtuParity = .odd
            }
            let mode: ModbusBusConfiguration.SerialMode? = serialMode.map { $0 == .rs485 ? .rs485 : .rs232 }
            configuration = .rtu(device: device, baud: baud, parity: rtuParity, dataBits: dataBits, stopBits: stopBits, serialMode: mode,
                                 responseTimeout: bus.responseTimeout, byteTimeout: bus.byteTimeout, reconnect: reconnect)
        case .simModbus:
            guard let simulated else { throw BusUnavailable(bus: bus.name, message: "no simulation") }
            return try simulated.modbusClient(for: bus)
        default:
            throw BusUnavailable(bus: bus.name, message: "\(bus.name) is not a Modbus bus")
        }
        do {
            return try LinuxModbusClient(name: bus.name, configuration: configuration)
        } catch {
            throw BusUnavailable(bus: bus.name, message: error.description)
        }
    }
}
