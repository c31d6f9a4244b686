import Systems

// The Result-returning forms the Linux backends switch on. Each is Systems'
// `retryingOnInterrupt` (the one EINTR loop) with one failure convention; the error is a
// `SystemCallError`, whose `errno` the backends map to their own error kinds.

/// The error of a failed system call in the Linux backends.
typealias SyscallFailure = SystemCallError

/// Runs a call that returns a negative value and sets `errno` on failure, retrying `EINTR`.
@inline(__always)
func retryingOnInterrupt(_ call: () -> Int32) -> Result<Int32, SystemCallError> {
    Result { () throws(SystemCallError) in try Systems.retryingOnInterrupt("system call", .setsErrno, call) }
}

/// Runs a call that returns `0` or an error number (the `pthread_*` functions,
/// `clock_nanosleep`), retrying `EINTR`.
@inline(__always)
func retryingOnInterruptReturningErrorNumber(_ call: () -> Int32) -> Result<Void, SystemCallError> {
    Result { () throws(SystemCallError) in _ = try Systems.retryingOnInterrupt("system call", .returnsErrorNumber, call) }
}

/// Runs a call that returns a non-negative result or a negated errno (libi2c 4.x), retrying `EINTR`.
@inline(__always)
func retryingOnInterruptReturningNegatedErrno(_ call: () -> Int32) -> Result<Int32, SystemCallError> {
    Result { () throws(SystemCallError) in try Systems.retryingOnInterrupt("system call", .returnsNegatedErrno, call) }
}
