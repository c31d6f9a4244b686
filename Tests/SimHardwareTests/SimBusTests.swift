import HAL
import SimHardware
import Testing

@Suite struct SimI2CBusTests {
    @Test func absentAddressIsNoAcknowledge() {
        let bus = SimI2CBus(name: "sim-i2c")
        #expect(throws: I2CError(.noAcknowledge(.address), operation: .readByteData, address: I2CAddress(0x50), bus: "sim-i2c")) {
            _ = try bus.readByteData(I2CAddress(0x50), register: 0)
        }
    }

    @Test func smbusCallsPutTheWireBytesOnTheModel() throws {
        let bus = SimI2CBus()
        let bytes = ByteRegisterFile()
        bytes[0xD0] = 0x60
        bus.attach(bytes, at: I2CAddress(0x76), deviceName: "env")
        #expect(try bus.readByteData(I2CAddress(0x76), register: 0xD0) == 0x60)
        try bus.writeWordData(I2CAddress(0x76), register: 0x10, value: 0xBEEF)
        #expect(bytes[0x10] == 0xEF && bytes[0x11] == 0xBE) // SMBus word: low byte first
        #expect(try bus.readBlockData(I2CAddress(0x76), register: 0x10, count: 2) == [0xEF, 0xBE])

        let words = WordRegisterFile()
        words[0xFE] = 0x5449 // sent MSB first on the wire
        bus.attach(words, at: I2CAddress(0x40), deviceName: "ina")
        #expect(try bus.readWordData(I2CAddress(0x40), register: 0xFE) == 0x4954)
        #expect(try bus.readBigEndianWord(I2CAddress(0x40), register: 0xFE) == 0x5449)
    }

    @Test func injectedFaultsLastForTheirCount() throws {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        let bus = SimI2CBus(faults: faults)
        bus.attach(ByteRegisterFile(), at: I2CAddress(0x68), deviceName: "imu")
        faults.inject(.timeout, device: "imu", extent: .count(2))
        for _ in 0..<2 {
            #expect(throws: I2CError(.timeout, operation: .readByteData, address: I2CAddress(0x68), bus: "sim-i2c")) {
                _ = try bus.readByteData(I2CAddress(0x68), register: 0x75)
            }
        }
        #expect(try bus.readByteData(I2CAddress(0x68), register: 0x75) == 0)
    }

    @Test func timeWindowFaultsExpireOnTheSimClock() throws {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        let bus = SimI2CBus(faults: faults)
        bus.attach(ByteRegisterFile(), at: I2CAddress(0x68), deviceName: "imu")
        faults.inject(.disconnect, device: "imu", extent: .window(.seconds(5)))
        clock.advance(by: .seconds(4))
        #expect(throws: I2CError.self) { _ = try bus.readByteData(I2CAddress(0x68), register: 0) }
        clock.advance(by: .seconds(1))
        #expect(try bus.readByteData(I2CAddress(0x68), register: 0) == 0)
    }
}

@Suite struct ValueFaultTests {
    @Test func stuckHoldsTheFirstValueAndDriftGrowsWithTime() {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        #expect(faults.apply(device: "o2", channel: "pct", value: 20.9) == 20.9)
        faults.inject(.stuck, device: "o2")
        #expect(faults.apply(device: "o2", channel: "pct", value: 20.9) == 20.9)
        #expect(faults.apply(device: "o2", channel: "pct", value: 18.0) == 20.9)
        faults.clear(device: "o2")
        faults.inject(.drift(perSecond: 0.1), device: "o2")
        clock.advance(by: .seconds(10))
        #expect(abs(faults.apply(device: "o2", channel: "pct", value: 20.0) - 21.0) < 1e-9)
    }

    @Test func noiseIsDeterministicForASeed() {
        func draw() -> [Double] {
            let faults = FaultInjector(clock: SimClock(), seed: 7)
            faults.inject(.noise(standardDeviation: 1), device: "d")
            return (0..<5).map { _ in faults.apply(device: "d", channel: "c", value: 0) }
        }
        #expect(draw() == draw())
        #expect(Set(draw()).count == 5)
    }
}

@Suite struct SimModbusBusTests {
    @Test func routesByUnitAndMapsExceptions() throws {
        let faults = FaultInjector(clock: SimClock())
        let bus = SimModbusBus(faults: faults)
        let bank = ModbusRegisterBank()
        bank.holdingRegisters = [0x10: 7, 0x11: 8]
        bus.attach(bank, unit: 0x61, deviceName: "co2")
        #expect(try bus.readHoldingRegisters(unit: 0x61, address: 0x10, count: 2) == [7, 8])
        #expect(throws: ModbusError.exception(.illegalDataAddress, unit: 0x61, function: 0x03)) {
            _ = try bus.readHoldingRegisters(unit: 0x61, address: 0x11, count: 2)
        }
        #expect(throws: ModbusError.exception(.illegalFunction, unit: 0x61, function: 0x04)) {
            bank.supportedFunctions = [0x03, 0x06, 0x10]
            _ = try bus.readInputRegisters(unit: 0x61, address: 0x10, count: 1)
        }
        #expect(throws: ModbusError.timeout(unit: 0x62)) { _ = try bus.readHoldingRegisters(unit: 0x62, address: 0, count: 1) }
        faults.inject(.modbusException(.serverDeviceBusy), device: "co2", extent: .count(1))
        #expect(throws: ModbusError.exception(.serverDeviceBusy, unit: 0x61, function: 0x03)) {
            _ = try bus.readHoldingRegisters(unit: 0x61, address: 0x10, count: 1)
        }
        try bus.writeSingleRegister(unit: 0x61, address: 0x11, value: 99)
        #expect(bank.holdingRegisters[0x11] == 99)
        #expect(throws: ModbusError.invalidRequest("register count 126 outside 1...125")) {
            _ = try bus.readHoldingRegisters(unit: 0x61, address: 0, count: 126)
        }
    }
}

@Suite struct SimGPIOChipTests {
    @Test func outputsReadBackAndEdgesCarryTimestamps() throws {
        let chip = SimGPIOChip(lineNames: ["valve", "geiger"])
        let valve = try chip.requestOutput(.name("valve"), initialValue: false, options: GPIOLineOptions(activeLow: true))
        #expect(chip.outputValue(.name("valve")) == true) // logical off = electrical high
        try valve.set(true)
        #expect(chip.outputValue(.name("valve")) == false)
        #expect(try valve.get() == true)
        #expect(throws: GPIOError.self) { _ = try chip.requestInput(.name("valve"), options: .init()) }

        let geiger = try chip.requestEdgeEvents(.offset(1), edge: .falling, options: .init())
        chip.injectEdge(.offset(1), kind: .falling, at: MonotonicInstant(nanoseconds: 1_000))
        chip.injectEdge(.offset(1), kind: .rising, at: MonotonicInstant(nanoseconds: 2_000))
        chip.injectEdge(.offset(1), kind: .falling, at: MonotonicInstant(nanoseconds: 3_000))
        let events = try geiger.waitForEvents(timeout: .zero)
        #expect(events.map(\.timestampNanoseconds) == [1_000, 3_000])
        #expect(events.allSatisfy { $0.kind == .falling && $0.lineOffset == 1 })
        valve.release()
        #expect(throws: GPIOError.self) { try valve.set(false) }
        #expect(!chip.isRequested(.name("valve")))
    }
}
