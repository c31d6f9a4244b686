import HAL

/// A TI INA226 current/power monitor at register level (SBOS547), across a shunt of
/// ``shuntOhms``.
///
/// Manufacturer ID 0x5449, die ID 0x2260, configuration power-on 0x4127 (bit 15 resets every
/// register). The shunt register holds I × R in 2.5 µV steps, the bus register V in 1.25 mV
/// steps, both saturating like the ADC; the current and power registers are computed as the
/// chip does (SBOS547C §6.5.1, equations 3 and 4): current = shunt × CAL / 2048, power =
/// |current| × bus / 20000, and stay zero while CAL is zero.
public final class INA226Model: I2CDeviceModel, @unchecked Sendable {
    /// The physical shunt on the simulated board, Ω.
    public let shuntOhms: Double
    private let registers = WordRegisterFile()
    private let lock = LockedValue(())
    private var busVoltage = 0.0
    private var current = 0.0

    public init(shuntOhms: Double = 0.1, manufacturerID: UInt16 = 0x5449, dieID: UInt16 = 0x2260) {
        precondition(shuntOhms > 0, "a shunt must have a resistance")
        self.shuntOhms = shuntOhms
        registers[0xFE] = manufacturerID
        registers[0xFF] = dieID
        reset()
        registers.readOnly = [0x01, 0x02, 0x03, 0x04, 0xFE, 0xFF]
        registers.onWrite = { [unowned self] register, value in self.registerWritten(register, value) }
    }

    public func receive(_ bytes: [UInt8]) {
        lock.withLock { _ in registers.receive(bytes) }
    }

    public func transmit(count: Int) -> [UInt8] {
        lock.withLock { _ in registers.transmit(count: count) }
    }

    /// Sets the bus voltage (V) and the current through the shunt (A, positive IN+ → IN−).
    public func set(busVoltageV: Double, currentA: Double) {
        lock.withLock { _ in
            busVoltage = busVoltageV
            current = currentA
            update()
        }
    }

    /// The calibration register as last written.
    public var calibrationRegister: UInt16 { lock.withLock { _ in registers[0x05] } }

    private func reset() {
        for register: UInt8 in [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07] { registers[register] = 0 }
        registers[0x00] = 0x4127
    }

    private func registerWritten(_ register: UInt8, _ value: UInt16) {
        switch register {
        case 0x00:
            if value & 0x8000 != 0 { reset() } else { registers[0x00] = value & 0x0FFF | 0x4000 }
        case 0x05:
            registers[0x05] = value & 0x7FFF // D15 is reserved and reads 0
        default:
            break
        }
        update()
    }

    private func update() {
        let shuntCode = Int32(max(-32768, min(32767, (current * shuntOhms / 2.5e-6).rounded())))
        let busCode = Int32(max(0, min(0x7FFF, (busVoltage / 1.25e-3).rounded())))
        let calibration = Int32(registers[0x05])
        let currentCode = max(-32768, min(32767, shuntCode * calibration / 2048)) // truncates toward zero
        let powerCode = min(0xFFFF, Int64(abs(currentCode)) * Int64(busCode) / 20000)
        registers[0x01] = UInt16(bitPattern: Int16(shuntCode))
        registers[0x02] = UInt16(busCode)
        registers[0x04] = UInt16(bitPattern: Int16(currentCode))
        registers[0x03] = UInt16(powerCode)
    }
}
