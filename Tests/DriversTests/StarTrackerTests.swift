import Drivers
import HAL
import SimHardware
import Testing

@Suite struct StarTrackerConversionTests {
    /// q = (0.5, 0.5, 0.5, 0.5): 0.5 = 0x3F00_0000. Tracking, 12 stars, t = 100 + 0x8000/65536 = 100.5 s, valid.
    static let block: [UInt16] = [0x0001, 12, 0x3F00, 0, 0x3F00, 0, 0x3F00, 0, 0x3F00, 0, 0x0000, 0x0064, 0x8000, 1]

    @Test func decodesASolution() throws {
        let s = try StarTrackerConversion.solution(Self.block)
        #expect(s.status == .tracking)
        #expect(s.starsTracked == 12)
        #expect(s.timeTagSeconds == 100.5)
        let q = try #require(s.quaternion)
        #expect([q.w, q.x, q.y, q.z] == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func secondsUseTheHighWordFirst() throws {
        var block = Self.block
        block[10] = 0x0001; block[11] = 0x0000; block[12] = 0 // 65536 s
        #expect(try StarTrackerConversion.solution(block).timeTagSeconds == 65536)
    }

    @Test func rejectsInconsistentSolutions() {
        var noStars = Self.block
        noStars[1] = 0
        #expect(throws: StarTrackerError.implausible("tracking with 0 stars")) { try StarTrackerConversion.solution(noStars) }

        var long = Self.block
        long[2] = 0x3F8C; long[3] = 0xCCCD // w = 1.1: ‖q‖ = √(1.21 + 0.75) = 1.4
        #expect(throws: StarTrackerError.self) { try StarTrackerConversion.solution(long) }

        var badFlag = Self.block
        badFlag[13] = 2
        #expect(throws: StarTrackerError.implausible("attitude validity 2 is neither 0 nor 1")) { try StarTrackerConversion.solution(badFlag) }
    }

    @Test func anInvalidAttitudeIsNotReported() throws {
        var block = Self.block
        block[0] = 0x0002; block[1] = 0; block[13] = 0 // lost in space
        let s = try StarTrackerConversion.solution(block)
        #expect(s.quaternion == nil)
        #expect(s.status == .lostInSpace)
    }

    @Test func checksIdentity() throws {
        #expect(try StarTrackerConversion.identity([0x5354, 0x0103]) == (1, 3))
        #expect(throws: StarTrackerError.identity("magic 0x4d42, expected 0x5354")) { try StarTrackerConversion.identity([0x4D42, 0x0100]) }
        #expect(throws: StarTrackerError.self) { try StarTrackerConversion.identity([0x5354, 0x0200]) }
    }
}

@Suite struct StarTrackerDriverTests {
    let bench = ModbusBench()
    let model = StarTrackerModel()
    let tracker: StarTracker<SimModbusBus>

    init() {
        bench.bus.attach(model, unit: 0x20, deviceName: "st1")
        tracker = StarTracker(name: "st1", client: bench.bus, configuration: StarTrackerConfiguration(mode: .track, exposureMs: 80))
    }

    @Test func startChecksIdentityAndCommandsTheMode() throws {
        #expect(try tracker.start() == "star tracker protocol 1.0")
        #expect(model.mode == 1)
        #expect(model.exposureMs == 80)
    }

