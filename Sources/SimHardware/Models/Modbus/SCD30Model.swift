import HAL

/// A simulated Sensirion SCD30 on its Modbus interface (Interface Description §1.2, §1.4).
///
/// One register space answers function codes 0x03 and 0x04 alike; 0x06 writes; any other
/// function code answers *illegal function*. Behaviour:
/// - *trigger continuous measurement* (0x0036) with 0 or 700...1400 mbar starts measuring;
///   other arguments answer *illegal data value*. *stop* (0x0037) stops and clears data-ready.
/// - *measurement interval* (0x0025) accepts 2...1800 s.
/// - Each ``set(co2Ppm:temperatureC:humidityPct:)`` is one measurement taken: while measuring it
///   updates the measurement registers and sets data-ready; reading the measurement clears it.
/// - Read-only registers (firmware, data-ready, measurement) answer *illegal data address* to writes.
public final class SCD30Model: ModbusDeviceModel, @unchecked Sendable {
    /// The register bank, for tests that write raw register values.
    public let bank = ModbusRegisterBank()
    private var measuring = false
    /// Makes a read of the measurement and the clearing of data-ready one step (taken before the bank's lock).
    private let sequence = LockedValue(())

    /// Register addresses (duplicated from the interface description rather than imported from
    /// the driver, so the model is an independent implementation).
    enum Address {
        static let firmware: UInt16 = 0x0020
        static let interval: UInt16 = 0x0025
        static let dataReady: UInt16 = 0x0027
        static let measurement: UInt16 = 0x0028
        static let softReset: UInt16 = 0x0034
        static let start: UInt16 = 0x0036
        static let stop: UInt16 = 0x0037
        static let altitude: UInt16 = 0x0038
        static let forcedRecalibration: UInt16 = 0x0039
        static let selfCalibration: UInt16 = 0x003A
        static let temperatureOffset: UInt16 = 0x003B
    }

    /// - Parameter firmware: the firmware version register (0x0342 is 3.66).
    public init(firmware: UInt16 = 0x0342) {
        bank.supportedFunctions = [0x03, 0x06]
        bank.holdingRegisters = [
            Address.firmware: firmware, Address.interval: 2, Address.dataReady: 0,
            Address.softReset: 0, Address.start: 0, Address.stop: 0, Address.altitude: 0,
            Address.forcedRecalibration: 400, Address.selfCalibration: 0, Address.temperatureOffset: 0,
        ]
        for offset in 0..<UInt16(6) { bank.holdingRegisters[Address.measurement + offset] = 0 }
        bank.onHoldingWrite = { [unowned self] address, value in self.write(address, value) }
    }

    /// Whether continuous measurement is running.
    public var isMeasuring: Bool { bank.update { _ in measuring } }

    /// The ambient pressure argument of the last *trigger continuous measurement* (0: none).
    public var ambientPressureMbar: UInt16 { bank.update { $0.holdingRegisters[Address.start] ?? 0 } }

    /// The measurement interval register, s.
    public var measurementInterval: UInt16 { bank.update { $0.holdingRegisters[Address.interval] ?? 0 } }

    /// Takes one measurement of the given air (a no-op for the registers while not measuring).
    public func set(co2Ppm: Double, temperatureC: Double, humidityPct: Double) {
        sequence.withLock { _ in setLocked(co2Ppm: co2Ppm, temperatureC: temperatureC, humidityPct: humidityPct) }
    }

    private func setLocked(co2Ppm: Double, temperatureC: Double, humidityPct: Double) {
        bank.update { bank in
            guard measuring else { return }
            let words =
                ModbusFloat.encode(Float(co2Ppm)) + ModbusFloat.encode(Float(temperatureC))
                + ModbusFloat.encode(Float(humidityPct))
            for (offset, word) in words.enumerated() { bank.holdingRegisters[Address.measurement + UInt16(offset)] = word }
            bank.holdingRegisters[Address.dataReady] = 1
        }
    }

    public func handle(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode> {
        sequence.withLock { _ in handleLocked(request) }
    }

    private func handleLocked(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode> {
        var request = request
        // Function codes 0x03 and 0x04 read the same registers (§1.2).
        if case .readInputRegisters(let address, let count) = request {
            request = .readHoldingRegisters(address: address, count: count)
        }
        let result = bank.handle(request)
        if case .success = result, case .readHoldingRegisters(let address, let count) = request,
            UInt32(address) <= UInt32(Address.measurement), UInt32(address) + UInt32(count) > UInt32(Address.measurement)
        {
            bank.update { $0.holdingRegisters[Address.dataReady] = 0 }
        }
        return result
    }

    /// Runs with the bank locked (called from `ModbusRegisterBank` during a write).
    private func write(_ address: UInt16, _ value: UInt16) -> ModbusExceptionCode? {
        switch address {
        case Address.firmware, Address.dataReady, Address.measurement..<(Address.measurement + 6):
            return .illegalDataAddress
        case Address.start:
            guard value == 0 || (700...1400).contains(value) else { return .illegalDataValue }
            measuring = true
        case Address.stop:
            measuring = false
            bank.holdingRegisters[Address.dataReady] = 0
        case Address.interval:
            guard (2...1800).contains(value) else { return .illegalDataValue }
        case Address.softReset:
            // The measurement setting survives a reset (kept in non-volatile memory); a pending
            // measurement does not.
            bank.holdingRegisters[Address.dataReady] = 0
        default:
            break
        }
        return nil
    }
}
