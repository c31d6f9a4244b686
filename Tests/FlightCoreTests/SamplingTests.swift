import Drivers
@testable import FlightCore
import HAL
import SimHardware
import Testing

/// A sensor whose failures are scripted by time (milliseconds on the clock).
final class ScriptedSensor: SensorDevice {
    let name: String
    let driver = "scripted"
    let clock: any MonotonicClock
    var readFailure: (UInt64) -> DeviceFaultCategory? = { _ in nil }
    var startFailure: (UInt64) -> DeviceFaultCategory? = { _ in nil }
    var extraReading = false
    private(set) var starts: [UInt64] = []
    private(set) var reads: [UInt64] = []

    init(_ name: String, clock: any MonotonicClock) {
        self.name = name
        self.clock = clock
    }

    private var milliseconds: UInt64 { clock.now.nanoseconds / 1_000_000 }

    func start() throws(DeviceError) -> String {
        starts.append(milliseconds)
        if let category = startFailure(milliseconds) { throw DeviceError(category, device: name, driver: driver, message: "scripted start failure") }
        return "scripted"
    }

    func readSample() throws(DeviceError) -> [Reading] {
        reads.append(milliseconds)
        if let category = readFailure(milliseconds) { throw DeviceError(category, device: name, driver: driver, message: "scripted read failure") }
        var readings = [Reading("temperature_c", 20 + Double(milliseconds) / 1000), Reading("pressure_pa", 101_325)]
        if extraReading { readings.append(Reading("humidity_pct", 40)) }
        return readings
    }
}

@Suite("Sampling")
struct SamplingTests {
    struct Vehicle {
        let clock: SimClock
        let pool: ParameterPool
        let sink: RecordingSink
        let executive: Executive
        let sampling: DeviceSampling

        func sample(_ name: String) throws -> ParameterSample { pool[try pool.handle(named: name)] }
        func run(untilMilliseconds ms: UInt64) { executive.run(until: MonotonicInstant(nanoseconds: ms * 1_000_000)) }
    }

    /// A 100 Hz executive whose prologue polls the devices and whose only group ingests them.
    func vehicle(
        _ sensors: [ScriptedSensor], clock: SimClock, period: Duration = .milliseconds(100),
        keys: [String]? = ["temperature_c", "pressure_pa"],
        configuration: SamplingConfiguration = SamplingConfiguration()
    ) throws -> Vehicle {
        let pool = ParameterPool()
        let sink = RecordingSink()
        let executive = try Executive(
            configuration: ExecutiveConfiguration(groups: [RateGroupConfiguration(name: "base", divisor: 1)]),
            clock: clock, pool: pool, events: sink)
        let sampling = try DeviceSampling(
            devices: sensors.map { DeviceSamplingSpec(device: $0, bus: "i2c-1", period: period, readingKeys: keys) },
            configuration: configuration, pool: pool, clock: clock, events: sink)
        executive.addPrologue(sampling.synchronousPoll)
        executive.add(sampling.ingest, to: "base")
        return Vehicle(clock: clock, pool: pool, sink: sink, executive: executive, sampling: sampling)
    }

    @Test func samplesBecomeTimestampedParameters() throws {
        let clock = SimClock()
        let sensor = ScriptedSensor("cabin-env", clock: clock)
        let vehicle = try vehicle([sensor], clock: clock)
        vehicle.run(untilMilliseconds: 990)
        #expect(sensor.starts == [0])
        #expect(sensor.reads == [0, 100, 200, 300, 400, 500, 600, 700, 800, 900])
        let temperature = try vehicle.sample("dev.cabin-env.temperature_c")
        #expect(temperature == ParameterSample(value: 20.9, timestamp: MonotonicInstant(nanoseconds: 900_000_000), validity: .valid))
        #expect(try vehicle.sample("dev.cabin-env.pressure_pa").value == 101_325)
        #expect(try vehicle.sample("dev.cabin-env.health").value == 0)
        #expect(try vehicle.sample("dev.cabin-env.errors").value == 0)
        let handle = try vehicle.pool.handle(named: "dev.cabin-env.temperature_c")
        #expect(vehicle.pool.definition(handle).unit == "degC")
        #expect(handle.id.rawValue == 0x1002) // health 0x1000, errors 0x1001, then the readings
        #expect(vehicle.sink.events.allSatisfy { $0.id.rawValue < 0x0600 })
    }

