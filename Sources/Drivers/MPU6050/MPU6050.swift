import HAL

/// An MPU-6050 failure.
public enum MPU6050Error: DriverError, Equatable {
    /// The bus failed.
    case bus(I2CError)
    /// `WHO_AM_I` read a value not in the configured list.
    case unexpectedChipID(UInt8)
    /// The bus returned fewer bytes than the 14-byte data block.
    case shortRead(expected: Int, got: Int)
    /// The die temperature is outside the operating range (−40…85 °C) widened by 5 °C for the
    /// untrimmed temperature sensor's offset: not a real sample.
    case implausibleTemperature(Double)
    /// The configuration cannot be used.
    case configuration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .unexpectedChipID: return .identity
        case .shortRead, .implausibleTemperature: return .data
        case .configuration: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "mpu6050: \(error)"
        case .unexpectedChipID(let id): return "mpu6050: WHO_AM_I 0x\(String(id, radix: 16)) not in the accepted list"
        case .shortRead(let expected, let got): return "mpu6050: data block read returned \(got) bytes, expected \(expected)"
        case .implausibleTemperature(let c): return "mpu6050: die temperature \(c) °C outside −45…90 °C"
        case .configuration(let text): return "mpu6050: configuration: \(text)"
        }
    }
}

/// One MPU-6050 sample in SI units.
public struct MPU6050Measurement: Sendable, Equatable {
    /// Angular rate about x, y, z, rad/s.
    public var rateRadS: (x: Double, y: Double, z: Double)
    /// Specific force along x, y, z, m/s².
    public var accelMS2: (x: Double, y: Double, z: Double)
    /// Die temperature, °C.
    public var temperatureC: Double

    /// The readings: `rate_{x,y,z}_rad_s`, `accel_{x,y,z}_m_s2`, `temperature_c`.
    public var readings: [Reading] {
        [
            Reading("rate_x_rad_s", rateRadS.x), Reading("rate_y_rad_s", rateRadS.y), Reading("rate_z_rad_s", rateRadS.z),
            Reading("accel_x_m_s2", accelMS2.x), Reading("accel_y_m_s2", accelMS2.y), Reading("accel_z_m_s2", accelMS2.z),
            Reading("temperature_c", temperatureC),
        ]
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.rateRadS == rhs.rateRadS && lhs.accelMS2 == rhs.accelMS2 && lhs.temperatureC == rhs.temperatureC
    }
}

/// InvenSense MPU-6050-class 6-axis IMU on I2C (0x68 or 0x69).
///
/// ``start()`` checks `WHO_AM_I` against ``Configuration/acceptedIDs``, wakes the device with the
/// PLL clock (`PWR_MGMT_1` = 0x01), and writes the low-pass filter, gyro and accel ranges. A
/// sample is one 14-byte I2C block read from `ACCEL_XOUT_H` (0x3B), so all axes come from the
/// same sampling instant. No waits are needed, so the driver takes no clock.
///
/// - Warning: Not thread-safe: use one instance from one thread.
public final class MPU6050<Bus: I2CBus>: SensorDevice {
    /// IMU settings.
    public struct Configuration: Sendable, Equatable {
        /// Gyro full scale; default ±250 °/s (`FS_SEL` 0).
        public var gyroRange: MPU6050GyroRange = .dps250
        /// Accelerometer full scale; default ±2 g (`AFS_SEL` 0).
        public var accelRange: MPU6050AccelRange = .g2
        /// Digital low-pass filter; default 44 Hz (`DLPF_CFG` 3).
        public var lowPassFilter: MPU6050LowPassFilter = .hz44
        /// `WHO_AM_I` values accepted; default `[0x68]` (add 0x70, 0x71… for register-compatible parts).
        public var acceptedIDs: [UInt8] = [MPU6050Constant.whoAmI]

        public init() {}
    }

