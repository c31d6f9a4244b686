import PeerSupport
import Drivers
import Foundation
import HAL
@testable import LinuxHAL
import Testing

/// LinuxModbusClient and the Modbus drivers against an independent Modbus implementation
/// (pymodbus 3.16, `tests/peers/modbus_peer.py`) over TCP on the loopback interface.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ModbusTCPPeerTests {
    static let scd30Values = #"{"co2_ppm": 812.5, "temperature_c": 21.25, "humidity_pct": 40.5}"#

    func client(_ port: UInt16, reconnect: ReconnectPolicy = ReconnectPolicy()) throws -> LinuxModbusClient {
        try LinuxModbusClient(
            name: "tcp-test",
            configuration: .tcp(
                host: "127.0.0.1", port: port, responseTimeout: .milliseconds(500),
                reconnect: reconnect))
    }

    @Test func scd30StartsAndReads() throws {
        let peer = try ModbusPeer.tcp(device: "scd30", values: Self.scd30Values)
        defer { peer.stop() }
        let scd30 = SCD30(
            name: "cabin-co2", client: try client(peer.port),
            configuration: SCD30Configuration(measurementIntervalSeconds: 5, ambientPressureMbar: 1013))

        // Not started yet: the peer reports data-ready 0.
        expectCategory(.notReady) { _ = try scd30.readSample() }
        #expect(try scd30.start() == "firmware 3.66")
        // Our writes reached the server: interval 5 s at 0x0025, start with 1013 mbar at 0x0036.
        #expect(peer.waitForWrite(PeerWrite(unit: 0x61, function: 6, address: 0x0025, values: [5])), "\(peer.writes)")
        #expect(peer.waitForWrite(PeerWrite(unit: 0x61, function: 6, address: 0x0036, values: [1013])), "\(peer.writes)")
        #expect(try scd30.readSample() == [Reading("co2_ppm", 812.5), Reading("temperature_c", 21.25), Reading("humidity_pct", 40.5)])
    }

    @Test func mpptReads() throws {
        let values =
            #"{"pv_voltage_v": 35.5, "pv_current_a": 2.5, "pv_power_w": 1000.0, "battery_voltage_v": 26.4, "charge_current_a": 3.25, "charge_power_w": 85.8, "battery_soc_pct": 80, "charging_state": 2, "battery_current_a": -1.75}"#
        let peer = try ModbusPeer.tcp(device: "mppt", values: values)
        defer { peer.stop() }
        let tracer = EPEverTracer(name: "solar", client: try client(peer.port))
        #expect(try tracer.start() == "MPPT, rated PV 100 V 30 A, battery 24 V")
        // 1000.00 W needs the high word (100 000 > 65 535); −1.75 A the signed 32-bit value.
        #expect(
            try tracer.readSample() == [
                Reading("pv_voltage_v", 35.5), Reading("pv_current_a", 2.5), Reading("pv_power_w", 1000),
                Reading("battery_voltage_v", 26.4), Reading("charge_current_a", 3.25), Reading("charge_power_w", 85.8),
                Reading("battery_soc_pct", 80), Reading("charging_state", 2), Reading("battery_current_a", -1.75),
            ])
    }

    @Test func starTrackerStartsAndReads() throws {
        let values = #"{"q": [0.5, -0.5, 0.5, -0.5], "stars": 9, "tracking": true, "time_s": 1234.25}"#
        let peer = try ModbusPeer.tcp(device: "startracker", values: values)
        defer { peer.stop() }
        let tracker = StarTracker(name: "st1", client: try client(peer.port), configuration: StarTrackerConfiguration(mode: .track, exposureMs: 80))
        #expect(try tracker.start() == "star tracker protocol 1.0")
        #expect(peer.waitForWrite(PeerWrite(unit: 0x20, function: 16, address: 0x0100, values: [1, 80])), "\(peer.writes)")
        #expect(
            try tracker.readSample() == [
                Reading("stars_tracked", 9), Reading("tracking", 1), Reading("time_tag_s", 1234.25),
                Reading("q_w", 0.5), Reading("q_x", -0.5), Reading("q_y", 0.5), Reading("q_z", -0.5),
            ])
    }

    @Test func exceptionsAreMapped() throws {
        let peer = try ModbusPeer.tcp(device: "scd30", values: Self.scd30Values)
        defer { peer.stop() }
        let bus = try client(peer.port)
        #expect(throws: ModbusError.exception(.illegalDataAddress, unit: 0x61, function: 0x03)) {
            try bus.readHoldingRegisters(unit: 0x61, address: 0x0100, count: 1)
        }
        // The SCD30 implements 0x03, 0x04 and 0x06 only.
        #expect(throws: ModbusError.exception(.illegalFunction, unit: 0x61, function: 0x10)) {
            try bus.writeMultipleRegisters(unit: 0x61, address: 0x0025, values: [5])
        }
        #expect(throws: ModbusError.exception(.illegalDataValue, unit: 0x61, function: 0x06)) {
            try bus.writeSingleRegister(unit: 0x61, address: 0x0036, value: 500)
        }
        // The unit id is sent on every request (libmodbus would send 0xFF): another unit is refused.
        #expect(throws: ModbusError.exception(.serverDeviceFailure, unit: 5, function: 0x03)) {
            try bus.readHoldingRegisters(unit: 5, address: 0x0020, count: 1)
        }
        // The link survives exceptions.
        #expect(try bus.readHoldingRegisters(unit: 0x61, address: 0x0020, count: 1) == [0x0342])
        #expect(bus.statistics.connects == 1)
    }

    @Test func reconnectsAfterThePeerRestarts() throws {
        var peer = try ModbusPeer.tcp(device: "scd30", values: Self.scd30Values)
        defer { peer.stop() }
        let port = peer.port
        let bus = try client(port, reconnect: ReconnectPolicy(initialDelay: .milliseconds(50), maximumDelay: .milliseconds(200)))
        #expect(try bus.readHoldingRegisters(unit: 0x61, address: 0x0020, count: 1) == [0x0342])

        peer.stop()
        // Requests fail — connection lost, or a timeout — and keep failing without crashing.
        for _ in 0..<5 {
            do {
                _ = try bus.readHoldingRegisters(unit: 0x61, address: 0x0020, count: 1)
                Issue.record("a request succeeded with the peer stopped")
            } catch {
                switch error {
                case .connectionLost, .timeout: break
                default: Issue.record("unexpected \(error)")
                }
            }
            usleep(20_000)
        }
        #expect(bus.statistics.connectionLosses >= 1)

        peer = try ModbusPeer.tcp(device: "scd30", values: Self.scd30Values, port: port)
        let deadline = ContinuousClock.now + .seconds(5)
        var recovered: [UInt16]?
        while recovered == nil && ContinuousClock.now < deadline {
            recovered = try? bus.readHoldingRegisters(unit: 0x61, address: 0x0020, count: 1)
            if recovered == nil { usleep(50_000) }
        }
        #expect(recovered == [0x0342])
        #expect(bus.statistics.connects == 2)
    }

    @Test func aRefusedConnectIsBackedOff() throws {
        let bus = try client(unusedLoopbackPort(), reconnect: ReconnectPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(8)))
        for _ in 0..<3 {
            #expect {
                _ = try bus.readInputRegisters(unit: 1, address: 0x3100, count: 1)
            } throws: { error in
                guard case ModbusError.connectionLost = error else { return false }
                return true
            }
        }
        // One attempt; the two requests inside the back-off did not touch the network.
        #expect(bus.statistics.connectAttempts == 1)
        #expect(bus.statistics.failures == 3)
    }
}