    @Test func valuesGoStaleAfterThreePeriodsWithoutASample() throws {
        let clock = SimClock()
        let sensor = ScriptedSensor("cabin-env", clock: clock)
        sensor.readFailure = { $0 > 300 ? .notReady : nil }
        let vehicle = try vehicle([sensor], clock: clock)
        vehicle.run(untilMilliseconds: 600) // 600 − 300 = 300 ms: not yet older than 3 periods
        #expect(try vehicle.sample("dev.cabin-env.temperature_c").validity == .valid)
        vehicle.run(untilMilliseconds: 610)
        let temperature = try vehicle.sample("dev.cabin-env.temperature_c")
        #expect(temperature.validity == .stale)
        #expect(temperature.value == 20.3)
        #expect(try vehicle.sample("dev.cabin-env.health").value == 0) // "not ready" is not an error
        sensor.readFailure = { _ in nil }
        vehicle.run(untilMilliseconds: 700)
        #expect(try vehicle.sample("dev.cabin-env.temperature_c") == ParameterSample(value: 20.7, timestamp: MonotonicInstant(nanoseconds: 700_000_000), validity: .valid))
    }

    @Test func badDataInvalidatesThatSampleOnly() throws {
        let clock = SimClock()
        let sensor = ScriptedSensor("cabin-env", clock: clock)
        sensor.readFailure = { $0 == 200 ? .data : nil }
        let vehicle = try vehicle([sensor], clock: clock)
        vehicle.run(untilMilliseconds: 290)
        #expect(try vehicle.sample("dev.cabin-env.temperature_c").validity == .invalid)
        #expect(try vehicle.sample("dev.cabin-env.health").value == 1)
        #expect(try vehicle.sample("dev.cabin-env.errors").value == 1)
        vehicle.run(untilMilliseconds: 300)
        #expect(try vehicle.sample("dev.cabin-env.temperature_c").validity == .valid)
        #expect(try vehicle.sample("dev.cabin-env.health").value == 0)
    }

    @Test func busErrorsFailTheDeviceThenRecoveryBacksOff() throws {
        let clock = SimClock()
        let sensor = ScriptedSensor("cabin-env", clock: clock)
        let broken: (UInt64) -> DeviceFaultCategory? = { (1_000..<16_000).contains($0) ? .bus : nil }
        sensor.readFailure = broken
        sensor.startFailure = broken
        let vehicle = try vehicle([sensor], clock: clock)
        let healthID = Double(try vehicle.pool.handle(named: "dev.cabin-env.health").id.rawValue)

        vehicle.run(untilMilliseconds: 1_100) // errors at 1.0 s and 1.1 s: degraded, values kept
        #expect(try vehicle.sample("dev.cabin-env.health").value == 1)
        #expect(try vehicle.sample("dev.cabin-env.temperature_c") == ParameterSample(value: 20.9, timestamp: MonotonicInstant(nanoseconds: 900_000_000), validity: .valid))

        vehicle.run(untilMilliseconds: 1_200) // third consecutive error: FAILED, values invalid
        #expect(try vehicle.sample("dev.cabin-env.health").value == 2)
        #expect(try vehicle.sample("dev.cabin-env.temperature_c").validity == .invalid)
        #expect(try vehicle.sample("dev.cabin-env.pressure_pa").validity == .invalid)
        let failed = vehicle.sink.events(DeviceHealthEvents.failed)
        #expect(failed.map(\.argumentList) == [[healthID, 3, 1]])
        #expect(failed.first?.time == MonotonicInstant(nanoseconds: 1_200_000_000))

        vehicle.run(untilMilliseconds: 19_990)
        // No reads while FAILED (the restarts fail before reading); restarts after 1, 2, 4 and 8 s.
        #expect(sensor.reads.filter { $0 > 1_200 && $0 < 16_200 }.isEmpty)
        #expect(sensor.starts == [0, 2_200, 4_200, 8_200, 16_200])
        let attempts = vehicle.sink.events(DeviceHealthEvents.recoveryFailed)
        #expect(attempts.map(\.argumentList) == [[healthID, 1, 2, 1], [healthID, 2, 4, 1], [healthID, 3, 8, 1]])
        let recovered = vehicle.sink.events(DeviceHealthEvents.recovered)
        #expect(recovered.map(\.argumentList) == [[healthID, 4, 15]])
        #expect(recovered.first?.time == MonotonicInstant(nanoseconds: 16_200_000_000))
        #expect(try vehicle.sample("dev.cabin-env.health").value == 0)
        #expect(try vehicle.sample("dev.cabin-env.errors").value == 6) // 3 reads + 3 recovery attempts
        #expect(try vehicle.sample("dev.cabin-env.temperature_c") == ParameterSample(value: 20 + 19.9, timestamp: MonotonicInstant(nanoseconds: 19_900_000_000), validity: .valid))
        #expect(sensor.reads.suffix(3) == [19_700, 19_800, 19_900])
    }

