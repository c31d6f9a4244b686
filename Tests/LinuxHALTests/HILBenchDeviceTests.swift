#if canImport(Glibc)
    import Glibc
#endif
import Drivers
import Foundation
import HAL
@testable import LinuxHAL
import PeerSupport
import Testing

// Drivers on the real Linux backends in the HIL bench guest (scripts/hil-bench, run by
// scripts/hil-test.sh): the Geiger counter and GPIO actuators on gpio-sim, the Modbus drivers
// against pymodbus over a pty pair with the peer killed and restarted mid-run. They run only
// there (HIL_GUEST=1). Line names come from HIL_GPIO_LINE_NAMES (tests/hil/guest.sh names the
// vehicle's lines); a missing name fails the test rather than skipping it.

/// gpio-sim attributes of one line (`$HIL_GPIO_SYSFS/sim_gpioK/{pull,value}`).
struct SimulatedPin {
    let offset: UInt32

    private func path(_ attribute: String) throws -> String {
        let directory = try #require(environment("HIL_GPIO_SYSFS"))
        return "\(directory)/sim_gpio\(offset)/\(attribute)"
    }

    /// Drives the simulated input level through the pull, then waits `settle` (default 20 ms).
    ///
    /// gpio-sim raises its interrupts through irq_sim, whose irq_work coalesces edges that come
    /// before it runs: pulses closer than that (milliseconds under TCG) reach no one. Real
    /// hardware has no such limit; the settle time keeps the simulator from merging pulses.
    func pull(_ high: Bool, settle: Duration = .milliseconds(20)) throws {
        defer { SystemMonotonicClock.shared.sleep(until: SystemMonotonicClock.shared.now.advanced(by: settle)) }
        let path = try path("pull")
        let text = high ? "pull-up" : "pull-down"
        let fd = open(path, O_WRONLY)
        try #require(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        let written = text.withCString { write(fd, $0, strlen($0)) }
        try #require(written == text.utf8.count, "write \(path): errno \(errno)")
    }

    /// The level on the simulated pin (what a program drives on an output).
    func value() throws -> Int {
        let path = try path("value")
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8)
        let count = read(fd, &bytes, bytes.count)
        try #require(count > 0, "read \(path): errno \(errno)")
        return try #require(Int(String(decoding: bytes.prefix(count), as: UTF8.self).filter(\.isNumber)))
    }
}

