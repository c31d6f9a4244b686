@testable import FlightCore
import HAL
import SimHardware
#if canImport(Glibc)
    import Glibc
#endif

/// A rate-group member that runs a closure (tests only: it may allocate).
final class ClosureMember: RateGroupMember {
    let name: String
    var runs = 0
    let body: (ClosureMember, CycleContext) -> Void

    init(_ name: String, _ body: @escaping (ClosureMember, CycleContext) -> Void = { _, _ in }) {
        self.name = name
        self.body = body
    }

    func run(_ cycle: CycleContext) {
        runs += 1
        body(self, cycle)
    }
}

/// Keeps every event raised (tests only).
final class RecordingSink: EventSink {
    var events: [FlightEvent] = []
    func raise(_ event: FlightEvent) { events.append(event) }
    func events(_ id: EventID) -> [FlightEvent] { events.filter { $0.id == id } }
}

/// CLOCK_MONOTONIC with absolute sleeps, for the one threaded test (FlightCoreTests cannot import LinuxHAL).
final class WallClock: MonotonicClock, @unchecked Sendable {
    var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    func sleep(until deadline: MonotonicInstant) {
        var target = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil) == EINTR {}
    }
}

extension ParameterPool {
    func value(named name: String) -> Double? {
        guard let handle = try? handle(named: name) else { return nil }
        return self[handle].value
    }
}
