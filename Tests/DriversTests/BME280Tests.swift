import Drivers
import HAL
import SimHardware
import Testing

/// Calibration of the Bosch worked example (BMP280 datasheet §3.12, same T/P formulas as the
/// BME280 §4.2.3) plus humidity parameters of a production part.
private let example = BME280Calibration(
    t1: 27504, t2: 26435, t3: -1000,
    p1: 36477, p2: -10685, p3: 3024, p4: 2855, p5: 140, p6: -7, p7: 15500, p8: -14600, p9: 6000,
    h1: 75, h2: 362, h3: 0, h4: 313, h5: 50, h6: 30)

/// The same calibration as it sits in 0x88…0xA1 (little-endian words, 0xA0 reserved, 0xA1 dig_H1).
private let calibrationBlock1: [UInt8] = [
    0x70, 0x6B, 0x43, 0x67, 0x18, 0xFC, // dig_T1 27504, dig_T2 26435, dig_T3 -1000
    0x7D, 0x8E, 0x43, 0xD6, 0xD0, 0x0B, // dig_P1 36477, dig_P2 -10685, dig_P3 3024
    0x27, 0x0B, 0x8C, 0x00, 0xF9, 0xFF, // dig_P4 2855, dig_P5 140, dig_P6 -7
    0x8C, 0x3C, 0xF8, 0xC6, 0x70, 0x17, // dig_P7 15500, dig_P8 -14600, dig_P9 6000
    0x00, 0x4B, // reserved, dig_H1 75
]
/// …and in 0xE1…0xE7: dig_H2 362, dig_H3 0, dig_H4 313 = 0x13 << 4 | 0x9, dig_H5 50 = 0x03 << 4 | 0x2
/// (0xE5 holds dig_H5[3:0] in its high nibble and dig_H4[3:0] in its low nibble), dig_H6 30.
private let calibrationBlock2: [UInt8] = [0x6A, 0x01, 0x00, 0x13, 0x29, 0x03, 0x1E]

@Suite struct BME280ConversionTests {
    @Test func datasheetTemperatureExample() {
        // adc_T = 519888 → t_fine = 128422 → T = 2508 (25.08 °C).
        let tFine = BME280Compensation.fineTemperature(adcT: 519_888, example)
        #expect(tFine == 128_422)
        #expect(BME280Compensation.temperatureCentiCelsius(fineTemperature: tFine) == 2508)
    }

    @Test func datasheetPressureExample() throws {
        // adc_P = 415148 at t_fine 128422: the example's ≈100653 Pa. Evaluating the 64-bit formula
        // by hand gives Q24.8 25767233 = 100653.254 Pa (the double version: 100653.26 Pa).
        let q = try #require(BME280Compensation.pressureQ24_8(adcP: 415_148, fineTemperature: 128_422, example))
        #expect(q == 25_767_233)
        #expect(abs(Double(q) / 256 - 100_653.25) < 0.01)
    }

    @Test func humidityHandCalculation() {
        // adc_H = 27000 at t_fine 128422 with dig_H1…H6 = 75, 362, 0, 313, 50, 30: the integer
        // formula evaluated by hand gives 39190 (Q22.10) = 38.271 %RH (double version 38.275 %RH).
        #expect(BME280Compensation.humidityQ22_10Unclamped(adcH: 27_000, fineTemperature: 128_422, example) == 39_190)
    }

