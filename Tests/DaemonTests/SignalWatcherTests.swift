import Foundation
import HAL
import Testing
@testable import Daemon

@Suite("SignalWatcher", .serialized)
struct SignalWatcherTests {
    /// Waits up to two seconds for `condition`.
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("SIGHUP and SIGTERM reach the handler on the watcher's thread, with the sender's pid")
    func handlerReceivesSignals() throws {
        // The initializer blocks the signals in this thread, and so in the watcher thread it
        // starts: the signals below are collected by sigtimedwait, never acted on by default.
        let watcher = try SignalWatcher(signals: [.hangup, .terminate], pollInterval: .milliseconds(20))
        let received = LockedValue<[ReceivedSignal]>([])
        try watcher.start { signal in received.withLock { $0.append(signal) } }
        defer { watcher.stop() }

        // Thread-directed, to the watcher's thread: a process-directed kill() could be taken by
        // one of the test runner's threads, which do not block the signals.
        #expect(watcher.deliverToWatcherThread(.hangup))
        #expect(eventually { received.current.count == 1 })
        #expect(watcher.deliverToWatcherThread(.terminate))
        #expect(eventually { received.current.count == 2 })

        #expect(received.current.map(\.signal) == [.hangup, .terminate])
        #expect(received.current.allSatisfy { $0.senderPID == getpid() })
        #expect(received.current.first?.description == "SIGHUP from pid \(getpid())")
    }

    @Test("The signals are blocked in the thread that made the watcher")
    func blocksInCallingThread() throws {
        let watcher = try SignalWatcher(signals: [.hangup])
        var mask = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &mask)
        #expect(sigismember(&mask, SIGHUP) == 1)
        #expect(watcher.signals == [.hangup])
    }

    @Test("wait(timeout:) collects a pending signal on the calling thread, or times out")
    func synchronousWait() throws {
        let watcher = try SignalWatcher(signals: [.hangup])
        #expect(watcher.wait(timeout: .milliseconds(20)) == nil)
        pthread_kill(pthread_self(), SIGHUP) // pending: blocked in this thread
        let received = watcher.wait(timeout: .seconds(1))
        #expect(received?.signal == .hangup)
        #expect(received?.senderPID == getpid())
    }

    @Test("stop() ends the thread promptly; delivering afterwards reports no watcher")
    func stop() throws {
        let watcher = try SignalWatcher(signals: [.hangup], pollInterval: .milliseconds(20))
        try watcher.start { _ in }
        let start = ContinuousClock.now
        watcher.stop()
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(!watcher.deliverToWatcherThread(.hangup))
        watcher.stop() // twice: nothing
    }

    @Test("Signal names")
    func names() {
        #expect(DaemonSignal.terminate.description == "SIGTERM")
        #expect(DaemonSignal.interrupt.description == "SIGINT")
        #expect(DaemonSignal.hangup.description == "SIGHUP")
        #expect(DaemonSignal.shutdownSignals.map(\.number) == [15, 2, 1])
    }
}

@Suite("ShutdownSequence")
struct ShutdownSequenceTests {
    struct FlushFailed: Error, CustomStringConvertible {
        var description: String { "telemetry store full" }
    }

    @Test("Steps run in order; a failure is reported, an overrun abandoned, and the rest still run")
    func orderedWithBudgets() {
        let order = LockedValue<[String]>([])
        let release = LockedValue(false)
        let sequence = ShutdownSequence()
        sequence.add("actuators-safe", budget: .seconds(2)) { order.withLock { $0.append("actuators-safe") } }
        sequence.add("stuck-flush", budget: .milliseconds(100)) {
            order.withLock { $0.append("stuck-flush") }
            while !release.current { usleep(5_000) }
        }
        sequence.add("event", budget: .seconds(2)) {
            order.withLock { $0.append("event") }
            throw FlushFailed()
        }
        sequence.add("stopping", budget: .seconds(2)) { order.withLock { $0.append("stopping") } }
        #expect(sequence.totalBudget == .milliseconds(6100))

        let reported = LockedValue<[String]>([])
        let start = ContinuousClock.now
        let report = sequence.run { name, _ in reported.withLock { $0.append(name) } }
        let took = ContinuousClock.now - start
        release.withLock { $0 = true }

        #expect(order.current == ["actuators-safe", "stuck-flush", "event", "stopping"])
        #expect(reported.current == order.current)
        #expect(report.steps.map(\.name) == order.current)
        #expect(report.steps[1].outcome == .timedOut(budget: .milliseconds(100)))
        if case .failed(let error, _) = report.steps[2].outcome {
            #expect(error == "telemetry store full")
        } else {
            Issue.record("the throwing step should be reported as failed: \(report.steps[2].outcome)")
        }
        if case .completed = report.steps[3].outcome {} else { Issue.record("the last step should complete") }
        #expect(!report.allCompleted)
        // The overrun cost its budget, not the step's (unbounded) time.
        #expect(took >= .milliseconds(100) && took < .seconds(2))
    }

    @Test("All steps within budget: allCompleted")
    func allCompleted() {
        let sequence = ShutdownSequence()
        sequence.add("a", budget: .seconds(1)) {}
        sequence.add("b", budget: .seconds(1)) { usleep(10_000) }
        let report = sequence.run()
        #expect(report.allCompleted)
        if case .completed(let elapsed) = report.steps[1].outcome {
            #expect(elapsed >= .milliseconds(10))
        }
    }
}
