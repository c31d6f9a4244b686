#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// A thread could not be created.
public struct ThreadStartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The thread that was to be started.
    public var thread: ThreadName
    /// The error number `pthread_create` returned (`EAGAIN`: out of threads or memory).
    public var errno: Int32

    public init(thread: ThreadName, errno: Int32) {
        self.thread = thread
        self.errno = errno
    }

    /// The failure as a system-call error (`pthread_create(NAME)`).
    public var systemCallError: SystemCallError { SystemCallError(call: "pthread_create(\(thread))", errno: errno) }

    public var description: String { "cannot start thread \(thread): \(systemCallError)" }
}

/// A POSIX thread of our own, named for its role, with a cooperative stop request and a bounded
/// join: the executive, each bus's I/O, the link, the daemon's helpers all run on one of these.
///
/// Never Swift concurrency's cooperative pool: a blocking Modbus read or `sigtimedwait` would
/// occupy one of its few threads. The body is a `@Sendable` closure and therefore never isolated
/// to the main actor (a closure inheriting main-actor isolation, as closures written in
/// `main.swift` do, would trap when run here). A new thread inherits the signal mask of the
/// thread that creates it.
///
/// - Warning: A thread is never cancelled. The body polls ``isStopRequested`` (or waits with
///   ``waitForStopRequest(timeout:)``) and returns.
public final class DedicatedThread: @unchecked Sendable {
    /// The thread's role and name.
    public let name: ThreadName
    /// Written once in `init`, before any other thread can see `self`.
    private var handle = pthread_t()
    private let stopRequest = Latch()
    private let finished = Latch()
    /// `true` once the thread was joined or detached; guards against doing either twice.
    private let reaped = Atomic<Bool>(false)

    /// What the new thread runs; retained until it has run.
    private final class Start {
        let thread: DedicatedThread
        let body: @Sendable (DedicatedThread) -> Void
        init(thread: DedicatedThread, body: @escaping @Sendable (DedicatedThread) -> Void) {
            self.thread = thread
            self.body = body
        }
    }

    /// Starts `body` on a new thread named `name`; the body receives the thread, to poll
    /// ``isStopRequested``.
    ///
    /// The thread object stays alive while the body runs.
    /// - Throws: ``ThreadStartError`` if the system refuses another thread.
    public init(name: ThreadName, body: @escaping @Sendable (DedicatedThread) -> Void) throws(ThreadStartError) {
        self.name = name
        let start = Unmanaged.passRetained(Start(thread: self, body: body))
        var created = pthread_t()
        let code = pthread_create(
            &created, nil,
            { argument in
                guard let argument else { return nil }
                let start = Unmanaged<Start>.fromOpaque(argument).takeRetainedValue()
                DedicatedThread.nameCallingThread(start.thread.name)
                start.body(start.thread)
                start.thread.finished.set()
                return nil
            }, start.toOpaque())
        guard code == 0 else {
            start.release()
            reaped.store(true, ordering: .relaxed)
            throw ThreadStartError(thread: name, errno: code)
        }
        handle = created
    }

    /// Starts `body` on a new thread named `name`.
    /// - Throws: ``ThreadStartError`` if the system refuses another thread.
    public convenience init(name: ThreadName, body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
        try self.init(name: name) { (_: DedicatedThread) in body() }
    }

    deinit {
        // A thread nobody joined frees its resources itself when it ends.
        if reaped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            pthread_detach(handle)
        }
    }

    // MARK: Stopping

    /// Whether a stop was requested (an atomic load; the body may poll it every cycle).
    @inline(__always)
    public var isStopRequested: Bool { stopRequest.isSet }

    /// Asks the body to return, without waiting.
    public func requestStop() { stopRequest.set() }

    /// Sleeps up to `timeout`, waking at once when a stop is requested: the body's pause
    /// between polls.
    ///
    /// - Returns: whether a stop was requested.
    @discardableResult
    public func waitForStopRequest(timeout: Duration) -> Bool { stopRequest.wait(timeout: timeout) }

    /// Whether the body has returned.
    public var hasFinished: Bool { finished.isSet }

    /// Waits up to `timeout` (on `CLOCK_MONOTONIC`, whatever clock the vehicle runs on) for the
    /// body to return, and joins the thread if it did.
    ///
    /// - Returns: whether the thread has ended (also when it was joined before); `false` on
    ///   timeout — call again to keep waiting.
    @discardableResult
    public func join(timeout: Duration) -> Bool {
        guard finished.wait(timeout: timeout) else { return false }
        reap(pthread_join)
        return true
    }

    /// Waits for the body to return, however long it takes, and joins the thread.
    public func join() {
        finished.wait()
        reap(pthread_join)
    }

    /// ``requestStop()``, then ``join(timeout:)``.
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        requestStop()
        return join(timeout: timeout)
    }

    /// Lets the thread run on unobserved; its resources are freed when it ends. ``join(timeout:)``
    /// still tells whether it has ended.
    public func detach() {
        reap { thread, _ in pthread_detach(thread) }
    }

    /// Sends `signal` to this thread alone (`pthread_kill`): to interrupt a blocking call, or to
    /// deliver a signal the thread waits for.
    ///
    /// - Throws: ``SystemCallError`` (`ESRCH` once the thread has ended and was joined).
    public func send(signal: Int32) throws(SystemCallError) {
        guard !reaped.load(ordering: .acquiring) || !hasFinished else {
            throw SystemCallError(call: "pthread_kill", errno: ESRCH)
        }
        _ = try retryingOnInterrupt("pthread_kill", .returnsErrorNumber) { pthread_kill(handle, signal) }
    }

    private func reap(_ operation: (pthread_t, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32) {
        if reaped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            _ = operation(handle, nil)
        }
    }

    /// Names the calling thread ``ThreadName/kernelName`` for `top -H`, `ps -L` and core dumps.
    ///
    /// `pthread_setname_np` is a GNU extension the Glibc module does not export; it is looked up
    /// once and skipped if absent (a thread without its name still works).
    static func nameCallingThread(_ name: ThreadName) {
        guard let setName = setNameFunction else { return }
        _ = name.kernelName.withCString { setName(pthread_self(), $0) }
    }

    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    private static let setNameFunction: SetName? = dlsym(nil, "pthread_setname_np").map { unsafeBitCast($0, to: SetName.self) }
}
