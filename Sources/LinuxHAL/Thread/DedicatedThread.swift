#if canImport(Glibc)
import Glibc
#endif
import CGPIODCompat
import HAL

/// A failure to start a thread.
public struct ThreadStartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The thread's name.
    public var name: String
    /// The error number `pthread_create` returned (`EAGAIN`: out of threads or memory).
    public var errno: Int32

    public var description: String { "cannot start thread \(name) (errno \(errno))" }
}

/// A POSIX thread of our own, for blocking I/O and fixed-rate loops that must not occupy one of
/// Swift concurrency's few cooperative threads.
///
/// The body is a `@Sendable` closure, and therefore never isolated to the main actor: a closure
/// inheriting main-actor isolation (as closures written in `main.swift` do) would trap when run
/// on this thread.
public final class DedicatedThread: @unchecked Sendable {
    /// The thread's name (as `ps -L` and `top -H` show it, cut to 15 bytes).
    public let name: String
    private let thread: pthread_t
    private let finished: Latch
    /// `true` once the thread was joined or detached; guards against doing either twice.
    private let reaped = LockedValue(false)

    /// What the new thread runs: the body, and the latch it sets when the body returns.
    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        let finished: Latch

        init(name: String, body: @escaping @Sendable () -> Void, finished: Latch) {
            self.name = name
            self.body = body
            self.finished = finished
        }
    }

    /// Starts `body` on a new thread named `name`.
    ///
    /// - Throws: ``ThreadStartError`` if the kernel refuses another thread.
    public init(name: String, body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
        let finished = Latch()
        let start = Unmanaged.passRetained(Start(name: name, body: body, finished: finished))
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
            _ = start.name.withCString { iost_set_thread_name($0) }
            start.body()
            start.finished.set()
            return nil
        }, start.toOpaque())
        guard code == 0 else {
            start.release()
            throw ThreadStartError(name: name, errno: code)
        }
        self.name = name
        self.thread = thread
        self.finished = finished
    }

    deinit {
        // A thread nobody joined frees its resources itself when it ends.
        if !reaped.current { pthread_detach(thread) }
    }

    /// Whether the body has returned.
    public var hasFinished: Bool { finished.isSet }

    /// Waits up to `timeout` for the body to return, and joins the thread if it did.
    ///
    /// - Returns: whether the thread has ended (also when it was joined before).
    public func join(timeout: Duration) -> Bool {
        guard finished.wait(until: SystemMonotonicClock.shared.now + timeout) else { return false }
        reaped.withLock { done in
            if !done {
                // The body has returned: the thread is past its last Swift code and ends at once.
                pthread_join(thread, nil)
                done = true
            }
        }
        return true
    }
}
