#if canImport(Glibc)
    import Glibc
#endif
import HAL
@testable import LinuxHAL
import Testing

@Suite("Linux I2C errno mapping and open errors")
struct LinuxI2CTests {
    /// Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h) and the kinds they mean.
    static let table: [(errno: Int32, kind: I2CError.Kind)] = [
        (6, .noAcknowledge(.address)), // ENXIO: address phase not acknowledged
        (19, .noAcknowledge(.address)), // ENODEV: i2c-stub's answer for an address without a chip
        (121, .noAcknowledge(.unknown)), // EREMOTEIO: NACK, address or data depending on the adapter
        (11, .arbitrationLost), // EAGAIN
        (110, .timeout), // ETIMEDOUT
        (95, .unsupported), // EOPNOTSUPP
        (5, .bus), // EIO
        (16, .bus), // EBUSY
        (22, .bus), // EINVAL
        (71, .other), // EPROTO: bad SMBus block length
        (74, .other), // EBADMSG: PEC mismatch
        (108, .other), // ESHUTDOWN: adapter suspended
        (2, .other), // ENOENT
        (1, .other), // EPERM
    ]

    @Test("errno values of this platform are the asm-generic ones the table uses")
    func errnoValues() {
        #expect(
            [ENXIO, ENODEV, EREMOTEIO, EAGAIN, ETIMEDOUT, EOPNOTSUPP, EIO, EBUSY, EINVAL, EPROTO, EBADMSG, ESHUTDOWN, ENOENT, EPERM]
                == [6, 19, 121, 11, 110, 95, 5, 16, 22, 71, 74, 108, 2, 1])
    }

    @Test("each errno maps to its kind", arguments: LinuxI2CTests.table.indices)
    func mapping(_ index: Int) {
        let entry = Self.table[index]
        #expect(I2CError.Kind(linuxErrno: entry.errno) == entry.kind, "errno \(entry.errno)")
    }

    @Test("a bus node that does not exist is a typed error naming the path")
    func missingNode() {
        #expect {
            _ = try LinuxI2CBus.shared(path: "/dev/i2c-250")
        } throws: { error in
            guard let error = error as? I2CError else { return false }
            return error.kind == .other && error.operation == .open && error.bus == "/dev/i2c-250"
                && error.errno == ENOENT && error.address == nil
                && error.description.contains("/dev/i2c-250")
        }
        #expect(throws: I2CError(.other, operation: .open, address: nil, bus: "/dev/i2c-250", errno: ENOENT)) {
            _ = try LinuxI2CBus.shared(busNumber: 250)
        }
    }

    @Test("a file that is not an I2C adapter is refused, and its descriptor is closed")
    func notAnAdapter() throws {
        let before = openDescriptorCount()
        #expect(throws: I2CError(.other, operation: .open, address: nil, bus: "/dev/null", errno: ENOTTY)) {
            _ = try LinuxI2CBus.shared(path: "/dev/null")
        }
        #expect(openDescriptorCount() == before)
    }
}

/// The number of open file descriptors of this process.
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return count
}
