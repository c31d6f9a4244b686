import Drivers
import FlightCore
import HAL
import SimHardware
import Assembly
import Simulation
import Testing

/// A device whose bus is missing at start gets its real driver and is read once the bus appears.
@Suite struct BusReconnectTests {
    /// The simulated buses, with the I2C bus missing until `plugged`.
    final class LateBuses: BusProvider {
        let simulated: SimulatedBuses
        var plugged = false
        var i2cOpenAttempts = 0

        init(_ simulated: SimulatedBuses) { self.simulated = simulated }

        func i2cBus(for bus: BusConfiguration) throws(BusUnavailable) -> any I2CBus {
            i2cOpenAttempts += 1
            guard plugged else { throw BusUnavailable(bus: bus.name, message: "/dev/i2c-7: No such file or directory") }
            return try simulated.i2cBus(for: bus)
        }

        func gpioChip(for bus: BusConfiguration) throws(BusUnavailable) -> any GPIOChip { try simulated.gpioChip(for: bus) }
        func modbusClient(for bus: BusConfiguration) throws(BusUnavailable) -> any ModbusClient { try simulated.modbusClient(for: bus) }
    }

    static let configuration = """
        [[bus]]
        name = "i2c-7"
        kind = "sim-i2c"
        reconnect_initial = "100ms"
        reconnect_max = "5s"

        [[device]]
        name = "cabin-env"
        driver = "bme280"
        bus = "i2c-7"
        address = 0x76
        """

    @Test func aBusMissingAtStartIsOpenedWhenItAppearsAndTheDeviceRecovers() throws {
        let configuration = try VehicleConfiguration.parse(text: Self.configuration, path: "late.toml")
        let clock = SimClock()
        let vehicle = SimulatedVehicle(seed: 1, clock: clock)
        let provider = LateBuses(SimulatedBuses(configuration: configuration, simulation: vehicle))
        let devices = try DeviceSet(configuration: configuration, provider: provider, catalog: DriverCatalog.all, clock: SimulatedDeviceClock(clock))
        // The real driver, not a stand-in.
        let driver = try #require(devices.slots.first?.device)
        #expect(driver.driver == "bme280")
        let connection = try #require(devices.connection(named: "i2c-7"))
        #expect(!connection.isOpen)
        #expect(connection.unavailableReason?.contains("No such file") == true)

        let pool = ParameterPool()
        let events = EventLog(capacity: 64)
        let sampling = try DeviceSampling(
            devices: [
                DeviceSamplingSpec(
                    device: driver, bus: "i2c-7", period: .seconds(1),
                    readingKeys: ["temperature_c", "pressure_pa", "humidity_pct"])
            ],
            pool: pool, clock: clock, events: events)
        let sampler = try #require(sampling.samplers.first)
        func run(for duration: Duration) {
            let end = clock.now + duration
            while clock.now < end {
                sampling.pollOnce(now: clock.now)
                clock.advance(by: .milliseconds(10))
            }
        }
        run(for: .seconds(20))
        let device = try #require(sampling.device(named: "cabin-env"))
        #expect(device.currentHealth.state == .failed)
        // Open attempts are paced by the bus back-off (100 ms doubling to 5 s), not one per read.
        #expect(provider.i2cOpenAttempts < 12, "\(provider.i2cOpenAttempts) open attempts in 20 s")
        var failed = 0
        while let event = sampler.events.next() { if event.id == DeviceHealthEvents.failed { failed += 1 } }
        #expect(failed == 1)

        provider.plugged = true
        let pluggedAt = clock.now
        let delay = device.currentHealth.recoveryDelay
        var recoveredAt: MonotonicInstant?
        while recoveredAt == nil, clock.now - pluggedAt < .seconds(120) {
            run(for: .milliseconds(100))
            while let event = sampler.events.next() { if event.id == DeviceHealthEvents.recovered { recoveredAt = clock.now } }
        }
        let recovered = try #require(recoveredAt, "no device_recovered within 120 s of the bus appearing")
        #expect(recovered - pluggedAt <= delay + .milliseconds(200), "recovered \(recovered - pluggedAt) after the bus appeared; back-off \(delay)")
        #expect(device.currentHealth.state == .ok)
        #expect(connection.isOpen)
        #expect(connection.statistics.opens == 1)
    }
}
