import Drivers
import HAL
import SimHardware
import Testing

@Suite struct SCD30ConversionTests {
    @Test func decodesWholeNumbersExactly() throws {
        // 0x43FA0000 = 1.953125 × 2^8 = 500.0; 0x41A80000 = 1.3125 × 2^4 = 21.0; 0x42200000 = 1.25 × 2^5 = 40.0.
        let m = try SCD30Conversion.measurement([0x43FA, 0x0000, 0x41A8, 0x0000, 0x4220, 0x0000])
        #expect(m == SCD30Measurement(co2Ppm: 500, temperatureC: 21, humidityPct: 40))
    }

    @Test func decodesTheInterfaceDescriptionExample() throws {
        // Interface Description §1.4.5: 0x43DB8C2E ≈ 439.09 ppm, 0x41D9E7FF ≈ 27.24 °C, 0x42433A1B ≈ 48.81 %
        // (by hand: 2^8 × (1 + 0x5B8C2E/2^23) = 439.0951; 2^4 × (1 + 5892095/2^23) = 27.2383; 2^5 × (1 + 0x433A1B/2^23) = 48.8067).
        let m = try SCD30Conversion.measurement([0x43DB, 0x8C2E, 0x41D9, 0xE7FF, 0x4243, 0x3A1B])
        #expect(abs(m.co2Ppm - 439.0951) < 0.001)
        #expect(abs(m.temperatureC - 27.2383) < 0.001)
        #expect(abs(m.humidityPct - 48.8067) < 0.001)
    }

    @Test func rejectsNaNAndNegativeCO2() {
        #expect(throws: SCD30Error.self) { try SCD30Conversion.measurement([0x7FC0, 0, 0x41A8, 0, 0x4220, 0]) }
        do {
            _ = try SCD30Conversion.measurement([0xC2C8, 0x0000, 0x41A8, 0, 0x4220, 0]) // −100 ppm
            Issue.record("negative CO2 accepted")
        } catch {
            #expect(error == .implausible("co2_ppm", -100))
            #expect(error.category == .data)
        }
        #expect(throws: SCD30Error.malformed("measurement has 4 registers, expected 6")) {
            try SCD30Conversion.measurement([0x43FA, 0, 0x41A8, 0])
        }
    }

    @Test func rejectsHumidityAbove100() {
        // 0x42CA0000 = 101.0 %
        #expect(throws: SCD30Error.implausible("humidity_pct", 101)) {
            try SCD30Conversion.measurement([0x43FA, 0, 0x41A8, 0, 0x42CA, 0x0000])
        }
    }

    @Test func firmwareAndPressureArguments() throws {
        #expect(SCD30Conversion.firmwareVersion(0x0342) == (3, 66))
        #expect(try SCD30Conversion.pressureArgument(nil) == 0)
        #expect(try SCD30Conversion.pressureArgument(1013) == 1013)
        #expect(throws: SCD30Error.self) { try SCD30Conversion.pressureArgument(699) }
        #expect(throws: SCD30Error.self) { try SCD30Conversion.pressureArgument(1401) }
    }
}

@Suite struct SCD30DriverTests {
    let bench = ModbusBench()
    let model = SCD30Model()

    init() {
        bench.bus.attach(model, unit: 0x61, deviceName: "cabin-co2")
    }

    func sensor(_ configuration: SCD30Configuration = SCD30Configuration(measurementIntervalSeconds: 5, ambientPressureMbar: 1013)) -> SCD30<SimModbusBus> {
        SCD30(name: "cabin-co2", client: bench.bus, configuration: configuration)
    }

    @Test func startIdentifiesAndStartsMeasuring() throws {
        let scd30 = sensor()
        #expect(try scd30.start() == "firmware 3.66")
        #expect(model.isMeasuring)
        #expect(model.ambientPressureMbar == 1013)
        #expect(model.measurementInterval == 5)
    }

    @Test func readsAMeasurementOnceWhenReady() throws {
        let scd30 = sensor()
        _ = try scd30.start()
        expectDeviceError(.notReady) { _ = try scd30.readSample() }
        model.set(co2Ppm: 812.5, temperatureC: 21.25, humidityPct: 40.5)
        let readings = try scd30.readSample()
        #expect(readings == [Reading("co2_ppm", 812.5), Reading("temperature_c", 21.25), Reading("humidity_pct", 40.5)])
        // Reading the measurement cleared data-ready.
        expectDeviceError(.notReady) { _ = try scd30.readSample() }
    }

