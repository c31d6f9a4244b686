#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A thread could not be created.
public struct ThreadStartError: Error, Sendable, CustomStringConvertible {
    /// The `pthread_create` result (an errno value such as `EAGAIN`).
    public var code: Int32
    public var thread: String

    public var description: String { "cannot start thread \"\(thread)\": pthread_create returned \(code)" }
}

/// A dedicated POSIX thread for fixed-rate or blocking work, with a cooperative stop flag and a
/// bounded join.
///
/// The executive and each device bus run on one of these, never on Swift concurrency's
/// cooperative pool (a blocking Modbus read would occupy one of its few threads, and a closure
/// made in `main.swift` would inherit the main actor and trap on another thread).
///
/// - Warning: The body must poll ``isStopRequested`` and return; the thread is never cancelled.
public final class FlightThread: @unchecked Sendable {
    public let name: String
    private var handle: pthread_t
    private let stopRequested = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private var joined = false

    private init(name: String) {
        self.name = name
        handle = pthread_t()
    }

    /// Starts `body` on a new thread. `name` is for reports (Glibc's module does not expose
    /// `pthread_setname_np`, so the kernel's thread name is the process name).
    /// - Throws: ``ThreadStartError`` when the system cannot create the thread.
    public static func start(name: String, _ body: @escaping @Sendable (FlightThread) -> Void) throws(ThreadStartError) -> FlightThread {
        let thread = FlightThread(name: name)
        let retained = Unmanaged.passRetained(BodyBox(thread: thread, body: body)).toOpaque()
        let result = pthread_create(&thread.handle, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<BodyBox>.fromOpaque(raw).takeRetainedValue()
            box.body(box.thread)
            box.thread.finished.store(true, ordering: .releasing)
            return nil
        }, retained)
        guard result == 0 else {
            Unmanaged<BodyBox>.fromOpaque(retained).release()
            throw ThreadStartError(code: result, thread: name)
        }
        return thread
    }

    /// What the new thread receives: the thread object and its body (retained until it runs).
    private final class BodyBox {
        let thread: FlightThread
        let body: @Sendable (FlightThread) -> Void
        init(thread: FlightThread, body: @escaping @Sendable (FlightThread) -> Void) {
            self.thread = thread
            self.body = body
        }
    }

    /// Whether a stop was requested; the body polls this.
    @inline(__always)
    public var isStopRequested: Bool { stopRequested.load(ordering: .acquiring) }

    /// Whether the body has returned.
    public var hasFinished: Bool { finished.load(ordering: .acquiring) }

    /// Asks the body to return, without waiting.
    public func requestStop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Asks the body to return and waits up to `timeout` (wall time) for it.
    ///
    /// The wait is measured on CLOCK_MONOTONIC, not on the vehicle's clock: it bounds a real
    /// thread, even when the vehicle runs on simulated time.
    /// - Returns: `true` if the thread finished and was joined; `false` on timeout (call again
    ///   to keep waiting).
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        requestStop()
        if joined { return true }
        let deadline = Self.wallNanoseconds() &+ UInt64(max(0, timeout.nanoseconds))
        while !hasFinished {
            if Self.wallNanoseconds() >= deadline { return false }
            var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
            _ = nanosleep(&pause, nil)
        }
        _ = pthread_join(handle, nil)
        joined = true
        return true
    }

    private static func wallNanoseconds() -> UInt64 {
        var now = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    deinit {
        if !joined {
            requestStop()
            _ = pthread_detach(handle)
        }
    }
}