    @Test func readsTheSolution() throws {
        _ = try tracker.start()
        model.set(attitude: (0.5, -0.5, 0.5, -0.5), stars: 9, tracking: true, timeTag: 1234.25)
        #expect(
            try tracker.readSample() == [
                Reading("stars_tracked", 9), Reading("tracking", 1), Reading("time_tag_s", 1234.25),
                Reading("q_w", 0.5), Reading("q_x", -0.5), Reading("q_y", 0.5), Reading("q_z", -0.5),
            ])
    }

    @Test func inStandbyNothingIsTracked() throws {
        model.set(attitude: (1, 0, 0, 0), stars: 9, tracking: true, timeTag: 1)
        let readings = try tracker.readSample() // never started: mode standby
        #expect(value(readings, "tracking") == 0)
        #expect(value(readings, "stars_tracked") == 0)
        #expect(value(readings, "q_w") == nil)
    }

    @Test func sweepsTheQuaternionComponents() throws {
        _ = try tracker.start()
        // Each component swept over −1…1 with the others keeping the norm at 1; float32 carries
        // ~6e-8 relative: epsilon 1e-6.
        func unit(_ c: Double) -> Double { (1 - c * c).squareRoot() }
        try sweep(
            "st.q_w", over: -1...1, steps: 40, epsilon: 1e-6,
            set: { model.set(attitude: ($0, unit($0), 0, 0), stars: 10, tracking: true) },
            read: { try #require(value(try tracker.readSample(), "q_w")) })
        try sweep(
            "st.q_x", over: -1...1, steps: 40, epsilon: 1e-6,
            set: { model.set(attitude: (unit($0), $0, 0, 0), stars: 10, tracking: true) },
            read: { try #require(value(try tracker.readSample(), "q_x")) })
        try sweep(
            "st.q_y", over: -1...1, steps: 40, epsilon: 1e-6,
            set: { model.set(attitude: (0, 0, $0, unit($0)), stars: 10, tracking: true) },
            read: { try #require(value(try tracker.readSample(), "q_y")) })
        try sweep(
            "st.q_z", over: -1...1, steps: 40, epsilon: 1e-6,
            set: { model.set(attitude: (0, unit($0), 0, $0), stars: 10, tracking: true) },
            read: { try #require(value(try tracker.readSample(), "q_z")) })
        try sweep(
            "st.time_tag_s", over: 0...86_400, steps: 24, epsilon: 1.0 / 65536,
            set: { model.set(attitude: (1, 0, 0, 0), stars: 10, tracking: true, timeTag: $0) },
            read: { try #require(value(try tracker.readSample(), "time_tag_s")) })
    }

    @Test func nonUnitQuaternionOrTrackingWithoutStarsIsData() throws {
        _ = try tracker.start()
        model.set(attitude: (0.9, 0.9, 0, 0), stars: 10, tracking: true)
        expectDeviceError(.data) { _ = try tracker.readSample() }
        model.set(attitude: (1, 0, 0, 0), stars: 0, tracking: true)
        expectDeviceError(.data) { _ = try tracker.readSample() }
    }

    @Test func badExposureIsAConfigurationError() {
        let bad = StarTracker(name: "st1", client: bench.bus, configuration: StarTrackerConfiguration(exposureMs: 0))
        expectDeviceError(.configuration) { _ = try bad.start() }
    }

    @Test func theModelRefusesOutOfRangeCommands() {
        #expect(model.handle(.writeSingleRegister(address: 0x0100, value: 2)) == .failure(.illegalDataValue))
        #expect(model.handle(.writeSingleRegister(address: 0x0101, value: 1001)) == .failure(.illegalDataValue))
        #expect(model.handle(.writeSingleCoil(address: 0, value: true)) == .failure(.illegalFunction))
        #expect(model.handle(.readInputRegisters(address: 0x0010, count: 1)) == .failure(.illegalDataAddress))
    }

    @Test func injectedFaultsAreBusErrors() throws {
        _ = try tracker.start()
        bench.faults.inject(.disconnect, device: "st1", extent: .count(1))
        expectDeviceError(.bus) { _ = try tracker.readSample() }
        bench.faults.inject(.modbusException(.serverDeviceFailure), device: "st1", extent: .count(1))
        let error = expectDeviceError(.bus) { _ = try tracker.readSample() }
        #expect(error?.underlying as? StarTrackerError == .bus(.exception(.serverDeviceFailure, unit: 0x20, function: 0x04)))
    }
}

/// The star tracker driver's transactions (docs/star-tracker-modbus.md: identity 0x0000–0x0001,
/// solution 0x0002–0x000F as input registers; mode and exposure 0x0100–0x0101 written together
/// with function 0x10). Addresses and words are written out here.
@Suite struct StarTrackerTransactionTests {
    @Test func startChecksTheMagicThenWritesModeAndExposureInOneRequest() throws {
        let client = ScriptedModbusClient([
            .read(unit: 0x20, .input, 0x0000, count: 2, returns: [0x5354, 0x0102]), // "ST", protocol 1.2
            .writeRegisters(unit: 0x20, 0x0100, values: [1, 80]), // track, 80 ms
        ])
        let tracker = StarTracker(name: "st1", client: client, configuration: StarTrackerConfiguration(mode: .track, exposureMs: 80))
        #expect(try tracker.start() == "star tracker protocol 1.2")
        client.finish()
    }

    @Test func aWrongMagicWritesNothing() {
        let client = ScriptedModbusClient([.read(unit: 0x20, .input, 0x0000, count: 2, returns: [0x4D42, 0x0100])])
        expectDeviceError(.identity) { _ = try StarTracker(name: "st1", client: client).start() }
        client.finish()
    }

    @Test func aSampleIsOneFourteenRegisterRead() throws {
        let client = ScriptedModbusClient([.read(unit: 0x20, .input, 0x0002, count: 14, returns: StarTrackerConversionTests.block)])
        let readings = try StarTracker(name: "st1", client: client).readSample()
        #expect(
            readings == [
                Reading("stars_tracked", 12), Reading("tracking", 1), Reading("time_tag_s", 100.5),
                Reading("q_w", 0.5), Reading("q_x", 0.5), Reading("q_y", 0.5), Reading("q_z", 0.5),
            ])
        client.finish()
    }
}
