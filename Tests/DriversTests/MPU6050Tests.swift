import Drivers
import HAL
import SimHardware
import Testing

private let degree = 0.017453292519943295 // π / 180

@Suite struct MPU6050ConversionTests {
    @Test func scaleFactorsOfEveryRange() {
        // Product specification §6.1: 131, 65.5, 32.8, 16.4 LSB per °/s.
        #expect(abs(MPU6050Conversion.radiansPerSecond(131, range: .dps250) - degree) < 1e-15)
        #expect(abs(MPU6050Conversion.radiansPerSecond(655, range: .dps500) - 10 * degree) < 1e-15)
        #expect(abs(MPU6050Conversion.radiansPerSecond(-328, range: .dps1000) + 10 * degree) < 1e-15)
        #expect(abs(MPU6050Conversion.radiansPerSecond(164, range: .dps2000) - 10 * degree) < 1e-15)
        // §6.2: 16384, 8192, 4096, 2048 LSB per g; g = 9.80665 m/s².
        #expect(MPU6050Conversion.metresPerSecondSquared(16384, range: .g2) == 9.80665)
        #expect(MPU6050Conversion.metresPerSecondSquared(-8192, range: .g4) == -9.80665)
        #expect(MPU6050Conversion.metresPerSecondSquared(4096, range: .g8) == 9.80665)
        #expect(MPU6050Conversion.metresPerSecondSquared(2048, range: .g16) == 9.80665)
        // Register map §4.18: T = raw / 340 + 36.53; raw −521 → 34.9976 °C.
        #expect(MPU6050Conversion.celsius(0) == 36.53)
        #expect(abs(MPU6050Conversion.celsius(-521) - 34.99764705882353) < 1e-12)
    }

    @Test func implausibleTemperatureIsADataError() {
        // raw 0x7FFF → 32767 / 340 + 36.53 = 132.9 °C: beyond the −40…85 °C operating range.
        let raw = MPU6050RawSample(accel: (0, 0, 0), temperature: .max, gyro: (0, 0, 0))
        #expect { _ = try MPU6050<ScriptedI2CBus>.measurement(raw, gyroRange: .dps250, accelRange: .g2) } throws: { error in
            guard case MPU6050Error.implausibleTemperature = error else { return false }
            return (error as? MPU6050Error)?.category == .data
        }
    }
}

@Suite struct MPU6050ScriptTests {
    @Test func startAndOneBurstSampleFollowTheRegisterMap() throws {
        let bus = ScriptedI2CBus([
            .readByte(0x68, register: 0x75, returns: 0x68), // WHO_AM_I
            .writeByte(0x68, register: 0x6B, value: 0x01), // PWR_MGMT_1: SLEEP = 0, CLKSEL = PLL X gyro
            .writeByte(0x68, register: 0x1A, value: 0x03), // CONFIG: DLPF 44 Hz
            .writeByte(0x68, register: 0x1B, value: 0x00), // GYRO_CONFIG: FS_SEL 0, ±250 °/s
            .writeByte(0x68, register: 0x1C, value: 0x00), // ACCEL_CONFIG: AFS_SEL 0, ±2 g
            .readBlock(
                0x68, register: 0x3B,
                returns: [
                    0x40, 0x00, 0x00, 0x00, 0xC0, 0x00, // accel x +16384, y 0, z −16384
                    0xFD, 0xF7, // temperature −521
                    0x00, 0x83, 0xFF, 0x7D, 0x00, 0x00, // gyro x +131, y −131, z 0
                ]),
        ])
        let imu = MPU6050(name: "imu", bus: bus)
        #expect(try imu.start() == "who_am_i 0x68")
        let readings = try imu.readSample()
        bus.finish()
        #expect(
            readings.map(\.key) == [
                "rate_x_rad_s", "rate_y_rad_s", "rate_z_rad_s",
                "accel_x_m_s2", "accel_y_m_s2", "accel_z_m_s2", "temperature_c",
            ])
        let expected = [degree, -degree, 0, 9.80665, 0, -9.80665, 34.99764705882353]
        for (reading, value) in zip(readings, expected) {
            #expect(abs(reading.value - value) < 1e-12, "\(reading.key)")
        }
    }

    @Test func rangesAndAcceptedIDsComeFromTheConfiguration() throws {
        var configuration = MPU6050<ScriptedI2CBus>.Configuration()
        configuration.gyroRange = .dps2000
        configuration.accelRange = .g16
        configuration.lowPassFilter = .hz260
        configuration.acceptedIDs = [0x68, 0x70]
        let bus = ScriptedI2CBus([
            .readByte(0x69, register: 0x75, returns: 0x70), // an MPU-6500, accepted by configuration
            .writeByte(0x69, register: 0x6B, value: 0x01),
            .writeByte(0x69, register: 0x1A, value: 0x00),
            .writeByte(0x69, register: 0x1B, value: 0x18), // FS_SEL 3: ±2000 °/s
            .writeByte(0x69, register: 0x1C, value: 0x18), // AFS_SEL 3: ±16 g
        ])
        #expect(try MPU6050(name: "imu", bus: bus, address: I2CAddress(0x69), configuration: configuration).start() == "who_am_i 0x70")
        bus.finish()
    }

    @Test func wrongWhoAmIIsAnIdentityError() {
        let bus = ScriptedI2CBus([.readByte(0x68, register: 0x75, returns: 0x71)])
        #expect { _ = try MPU6050(name: "imu", bus: bus).start() } throws: { error in
            let device = error as? DeviceError
            return device?.category == .identity && (device?.underlying as? MPU6050Error) == .unexpectedChipID(0x71)
        }
        bus.finish()
    }
}

