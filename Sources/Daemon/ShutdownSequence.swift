#if canImport(Glibc)
import Glibc
#endif
import HAL

/// An ordered list of shutdown steps, each with a time budget.
///
/// The daemon's way down after `SIGTERM`: actuators to their safe state, the shutdown event into
/// the event log and the downlink, telemetry flushed, then `STOPPING=1` and exit 0. Each step
/// runs on a thread of its own while the sequence waits for it at most its budget. A step that
/// overruns is abandoned — reported as ``StepOutcome/timedOut(budget:)``, its thread left to
/// finish (or not) on its own — and the sequence moves on: a stuck telemetry flush must not keep
/// the heaters from being switched off, nor the process from exiting before systemd's
/// `TimeoutStopSec=` sends `SIGKILL`. A thread cannot be cancelled safely, so order the steps
/// most-important first and make each one safe to run alongside a still-running earlier one.
///
/// Budgets are measured on `CLOCK_MONOTONIC`; keep their sum below `TimeoutStopSec=`.
public final class ShutdownSequence: @unchecked Sendable {
    /// One step: a name for the log, a budget, and the work.
    public struct Step: Sendable {
        public let name: String
        public let budget: Duration
        public let action: @Sendable () throws -> Void
    }

    /// How one step ended.
    public enum StepOutcome: Equatable, Sendable {
        /// Finished within budget, taking `elapsed`.
        case completed(elapsed: Duration)
        /// Threw within budget.
        case failed(error: String, elapsed: Duration)
        /// Still running when the budget ran out; abandoned.
        case timedOut(budget: Duration)
        /// Its thread could not be started.
        case notStarted(SystemCallError)
    }

    /// One step's name and outcome.
    public struct StepResult: Equatable, Sendable {
        public let name: String
        public let outcome: StepOutcome
    }

    /// The outcome of every step, in order.
    public struct Report: Equatable, Sendable {
        public var steps: [StepResult]

        /// True when every step completed.
        public var allCompleted: Bool {
            steps.allSatisfy { if case .completed = $0.outcome { true } else { false } }
        }
    }

    private let steps = LockedValue<[Step]>([])

    public init() {}

    /// Appends a step.
    ///
    /// - Parameters:
    ///   - name: for the log, e.g. `actuators-safe`.
    ///   - budget: how long the sequence waits for it; must be positive.
    ///   - action: the work; a thrown error is reported, and the sequence goes on.
    public func add(_ name: String, budget: Duration, _ action: @escaping @Sendable () throws -> Void) {
        precondition(budget > .zero, "ShutdownSequence: the budget of '\(name)' must be positive")
        steps.withLock { $0.append(Step(name: name, budget: budget, action: action)) }
    }

    /// The sum of the budgets: the longest ``run(onStep:)`` can take.
    public var totalBudget: Duration {
        steps.current.reduce(.zero) { $0 + $1.budget }
    }

    /// Runs the steps in order, each within its budget.
    ///
    /// - Parameter onStep: told of each step's outcome as it ends (for the log), on the calling thread.
    /// - Returns: every step's outcome.
    @discardableResult
    public func run(onStep: (String, StepOutcome) -> Void = { _, _ in }) -> Report {
        var report = Report(steps: [])
        for step in steps.current {
            let outcome = Self.run(step)
            onStep(step.name, outcome)
            report.steps.append(StepResult(name: step.name, outcome: outcome))
        }
        return report
    }

    private static func run(_ step: Step) -> StepOutcome {
        let completion = Completion()
        let start = monotonicNow()
        let thread: DaemonThread
        do {
            thread = try DaemonThread.spawn(name: "shutdown") {
                let result: String?
                do {
                    try step.action()
                    result = nil
                } catch {
                    result = "\(error)"
                }
                completion.finish(error: result, elapsed: monotonicNow() - start)
            }
        } catch {
            return .notStarted(error)
        }
        guard let (error, elapsed) = completion.wait(until: start + step.budget) else {
            thread.detach()
            return .timedOut(budget: step.budget)
        }
        thread.join()
        if let error { return .failed(error: error, elapsed: elapsed) }
        return .completed(elapsed: elapsed)
    }

    private static func monotonicNow() -> MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }
}

/// A one-shot result with a deadline-bounded wait (a mutex and a `CLOCK_MONOTONIC` condition).
private final class Completion: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var result: (error: String?, elapsed: Duration)?

    init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func finish(error: String?, elapsed: Duration) {
        pthread_mutex_lock(mutex)
        result = (error, elapsed)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The result, or nil if none came by `deadline` (a `CLOCK_MONOTONIC` instant).
    func wait(until deadline: MonotonicInstant) -> (error: String?, elapsed: Duration)? {
        var time = timespec(
            tv_sec: Int(deadline.nanoseconds / 1_000_000_000),
            tv_nsec: Int(deadline.nanoseconds % 1_000_000_000)
        )
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while result == nil {
            if pthread_cond_timedwait(condition, mutex, &time) == ETIMEDOUT { break }
        }
        return result
    }
}
