import FlightCore
import HAL
import LinuxHAL

/// Records each cycle's wake-up latency (the time it starts running − its scheduled deadline)
/// into a buffer allocated and touched before the executive starts: no allocation, lock or
/// system call other than the clock read in the timed path.
final class WakeupRecorder: RateGroupMember {
    let name = "wakeup-recorder"
    private let clock: SystemMonotonicClock
    let latencies: UnsafeMutableBufferPointer<Int64>
    private(set) var count = 0

    init(clock: SystemMonotonicClock, capacity: Int) {
        self.clock = clock
        latencies = .allocate(capacity: capacity)
        latencies.initialize(repeating: 0)
    }

    deinit { latencies.deallocate() }

    func run(_ cycle: CycleContext) {
        let now = clock.now.nanoseconds
        guard count < latencies.count else { return }
        latencies[count] = Int64(bitPattern: now &- cycle.time.nanoseconds)
        count += 1
    }
}

/// `iost-bench loop`: the real ``Executive`` on ``SystemMonotonicClock`` at `--rate` Hz (one
/// rate group at the base rate, one trivial member), SCHED_FIFO `--priority` and mlockall as
/// `[executive.realtime]` would apply them, for `--seconds`.
///
/// The latency of a cycle is what cyclictest measures for its loop: the clock read at the start
/// of the cycle's first member minus the absolute deadline the executive slept to
/// (`clock_nanosleep(TIMER_ABSTIME)`), truncated to whole microseconds as cyclictest does.
/// Between the two lie only the executive's own step bookkeeping (no command queue, no prologue).
/// Like cyclictest (and like `iostd run` with `[executive.realtime]`), it holds
/// `/dev/cpu_dma_latency` at 0 through the scheduler (`--no-pm-qos`: not).
enum LoopBenchmark {
    static func run(_ options: Options) -> JSONObject {
        let seconds = options.double("seconds", default: 10)
        let rate = options.double("rate", default: 1000)
        let priority = options.int("priority", default: 80)
        let lock = !options.flag("no-lock")
        let clock = SystemMonotonicClock.shared
        let capacity = Int(seconds * rate) + 1000
        let recorder = WakeupRecorder(clock: clock, capacity: capacity)

        let configuration = ExecutiveConfiguration(
            baseRate: rate, groups: [RateGroupConfiguration(name: "loop", divisor: 1)],
            healthWindow: 100, statisticsPeriod: .seconds(1),
            realtime: FlightCore.RealtimeSettings(priority: priority, lockMemory: lock, holdsZeroCPULatency: !options.flag("no-pm-qos")))
        let executive: Executive
        do {
            executive = try Executive(
                configuration: configuration, clock: clock, pool: ParameterPool(),
                events: EventLog(capacity: 256), scheduler: LinuxRealtimeScheduler())
        } catch {
            IostBench.fail("cannot build the executive: \(error)")
        }
        executive.add(recorder, to: "loop")
        do {
            try executive.start()
        } catch {
            IostBench.fail("\(error)")
        }
        // The measured window starts with the first cycle (after mlockall and SCHED_FIFO).
        let waitLimit = clock.now.advanced(by: .seconds(5))
        while executive.completedCycles == 0, clock.now < waitLimit { clock.sleep(until: clock.now.advanced(by: .milliseconds(1))) }
        let end = clock.now.advanced(by: .nanoseconds(Int64(seconds * 1e9)))
        clock.sleep(until: end)
        guard executive.stop(timeout: .seconds(2)) else { IostBench.fail("the executive did not stop") }

        let samples = (0..<recorder.count).map { Double(max(0, recorder.latencies[$0]) / 1_000) }
        var object = JSONObject()
        object.add("rate_hz", rate)
        object.add("seconds", seconds)
        object.add("rt_status", executive.realtimeReport.status.name)
        object.add("cpu_dma_latency_zero", executive.realtimeReport.cpuLatency == .applied)
        Distribution(samples).summary(into: &object, suffix: "_us", digits: 0)
        let statistics = executive.groups[0].statistics
        object.add("slips", Int(statistics.slips))
        object.add("skipped_ticks", Int(executive.skippedTicks))
        return object
    }
}

extension RealtimeStatus {
    /// The status as the benchmarks' JSON writes it.
    var name: String {
        switch self {
        case .notRequested: return "not_requested"
        case .applied: return "applied"
        case .notPermitted: return "not_permitted"
        case .failed: return "failed"
        }
    }
}