/// The bench's gpio-sim chip and a line of it by name.
func hilChip() throws -> LinuxGPIOChip {
    try LinuxGPIOChip(try #require(environment("HIL_GPIOCHIP")), consumer: "iost-hil-test")
}

func hilPin(_ chip: LinuxGPIOChip, _ name: String) throws -> SimulatedPin {
    SimulatedPin(offset: try chip.offset(of: .name(name)))
}

@Suite("HILBench: Geiger counter on gpio-sim", .enabled(if: onHILBench), .serialized)
struct HILBenchGeigerTests {
    @Test("pulses from pull changes are counted, each with a kernel timestamp inside the window")
    func pulsesAreCounted() throws {
        let chip = try hilChip()
        let pin = try hilPin(chip, "geiger")
        try pin.pull(true) // idle high; the tube pulls it low
        // As DriverCatalog.geiger requests it: falling edges, bias as the board wires it.
        let line = try chip.requestEdgeEvents(.name("geiger"), edge: .falling, options: GPIOLineOptions(bias: .asIs))
        defer { line.release() }
        let clock = SystemMonotonicClock.shared
        let counter = GeigerCounter(name: "geiger", line: line, clock: clock)
        _ = try counter.start()
        let before = clock.now

        let pulses = 12
        for _ in 0..<pulses {
            try pin.pull(false)
            try pin.pull(true)
        }
        var events: [GPIOEdgeEvent] = []
        let deadline = clock.now.advanced(by: .seconds(20)) // TCG: generous
        while events.count < pulses, clock.now < deadline {
            events += try line.waitForEvents(timeout: .milliseconds(200))
        }
        let after = clock.now
        try #require(events.count == pulses, "\(events.count) falling edges of \(pulses)")
        #expect(events.allSatisfy { $0.kind == .falling })
        #expect(events.allSatisfy { (before.nanoseconds...after.nanoseconds).contains($0.timestampNanoseconds) })
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timestampNanoseconds < $1.timestampNanoseconds })

        // The same events through the counter's own path (`ingest` hands them to `record`).
        #expect(counter.record(events) == pulses)
        let sample = try counter.sample(windowEnd: clock.now)
        #expect(sample.counts == pulses)
        #expect(sample.windowSeconds > 0)
        #expect(abs(sample.cpm - Double(pulses) / sample.windowSeconds * 60) < 1e-9 * sample.cpm)
        #expect(counter.statistics == GeigerStatistics(acceptedEvents: pulses))
    }

    @Test("ingest() takes pulses straight from the line")
    func ingestFromTheLine() throws {
        let chip = try hilChip()
        let pin = try hilPin(chip, "geiger")
        try pin.pull(true)
        let line = try chip.requestEdgeEvents(.name("geiger"), edge: .falling, options: GPIOLineOptions(bias: .asIs))
        defer { line.release() }
        let clock = SystemMonotonicClock.shared
        let counter = GeigerCounter(name: "geiger", line: line, clock: clock)
        _ = try counter.start()
        for _ in 0..<5 {
            try pin.pull(false)
            try pin.pull(true)
        }
        var counted = 0
        let deadline = clock.now.advanced(by: .seconds(20))
        while counted < 5, clock.now < deadline { counted += try counter.ingest(timeout: .milliseconds(200)) }
        #expect(counted == 5)
        let readings = try counter.readSample()
        #expect(readings.first { $0.key == "counts" }?.value == 5)
        #expect(readings.first { $0.key == "timestamp_anomalies" }?.value == 0)
    }
}

@Suite("HILBench: GPIO actuators on gpio-sim", .enabled(if: onHILBench), .serialized)
struct HILBenchActuatorTests {
    @Test("a valve: start() drives the safe state, commands show on the pin, read back agrees")
    func valve() throws {
        let chip = try hilChip()
        let pin = try hilPin(chip, "o2-valve")
        let configuration = ActuatorConfiguration(role: .oxygenInjectionValve)
        let valve = makeGPIOActuator(name: "o2-valve", line: try configuration.requestLine(.name("o2-valve"), on: chip), configuration: configuration)
        _ = try valve.start()
        #expect(try pin.value() == 0)
        try valve.command(true)
        #expect(try pin.value() == 1)
        #expect(try valve.readBack() == true)
        try valve.applySafeState()
        #expect(try pin.value() == 0)
        #expect(try valve.readBack() == false)
        #expect(valve.statistics.readbackMismatches == 0)
    }

    @Test("an active-low radio switch: logical on is the low level; its safe state is on")
    func activeLowSwitch() throws {
        let chip = try hilChip()
        let pin = try hilPin(chip, "radio-switch")
        let configuration = ActuatorConfiguration(role: .radioSwitch, activeLow: true)
        #expect(configuration.safeState == true)
        let radio = makeGPIOActuator(name: "radio-switch", line: try configuration.requestLine(.name("radio-switch"), on: chip), configuration: configuration)
        _ = try radio.start()
        #expect(try pin.value() == 0, "active-low: on = low")
        try radio.command(false)
        #expect(try pin.value() == 1)
        try radio.applySafeState()
        #expect(try pin.value() == 0)
    }

