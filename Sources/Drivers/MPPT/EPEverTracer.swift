import HAL

/// A failure of the EPEver Tracer driver.
public enum EPEverTracerError: DriverError, Equatable {
    /// The Modbus request failed (an exception from the controller counts as a bus failure).
    case bus(ModbusError)
    /// The device's rated data is not a charge controller's.
    case identity(String)
    /// A value is outside what the controller can report.
    case implausible(String, Double)
    /// The response does not have the expected shape.
    case malformed(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .identity: return .identity
        case .implausible, .malformed: return .data
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "epever-tracer: \(error)"
        case .identity(let detail): return "epever-tracer: identity: \(detail)"
        case .implausible(let key, let value): return "epever-tracer: implausible \(key) = \(value)"
        case .malformed(let detail): return "epever-tracer: malformed response: \(detail)"
        }
    }
}

/// An EPEver Tracer-class MPPT solar charge controller (Tracer-AN/BN, LS-B, VS-B …) on RS-485.
///
/// ``start()`` reads the rated-data block 0x3000–0x3008, which every controller of the family
/// answers, and checks it describes a charge controller (identity). ``readSample()`` reads
/// four blocks — 0x3100–0x3107, 0x311A, 0x3200–0x3201, 0x331A–0x331C — one request each
/// (controllers refuse reads that span undefined addresses) and reports `pv_voltage_v`,
/// `pv_current_a`, `pv_power_w`, `battery_voltage_v`, `charge_current_a`, `charge_power_w`,
/// `battery_soc_pct`, `charging_state` (0 none, 1 float, 2 boost, 3 equalisation) and
/// `battery_current_a` (signed, positive while charging).
///
/// - Warning: Blocking bus I/O: call from the device's I/O thread.
public final class EPEverTracer<Client: ModbusClient>: SensorDevice {
    /// Nothing to configure yet; kept so every Modbus driver is built the same way.
    public struct Configuration: Sendable, Equatable {
        public init() {}
    }

    public let name: String
    public var driver: String { "epever-tracer" }
    public let unit: UInt8
    public let configuration: Configuration
    private let client: Client

    public init(name: String, client: Client, unit: UInt8 = EPEverRegister.defaultUnit, configuration: Configuration = Configuration()) {
        self.name = name
        self.client = client
        self.unit = unit
        self.configuration = configuration
    }

    /// Reads and checks the rated data.
    /// - Returns: `MPPT, rated PV 100 V 30 A, battery 24 V`.
    public func start() throws(DeviceError) -> String {
        let rating = try reporting { () throws(EPEverTracerError) -> EPEverRating in
            let block = try read(EPEverRegister.ratedPVVoltage, EPEverRegister.ratedBlockCount)
            return try EPEverConversion.rating(block)
        }
        let mode = ["on/off", "PWM", "MPPT"][Int(rating.chargingMode)]
        return "\(mode), rated PV \(Self.format(rating.pvVoltageV)) V \(Self.format(rating.pvCurrentA)) A, battery \(Self.format(rating.batteryVoltageV)) V"
    }

    /// Reads one sample.
    public func readSample() throws(DeviceError) -> [Reading] {
        try reporting { () throws(EPEverTracerError) -> [Reading] in
            let realTime = try EPEverConversion.realTime(read(EPEverRegister.pvVoltage, EPEverRegister.realTimeBlockCount))
            guard let socRaw = try read(EPEverRegister.batterySoC, 1).first else { throw .malformed("empty SoC") }
            let soc = try EPEverConversion.stateOfCharge(socRaw)
            let status = try read(EPEverRegister.batteryStatus, 2)
            guard status.count == 2 else { throw .malformed("status block has \(status.count) registers") }
            let charging = EPEverChargingStatus(rawValue: status[1])
            let statistics = try read(EPEverRegister.statisticsBatteryVoltage, 3)
            guard statistics.count == 3 else { throw .malformed("statistics block has \(statistics.count) registers") }
            let batteryCurrent = EPEverConversion.signedCenti(low: statistics[1], high: statistics[2])
            return [
                Reading("pv_voltage_v", realTime.pvV),
                Reading("pv_current_a", realTime.pvA),
                Reading("pv_power_w", realTime.pvW),
                Reading("battery_voltage_v", realTime.batV),
                Reading("charge_current_a", realTime.chgA),
                Reading("charge_power_w", realTime.chgW),
                Reading("battery_soc_pct", soc),
                Reading("charging_state", Double(charging.chargingState.rawValue)),
                Reading("battery_current_a", batteryCurrent),
            ]
        }
    }

    private func read(_ address: UInt16, _ count: UInt16) throws(EPEverTracerError) -> [UInt16] {
        do { return try client.readInputRegisters(unit: unit, address: address, count: count) } catch { throw .bus(error) }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