/// Expects `body` to throw a `DeviceError` of `category`.
func expectCategory(_ category: DeviceFaultCategory, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(category), got success", sourceLocation: sourceLocation)
    } catch let error as DeviceError {
        #expect(error.category == category, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a DeviceError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// `reconnect()` (device recovery) connects at once, whatever the client's back-off.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ModbusReconnectTests {
    @Test func reconnectIgnoresTheBackOffAndFindsAPeerStartedLater() throws {
        let first = try ModbusPeer.tcp(device: "scd30", values: ModbusTCPPeerTests.scd30Values)
        let port = first.port
        // That peer is stopped at once: its port is free again, nobody listens.
        first.stop()
        let client = try LinuxModbusClient(
            name: "late-peer",
            configuration: .tcp(
                host: "127.0.0.1", port: port, responseTimeout: .milliseconds(500),
                reconnect: ReconnectPolicy(initialDelay: .seconds(30), maximumDelay: .seconds(60))))
        #expect(throws: ModbusError.self) { try client.connect() }
        // Within the 30 s back-off a request fails fast without touching the network…
        #expect(throws: ModbusError.self) { _ = try client.readHoldingRegisters(unit: 0x61, address: 0x0020, count: 1) }
        #expect(client.statistics.connectAttempts == 1)
        #expect(throws: BusReconnectError.self) { try client.reconnect() }
        #expect(client.statistics.connectAttempts == 2)
        let peer = try ModbusPeer.tcp(device: "scd30", values: ModbusTCPPeerTests.scd30Values, port: port)
        defer { peer.stop() }
        // …but a reconnect goes out at once and the peer answers.
        try client.reconnect()
        #expect(client.isConnected)
        let scd30 = SCD30(name: "cabin-co2", client: client, configuration: SCD30Configuration(measurementIntervalSeconds: 2, ambientPressureMbar: nil))
        #expect(try scd30.start() == "firmware 3.66")
    }
}
