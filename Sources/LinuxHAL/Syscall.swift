#if canImport(Glibc)
import Glibc
#endif

/// Runs a system call, retrying it while it fails with `EINTR`.
///
/// - Returns: the call's non-negative result.
/// - Throws: the `errno` of the failure, as an `Int32` inside ``SyscallFailure``.
@inline(__always)
func retryingOnInterrupt(_ call: () -> Int32) -> Result<Int32, SyscallFailure> {
    while true {
        let result = call()
        if result >= 0 { return .success(result) }
        let code = errno
        if code == EINTR { continue }
        return .failure(SyscallFailure(errno: code))
    }
}

/// The errno of a failed system call.
struct SyscallFailure: Error {
    var errno: Int32

    /// The C library's text for the errno (`strerror`).
    var message: String { String(cString: strerror(errno)) }
}

/// Runs a call that returns `0` or an error number instead of setting `errno` (the `pthread_*`
/// functions, `clock_nanosleep`), retrying it while it returns `EINTR`.
///
/// - Returns: success, or the error number inside ``SyscallFailure``.
@inline(__always)
func retryingOnInterruptReturningErrorNumber(_ call: () -> Int32) -> Result<Void, SyscallFailure> {
    while true {
        let code = call()
        if code == 0 { return .success(()) }
        if code == EINTR { continue }
        return .failure(SyscallFailure(errno: code))
    }
}

/// Runs a call that returns a non-negative result or a negated errno (libi2c 4.x:
/// `i2c_smbus_read_byte_data` returns `-errno`), retrying it while it fails with `EINTR`.
///
/// - Returns: the call's non-negative result, or the errno inside ``SyscallFailure``.
@inline(__always)
func retryingOnInterruptReturningNegatedErrno(_ call: () -> Int32) -> Result<Int32, SyscallFailure> {
    while true {
        let result = call()
        if result >= 0 { return .success(result) }
        let code = result == .min ? EIO : -result
        if code == EINTR { continue }
        return .failure(SyscallFailure(errno: code))
    }
}
