import Foundation
import HAL
import Testing
@testable import Daemon

@Suite("WatchdogPolicy")
struct WatchdogPolicyTests {
    @Test("WATCHDOG_USEC gives the timeout; pings go at half of it")
    func enabled() {
        let policy = WatchdogPolicy(environment: ["WATCHDOG_USEC": "5000000"], pid: 42)
        #expect(policy == .enabled(timeout: .seconds(5)))
        #expect(policy.pingInterval == .milliseconds(2500))
    }

    @Test("WATCHDOG_PID that is ours: enabled")
    func ownPID() {
        let policy = WatchdogPolicy(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "42"], pid: 42)
        #expect(policy.pingInterval == .milliseconds(1500))
    }

    @Test("WATCHDOG_PID of another process: disabled (inherited variables)")
    func otherPID() {
        let policy = WatchdogPolicy(environment: ["WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "41"], pid: 42)
        #expect(policy == .disabled(.otherProcess(pid: 41)))
        #expect(policy.pingInterval == nil)
    }

    @Test("Unset or malformed variables: disabled, with the reason")
    func disabled() {
        #expect(WatchdogPolicy(environment: [:], pid: 1) == .disabled(.notRequested))
        #expect(WatchdogPolicy(environment: ["WATCHDOG_PID": "1"], pid: 1) == .disabled(.notRequested))
        #expect(WatchdogPolicy(environment: ["WATCHDOG_USEC": "0"], pid: 1) == .disabled(.invalidTimeout("0")))
        #expect(WatchdogPolicy(environment: ["WATCHDOG_USEC": "5s"], pid: 1) == .disabled(.invalidTimeout("5s")))
        #expect(WatchdogPolicy(environment: ["WATCHDOG_USEC": "-5"], pid: 1) == .disabled(.invalidTimeout("-5")))
        #expect(
            WatchdogPolicy(environment: ["WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "me"], pid: 1)
                == .disabled(.invalidPID("me")))
    }

    @Test("The test process has no watchdog")
    func processEnvironment() {
        // Not started by systemd with WatchdogSec=: WATCHDOG_USEC is unset here.
        #expect(WatchdogPolicy.fromEnvironment() == .disabled(.notRequested))
    }
}

private func at(_ milliseconds: UInt64) -> MonotonicInstant {
    MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
}

@Suite("Watchdog")
struct WatchdogTests {
    @Test("Pings every interval while healthy, none while unhealthy, at once on recovery")
    func healthGatedPings() {
        let healthy = LockedValue(true)
        let pings = LockedValue<[UInt64]>([])
        let events = LockedValue<[Watchdog.Event]>([])
        let clockNow = LockedValue<UInt64>(0)
        let watchdog = Watchdog(
            interval: .seconds(1),
            isHealthy: { healthy.current },
            onEvent: { event in events.withLock { $0.append(event) } },
            ping: { pings.withLock { $0.append(clockNow.current) } }
        )
        func tick(_ ms: UInt64) -> Watchdog.TickOutcome {
            clockNow.withLock { $0 = ms }
            return watchdog.tick(now: at(ms))
        }

        #expect(tick(0) == .pinged) // first tick: at once
        #expect(tick(500) == .notDue)
        #expect(tick(999) == .notDue)
        #expect(tick(1000) == .pinged) // 0 + 1 s
        #expect(tick(1700) == .notDue)
        #expect(tick(2100) == .pinged) // a late tick pings late...
        #expect(tick(2200) == .notDue) // ...and once: next due at 3100
        healthy.withLock { $0 = false }
        #expect(tick(3000) == .notDue) // not due yet: health is not even asked
        #expect(tick(3100) == .withheld)
        #expect(tick(3200) == .withheld)
        #expect(tick(5000) == .withheld)
        #expect(watchdog.isWithholding)
        healthy.withLock { $0 = true }
        #expect(tick(5050) == .pinged) // recovery: at once, not at the next multiple
        #expect(tick(5500) == .notDue)
        #expect(tick(6050) == .pinged)

        #expect(pings.current == [0, 1000, 2100, 5050, 6050])
        #expect(watchdog.pingCount == 5)
        // One event per transition, not one per withheld tick.
        #expect(events.current == [.withholding(since: at(3100)), .resumed(withheldFor: .milliseconds(1950))])
    }

    @Test("Over 10 s of 100 ms ticks at a 2.5 s interval: pings at 0, 2.5, 5, 7.5 s")
    func steadyState() {
        let pings = LockedValue<[MonotonicInstant]>([])
        let now = LockedValue(MonotonicInstant.zero)
        let watchdog = Watchdog(
            interval: .milliseconds(2500), isHealthy: { true },
            ping: {
                pings.withLock { $0.append(now.current) }
            })
        for step in 0..<100 {
            now.withLock { $0 = at(UInt64(step) * 100) }
            watchdog.tick(now: now.current)
        }
        #expect(pings.current == [at(0), at(2500), at(5000), at(7500)])
    }

    @Test("The next useful tick: the due time, or a tenth of the interval while withholding")
    func nextTick() {
        let healthy = LockedValue(true)
        let watchdog = Watchdog(interval: .seconds(1), isHealthy: { healthy.current }, ping: {})
        #expect(watchdog.nextTick(after: at(0)) == at(0))
        watchdog.tick(now: at(0))
        #expect(watchdog.nextTick(after: at(200)) == at(1000))
        healthy.withLock { $0 = false }
        watchdog.tick(now: at(1000))
        #expect(watchdog.nextTick(after: at(1000)) == at(1100))
    }

    @Test("A disabled policy makes no watchdog")
    func disabledPolicy() {
        let notifier = SystemdNotifier(notifySocket: nil)
        #expect(Watchdog(policy: .disabled(.notRequested), notifier: notifier, isHealthy: { true }) == nil)
        #expect(Watchdog(policy: .enabled(timeout: .seconds(5)), notifier: notifier, isHealthy: { true })?.interval == .milliseconds(2500))
    }

    @Test("The convenience thread pings in real time while healthy, stops when told")
    func thread() throws {
        let healthy = LockedValue(true)
        let count = LockedValue(0)
        let watchdog = Watchdog(
            interval: .milliseconds(40), isHealthy: { healthy.current },
            ping: {
                count.withLock { $0 += 1 }
            })
        let clock = RealClock()
        try watchdog.start(clock: clock, stopLatency: .milliseconds(10))
        usleep(300_000)
        let healthyPings = count.current
        // 300 ms at 40 ms: about 8; a loaded CI machine may lose a few.
        #expect(healthyPings >= 3 && healthyPings <= 9)
        healthy.withLock { $0 = false }
        usleep(100_000)
        let frozen = count.current
        usleep(200_000)
        #expect(count.current == frozen)
        healthy.withLock { $0 = true }
        usleep(100_000)
        #expect(count.current > frozen)
        watchdog.stop()
        let stopped = count.current
        usleep(100_000)
        #expect(count.current == stopped)
    }
}

/// CLOCK_MONOTONIC, for the thread test (DaemonTests does not link LinuxHAL).
final class RealClock: MonotonicClock {
    var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    func sleep(until deadline: MonotonicInstant) {
        var time = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }
}