    @Test("a two-stage fan: exclusive wiring drives one line per stage")
    func fanStages() throws {
        let chip = try hilChip()
        let low = try hilPin(chip, "scrubber-fan-1")
        let high = try hilPin(chip, "scrubber-fan-2")
        let lines = [
            try chip.requestOutput(.name("scrubber-fan-1"), initialValue: true, options: GPIOLineOptions()),
            try chip.requestOutput(.name("scrubber-fan-2"), initialValue: false, options: GPIOLineOptions()),
        ]
        let fan = FanStages(name: "scrubber-fan", lines: lines, wiring: .exclusive, safeStage: 1)
        defer { for line in lines { line.release() } }
        _ = try fan.start()
        #expect(try [low.value(), high.value()] == [1, 0])
        try fan.command(stage: 2)
        #expect(try [low.value(), high.value()] == [0, 1])
        #expect(try fan.readBackStage() == 2)
        try fan.command(stage: 0)
        #expect(try [low.value(), high.value()] == [0, 0])
        try fan.applySafeState()
        #expect(try [low.value(), high.value()] == [1, 0])
    }
}

/// The bench could not be set up (a helper process did not start).
struct HILSetupError: Error, CustomStringConvertible {
    var description: String
}

/// A pty pair at fixed paths (socat), so a "replugged" line comes back under the same name.
final class NamedSerialLine {
    let endA: String
    let endB: String
    private var socat: ChildProcess?

    init(directory: String) {
        endA = directory + "/A"
        endB = directory + "/B"
    }

    func plug() throws {
        socat = try ChildProcess(try PeerEnvironment.tool("socat"), ["-d", "-d", "pty,raw,echo=0,link=\(endA)", "pty,raw,echo=0,link=\(endB)"])
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if access(endA, F_OK) == 0, access(endB, F_OK) == 0 { return }
            usleep(20_000)
        }
        throw HILSetupError(description: "socat did not create \(endA) and \(endB) within 10 s")
    }

    func unplug() {
        socat?.stop()
        socat = nil
        unlink(endA)
        unlink(endB)
    }

    deinit { unplug() }
}

/// Starts tests/peers/modbus_peer.py on `tty` and waits for its READY line. Python starts slowly
/// under TCG (pymodbus takes 10-20 s to import there), hence the wide wait, unlike
/// ``ModbusPeer/rtu(device:values:tty:baud:)`` whose 8 s suit the host.
func startRTUPeer(device: String, values: String, tty: String, baud: Int) throws -> ChildProcess {
    let child = try ChildProcess(
        try PeerEnvironment.python(),
        [PeerEnvironment.peerScript.path, "--device", device, "--values", values, "--rtu", tty, "--baud", String(baud)])
    guard child.waitForLine(timeout: .seconds(90), { $0.hasPrefix("READY rtu ") }) != nil else {
        child.stop()
        throw HILSetupError(description: "modbus_peer.py (\(device), rtu) did not get ready within 90 s: \(child.lines)")
    }
    return child
}

@Suite("HILBench: Modbus RTU drivers against pymodbus in the guest", .enabled(if: onHILBench), .serialized, .timeLimit(.minutes(5)))
struct HILBenchModbusTests {
    @Test("a peer killed and restarted mid-run is reconnected to; the polling loop never stops")
    func peerRestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-hil-rtu-\(getpid())").path
        mkdir(directory, 0o700)
        defer { rmdir(directory) }
        let line = NamedSerialLine(directory: directory)
        try line.plug()
        let values = #"{"co2_ppm": 640.0, "temperature_c": 21.5, "humidity_pct": 45.0, "ready": true}"#
        var peer: ChildProcess? = try startRTUPeer(device: "scd30", values: values, tty: line.endB, baud: 19200)
        // Wide timeouts: TCG runs the Python peer 5-20x slower than the host.
        let bus = try LinuxModbusClient(
            name: "rs485-hil",
            configuration: .rtu(
                device: line.endA, baud: 19200, responseTimeout: .seconds(2), byteTimeout: .milliseconds(200),
                reconnect: ReconnectPolicy(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(500))))
        let scd30 = SCD30(name: "cabin-co2", client: bus, unit: 0x61)
        _ = try scd30.start()
        let expected = [Reading("co2_ppm", 640), Reading("temperature_c", 21.5), Reading("humidity_pct", 45)]

