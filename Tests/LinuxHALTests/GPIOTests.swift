#if canImport(Glibc)
    import Glibc
#endif
import HAL
@testable import LinuxHAL
import Testing

@Suite("Linux GPIO: errno mapping, missing chips, libgpiod API version")
struct LinuxGPIOTests {
    @Test("the library was built against libgpiod v1 (Debian 12 ships 1.6.3)")
    func apiVersion() {
        #expect(LinuxGPIOChip.apiVersion == 1)
    }

    @Test("a chip that does not exist is chipUnavailable with ENOENT, by path and by name", arguments: ["/dev/gpiochip250", "gpiochip250"])
    func missingChip(_ chip: String) {
        #expect(throws: GPIOError(.chipUnavailable, chip: chip, line: nil, operation: "open chip", errno: ENOENT)) {
            _ = try LinuxGPIOChip(chip)
        }
    }

    @Test("a file that is not a GPIO chip is chipUnavailable with its errno")
    func notAChip() {
        #expect {
            _ = try LinuxGPIOChip("/dev/null")
        } throws: { error in
            guard let error = error as? GPIOError else { return false }
            return error.kind == .chipUnavailable && error.errno != nil && error.chip == "/dev/null"
        }
    }

    @Test("errno to kind, per operation")
    func mapping() {
        let table: [(Int32, LinuxGPIOOperation, GPIOError.Kind)] = [
            (ENOENT, .openChip, .chipUnavailable),
            (EACCES, .openChip, .chipUnavailable),
            (ENOTTY, .openChip, .chipUnavailable),
            (ENOENT, .findLine, .lineNotFound),
            (EIO, .findLine, .io),
            (EBUSY, .request, .busy),
            (EINVAL, .request, .requestFailed),
            (EPERM, .request, .requestFailed),
            (ENOENT, .request, .lineNotFound),
            (ENODEV, .request, .chipUnavailable),
            (EIO, .get, .io),
            (EPERM, .set, .requestFailed),
            (EINVAL, .set, .requestFailed),
            (EIO, .set, .io),
            (EIO, .waitForEvents, .eventWait),
            (EBADF, .waitForEvents, .eventWait),
            (ENODEV, .waitForEvents, .chipUnavailable),
        ]
        for (code, operation, kind) in table {
            #expect(GPIOError.Kind(linuxErrno: code, during: operation) == kind, "errno \(code) during \(operation)")
        }
    }
}
