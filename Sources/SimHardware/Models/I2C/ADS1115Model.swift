import HAL

/// A TI ADS1115 16-bit ADC at register level (SBAS444) with a galvanic O2 cell wired across
/// AIN0 (+) and AIN1 (−).
///
/// Pointer 0x00 is the conversion result, 0x01 the config register (power-on 0x8583), 0x02/0x03
/// the comparator thresholds. Writing config with `OS` = 1 in single-shot mode starts a
/// conversion of the selected input at the selected PGA; `OS` reads 0 for ``busyConfigReads``
/// reads, then 1 with the result in the conversion register. In continuous mode the result
/// follows the inputs. Codes saturate at 0x7FFF / 0x8000 as the real converter does.
public final class ADS1115Model: I2CDeviceModel, @unchecked Sendable {
    /// The attached cell: output ∝ ppO2, `calibrationMillivolts` at `calibrationPPO2kPa`.
    public struct O2Cell: Sendable, Equatable {
        public var calibrationMillivolts: Double
        public var calibrationPPO2kPa: Double

        public init(calibrationMillivolts: Double = 10.0, calibrationPPO2kPa: Double = 21.2) {
            self.calibrationMillivolts = calibrationMillivolts
            self.calibrationPPO2kPa = calibrationPPO2kPa
        }

        /// The cell's output, mV, at `ppO2kPa`.
        public func millivolts(ppO2kPa: Double) -> Double { ppO2kPa * calibrationMillivolts / calibrationPPO2kPa }
    }

    public let cell: O2Cell
    private let registers = WordRegisterFile()
    private let lock = LockedValue(())
    /// AIN0…AIN3 to GND, volts.
    private var inputs: [Double] = [0, 0, 0, 0]
    private var busyReadsLeft = 0

    /// Reads of config that show `OS` = 0 (converting) after each start; default 0.
    public var busyConfigReads = 0
    /// Conversions started so far.
    public private(set) var conversions = 0

    public init(cell: O2Cell = O2Cell()) {
        self.cell = cell
        reset()
        registers.readOnly = [0x00]
        registers.onWrite = { [unowned self] register, value in self.registerWritten(register, value) }
        registers.onRead = { [unowned self] register in self.registerRead(register) }
    }

    public func receive(_ bytes: [UInt8]) {
        lock.withLock { _ in registers.receive(bytes) }
    }

    public func transmit(count: Int) -> [UInt8] {
        lock.withLock { _ in registers.transmit(count: count) }
    }

    // MARK: Backend

    /// Sets the oxygen partial pressure the cell sees, kPa.
    public func set(ppO2kPa: Double) {
        set(cellMillivolts: cell.millivolts(ppO2kPa: ppO2kPa))
    }

    /// Sets the cell's output directly, mV (negative: a reversed or failed cell).
    public func set(cellMillivolts: Double) {
        lock.withLock { _ in
            inputs[0] = cellMillivolts / 1000
            inputs[1] = 0
        }
    }

    /// Sets one input pin's voltage to GND.
    public func setInput(_ pin: Int, volts: Double) {
        precondition((0...3).contains(pin), "ADS1115 has AIN0…AIN3")
        lock.withLock { _ in inputs[pin] = volts }
    }

    // MARK: Registers

    private func reset() {
        registers[0x00] = 0
        registers[0x01] = 0x8583
        registers[0x02] = 0x8000
        registers[0x03] = 0x7FFF
    }

    private func registerWritten(_ register: UInt8, _ value: UInt16) {
        guard register == 0x01 else { return }
        let singleShot = value & 0x0100 != 0
        if singleShot && value & 0x8000 != 0 {
            registers[0x00] = convert(config: value)
            conversions += 1
            busyReadsLeft = busyConfigReads
        }
        registers[0x01] = value | 0x8000 // OS reads 1 when idle; registerRead clears it while busy
    }

    private func registerRead(_ register: UInt8) {
        switch register {
        case 0x01:
            if busyReadsLeft > 0 {
                registers[0x01] &= 0x7FFF
                busyReadsLeft -= 1
            } else {
                registers[0x01] |= 0x8000
            }
        case 0x00 where registers[0x01] & 0x0100 == 0:
            registers[0x00] = convert(config: registers[0x01]) // continuous mode follows the inputs
        default:
            break
        }
    }

    private func convert(config: UInt16) -> UInt16 {
        let mux = (config >> 12) & 0b111
        let volts: Double
        switch mux {
        case 0b000: volts = inputs[0] - inputs[1]
        case 0b001: volts = inputs[0] - inputs[3]
        case 0b010: volts = inputs[1] - inputs[3]
        case 0b011: volts = inputs[2] - inputs[3]
        default: volts = inputs[Int(mux - 0b100)]
        }
        let fullScale: [Double] = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256]
        let code = (volts / (fullScale[Int((config >> 9) & 0b111)] / 32768)).rounded()
        let clamped = Int16(max(-32768, min(32767, code.isFinite ? code : 0)))
        return UInt16(bitPattern: clamped)
    }
}
