#if canImport(Glibc)
    import Glibc
#endif
import HAL
@testable import LinuxHAL
import Testing
import Systems

// Tests against the kernel's own simulators in the HIL bench guest (i2c-stub, gpio-sim); they run
// only there (HIL_GUEST=1) and skip on the host, which has no /dev/i2c-* or /dev/gpiochip*.
// `make test-hil` (scripts/hil-test.sh) runs them; by hand:
//   sudo scripts/hil-bench -- .build/debug/iost-flightPackageTests.xctest --testing-library swift-testing --filter HILBench

/// An environment variable, or `nil`.
func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

/// Whether the tests run inside the HIL bench guest.
let onHILBench = environment("HIL_GUEST") == "1"

@Suite("HILBench: LinuxI2CBus on i2c-stub", .enabled(if: onHILBench))
struct HILBenchI2CTests {
    /// The first stub chip's address (HIL_I2C_ADDRS, default "0x76,0x68").
    func stubAddress() throws -> I2CAddress {
        let list = environment("HIL_I2C_ADDRS") ?? "0x76,0x68"
        let first = try #require(list.split(separator: ",").first)
        let digits = first.hasPrefix("0x") ? first.dropFirst(2) : first[...]
        return try #require(UInt8(digits, radix: 16).flatMap(I2CAddress.init(rawValue:)))
    }

    @Test("one shared instance per node; SMBus byte and word round trips")
    func roundTrips() throws {
        let path = try #require(environment("HIL_I2C_DEV"))
        let bus = try LinuxI2CBus.shared(path: path)
        #expect(try LinuxI2CBus.shared(path: path) === bus)
        #expect(bus.name == path.split(separator: "/").last.map(String.init))
        let address = try stubAddress()

        try bus.writeByteData(address, register: 0x10, value: 0x5A)
        #expect(try bus.readByteData(address, register: 0x10) == 0x5A)
        try bus.writeWordData(address, register: 0x20, value: 0xBEEF)
        #expect(try bus.readWordData(address, register: 0x20) == 0xBEEF)
    }

    @Test("an address without a chip is a missing target (i2c-stub: ENODEV); the next call re-selects")
    func noChip() throws {
        let path = try #require(environment("HIL_I2C_DEV"))
        let bus = try LinuxI2CBus.shared(path: path)
        let address = try stubAddress()
        let empty = I2CAddress(0x0B)
        #expect(throws: I2CError(.noAcknowledge(.address), operation: .readByteData, address: empty, bus: bus.name, errno: ENODEV)) {
            _ = try bus.readByteData(empty, register: 0x00)
        }
        try bus.writeByteData(address, register: 0x11, value: 0xA5)
        #expect(try bus.readByteData(address, register: 0x11) == 0xA5)
    }

    @Test("raw transactions on the SMBus-only stub are unsupported (EOPNOTSUPP)")
    func rawUnsupported() throws {
        let path = try #require(environment("HIL_I2C_DEV"))
        let bus = try LinuxI2CBus.shared(path: path)
        let address = try stubAddress()
        #expect(!bus.supportsRawTransactions)
        #expect(throws: I2CError(.unsupported, operation: .transaction, address: address, bus: bus.name, errno: EOPNOTSUPP)) {
            _ = try bus.writeRead(address, [0x10], readCount: 1)
        }
    }
}

@Suite("HILBench: LinuxGPIOChip on gpio-sim", .enabled(if: onHILBench))
struct HILBenchGPIOTests {
    /// Writes `text` to a gpio-sim attribute (`sim_gpioK/pull`).
    func writeAttribute(_ name: String, line: UInt32, _ text: String) throws {
        let directory = try #require(environment("HIL_GPIO_SYSFS"))
        let path = "\(directory)/sim_gpio\(line)/\(name)"
        let fd = open(path, O_WRONLY)
        try #require(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        let written = text.withCString { write(fd, $0, strlen($0)) }
        try #require(written == text.utf8.count, "write \(path): errno \(errno)")
    }