    @Test func requestedRecoveryRestartsAtOnce() throws {
        let clock = SimClock()
        let sensor = ScriptedSensor("co2", clock: clock)
        var powered = true
        sensor.readFailure = { _ in powered ? nil : .bus }
        sensor.startFailure = { _ in powered ? nil : .bus }
        let vehicle = try vehicle([sensor], clock: clock)
        vehicle.run(untilMilliseconds: 100)
        powered = false
        vehicle.run(untilMilliseconds: 5_000) // failed at 400 ms; attempts at 1.4 s and 3.4 s failed; next at 7.4 s
        #expect(sensor.starts == [0, 1_400, 3_400])
        powered = true // fault management power-cycled it
        #expect(vehicle.sampling.requestRecovery(device: "co2"))
        #expect(!vehicle.sampling.requestRecovery(device: "nope"))
        vehicle.run(untilMilliseconds: 5_010)
        #expect(sensor.starts == [0, 1_400, 3_400, 5_010])
        #expect(vehicle.sink.events(DeviceHealthEvents.recoveryRequested).count == 1)
        #expect(vehicle.sink.events(DeviceHealthEvents.recovered).count == 1)
        #expect(try vehicle.sample("dev.co2.health").value == 0)
    }

    @Test func readingKeysLearnedAtBuildAndUnexpectedOnesReportedOnce() throws {
        let clock = SimClock()
        let sensor = ScriptedSensor("cabin-env", clock: clock)
        let vehicle = try vehicle([sensor], clock: clock, keys: nil)
        #expect(sensor.starts == [0])
        #expect(sensor.reads == [0])
        #expect(vehicle.sampling.device(named: "cabin-env")?.keys == ["temperature_c", "pressure_pa"])
        sensor.extraReading = true
        vehicle.run(untilMilliseconds: 300)
        #expect(sensor.starts == [0]) // started at build, not again
        #expect(try vehicle.sample("dev.cabin-env.temperature_c").value == 20.3)
        #expect(vehicle.sink.events(DeviceHealthEvents.unexpectedReading).map(\.argumentList) == [[Double(0x1000), 3]])
    }