    public let name: String
    public let driver = "mpu6050"
    public let bus: Bus
    public let address: I2CAddress
    public let configuration: Configuration

    /// Creates the driver; no bus traffic until ``start()``.
    public init(name: String, bus: Bus, address: I2CAddress = I2CAddress(0x68), configuration: Configuration = Configuration()) {
        self.name = name
        self.bus = bus
        self.address = address
        self.configuration = configuration
    }

    public func start() throws(DeviceError) -> String {
        try reporting { () throws(MPU6050Error) -> String in
            let id = try identifyAndConfigure()
            return "who_am_i 0x" + String(id, radix: 16)
        }
    }

    public func readSample() throws(DeviceError) -> [Reading] {
        try reporting { () throws(MPU6050Error) -> [Reading] in
            return try measure().readings
        }
    }

    /// Checks `WHO_AM_I`, wakes the device and writes the filter and ranges.
    /// - Returns: the `WHO_AM_I` value.
    @discardableResult
    public func identifyAndConfigure() throws(MPU6050Error) -> UInt8 {
        guard !configuration.acceptedIDs.isEmpty else { throw .configuration("acceptedIDs is empty") }
        let id = try readByte(.whoAmI)
        guard configuration.acceptedIDs.contains(id) else { throw .unexpectedChipID(id) }
        try writeByte(.powerManagement1, MPU6050PowerManagement.clockPLLGyroX.rawValue)
        try writeByte(.config, configuration.lowPassFilter.rawValue)
        try writeByte(.gyroConfig, configuration.gyroRange.rawValue << 3)
        try writeByte(.accelConfig, configuration.accelRange.rawValue << 3)
        return id
    }

    /// Reads one sample.
    /// - Throws: ``MPU6050Error``.
    public func measure() throws(MPU6050Error) -> MPU6050Measurement {
        let bytes: [UInt8]
        do {
            bytes = try bus.readBlockData(address, register: MPU6050Register.accelXOutHigh.rawValue, count: MPU6050Constant.dataBlockLength)
        } catch {
            throw .bus(error)
        }
        guard let raw = MPU6050RawSample(block: bytes) else {
            throw .shortRead(expected: MPU6050Constant.dataBlockLength, got: bytes.count)
        }
        return try Self.measurement(raw, gyroRange: configuration.gyroRange, accelRange: configuration.accelRange)
    }

    /// Converts a raw sample (pure).
    /// - Throws: `.implausibleTemperature` outside −45…90 °C (the −40…85 °C operating range plus
    ///   a margin for the untrimmed sensor's offset; quantisation alone puts 85 °C at 85.0006).
    public static func measurement(_ raw: MPU6050RawSample, gyroRange: MPU6050GyroRange, accelRange: MPU6050AccelRange) throws(MPU6050Error) -> MPU6050Measurement {
        let temperature = MPU6050Conversion.celsius(raw.temperature)
        guard (-45.0...90.0).contains(temperature) else { throw .implausibleTemperature(temperature) }
        func rate(_ value: Int16) -> Double { MPU6050Conversion.radiansPerSecond(value, range: gyroRange) }
        func accel(_ value: Int16) -> Double { MPU6050Conversion.metresPerSecondSquared(value, range: accelRange) }
        return MPU6050Measurement(
            rateRadS: (rate(raw.gyro.x), rate(raw.gyro.y), rate(raw.gyro.z)),
            accelMS2: (accel(raw.accel.x), accel(raw.accel.y), accel(raw.accel.z)),
            temperatureC: temperature
        )
    }

    private func readByte(_ register: MPU6050Register) throws(MPU6050Error) -> UInt8 {
        do { return try bus.readByteData(address, register: register.rawValue) } catch { throw .bus(error) }
    }

    private func writeByte(_ register: MPU6050Register, _ value: UInt8) throws(MPU6050Error) {
        do { try bus.writeByteData(address, register: register.rawValue, value: value) } catch { throw .bus(error) }
    }
}