    /// Reads a gpio-sim attribute (`sim_gpioK/value`), trimmed.
    func readAttribute(_ name: String, line: UInt32) throws -> String {
        let directory = try #require(environment("HIL_GPIO_SYSFS"))
        let path = "\(directory)/sim_gpio\(line)/\(name)"
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0, "open \(path): errno \(errno)")
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = read(fd, &bytes, bytes.count)
        try #require(count > 0)
        return String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: "\n ")
    }

    func openChip() throws -> LinuxGPIOChip {
        try LinuxGPIOChip(try #require(environment("HIL_GPIOCHIP")))
    }

    @Test("the chip opens by path and by name; lines are found by name")
    func chipAndNames() throws {
        let chip = try openChip()
        #expect(chip.name == environment("HIL_GPIOCHIP_NAME"))
        #expect(try LinuxGPIOChip(chip.name).name == chip.name)
        #expect(chip.lineCount >= 6)
        #expect(try chip.offset(of: .name("hil2")) == 2)
        #expect(throws: GPIOError(.lineNotFound, chip: chip.name, line: .name("no-such-line"), operation: "find line", errno: ENOENT)) {
            _ = try chip.offset(of: .name("no-such-line"))
        }
        #expect(throws: GPIOError(.lineNotFound, chip: chip.name, line: .offset(chip.lineCount), operation: "request input")) {
            _ = try chip.requestInput(.offset(chip.lineCount), options: GPIOLineOptions())
        }
    }

    @Test("an output drives the simulated pin; a second request is busy; a released line refuses")
    func output() throws {
        let chip = try openChip()
        let line = try chip.requestOutput(.name("hil1"), initialValue: true, options: GPIOLineOptions())
        #expect(try readAttribute("value", line: 1) == "1")
        try line.set(false)
        #expect(try readAttribute("value", line: 1) == "0")
        #expect(try line.get() == false)
        #expect(throws: GPIOError(.busy, chip: chip.name, line: .offset(1), operation: "request input", errno: EBUSY)) {
            _ = try chip.requestInput(.offset(1), options: GPIOLineOptions())
        }
        line.release()
        #expect(throws: GPIOError(.released, chip: chip.name, line: .name("hil1"), operation: "set")) {
            try line.set(true)
        }
        let again = try chip.requestOutput(.offset(1), initialValue: false, options: GPIOLineOptions(activeLow: true))
        #expect(try readAttribute("value", line: 1) == "1", "active-low: logical false is the high level")
        again.release()
    }

    @Test("an input reads the simulated pull, active-low inverted")
    func input() throws {
        let chip = try openChip()
        try writeAttribute("pull", line: 3, "pull-up")
        let line = try chip.requestInput(.offset(3), options: GPIOLineOptions())
        #expect(try line.get() == true)
        line.release()
        let inverted = try chip.requestInput(.offset(3), options: GPIOLineOptions(activeLow: true))
        #expect(try inverted.get() == false)
        inverted.release()
        try writeAttribute("pull", line: 3, "pull-down")
    }

    @Test("edges from pull changes arrive through EdgeEventMonitor with CLOCK_MONOTONIC timestamps")
    func edges() throws {
        let chip = try openChip()
        try writeAttribute("pull", line: 4, "pull-down")
        let line = try chip.requestEdgeEvents(.offset(4), edge: .both, options: GPIOLineOptions())
        let monitor = try EdgeEventMonitor(line: line, name: .edge("hil"), pollInterval: .milliseconds(20))
        let clock = SystemMonotonicClock.shared
        let before = clock.now
        // 20 ms apart: gpio-sim's irq_sim coalesces edges raised before its irq_work runs.
        try writeAttribute("pull", line: 4, "pull-up")
        usleep(20_000)
        try writeAttribute("pull", line: 4, "pull-down")
        var events: [GPIOEdgeEvent] = []
        #expect(
            eventually(within: .seconds(20)) {
                monitor.drain(into: &events); return events.count >= 2
            })
        let after = clock.now
        #expect(monitor.stop(timeout: .seconds(5)))
        line.release()

        #expect(events.map(\.kind) == [.rising, .falling])
        #expect(events.allSatisfy { $0.lineOffset == 4 })
        #expect(events.allSatisfy { (before.nanoseconds...after.nanoseconds).contains($0.timestampNanoseconds) })
        if events.count == 2 { #expect(events[0].timestampNanoseconds <= events[1].timestampNanoseconds) }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let last = text.last, set.contains(last) { text.removeLast() }
        while let first = text.first, set.contains(first) { text.removeFirst() }
        return String(text)
    }
}