    @Test func healthBackOffIsCappedAtTheMaximum() {
        var health = DeviceHealth(policy: DeviceHealthPolicy(failureThreshold: 2, recoveryInitialDelay: .seconds(1), recoveryMaximumDelay: .seconds(5)))
        let t0 = MonotonicInstant(nanoseconds: 0)
        #expect(health.recordError(.bus, at: t0) == .none)
        #expect(health.state == .degraded)
        health.recordSuccess()
        #expect(health.state == .ok)
        #expect(health.recordError(.identity, at: t0) == .none)
        #expect(health.recordError(.bus, at: t0) == .failed(consecutiveErrors: 2, category: .bus))
        #expect(health.nextRecovery == t0 + .seconds(1))
        var delays: [Duration] = []
        var time = t0 + .seconds(1)
        for _ in 0..<5 {
            #expect(health.isRecoveryDue(at: time))
            guard case .recoveryFailed(_, let delay, _) = health.recordRecovery(failure: .bus, at: time) else { Issue.record("expected a failed attempt"); return }
            delays.append(delay)
            #expect(!health.isRecoveryDue(at: time + (delay - .nanoseconds(1))))
            time = time + delay
        }
        #expect(delays == [.seconds(2), .seconds(4), .seconds(5), .seconds(5), .seconds(5)])
        #expect(health.recordRecovery(failure: nil, at: time) == .recovered(attempts: 6, downtime: .seconds(22)))
        #expect(health.recordError(.configuration, at: time) == .failed(consecutiveErrors: 1, category: .configuration))
    }

    @Test func slotKeepsTheNewestCompleteSample() {
        let slot = SampleSlot(capacity: 2)
        #expect(!slot.refresh())
        #expect(slot.header.sequence == 0)
        for sequence in 1...3 {
            slot.writeBuffer[0] = Double(sequence)
            slot.writeBuffer[1] = Double(-sequence)
            slot.publish(SampleHeader(sequence: 0, time: MonotonicInstant(nanoseconds: UInt64(sequence)), outcome: .ok, health: .ok, consecutiveErrors: 0, totalErrors: 0))
        }
        #expect(slot.refresh())
        #expect(slot.header.sequence == 3)
        #expect(slot.value(at: 0) == 3 && slot.value(at: 1) == -3)
        #expect(!slot.refresh())
        #expect(slot.value(at: 0) == 3)
    }

    @Test func configurationFromTOML() throws {
        let text = "[sampling]\nstale_after_periods = 5\nfailure_threshold = 4\nrecovery_initial = \"500ms\"\nrecovery_max = \"30s\"\n"
        let table = try VehicleConfiguration.parse(text: text, path: "t.toml").root.table("sampling")
        let configuration = try SamplingConfiguration(table: table)
        #expect(configuration.staleAfterPeriods == 5)
        #expect(configuration.health == DeviceHealthPolicy(failureThreshold: 4, recoveryInitialDelay: .milliseconds(500), recoveryMaximumDelay: .seconds(30)))
        let bad = try VehicleConfiguration.parse(text: "[sampling]\nfailure_treshold = 4\n", path: "t.toml").root.table("sampling")
        #expect(throws: ConfigurationError.self) { try SamplingConfiguration(table: bad) }
    }

    @Test func busSamplerThreadPublishesSamples() throws {
        let clock = WallClock()
        let sensor = ScriptedSensor("cabin-env", clock: clock)
        let pool = ParameterPool()
        let sampling = try DeviceSampling(
            devices: [DeviceSamplingSpec(device: sensor, bus: "i2c-1", period: .milliseconds(5), readingKeys: ["temperature_c", "pressure_pa"])],
            pool: pool, clock: clock, events: RecordingSink())
        try sampling.start()
        let until = clock.now + .seconds(2)
        while clock.now < until, sampling.device(named: "cabin-env")?.slot.refresh() != true {
            clock.sleep(until: clock.now + .milliseconds(5))
        }
        #expect(sampling.stop(timeout: .seconds(5)))
        let slot = try #require(sampling.device(named: "cabin-env")?.slot)
        slot.refresh()
        #expect(slot.header.sequence > 0)
        #expect(slot.header.outcome == .ok)
        #expect(slot.value(at: 1) == 101_325)
    }
}
