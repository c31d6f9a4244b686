import Drivers
import HAL
import SimHardware
import Testing

@Suite struct EPEverConversionTests {
    @Test func assemblesLowAndHighWords() {
        // 0x3102 = 0x86A0 (low), 0x3103 = 0x0001 (high): 0x0001_86A0 = 100 000 → 1000.00 W.
        #expect(EPEverConversion.centi(low: 0x86A0, high: 0x0001) == 1000.0)
        // Word order matters: swapped, the same words would be 0x86A0_0001 = 2 258 632 705 → 22 586 327.05 W.
        #expect(EPEverConversion.centi(low: 0x0001, high: 0x86A0) == 22_586_327.05)
    }

    @Test func batteryCurrentIsSigned() {
        // −2.50 A = −250 = 0xFFFF_FF06: low 0xFF06, high 0xFFFF.
        #expect(EPEverConversion.signedCenti(low: 0xFF06, high: 0xFFFF) == -2.5)
        // +12.34 A = 1234 = 0x0000_04D2.
        #expect(EPEverConversion.signedCenti(low: 0x04D2, high: 0x0000) == 12.34)
    }

    @Test func decodesTheRealTimeBlock() throws {
        // 35.50 V, 2.81 A, 99.75 W; 26.40 V, 3.70 A, 97.68 W.
        let r = try EPEverConversion.realTime([3550, 281, 9975, 0, 2640, 370, 9768, 0])
        #expect(r.pvV == 35.5 && r.pvA == 2.81 && r.pvW == 99.75)
        #expect(r.batV == 26.4 && r.chgA == 3.7 && r.chgW == 97.68)
        #expect(throws: EPEverTracerError.self) { try EPEverConversion.realTime([1, 2, 3]) }
    }

    @Test func stateOfChargeAbove100IsData() throws {
        #expect(try EPEverConversion.stateOfCharge(100) == 100)
        #expect(throws: EPEverTracerError.implausible("battery_soc_pct", 101)) { try EPEverConversion.stateOfCharge(101) }
    }

    @Test func chargingStateIsBitsD3D2() {
        #expect(EPEverChargingStatus(rawValue: 0b0000_0001).chargingState == .notCharging)
        #expect(EPEverChargingStatus(rawValue: 0b0000_0101).chargingState == .float)
        #expect(EPEverChargingStatus(rawValue: 0b0000_1001).chargingState == .boost)
        #expect(EPEverChargingStatus(rawValue: 0b0000_1111).chargingState == .equalisation)
    }
}

@Suite struct EPEverTracerDriverTests {
    let bench = ModbusBench()
    let model = MPPTModel()
    let tracer: EPEverTracer<SimModbusBus>

    init() {
        bench.bus.attach(model, unit: 1, deviceName: "solar")
        tracer = EPEverTracer(name: "solar", client: bench.bus, unit: 1)
    }

    @Test func identifiesFromTheRatedData() throws {
        #expect(try tracer.start() == "MPPT, rated PV 100 V 30 A, battery 24 V")
    }

    @Test func aDeviceWithoutRatedDataIsNotAController() {
        model.bank.update { $0.inputRegisters[0x3000] = 0 }
        expectDeviceError(.identity) { _ = try tracer.start() }
    }