    @Test func calibrationBlocksDecodeIncludingTheH4H5Packing() throws {
        let decoded = try #require(BME280Calibration(block1: calibrationBlock1, block2: calibrationBlock2))
        #expect(decoded == example)
        #expect(decoded.registerBlocks.block1 == calibrationBlock1)
        #expect(decoded.registerBlocks.block2 == calibrationBlock2)
        // Negative 12-bit values: 0xE4 = 0xF1, 0xE5 = 0x2A, 0xE6 = 0xFE →
        // dig_H4 = (int8)0xF1 · 16 + 0xA = -230, dig_H5 = (int8)0xFE · 16 + 0x2 = -30.
        let negative = try #require(BME280Calibration(block1: calibrationBlock1, block2: [0x6A, 0x01, 0x00, 0xF1, 0x2A, 0xFE, 0xE2]))
        #expect(negative.h4 == -230)
        #expect(negative.h5 == -30)
        #expect(negative.h6 == -30)
        #expect(BME280Calibration(block1: Array(calibrationBlock1.dropLast()), block2: calibrationBlock2) == nil)
    }

    @Test func dataBlockDecodes() {
        // press 0x65 0x5A 0xC0 → 0x655AC = 415148; temp 0x7E 0xED 0x00 → 0x7EED0 = 519888; hum 0x69 0x78 = 27000.
        let raw = BME280RawSample(dataBlock: [0x65, 0x5A, 0xC0, 0x7E, 0xED, 0x00, 0x69, 0x78])
        #expect(raw == BME280RawSample(pressure: 415_148, temperature: 519_888, humidity: 27_000))
    }

    @Test func skippedAndOutOfRangeValuesAreDataErrors() {
        let skipped = BME280RawSample(pressure: 415_148, temperature: 0x80000, humidity: 27_000)
        #expect(throws: BME280Error.measurementSkipped(channel: "temperature")) {
            _ = try BME280<ScriptedI2CBus>.compensate(skipped, calibration: example)
        }
        let skippedPressure = BME280RawSample(pressure: 0x80000, temperature: 519_888, humidity: 27_000)
        #expect(throws: BME280Error.measurementSkipped(channel: "pressure")) {
            _ = try BME280<ScriptedI2CBus>.compensate(skippedPressure, calibration: example)
        }
        let skippedHumidity = BME280RawSample(pressure: 415_148, temperature: 519_888, humidity: 0x8000)
        #expect(throws: BME280Error.measurementSkipped(channel: "humidity")) {
            _ = try BME280<ScriptedI2CBus>.compensate(skippedHumidity, calibration: example)
        }
        // adc_H = 0 is far below 0 %RH: reported, not clamped to 0.
        let dry = BME280RawSample(pressure: 415_148, temperature: 519_888, humidity: 0)
        #expect(BME280Error.outOfRange(channel: "humidity", value: 0).category == .data)
        #expect { _ = try BME280<ScriptedI2CBus>.compensate(dry, calibration: example) } throws: { error in
            guard case BME280Error.outOfRange(channel: "humidity", _) = error else { return false }
            return (error as? BME280Error)?.category == .data
        }
        // adc_T = 0xFFFFF is far above 85 °C.
        let hot = BME280RawSample(pressure: 415_148, temperature: 0xFFFFF, humidity: 27_000)
        #expect { _ = try BME280<ScriptedI2CBus>.compensate(hot, calibration: example) } throws: { error in
            if case BME280Error.outOfRange(channel: "temperature", _) = error { return true }
            return false
        }
    }

    @Test func skippedChannelsAreNotReported() throws {
        let raw = BME280RawSample(pressure: 0x80000, temperature: 519_888, humidity: 0x8000)
        let measurement = try BME280<ScriptedI2CBus>.compensate(raw, calibration: example, pressure: false, humidity: false)
        #expect(measurement.readings == [Reading("temperature_c", 25.08)])
    }

    @Test func measurementTimeFollowsTheDatasheet() {
        // Appendix B: 1.25 + 2.3·1 + (2.3·1 + 0.575) + (2.3·1 + 0.575) = 9.3 ms at ×1 everywhere.
        let driver = BME280(name: "env", bus: ScriptedI2CBus([]), configuration: .init(), clock: SimClock())
        #expect(driver.maximumMeasurementTime == .microseconds(9300))
    }
}

