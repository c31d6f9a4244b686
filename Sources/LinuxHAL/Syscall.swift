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
