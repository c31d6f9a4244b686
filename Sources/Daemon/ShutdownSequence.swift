import HAL
import Systems

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
        let finished = Latch()
        let result = LockedValue<(error: String?, elapsed: Duration)?>(nil)
        let start = monotonicNow()
        let thread: DedicatedThread
        do throws(ThreadStartError) {
            thread = try DedicatedThread(name: .shutdown) {
                let failure: String?
                do {
                    try step.action()
                    failure = nil
                } catch {
                    failure = "\(error)"
                }
                result.withLock { $0 = (failure, monotonicNow() - start) }
                finished.set()
            }
        } catch {
            return .notStarted(error.systemCallError)
        }
        guard finished.wait(untilNanoseconds: (start + step.budget).nanoseconds), let (error, elapsed) = result.current else {
            thread.detach()
            return .timedOut(budget: step.budget)
        }
        thread.join()
        if let error { return .failed(error: error, elapsed: elapsed) }
        return .completed(elapsed: elapsed)
    }

    private static func monotonicNow() -> MonotonicInstant {
        MonotonicInstant(nanoseconds: MonotonicTime.nanoseconds)
    }
}
