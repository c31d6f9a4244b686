#if canImport(Glibc)
    import Glibc
#endif
import HAL
@testable import LinuxHAL
import Testing
import Systems

@Suite("SystemMonotonicClock and RealtimeSettings")
struct ClockTests {
    @Test("now never goes backwards")
    func monotonic() {
        let clock = SystemMonotonicClock()
        var previous = clock.now
        #expect(previous > .zero)
        var backwards = 0
        for _ in 0..<10_000 {
            let next = clock.now
            if next < previous { backwards += 1 }
            previous = next
        }
        #expect(backwards == 0)
    }

    @Test("now agrees with clock_gettime(CLOCK_MONOTONIC)")
    func sameClockAsKernel() {
        var before = timespec()
        clock_gettime(CLOCK_MONOTONIC, &before)
        let now = SystemMonotonicClock.shared.now
        var after = timespec()
        clock_gettime(CLOCK_MONOTONIC, &after)
        let low = UInt64(before.tv_sec) * 1_000_000_000 + UInt64(before.tv_nsec)
        let high = UInt64(after.tv_sec) * 1_000_000_000 + UInt64(after.tv_nsec)
        #expect((low...high).contains(now.nanoseconds))
    }

    @Test("sleep(until:) returns at or after its deadline")
    func sleepUntilDeadline() {
        let clock = SystemMonotonicClock.shared
        for _ in 0..<5 {
            let deadline = clock.now + .milliseconds(2)
            clock.sleep(until: deadline)
            #expect(clock.now >= deadline)
        }
    }

    @Test("sleep(until:) a deadline in the past returns at once", .timeLimit(.minutes(1)))
    func sleepPast() {
        let clock = SystemMonotonicClock.shared
        // Past deadlines of every kind: the clock's origin, one second ago, just now. A relative
        // sleep computed as `deadline − now` in unsigned arithmetic would wrap to centuries here
        // (the time limit ends that); an absolute one returns at once.
        let oneSecondAgo = clock.now + .seconds(-1)
        for deadline in [MonotonicInstant.zero, oneSecondAgo, clock.now] {
            let before = clock.now
            clock.sleep(until: deadline)
            let after = clock.now
            #expect(after >= deadline)
            // "At once": well under the shortest real sleep any caller asks for, with room for a
            // busy 2-core CI machine's scheduling delay.
            #expect(after - before < .milliseconds(200), "sleep(until: \(deadline)) took \(after - before)")
        }
    }

    /// Results gathered on a thread of our own, so the test runner's threads keep their settings.
    struct Outcome: Sendable {
        var fifo: RealtimeSettingResult = .invalid(errno: 0)
        var policyAfterFIFO: Int32 = -1
        var badPriority: RealtimeSettingResult = .applied
        var affinity: RealtimeSettingResult = .invalid(errno: 0)
        var affinityAfter: Set<Int>? = nil
        var badAffinity: RealtimeSettingResult = .applied
        var emptyAffinity: RealtimeSettingResult = .applied
        var slack: RealtimeSettingResult = .invalid(errno: 0)
        var slackAfter: Int? = nil
        var lock: RealtimeSettingResult = .invalid(errno: 0)
        var unlock: RealtimeSettingResult = .invalid(errno: 0)
    }

    @Test("real-time settings report a result either way, on a dedicated thread")
    func realtimeSettings() throws {
        let result = LockedValue(Outcome())
        let thread = try DedicatedThread(name: .auxiliary("test-rt")) {
            var outcome = Outcome()
            let cpus = RealtimeSettings.currentAffinity() ?? [0]
            // Timer slack first: the kernel reports (and uses) no slack for SCHED_FIFO threads.
            outcome.slack = RealtimeSettings.setTimerSlack(nanoseconds: 1)
            outcome.slackAfter = RealtimeSettings.currentTimerSlack()
            outcome.fifo = RealtimeSettings.setFIFOPriority(10)
            outcome.policyAfterFIFO = RealtimeSettings.currentScheduling().policy
            outcome.badPriority = RealtimeSettings.setFIFOPriority(0)
            if let first = cpus.min() {
                outcome.affinity = RealtimeSettings.setAffinity(cpus: [first])
            }
            outcome.affinityAfter = RealtimeSettings.currentAffinity()
            outcome.badAffinity = RealtimeSettings.setAffinity(cpus: [RealtimeSettings.maximumCPUs])
            outcome.emptyAffinity = RealtimeSettings.setAffinity(cpus: [])
            outcome.lock = RealtimeSettings.lockMemory()
            outcome.unlock = RealtimeSettings.unlockMemory()
            let final = outcome
            result.withLock { $0 = final }
        }
        #expect(thread.join(timeout: .seconds(10)))
        let outcome = result.current

        // SCHED_FIFO needs CAP_SYS_NICE or RLIMIT_RTPRIO: applied or refused, never a crash.
        switch outcome.fifo {
        case .applied: #expect(outcome.policyAfterFIFO == SCHED_FIFO)
        case .notPermitted(let code): #expect(code == EPERM)
        case .invalid: Issue.record("priority 10 is valid for SCHED_FIFO: \(outcome.fifo)")
        }
        #expect(outcome.badPriority == .invalid(errno: EINVAL))

        #expect(outcome.affinity == .applied)
        #expect(outcome.affinityAfter?.count == 1)
        #expect(outcome.badAffinity == .invalid(errno: EINVAL))
        #expect(outcome.emptyAffinity == .invalid(errno: EINVAL))

        #expect(outcome.slack == .applied)
        #expect(outcome.slackAfter == 1)

        switch outcome.lock {
        case .applied: #expect(outcome.unlock == .applied)
        case .notPermitted: break
        case .invalid: Issue.record("mlockall(MCL_CURRENT | MCL_FUTURE) is valid: \(outcome.lock)")
        }
    }

    @Test("results describe themselves with the errno text")
    func descriptions() {
        #expect(RealtimeSettingResult.applied.description == "applied")
        #expect(RealtimeSettingResult.notPermitted(errno: 1).description == "not permitted (errno 1: Operation not permitted)")
    }
}
