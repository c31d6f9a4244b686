#if canImport(Glibc)
    import Glibc
#endif
import HAL
import Systems

/// A signal the daemon reacts to.
public struct DaemonSignal: Hashable, Sendable, CustomStringConvertible {
    /// The signal number.
    public let number: Int32

    public init(_ number: Int32) {
        self.number = number
    }

    /// `SIGTERM`: `systemctl stop`, the normal way down.
    public static let terminate = DaemonSignal(SIGTERM)
    /// `SIGINT`: Ctrl-C on a terminal.
    public static let interrupt = DaemonSignal(SIGINT)
    /// `SIGHUP`: the terminal went away (or, by convention, "reload"; iostd treats it as shutdown).
    public static let hangup = DaemonSignal(SIGHUP)

    /// The three signals that end the daemon.
    public static let shutdownSignals: [DaemonSignal] = [.terminate, .interrupt, .hangup]

    public var description: String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        default: "signal \(number)"
        }
    }
}

/// One received signal: which, and who sent it.
public struct ReceivedSignal: Equatable, Sendable, CustomStringConvertible {
    /// The signal.
    public let signal: DaemonSignal
    /// The sending process (0 when the kernel sent it, e.g. a terminal's `SIGINT`/`SIGHUP`).
    public let senderPID: Int32

    public var description: String { "\(signal) from pid \(senderPID)" }
}

/// Turns asynchronous termination signals into calls in ordinary code, on a thread of its own.
///
/// A signal handler may do almost nothing (only async-signal-safe calls: no locks, no allocation,
/// no logging). So the signals are not handled at all: they are *blocked*, which leaves them
/// pending, and a dedicated thread collects them with `sigtimedwait(2)` and calls the handler —
/// where the daemon can take actuators to their safe state, log the shutdown event, flush
/// telemetry and return from `main` with status 0.
///
/// - Warning: Create the watcher **first**, on the main thread, before any other thread exists (no
///   `Task`, no Dispatch queue, no executive, no link thread). The initializer blocks the signals
///   in the calling thread; threads created afterwards inherit that mask. A process-directed
///   signal goes to any thread that does not block it, and a thread started earlier would still
///   have the default action — terminating the process on the spot, actuators wherever they were.
///   Blocking already-blocked signals is harmless, so the watcher works whatever mask the process
///   inherited (the Swift test runner's children, for one, start with `SIGTERM` blocked).
/// - Warning: The mask survives `fork` and `exec`. A child process the daemon starts would begin
///   life with these signals blocked and could not be stopped with `SIGTERM`; give it an empty
///   mask (`posix_spawnattr_setsigmask` with `POSIX_SPAWN_SETSIGMASK`).
public final class SignalWatcher: @unchecked Sendable {
    /// The watched signals.
    public let signals: [DaemonSignal]

    private var set = sigset_t()
    private let running = LockedValue<DedicatedThread?>(nil)
    private let pollInterval: Duration

    /// Blocks `signals` in the calling thread (and so in every thread it creates from now on).
    ///
    /// - Parameters:
    ///   - signals: the signals to watch; by default `SIGTERM`, `SIGINT`, `SIGHUP`.
    ///   - pollInterval: how long each wait lasts before it looks for ``stop()``; bounds how long
    ///     ``stop()`` takes.
    /// - Throws: ``SystemCallError`` when `pthread_sigmask` fails.
    public init(
        signals: [DaemonSignal] = DaemonSignal.shutdownSignals,
        pollInterval: Duration = .milliseconds(100)
    ) throws(SystemCallError) {
        precondition(!signals.isEmpty, "SignalWatcher: no signals to watch")
        precondition(pollInterval > .zero, "SignalWatcher: the poll interval must be positive")
        self.signals = signals
        self.pollInterval = pollInterval
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal.number) }
        let status = pthread_sigmask(SIG_BLOCK, &set, nil)
        guard status == 0 else { throw SystemCallError(call: "pthread_sigmask(SIG_BLOCK)", errno: status) }
    }

    /// Starts the watching thread, which calls `handler` for every watched signal until ``stop()``.
    ///
    /// The handler runs on the watcher's thread, one signal at a time; a second `SIGTERM` during
    /// a slow shutdown arrives as a second call (the daemon may treat it as "hurry up"). Calling
    /// it twice does nothing.
    ///
    /// - Throws: ``SystemCallError`` when the thread cannot be created.
    public func start(handler: @escaping @Sendable (ReceivedSignal) -> Void) throws(SystemCallError) {
        try running.withLock { (running) throws(SystemCallError) in
            guard running == nil else { return }
            do throws(ThreadStartError) {
                running = try DedicatedThread(name: .signals) { [self] thread in
                    while !thread.isStopRequested {
                        if let received = wait(timeout: pollInterval) { handler(received) }
                    }
                }
            } catch {
                throw error.systemCallError
            }
        }
    }

    /// Stops the watching thread and waits for it (at most about the poll interval).
    ///
    /// The signals stay blocked: a signal arriving after this stays pending, harmlessly.
    public func stop() {
        guard
            let current = running.withLock({ running in
                defer { running = nil }
                return running
            })
        else { return }
        current.requestStop()
        current.join()
    }

    /// Waits up to `timeout` for one watched signal, on the calling thread.
    ///
    /// For a daemon that would rather park its main thread here than start a watcher thread.
    /// The calling thread must block the signals too (it does if it is the thread that made the
    /// watcher or was created after).
    ///
    /// - Returns: the signal, or nil when the time ran out.
    public func wait(timeout: Duration) -> ReceivedSignal? {
        let nanoseconds = max(0, timeout.nanoseconds)
        var time = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var info = siginfo_t()
        var watched = set
        let number = sigtimedwait(&watched, &info, &time)
        guard number > 0 else { return nil } // EAGAIN: timeout; EINTR: another signal's handler ran
        return ReceivedSignal(signal: DaemonSignal(number), senderPID: info._sifields._kill.si_pid)
    }

    /// Sends `signal` to the watcher's thread (a thread-directed `pthread_kill`), for tests.
    ///
    /// A process-directed `kill(getpid(), …)` would reach whichever thread does not block the
    /// signal — in a test process full of threads the watcher did not create, that could be the
    /// test runner itself.
    ///
    /// - Returns: false when the watcher is not running.
    @discardableResult
    func deliverToWatcherThread(_ signal: DaemonSignal) -> Bool {
        guard let thread = running.current else { return false }
        return (try? thread.send(signal: signal.number)) != nil
    }
}
