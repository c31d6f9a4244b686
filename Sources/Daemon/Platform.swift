#if canImport(Glibc)
import Glibc
#endif
import HAL

/// The process environment, read with `getenv` (no Foundation).
enum ProcessEnvironment {
    /// The value of `name`, or nil when unset.
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    /// The variables the systemd service manager hands a service, as a dictionary.
    static func systemdVariables() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "INVOCATION_ID"] {
            if let value = value(name) { result[name] = value }
        }
        return result
    }

    /// Removes `name` from the environment, so that child processes do not inherit it.
    static func remove(_ name: String) {
        unsetenv(name)
    }
}

/// A failed system call: the call's name and `errno`.
public struct SystemCallError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call or library function that failed.
    public let call: String
    /// The `errno` it left.
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// A POSIX thread running a closure, joinable once.
///
/// The daemon's helper threads (signal watcher, watchdog, shutdown steps) are plain pthreads, not
/// tasks of the Swift concurrency pool: they block in system calls by design, and they inherit
/// the signal mask of the thread that creates them (see ``SignalWatcher``).
final class DaemonThread: @unchecked Sendable {
    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    let handle: pthread_t
    private let joined = LockedFlag()

    private init(handle: pthread_t) {
        self.handle = handle
    }

    /// Starts a thread named `name` (at most 15 bytes are kept) running `body`.
    ///
    /// - Throws: ``SystemCallError`` when `pthread_create` fails.
    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(SystemCallError) -> DaemonThread {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            DaemonThread.nameCallingThread(box.name)
            box.body()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemCallError(call: "pthread_create", errno: status)
        }
        return DaemonThread(handle: handle)
    }

    /// Names the calling thread for `top -H`, `ps -L` and core dumps (at most 15 bytes are kept).
    ///
    /// `pthread_setname_np` is a GNU extension the Glibc module does not export; it is looked up
    /// at run time and skipped if absent.
    static func nameCallingThread(_ name: String) {
        typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(nil, "pthread_setname_np") else { return }
        let setName = unsafeBitCast(symbol, to: SetName.self)
        let truncated = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        _ = truncated.withCString { setName(pthread_self(), $0) }
    }

    /// Waits for the thread to finish. Calling it again, or after ``detach()``, does nothing.
    func join() {
        guard joined.setOnce() else { return }
        pthread_join(handle, nil)
    }

    /// Lets the thread run on unobserved; its resources are freed when it ends.
    func detach() {
        guard joined.setOnce() else { return }
        pthread_detach(handle)
    }
}

/// A flag that can be raised once.
final class LockedFlag: @unchecked Sendable {
    private let state = LockedValue(false)

    /// Raises the flag; true only for the first caller.
    func setOnce() -> Bool {
        state.withLock { raised in
            if raised { return false }
            raised = true
            return true
        }
    }

    var isSet: Bool { state.current }
}
