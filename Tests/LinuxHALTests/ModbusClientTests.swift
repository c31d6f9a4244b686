import PeerSupport
import HAL
@testable import LinuxHAL
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ModbusErrnoTests {
    @Test func exceptionsComeFromTheErrnoOffset() {
        // EMBXILFUN = MODBUS_ENOBASE + 1 … EMBXGTAR = MODBUS_ENOBASE + 11 (modbus.h).
        #expect(LibmodbusErrno.classify(112_345_678 + 1, unit: 3, function: 4) == .answered(.exception(.illegalFunction, unit: 3, function: 4)))
        #expect(LibmodbusErrno.classify(112_345_678 + 2, unit: 3, function: 4) == .answered(.exception(.illegalDataAddress, unit: 3, function: 4)))
        #expect(LibmodbusErrno.classify(112_345_678 + 6, unit: 3, function: 4) == .answered(.exception(.serverDeviceBusy, unit: 3, function: 4)))
        #expect(LibmodbusErrno.classify(112_345_678 + 11, unit: 3, function: 4) == .answered(.exception(.gatewayTargetFailedToRespond, unit: 3, function: 4)))
    }

    @Test func transportFailuresAreClassified() {
        #expect(LibmodbusErrno.classify(112_345_678 + 12, unit: 9, function: 3) == .exchangeFailed(.crc(unit: 9)))
        #expect(LibmodbusErrno.classify(ETIMEDOUT, unit: 9, function: 3) == .exchangeFailed(.timeout(unit: 9)))
        for code in [ECONNRESET, EPIPE, EBADF, ECONNREFUSED] {
            guard case .connectionLost(.connectionLost) = LibmodbusErrno.classify(code, unit: 9, function: 3) else {
                Issue.record("errno \(code) not a connection loss")
                continue
            }
        }
        guard case .exchangeFailed(.invalidResponse) = LibmodbusErrno.classify(112_345_678 + 13, unit: 9, function: 3) else {
            Issue.record("EMBBADDATA not an invalid response")
            return
        }
        #expect(LibmodbusErrno.classify(ENOMEM, unit: 9, function: 3).error == .transport(LibmodbusErrno.message(ENOMEM), errno: ENOMEM))
    }
}

@Suite struct ModbusBusConfigurationTests {
    @Test func rejectsUnusableConfigurations() {
        #expect(ModbusBusConfiguration.rtu(device: "/dev/ttyS0").problem == nil)
        #expect(ModbusBusConfiguration.rtu(device: "/dev/ttyS0", dataBits: 9).problem != nil)
        #expect(ModbusBusConfiguration.rtu(device: "/dev/ttyS0", stopBits: 3).problem != nil)
        #expect(ModbusBusConfiguration.rtu(device: "").problem != nil)
        #expect(ModbusBusConfiguration.tcp(host: "127.0.0.1", port: 0).problem != nil)
        #expect(ModbusBusConfiguration.tcp(host: "127.0.0.1", responseTimeout: .zero).problem != nil)
        #expect(throws: ModbusError.self) {
            try LinuxModbusClient(name: "bad", configuration: .rtu(device: "/dev/ttyS0", baud: 0))
        }
    }

    @Test func backOffDoublesUpToTheMaximum() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        #expect(policy.next(after: .milliseconds(100)) == .milliseconds(200))
        #expect(policy.next(after: .milliseconds(400)) == .milliseconds(500))
        #expect(policy.next(after: .milliseconds(500)) == .milliseconds(500))
    }

    @Test func requestsOutsideTheProtocolLimitsAreRefusedBeforeSending() throws {
        let bus = try LinuxModbusClient(name: "limits", configuration: .tcp(host: "127.0.0.1", port: unusedLoopbackPort()))
        #expect(throws: ModbusError.self) { try bus.readHoldingRegisters(unit: 1, address: 0, count: 126) }
        #expect(throws: ModbusError.self) { try bus.readHoldingRegisters(unit: 0, address: 0, count: 1) }
        #expect(LinuxModbusClient.validate(.readCoils(address: 0, count: 2001), unit: 1, transport: .tcp(host: "h", port: 1)) != nil)
        #expect(
            LinuxModbusClient.validate(
                .readInputRegisters(address: 0, count: 1), unit: 248,
                transport: .rtu(device: "/dev/x", baud: 9600, parity: .none, dataBits: 8, stopBits: 1, serialMode: nil)) != nil)
        #expect(LinuxModbusClient.validate(.readInputRegisters(address: 0, count: 1), unit: 255, transport: .tcp(host: "h", port: 1)) == nil)
        // Nothing was attempted on the network.
        #expect(bus.statistics.connectAttempts == 0)
    }

    @Test func clientsOfOneBusShareOneLock() {
        let first = BusLock.shared(for: "rtu:/dev/ttyTEST")
        let second = BusLock.shared(for: "rtu:/dev/ttyTEST")
        let other = BusLock.shared(for: "rtu:/dev/ttyOTHER")
        #expect(first === second)
        #expect(first !== other)
    }
}
