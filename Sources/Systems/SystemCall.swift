#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call or C library function: its name and the error number it left.
///
/// As swift-nio's `IOError`: the errno alone says what went wrong, the call's name says where.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call or library function that failed, e.g. `open(/dev/i2c-1)`.
    public let call: String
    /// The error number (`ENOENT`, `EACCES`, …).
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// The error of `call` from the calling thread's current `errno`; read it right after the call.
    public static func lastError(of call: String) -> SystemCallError {
        SystemCallError(call: call, errno: Glibc.errno)
    }

    /// The C library's text for ``errno`` (`strerror`), e.g. "No such file or directory".
    public var message: String { String(cString: strerror(errno)) }

    public var description: String { "\(call): \(message) (errno \(errno))" }
}

/// How a C function reports failure, for ``retryingOnInterrupt(_:_:_:)``.
public enum FailureConvention: Sendable {
    /// A negative result (normally -1) and the error in `errno`: `open`, `read`, `ioctl`, `poll`.
    case setsErrno
    /// `0` on success, else the error number as the result: `pthread_*`, `clock_nanosleep`.
    case returnsErrorNumber
    /// A non-negative result on success, else `-errno`: libi2c 4.x (`i2c_smbus_read_byte_data`).
    case returnsNegatedErrno
}

/// Calls `body` until it does not fail with `EINTR`: the one place system calls interrupted by
/// a signal are retried.
///
/// - Parameters:
///   - call: the call's name, for the error (`"read"`, `"ioctl(I2C_RDWR)"`).
///   - convention: how `body`'s C function reports failure; by default -1 and `errno`.
///   - body: makes the call once.
/// - Returns: the call's result (non-negative; `0` for ``FailureConvention/returnsErrorNumber``).
/// - Throws: ``SystemCallError`` with the failure's error number (never `EINTR`).
@inlinable
public func retryingOnInterrupt<Value: FixedWidthInteger & SignedInteger>(
    _ call: @autoclosure () -> String,
    _ convention: FailureConvention = .setsErrno,
    _ body: () -> Value
) throws(SystemCallError) -> Value {
    while true {
        let result = body()
        let code: Int32
        switch convention {
        case .setsErrno:
            if result >= 0 { return result }
            code = errno
        case .returnsErrorNumber:
            if result == 0 { return result }
            code = Int32(truncatingIfNeeded: result)
        case .returnsNegatedErrno:
            if result >= 0 { return result }
            code = result == Value.min ? EIO : Int32(truncatingIfNeeded: -result)
        }
        if code == EINTR { continue }
        throw SystemCallError(call: call(), errno: code)
    }
}

/// Writes all of `bytes` to `descriptor`, with as many `write(2)` calls as the kernel needs;
/// interrupted writes are retried.
///
/// - Throws: ``SystemCallError`` for `write`; the bytes before the failure were written.
public func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) throws(SystemCallError) {
    guard let base = bytes.baseAddress else { return }
    var offset = 0
    while offset < bytes.count {
        let written = try retryingOnInterrupt("write") { write(descriptor, base + offset, bytes.count - offset) }
        // A zero-byte write of a non-empty buffer would loop for ever; report it as EIO.
        if written == 0 { throw SystemCallError(call: "write", errno: EIO) }
        offset += written
    }
}

/// Writes all of `text`'s UTF-8 to `descriptor` (see ``writeAll(_:to:)-(UnsafeRawBufferPointer,_)``).
///
/// - Throws: ``SystemCallError`` for `write`.
public func writeAll(_ text: String, to descriptor: Int32) throws(SystemCallError) {
    var text = text
    // `withUTF8` rethrows untyped errors: carry the typed one out as a value.
    let outcome = text.withUTF8 { bytes in
        Result { () throws(SystemCallError) in try writeAll(UnsafeRawBufferPointer(bytes), to: descriptor) }
    }
    try outcome.get()
}