@Suite struct BME280ScriptTests {
    @Test func startAndOneForcedSampleFollowTheDatasheet() throws {
        let bus = ScriptedI2CBus([
            .readByte(0x76, register: 0xD0, returns: 0x60), // id
            .writeByte(0x76, register: 0xE0, value: 0xB6), // soft reset
            .readByte(0x76, register: 0xF3, returns: 0x00), // status: im_update clear
            .readBlock(0x76, register: 0x88, returns: calibrationBlock1),
            .readBlock(0x76, register: 0xE1, returns: calibrationBlock2),
            .writeByte(0x76, register: 0xF2, value: 0x01), // ctrl_hum: osrs_h ×1 (before ctrl_meas)
            .writeByte(0x76, register: 0xF5, value: 0x00), // config: filter off
            .writeByte(0x76, register: 0xF4, value: 0x24), // ctrl_meas: osrs_t ×1, osrs_p ×1, sleep
            // readSample
            .writeByte(0x76, register: 0xF4, value: 0x25), // ctrl_meas: forced
            .readByte(0x76, register: 0xF3, returns: 0x00), // status: measuring clear
            .readBlock(0x76, register: 0xF7, returns: [0x65, 0x5A, 0xC0, 0x7E, 0xED, 0x00, 0x69, 0x78]),
        ])
        let clock = SimClock()
        let driver = BME280(name: "cabin-env", bus: bus, clock: clock)
        #expect(try driver.start() == "chip id 0x60")
        let readings = try driver.readSample()
        bus.finish()
        #expect(
            readings == [
                Reading("temperature_c", 25.08),
                Reading("pressure_pa", 25_767_233.0 / 256),
                Reading("humidity_pct", 39_190.0 / 1024),
            ])
        // 2 ms start-up after the reset, then the 9.3 ms maximum measurement time.
        #expect(clock.now == MonotonicInstant(nanoseconds: 11_300_000))
    }

    @Test func wrongChipIDIsAnIdentityError() {
        let bus = ScriptedI2CBus([.readByte(0x76, register: 0xD0, returns: 0x58)]) // a BMP280
        let driver = BME280(name: "cabin-env", bus: bus, clock: SimClock())
        #expect { _ = try driver.start() } throws: { error in
            let device = error as? DeviceError
            return device?.category == .identity && (device?.underlying as? BME280Error) == .unexpectedChipID(0x58)
        }
        bus.finish()
    }

    @Test func blankCalibrationIsADataError() {
        var configuration = BME280<ScriptedI2CBus>.Configuration()
        configuration.softReset = false
        let bus = ScriptedI2CBus([
            .readByte(0x76, register: 0xD0, returns: 0x60),
            .readBlock(0x76, register: 0x88, returns: Array(repeating: 0, count: 26)),
            .readBlock(0x76, register: 0xE1, returns: Array(repeating: 0, count: 7)),
        ])
        let driver = BME280(name: "env", bus: bus, configuration: configuration, clock: SimClock())
        #expect { _ = try driver.start() } throws: { ($0 as? DeviceError)?.category == .data }
        bus.finish()
    }
}

@Suite struct BME280SimulationTests {
    private func rig(faults: FaultInjector? = nil, clock: SimClock = SimClock()) -> (BME280Model, BME280<SimI2CBus>) {
        let bus = SimI2CBus(faults: faults)
        let model = BME280Model()
        bus.attach(model, at: I2CAddress(0x76), deviceName: "cabin-env")
        return (model, BME280(name: "cabin-env", bus: bus, clock: clock))
    }

    private func value(_ key: String, in readings: [Reading]) throws -> Double {
        try #require(readings.first { $0.key == key }).value
    }