@Suite struct MPU6050SimulationTests {
    private func rig(_ configuration: MPU6050<SimI2CBus>.Configuration = .init(), faults: FaultInjector? = nil) -> (MPU6050Model, MPU6050<SimI2CBus>) {
        let bus = SimI2CBus(faults: faults)
        let model = MPU6050Model()
        bus.attach(model, at: I2CAddress(0x68), deviceName: "imu")
        return (model, MPU6050(name: "imu", bus: bus, configuration: configuration))
    }

    @Test(arguments: [(MPU6050GyroRange.dps250, MPU6050AccelRange.g2), (.dps2000, .g16)])
    func sweepsEveryChannelThroughTheModel(gyroRange: MPU6050GyroRange, accelRange: MPU6050AccelRange) throws {
        var configuration = MPU6050<SimI2CBus>.Configuration()
        configuration.gyroRange = gyroRange
        configuration.accelRange = accelRange
        let (model, imu) = rig(configuration)
        #expect(model.isSleeping)
        _ = try imu.start()
        #expect(!model.isSleeping)
        let rateRange = gyroRange.degreesPerSecond * degree
        // Rates: the model rounds to the nearest code, so half an LSB: 0.5 / 131 °/s at ±250,
        // 0.5 / 16.4 °/s at ±2000 (full scale fits: 250 × 131 = 32750, 2000 × 16.4 = 32800 → the
        // last 33 codes saturate, so ±2000 is swept to 1997 °/s, its last unsaturated point).
        let rateTop = min(rateRange, 32767 / gyroRange.lsbPerDegreePerSecond * degree)
        let rateEpsilon = 0.5 / gyroRange.lsbPerDegreePerSecond * degree + 1e-12
        // Accelerations: +full scale is 32768 codes, one past int16, so the top point reads one LSB
        // low; one LSB (9.80665 / 16384 m/s² at ±2 g) bounds every point.
        let accelRange_ = accelRange.g * 9.80665
        let accelEpsilon = 9.80665 / accelRange.lsbPerG + 1e-12
        let axes = ["x", "y", "z"]
        for axis in 0..<3 {
            func vector(_ value: Double) -> (x: Double, y: Double, z: Double) {
                (axis == 0 ? value : 0, axis == 1 ? value : 0, axis == 2 ? value : 0)
            }
            try sweep(
                "mpu6050.rate_\(axes[axis])_rad_s", over: -rateTop...rateTop, steps: 20, epsilon: rateEpsilon,
                set: { model.set(rateRadS: vector($0), accelMS2: (0, 0, 9.80665), temperatureC: 25) },
                read: {
                    let r = try imu.measure().rateRadS; return [r.x, r.y, r.z][axis]
                })
            try sweep(
                "mpu6050.accel_\(axes[axis])_m_s2", over: -accelRange_...accelRange_, steps: 20, epsilon: accelEpsilon,
                set: { model.set(rateRadS: (0, 0, 0), accelMS2: vector($0), temperatureC: 25) },
                read: {
                    let a = try imu.measure().accelMS2; return [a.x, a.y, a.z][axis]
                })
        }
        // Temperature: 1/340 °C per LSB, rounded → 1/680 °C.
        try sweep(
            "mpu6050.temperature_c", over: -40...85, steps: 25, epsilon: 1.0 / 680 + 1e-12,
            set: { model.set(rateRadS: (0, 0, 0), accelMS2: (0, 0, 9.80665), temperatureC: $0) },
            read: { try imu.measure().temperatureC })
    }

    @Test(arguments: [InjectedFault.noAcknowledge, .timeout, .disconnect])
    func busFaultsAreBusErrors(fault: InjectedFault) throws {
        let faults = FaultInjector(clock: SimClock())
        let (_, imu) = rig(faults: faults)
        _ = try imu.start()
        faults.inject(fault, device: "imu", extent: .count(1))
        #expect { _ = try imu.readSample() } throws: { error in
            let device = error as? DeviceError
            guard device?.category == .bus, case .bus(let i2c)? = device?.underlying as? MPU6050Error else { return false }
            return fault == .timeout ? i2c.kind == .timeout : i2c.kind == .noAcknowledge(.address)
        }
        #expect(try imu.readSample().count == 7)
    }

    @Test func aDeviceResetPutsItBackToSleep() throws {
        let (model, imu) = rig()
        _ = try imu.start()
        try imu.bus.writeByteData(I2CAddress(0x68), register: 0x6B, value: 0x80) // DEVICE_RESET
        #expect(model.isSleeping)
        _ = try imu.start() // start() recovers it
        #expect(!model.isSleeping)
    }
}