    @Test func readsEveryChannel() throws {
        model.set(
            pvVoltage: 35.5, pvCurrent: 2.5, batteryVoltage: 26.4, chargeCurrent: 3.25,
            batterySoC: 80, chargingState: 2, batteryCurrent: -1.75)
        let readings = try tracer.readSample()
        #expect(
            readings == [
                Reading("pv_voltage_v", 35.5), Reading("pv_current_a", 2.5), Reading("pv_power_w", 88.75),
                Reading("battery_voltage_v", 26.4), Reading("charge_current_a", 3.25), Reading("charge_power_w", 85.8),
                Reading("battery_soc_pct", 80), Reading("charging_state", 2), Reading("battery_current_a", -1.75),
            ])
    }

    @Test func powerAboveOneRegisterUsesTheHighWord() throws {
        // Written as raw registers: 0x3102 = 0x86A0, 0x3103 = 0x0001 → 1000.00 W.
        model.bank.update {
            $0.inputRegisters[0x3102] = 0x86A0; $0.inputRegisters[0x3103] = 0x0001
        }
        #expect(value(try tracer.readSample(), "pv_power_w") == 1000)
    }

    @Test func sweepsEveryChannel() throws {
        // Registers hold 0.01 units: rounding error at most 0.005.
        try sweep(
            "mppt.pv_voltage_v", over: 0...150, steps: 37, epsilon: 0.005,
            set: { model.set(pvVoltage: $0) }, read: { try #require(value(try tracer.readSample(), "pv_voltage_v")) })
        try sweep(
            "mppt.pv_current_a", over: 0...30, steps: 37, epsilon: 0.005,
            set: { model.set(pvCurrent: $0) }, read: { try #require(value(try tracer.readSample(), "pv_current_a")) })
        try sweep(
            "mppt.battery_voltage_v", over: 0...32, steps: 37, epsilon: 0.005,
            set: { model.set(batteryVoltage: $0) }, read: { try #require(value(try tracer.readSample(), "battery_voltage_v")) })
        try sweep(
            "mppt.battery_current_a", over: -30...30, steps: 37, epsilon: 0.005,
            set: { model.set(batteryCurrent: $0) }, read: { try #require(value(try tracer.readSample(), "battery_current_a")) })
        // SoC is a whole percentage.
        try sweep(
            "mppt.battery_soc_pct", over: 0...100, steps: 100, epsilon: 0,
            set: { model.set(batterySoC: $0) }, read: { try #require(value(try tracer.readSample(), "battery_soc_pct")) })
        for state in 0...3 {
            model.set(chargingState: state)
            #expect(value(try tracer.readSample(), "charging_state") == Double(state))
        }
    }

    @Test func implausibleStateOfChargeIsData() {
        model.bank.update { $0.inputRegisters[0x311A] = 250 }
        expectDeviceError(.data) { _ = try tracer.readSample() }
    }

    @Test func injectedFaultsAreBusErrors() {
        bench.faults.inject(.modbusException(.illegalDataAddress), device: "solar", extent: .count(1))
        let error = expectDeviceError(.bus) { _ = try tracer.readSample() }
        #expect(error?.underlying as? EPEverTracerError == .bus(.exception(.illegalDataAddress, unit: 1, function: 0x04)))
        bench.faults.inject(.modbusSilence, device: "solar", extent: .count(1))
        expectDeviceError(.bus) { _ = try tracer.readSample() }
        #expect(throws: Never.self) { _ = try tracer.readSample() }
    }

    @Test func undefinedAddressesBetweenBlocksAreRefused() {
        #expect(model.handle(.readInputRegisters(address: 0x3100, count: 27)) == .failure(.illegalDataAddress))
        #expect(model.handle(.readInputRegisters(address: 0x311A, count: 1)) == .success(.registers([0])))
    }
}

/// The EPEver driver's transactions (EPEver's Tracer-series "Controller Communication
/// Instruction", V2.5: function 0x04 input registers; rated data 0x3000…, real time 0x3100…, SoC 0x311A, status 0x3200…, statistics
/// 0x331A…). Addresses and words are written out here.
@Suite struct EPEverTransactionTests {
    @Test func startReadsTheNineRatedRegisters() throws {
        // 100.00 V, 30.00 A PV; 24.00 V battery, 30.00 A charge; charging mode 2 (MPPT).
        let client = ScriptedModbusClient([
            .read(unit: 1, .input, 0x3000, count: 9, returns: [10_000, 3000, 0, 0, 2400, 3000, 0, 0, 2])
        ])
        #expect(try EPEverTracer(name: "mppt", client: client).start() == "MPPT, rated PV 100 V 30 A, battery 24 V")
        client.finish()
    }

    @Test func aSampleReadsFourBlocksInOrder() throws {
        let client = ScriptedModbusClient([
            // 36.00 V, 2.50 A, PV power 0x0001_86A0 = 1000.00 W (low word first); 26.40 V, 3.25 A, 85.80 W.
            .read(unit: 7, .input, 0x3100, count: 8, returns: [3600, 250, 0x86A0, 0x0001, 2640, 325, 8580, 0]),
            .read(unit: 7, .input, 0x311A, count: 1, returns: [80]),
            // Battery status, then charging status 0b1001: running, boost (D3–D2 = 2).
            .read(unit: 7, .input, 0x3200, count: 2, returns: [0, 0b1001]),
            // Battery voltage, then current −1.75 A = −175 = 0xFFFF_FF51 (low word first).
            .read(unit: 7, .input, 0x331A, count: 3, returns: [2640, 0xFF51, 0xFFFF]),
        ])
        let readings = try EPEverTracer(name: "mppt", client: client, unit: 7).readSample()
        #expect(
            readings == [
                Reading("pv_voltage_v", 36), Reading("pv_current_a", 2.5), Reading("pv_power_w", 1000),
                Reading("battery_voltage_v", 26.4), Reading("charge_current_a", 3.25), Reading("charge_power_w", 85.8),
                Reading("battery_soc_pct", 80), Reading("charging_state", 2), Reading("battery_current_a", -1.75),
            ])
        client.finish()
    }

    @Test func anExceptionEndsTheSampleAtOnce() {
        let client = ScriptedModbusClient([
            .read(unit: 1, .input, 0x3100, count: 8, returns: [0, 0, 0, 0, 2640, 0, 0, 0]),
            .fail(unit: 1, .readInputRegisters(address: 0x311A, count: 1), .exception(.illegalDataAddress, unit: 1, function: 0x04)),
        ])
        let error = expectDeviceError(.bus) { _ = try EPEverTracer(name: "mppt", client: client).readSample() }
        #expect(error?.underlying as? EPEverTracerError == .bus(.exception(.illegalDataAddress, unit: 1, function: 0x04)))
        client.finish()
    }
}