    @Test func sweepsEveryChannelThroughTheModel() throws {
        let (model, driver) = rig()
        _ = try driver.start()
        // Temperature: the integer formula outputs 0.01 °C steps (±0.005 °C) and one adc_T step
        // is ~0.0003 °C; the model inverts the double-precision formula, which differs from
        // the integer one by less than 0.001 °C. 0.006 °C bounds all three.
        try sweep(
            "bme280.temperature_c", over: -40...85, steps: 25, epsilon: 0.006,
            set: { model.set(temperatureC: $0, pressurePa: 101_325, humidityPct: 40) },
            read: { try value("temperature_c", in: driver.readSample()) })
        // Pressure: one adc_P step is ~0.16–0.5 Pa across the range (half of it after nearest-code
        // inversion) and the Q24.8 output 1/256 Pa; integer vs double formulas differ by < 0.05 Pa.
        try sweep(
            "bme280.pressure_pa", over: 30_000...110_000, steps: 20, epsilon: 0.35,
            set: { model.set(temperatureC: 21.5, pressurePa: $0, humidityPct: 40) },
            read: { try value("pressure_pa", in: driver.readSample()) })
        // Humidity: one adc_H step is ~0.0016 %RH, the Q22.10 output 1/1024 %RH (~0.001), and the
        // integer and double formulas differ by up to ~0.004 %RH. 0.01 %RH bounds these.
        try sweep(
            "bme280.humidity_pct", over: 0...100, steps: 20, epsilon: 0.01,
            set: { model.set(temperatureC: 21.5, pressurePa: 101_325, humidityPct: $0) },
            read: { try value("humidity_pct", in: driver.readSample()) })
    }

    @Test func forcedModeReturnsToSleep() throws {
        let (model, driver) = rig()
        _ = try driver.start()
        model.set(temperatureC: 20, pressurePa: 100_000, humidityPct: 50)
        _ = try driver.readSample()
        _ = try driver.readSample()
        #expect(model.forcedMeasurements == 2)
        #expect(try driver.bus.readByteData(I2CAddress(0x76), register: 0xF4) & 0b11 == 0) // back in sleep
    }

    @Test func aConversionThatNeverEndsIsNotReady() throws {
        let clock = SimClock()
        let (model, driver) = rig(clock: clock)
        _ = try driver.start()
        model.busyStatusReads = 100
        let before = clock.now
        #expect { _ = try driver.readSample() } throws: { error in
            let device = error as? DeviceError
            return device?.category == .notReady && (device?.underlying as? BME280Error) == .notReady(polls: 10)
        }
        // Bounded: 9.3 ms nominal wait plus 9 poll intervals of 1 ms, on the simulated clock.
        #expect(clock.now - before == .microseconds(18_300))
    }

    @Test func garbageSamplesAreDataErrors() throws {
        let (model, driver) = rig()
        _ = try driver.start()
        model.setRaw(adcT: 0x80000, adcP: 0x80000, adcH: 0x8000) // the "skipped" values
        #expect { _ = try driver.readSample() } throws: { ($0 as? DeviceError)?.category == .data }
        model.setRaw(adcT: 519_888, adcP: 415_148, adcH: 0) // humidity far below 0 %RH
        #expect { _ = try driver.readSample() } throws: { ($0 as? DeviceError)?.category == .data }
    }

    @Test(arguments: [InjectedFault.noAcknowledge, .timeout, .disconnect])
    func busFaultsAreBusErrors(fault: InjectedFault) throws {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        let (_, driver) = rig(faults: faults, clock: clock)
        _ = try driver.start()
        faults.inject(fault, device: "cabin-env")
        #expect { _ = try driver.readSample() } throws: { error in
            let device = error as? DeviceError
            guard device?.category == .bus, case .bus(let i2c)? = device?.underlying as? BME280Error else { return false }
            return fault == .timeout ? i2c.kind == .timeout : i2c.kind == .noAcknowledge(.address)
        }
        #expect { _ = try driver.start() } throws: { ($0 as? DeviceError)?.category == .bus }
        faults.clearAll()
        #expect(try driver.start() == "chip id 0x60")
    }
}
