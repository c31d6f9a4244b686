import Drivers
import FlightCore
import HAL
import LinuxHAL
import SimHardware

/// Opens the configured buses: LinuxHAL for real ones, the simulated vehicle for `sim-*` ones.
public final class HardwareBuses: BusProvider {
    private let simulated: SimulatedBuses?
    /// The hardware GPIO chips opened so far; their edge lines get monitor threads at start.
    private(set) var chips: [MonitoredGPIOChip] = []

    /// Every hardware edge-event line, with the bus it is on.
    var edgeLines: [(bus: String, line: MonitoredEdgeLine)] {
        chips.flatMap { chip in chip.edgeLines.map { (chip.bus, $0) } }
    }

    public init(simulated: SimulatedBuses?) {
        self.simulated = simulated
    }

    public func i2cBus(for bus: BusConfiguration) throws(BusUnavailable) -> any I2CBus {
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

    public func gpioChip(for bus: BusConfiguration) throws(BusUnavailable) -> any GPIOChip {
        switch bus.kind {
        case .gpio(let chip):
            do {
                let monitored = MonitoredGPIOChip(try LinuxGPIOChip(chip), bus: bus.name)
                chips.append(monitored)
                return monitored
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

    public func modbusClient(for bus: BusConfiguration) throws(BusUnavailable) -> any ModbusClient {
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
            configuration = .rtu(
                device: device, baud: baud, parity: rtuParity, dataBits: dataBits, stopBits: stopBits, serialMode: mode,
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