    @Test func stopClearsDataReady() throws {
        let scd30 = sensor()
        _ = try scd30.start()
        model.set(co2Ppm: 600, temperatureC: 20, humidityPct: 30)
        try scd30.stop()
        #expect(!model.isMeasuring)
        expectDeviceError(.notReady) { _ = try scd30.readSample() }
    }

    @Test func sweepsEveryChannel() throws {
        let scd30 = sensor()
        _ = try scd30.start()
        // float32 carries 24 significant bits: at 10 000 ppm one step is 0.001 ppm.
        try sweep(
            "scd30.co2_ppm", over: 0...10_000, steps: 50, epsilon: 0.001,
            set: { model.set(co2Ppm: $0, temperatureC: 20, humidityPct: 40) },
            read: { try #require(value(try scd30.readSample(), "co2_ppm")) })
        try sweep(
            "scd30.temperature_c", over: -40...70, steps: 44, epsilon: 1e-5,
            set: { model.set(co2Ppm: 400, temperatureC: $0, humidityPct: 40) },
            read: { try #require(value(try scd30.readSample(), "temperature_c")) })
        try sweep(
            "scd30.humidity_pct", over: 0...100, steps: 40, epsilon: 1e-5,
            set: { model.set(co2Ppm: 400, temperatureC: 20, humidityPct: $0) },
            read: { try #require(value(try scd30.readSample(), "humidity_pct")) })
    }

    @Test func implausibleValuesAreDataErrors() throws {
        let scd30 = sensor()
        _ = try scd30.start()
        model.set(co2Ppm: .nan, temperatureC: 20, humidityPct: 40)
        expectDeviceError(.data) { _ = try scd30.readSample() }
        model.set(co2Ppm: -5, temperatureC: 20, humidityPct: 40)
        expectDeviceError(.data) { _ = try scd30.readSample() }
    }

    @Test func badConfigurationIsReportedBeforeTheBusIsTouched() {
        let before = bench.bus.requestCount
        expectDeviceError(.configuration) { _ = try sensor(SCD30Configuration(ambientPressureMbar: 500)).start() }
        expectDeviceError(.configuration) { _ = try sensor(SCD30Configuration(measurementIntervalSeconds: 1)).start() }
        #expect(bench.bus.requestCount == before)
    }

    @Test func injectedBusFaultsAreBusErrors() throws {
        let scd30 = sensor()
        _ = try scd30.start()
        model.set(co2Ppm: 500, temperatureC: 20, humidityPct: 40)

        bench.faults.inject(.modbusException(.serverDeviceBusy), device: "cabin-co2", extent: .count(1))
        let busy = expectDeviceError(.bus) { _ = try scd30.readSample() }
        #expect(busy?.underlying as? SCD30Error == .bus(.exception(.serverDeviceBusy, unit: 0x61, function: 0x03)))

        bench.faults.inject(.modbusSilence, device: "cabin-co2", extent: .count(1))
        let silent = expectDeviceError(.bus) { _ = try scd30.readSample() }
        #expect(silent?.underlying as? SCD30Error == .bus(.timeout(unit: 0x61)))

        bench.faults.inject(.disconnect, device: "cabin-co2", extent: .count(1))
        let gone = expectDeviceError(.bus) { _ = try scd30.readSample() }
        guard case .bus(.connectionLost)? = gone?.underlying as? SCD30Error else {
            Issue.record("expected connectionLost, got \(String(describing: gone))")
            return
        }
        // The faults were one-shot: the measurement is still waiting.
        #expect(value(try scd30.readSample(), "co2_ppm") == 500)
    }

    @Test func modelAnswersAsTheSensorDoes() {
        // Function 0x10 is not implemented by the SCD30 (§1.2).
        #expect(model.handle(.writeMultipleRegisters(address: 0x0025, values: [5])) == .failure(.illegalFunction))
        #expect(model.handle(.readCoils(address: 0, count: 1)) == .failure(.illegalFunction))
        #expect(model.handle(.writeSingleRegister(address: 0x0036, value: 500)) == .failure(.illegalDataValue))
        #expect(model.handle(.writeSingleRegister(address: 0x0025, value: 1801)) == .failure(.illegalDataValue))
        #expect(model.handle(.writeSingleRegister(address: 0x0028, value: 1)) == .failure(.illegalDataAddress))
        #expect(model.handle(.readHoldingRegisters(address: 0x0100, count: 1)) == .failure(.illegalDataAddress))
        // 0x03 and 0x04 read the same registers.
        #expect(model.handle(.readInputRegisters(address: 0x0020, count: 1)) == .success(.registers([0x0342])))
        #expect(model.handle(.readHoldingRegisters(address: 0x0020, count: 1)) == .success(.registers([0x0342])))
    }
}

/// The SCD30 driver's transactions, register by register (Interface Description Sensirion SCD30,
/// v1.0, §1.2 and §1.4; unit 0x61; 0x03 reads holding registers, 0x06 writes one). Addresses and
/// words are written out here, not taken from the driver's register table.
@Suite struct SCD30TransactionTests {
    static let unit: UInt8 = 0x61
    /// 500.0 ppm, 21.0 °C, 40.0 %RH as big-endian float32 register pairs.
    static let measurementWords: [UInt16] = [0x43FA, 0x0000, 0x41A8, 0x0000, 0x4220, 0x0000]

    @Test func startReadsTheFirmwareThenSetsTheIntervalThenStartsWithPressureCompensation() throws {
        let client = ScriptedModbusClient([
            .read(unit: Self.unit, .holding, 0x0020, count: 1, returns: [0x0342]), // §1.4.10 firmware 3.66
            .writeRegister(unit: Self.unit, 0x0025, value: 5), // §1.4.3 interval 5 s
            .writeRegister(unit: Self.unit, 0x0036, value: 1013), // §1.4.1 start, 1013 mbar
        ])
        let scd30 = SCD30(name: "cabin-co2", client: client, configuration: SCD30Configuration(measurementIntervalSeconds: 5, ambientPressureMbar: 1013))
        #expect(try scd30.start() == "firmware 3.66")
        client.finish()
    }

    @Test func withoutAPressureTheStartArgumentIsZero() throws {
        let client = ScriptedModbusClient([
            .read(unit: Self.unit, .holding, 0x0020, count: 1, returns: [0x0301]),
            .writeRegister(unit: Self.unit, 0x0025, value: 2),
            .writeRegister(unit: Self.unit, 0x0036, value: 0),
        ])
        #expect(try SCD30(name: "cabin-co2", client: client).start() == "firmware 3.1")
        client.finish()
    }

    @Test func aSampleIsTheDataReadyPollThenOneSixRegisterRead() throws {
        let client = ScriptedModbusClient([
            .read(unit: Self.unit, .holding, 0x0027, count: 1, returns: [1]),
            .read(unit: Self.unit, .holding, 0x0028, count: 6, returns: Self.measurementWords),
            .read(unit: Self.unit, .holding, 0x0027, count: 1, returns: [0]), // not ready: nothing more is read
        ])
        let scd30 = SCD30(name: "cabin-co2", client: client)
        #expect(try scd30.readSample() == [Reading("co2_ppm", 500), Reading("temperature_c", 21), Reading("humidity_pct", 40)])
        expectDeviceError(.notReady) { _ = try scd30.readSample() }
        client.finish()
    }

    @Test func stopWritesTheStopCommand() throws {
        let client = ScriptedModbusClient([.writeRegister(unit: Self.unit, 0x0037, value: 0x0001)])
        try SCD30(name: "cabin-co2", client: client).stop()
        client.finish()
    }

    @Test func aFailedFirmwareReadStopsTheStart() {
        let client = ScriptedModbusClient([
            .fail(unit: Self.unit, .readHoldingRegisters(address: 0x0020, count: 1), .timeout(unit: Self.unit))
        ])
        let error = expectDeviceError(.bus) { _ = try SCD30(name: "cabin-co2", client: client).start() }
        #expect(error?.underlying as? SCD30Error == .bus(.timeout(unit: Self.unit)))
        client.finish() // and nothing was written after the failure
    }

    @Test func aBadConfigurationSendsNothing() {
        let client = ScriptedModbusClient([])
        expectDeviceError(.configuration) { _ = try SCD30(name: "cabin-co2", client: client, configuration: SCD30Configuration(ambientPressureMbar: 1500)).start() }
        client.finish()
    }
}