        enum Phase { case before, down, after }
        var phase = Phase.before
        var good: [Phase: Int] = [:]
        var failures = 0
        var iterations = 0
        let clock = SystemMonotonicClock.shared
        let deadline = clock.now.advanced(by: .seconds(240))
        // The probe loop: one sample per iteration, whatever happened to the previous one.
        while clock.now < deadline {
            iterations += 1
            do {
                let readings = try scd30.readSample()
                #expect(readings == expected)
                good[phase, default: 0] += 1
            } catch {
                failures += 1
                #expect(phase != .before, "failed before the peer was killed: \(error)")
            }
            switch phase {
            case .before where good[.before, default: 0] >= 3:
                peer?.stop() // the device dies, then its adapter goes
                peer = nil
                line.unplug()
                phase = .down
            case .down where failures >= 3:
                try line.plug() // replugged under the same name
                peer = try startRTUPeer(device: "scd30", values: values, tty: line.endB, baud: 19200)
                phase = .after
            default:
                break
            }
            if phase == .after, good[.after, default: 0] >= 3 { break }
            usleep(100_000)
        }
        peer?.stop()
        line.unplug()
        #expect(good[.before, default: 0] >= 3)
        #expect(failures >= 3)
        #expect(good[.after, default: 0] >= 3, "no good sample after the restart in \(iterations) iterations; \(bus.statistics)")
    }

    @Test("the MPPT and star-tracker drivers over RTU read what the peers serve")
    func mpptAndStarTracker() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-hil-rtu2-\(getpid())").path
        mkdir(directory, 0o700)
        defer { rmdir(directory) }
        let line = NamedSerialLine(directory: directory)
        try line.plug()
        defer { line.unplug() }
        let configuration = ModbusBusConfiguration.rtu(device: line.endA, baud: 115200, responseTimeout: .seconds(2), byteTimeout: .milliseconds(200))

        let mpptPeer = try startRTUPeer(
            device: "mppt",
            values:
                #"{"pv_voltage_v": 36.5, "pv_current_a": 4.2, "pv_power_w": 153.3, "battery_voltage_v": 26.4, "charge_current_a": 5.5, "charge_power_w": 145.2, "battery_soc_pct": 76, "charging_state": 2, "battery_current_a": 5.5}"#,
            tty: line.endB, baud: 115200)
        let mpptBus = try LinuxModbusClient(name: "rs485-hil", configuration: configuration)
        let mppt = EPEverTracer(name: "mppt", client: mpptBus, unit: 1)
        _ = try mppt.start()
        let readings = try mppt.readSample()
        func value(_ key: String) -> Double? { readings.first { $0.key == key }?.value }
        #expect(value("pv_voltage_v") == 36.5)
        #expect(value("pv_power_w") == 153.3)
        #expect(value("battery_soc_pct") == 76)
        #expect(value("charging_state") == 2)
        mpptPeer.stop()
        mpptBus.disconnect()

        let trackerPeer = try startRTUPeer(
            device: "startracker", values: #"{"q": [0.6, 0.0, 0.8, 0.0], "stars": 14, "tracking": true, "time_s": 1234.5}"#,
            tty: line.endB, baud: 115200)
        defer { trackerPeer.stop() }
        let trackerBus = try LinuxModbusClient(name: "rs485-hil", configuration: configuration)
        let tracker = StarTracker(name: "star-tracker", client: trackerBus, unit: 0x20)
        _ = try tracker.start()
        let solution = try tracker.readSample()
        func q(_ key: String) -> Double { solution.first { $0.key == key }?.value ?? .nan }
        #expect(solution.first { $0.key == "stars_tracked" }?.value == 14)
        #expect(abs(q("q_w") - 0.6) < 1e-6 && abs(q("q_y") - 0.8) < 1e-6 && abs(q("q_x")) < 1e-6 && abs(q("q_z")) < 1e-6)
    }
}
