import PeerSupport
import Drivers
import Foundation
import HAL
@testable import LinuxHAL
import Testing

/// LinuxModbusClient and the Modbus drivers against pymodbus over Modbus RTU on a virtual serial
/// line (a socat pty pair: the client on one end, the peer on the other).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ModbusRTUPeerTests {
    @Test func scd30OverRTU() throws {
        let line = try VirtualSerialLine()
        defer { line.stop() }
        let peer = try ModbusPeer.rtu(
            device: "scd30", values: #"{"co2_ppm": 1234.5, "temperature_c": -5.5, "humidity_pct": 87.25}"#,
            tty: line.endB, baud: 19200)
        defer { peer.stop() }
        let bus = try LinuxModbusClient(name: "rs485-test", configuration: .rtu(device: line.endA, baud: 19200))
        let scd30 = SCD30(name: "cabin-co2", client: bus, configuration: SCD30Configuration(ambientPressureMbar: 950))

        #expect(try scd30.start() == "firmware 3.66")
        #expect(peer.waitForWrite(PeerWrite(unit: 0x61, function: 6, address: 0x0036, values: [950])), "\(peer.writes)")
        #expect(try scd30.readSample() == [Reading("co2_ppm", 1234.5), Reading("temperature_c", -5.5), Reading("humidity_pct", 87.25)])
        #expect(throws: ModbusError.exception(.illegalDataAddress, unit: 0x61, function: 0x04)) {
            try bus.readInputRegisters(unit: 0x61, address: 0x0200, count: 2)
        }
    }

    @Test func concurrentDriversShareTheBusOneExchangeAtATime() throws {
        let line = try VirtualSerialLine()
        defer { line.stop() }
        let peer = try ModbusPeer.rtu(
            device: "startracker", values: #"{"q": [1, 0, 0, 0], "stars": 14, "tracking": true, "time_s": 10.0}"#,
            tty: line.endB, baud: 115200)
        defer { peer.stop() }
        let bus = try LinuxModbusClient(name: "rs485-test", configuration: .rtu(device: line.endA, baud: 115200))
        let tracker = StarTracker(name: "st1", client: bus)
        _ = try tracker.start()
        // The driver is not Sendable (drivers belong to one I/O thread); this test deliberately
        // shares its client with a second thread, which the client allows.
        let shared = UncheckedSendable(tracker)

        // Two threads polling through one client: RS-485 is half-duplex and a libmodbus context is
        // not thread-safe, so only the bus lock keeps the exchanges apart.
        let failures = LockedValue<[String]>([])
        let done = DispatchGroup()
        for index in 0..<2 {
            done.enter()
            let thread = Thread {
                for _ in 0..<15 {
                    do {
                        if index == 0 {
                            let readings = try shared.value.readSample()
                            if readings.first(where: { $0.key == "stars_tracked" })?.value != 14 {
                                failures.withLock { $0.append("readings \(readings)") }
                            }
                        } else {
                            let identity = try bus.readInputRegisters(unit: 0x20, address: 0x0000, count: 2)
                            if identity != [0x5354, 0x0100] { failures.withLock { $0.append("identity \(identity)") } }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
                done.leave()
            }
            thread.start()
        }
        #expect(done.wait(timeout: .now() + 20) == .success)
        #expect(failures.current == [])
        #expect(bus.statistics.requests == 2 + 30)
    }

    @Test func silenceIsATimeoutWithinThePerRequestOverride() throws {
        let line = try VirtualSerialLine()
        defer { line.stop() }
        // Nobody on the other end.
        let bus = try LinuxModbusClient(name: "rs485-test", configuration: .rtu(device: line.endA, baud: 19200))
        let started = ContinuousClock.now
        #expect(throws: ModbusError.timeout(unit: 0x61)) {
            try bus.readHoldingRegisters(unit: 0x61, address: 0x0020, count: 1, timeout: .milliseconds(150))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(140) && elapsed < .milliseconds(900), "took \(elapsed)")
        // A timeout is not a connection loss: the port stays open.
        #expect(bus.isConnected)
        #expect(bus.statistics.connectionLosses == 0)
    }

    @Test func aMissingSerialDeviceIsAConnectionLoss() throws {
        let bus = try LinuxModbusClient(name: "rs485-test", configuration: .rtu(device: "/nonexistent/ttyUSB9"))
        #expect {
            _ = try bus.readHoldingRegisters(unit: 1, address: 0, count: 1)
        } throws: { error in
            guard case ModbusError.connectionLost = error else { return false }
            return true
        }
    }
}

/// Hands a non-Sendable value to another thread where the test knows it is safe.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
