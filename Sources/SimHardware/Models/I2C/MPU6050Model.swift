import HAL

/// An InvenSense MPU-6050 at register level (RM-MPU-6000A): `WHO_AM_I` 0x68, `PWR_MGMT_1`
/// power-on 0x40 (asleep; `DEVICE_RESET` restores every register), `GYRO_CONFIG` / `ACCEL_CONFIG`
/// full-scale selects, and the big-endian data block 0x3B…0x48.
///
/// The backend takes SI values and encodes them at the selected full scale (131…16.4 LSB per
/// °/s, 16384…2048 LSB per g, temperature (T − 36.53) × 340), saturating at the int16 limits.
/// While asleep the data registers keep their last values, as on the chip.
public final class MPU6050Model: I2CDeviceModel, @unchecked Sendable {
    private let registers = ByteRegisterFile()
    private let lock = LockedValue(())
    private let whoAmI: UInt8
    private var rate = (x: 0.0, y: 0.0, z: 0.0)
    private var accel = (x: 0.0, y: 0.0, z: 9.80665)
    private var temperature = 25.0

    public init(whoAmI: UInt8 = 0x68) {
        self.whoAmI = whoAmI
        reset()
        registers.readOnly = Set(0x3B...0x48).union([0x75])
        registers.onWrite = { [unowned self] register, value in self.registerWritten(register, value) }
    }

    public func receive(_ bytes: [UInt8]) {
        lock.withLock { _ in registers.receive(bytes) }
    }

    public func transmit(count: Int) -> [UInt8] {
        lock.withLock { _ in registers.transmit(count: count) }
    }

    /// Whether `PWR_MGMT_1.SLEEP` is set.
    public var isSleeping: Bool { lock.withLock { _ in registers[0x6B] & 0x40 != 0 } }

    /// Sets angular rates (rad/s), specific forces (m/s²) and die temperature (°C).
    public func set(rateRadS: (x: Double, y: Double, z: Double), accelMS2: (x: Double, y: Double, z: Double), temperatureC: Double) {
        lock.withLock { _ in
            rate = rateRadS
            accel = accelMS2
            temperature = temperatureC
            update()
        }
    }

    private func reset() {
        for index in 0..<256 { registers[UInt8(index)] = 0 }
        registers[0x6B] = 0x40
        registers[0x75] = whoAmI
    }

    private func registerWritten(_ register: UInt8, _ value: UInt8) {
        if register == 0x6B, value & 0x80 != 0 {
            reset()
            return
        }
        update()
    }

    private func update() {
        guard registers[0x6B] & 0x40 == 0 else { return }
        let gyroLSB: [Double] = [131, 65.5, 32.8, 16.4]
        let accelLSB: [Double] = [16384, 8192, 4096, 2048]
        let perRadian = gyroLSB[Int((registers[0x1B] >> 3) & 0b11)] * 180 / .pi
        let perMS2 = accelLSB[Int((registers[0x1C] >> 3) & 0b11)] / 9.80665
        let words = [
            accel.x * perMS2, accel.y * perMS2, accel.z * perMS2, (temperature - 36.53) * 340,
            rate.x * perRadian, rate.y * perRadian, rate.z * perRadian,
        ]
        for (index, value) in words.enumerated() {
            let code = UInt16(bitPattern: Int16(max(-32768, min(32767, value.isFinite ? value.rounded() : 0))))
            registers[UInt8(0x3B + 2 * index)] = UInt8(code >> 8)
            registers[UInt8(0x3C + 2 * index)] = UInt8(code & 0xFF)
        }
    }
}
