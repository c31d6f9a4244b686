@testable import FlightCore
import HAL
import SimHardware
import Testing

@Suite("Executive")
struct ExecutiveTests {
    /// 100 Hz base with groups at 100, 50, 10 and 1 Hz.
    static let fourRates = ExecutiveConfiguration(groups: [
        RateGroupConfiguration(name: "base", divisor: 1),
        RateGroupConfiguration(name: "att", divisor: 2),
        RateGroupConfiguration(name: "lsp", divisor: 10, offset: 1),
        RateGroupConfiguration(name: "hk", divisor: 100, offset: 5),
    ])

    func make(_ configuration: ExecutiveConfiguration = fourRates) throws -> (Executive, SimClock, ParameterPool, RecordingSink) {
        let clock = SimClock()
        let pool = ParameterPool()
        let sink = RecordingSink()
        let executive = try Executive(configuration: configuration, clock: clock, pool: pool, events: sink)
        return (executive, clock, pool, sink)
    }

    @Test func divisorsOverOneSecond() throws {
        let (executive, clock, _, _) = try make()
        let members = ["base", "att", "lsp", "hk"].map { ClosureMember($0) }
        for member in members { executive.add(member, to: member.name) }
        let prologue = ClosureMember("io")
        executive.addPrologue(prologue)
        executive.run(until: MonotonicInstant(nanoseconds: 990_000_000))
        #expect(members.map(\.runs) == [100, 50, 10, 1])
        #expect(prologue.runs == 100)
        #expect(clock.now == MonotonicInstant(nanoseconds: 990_000_000))
        #expect(executive.completedCycles == 100)
    }

    @Test func membersRunInGroupThenInsertionOrderWithTheirContext() throws {
        let (executive, _, _, _) = try make()
        var log: [String] = []
        var contexts: [String: [CycleContext]] = [:]
        for (name, group) in [("b1", "base"), ("a1", "att"), ("b2", "base"), ("a2", "att"), ("l1", "lsp"), ("h1", "hk")] {
            executive.add(
                ClosureMember(name) { member, cycle in
                    log.append(member.name)
                    contexts[member.name, default: []].append(cycle)
                }, to: group)
        }
        executive.runCycles(6)
        #expect(
            log == [
                "b1", "b2", "a1", "a2", // tick 0
                "b1", "b2", "l1", // tick 1 (lsp offset 1)
                "b1", "b2", "a1", "a2", // tick 2
                "b1", "b2", // tick 3
                "b1", "b2", "a1", "a2", // tick 4
                "b1", "b2", "h1",
            ]) // tick 5 (hk offset 5)
        let lsp = try #require(contexts["l1"]?.first)
        #expect(lsp.time == MonotonicInstant(nanoseconds: 10_000_000))
        #expect(lsp.period == .milliseconds(100))
        #expect(lsp.index == 0)
        #expect(contexts["a1"]?.map(\.index) == [0, 1, 2])
        #expect(contexts["a1"]?.map(\.dt) == [0.02, 0.02, 0.02])
    }

    @Test func statisticsParametersArePopulated() throws {
        let (executive, clock, pool, _) = try make()
        // 500 µs of work in the base group on every tick: the att group, later in the same tick,
        // starts 500 µs after its deadline.
        executive.add(ClosureMember("slow") { _, _ in clock.advance(by: .microseconds(500)) }, to: "base")
        executive.add(ClosureMember("att"), to: "att")
        executive.runCycles(101) // the statistics are published on ticks 0 and 100
        #expect(pool.value(named: "exec.cycles") == 101)
        #expect(pool.value(named: "exec.base.cycles") == 101)
        #expect(pool.value(named: "exec.att.cycles") == 51)
        #expect(pool.value(named: "exec.lsp.cycles") == 10)
        #expect(pool.value(named: "exec.base.exec_max_us") == 500)
        #expect(pool.value(named: "exec.base.exec_mean_us") == 500)
        #expect(pool.value(named: "exec.base.latency_max_us") == 0)
        #expect(pool.value(named: "exec.att.exec_max_us") == 0)
        #expect(pool.value(named: "exec.att.latency_p50_us") == 500)
        #expect(pool.value(named: "exec.att.latency_p99_us") == 500)
        #expect(pool.value(named: "exec.att.latency_max_us") == 500)
        #expect(pool.value(named: "exec.base.slips") == 0)
        #expect(pool.value(named: "exec.base.overruns") == 0)
        #expect(pool.value(named: "exec.skipped_ticks") == 0)
        #expect(pool.value(named: "exec.healthy") == 1)
        #expect(pool.value(named: "exec.rt_applied") == 0)
        let handle = try pool.handle(named: "exec.att.latency_p99_us")
        #expect(pool.definition(handle).unit == "us")
        #expect(pool[handle].timestamp == MonotonicInstant(nanoseconds: 1_000_500_000))
    }

    @Test func injectedOverrunIsOneSlipAndOneEvent() throws {
        let (executive, clock, pool, sink) = try make()
        // The third lsp run (tick 21, t = 210 ms) takes 150 ms: it ends at 360 ms, 50 ms past
        // the group's next deadline (310 ms).
        executive.add(
            ClosureMember("stuck") { member, _ in
                if member.runs == 3 { clock.advance(by: .milliseconds(150)) }
            }, to: "lsp")
        executive.run(until: MonotonicInstant(nanoseconds: 990_000_000))
        let group = try #require(executive.group(named: "lsp"))
        #expect(group.statistics.slips == 1)
        #expect(group.statistics.overruns == 1)
        #expect(executive.group(named: "base")?.statistics.slips == 0)
        let slips = sink.events(ExecutiveEvents.rateGroupSlip)
        #expect(slips.count == 1)
        let event = try #require(slips.first)
        #expect(event.time == MonotonicInstant(nanoseconds: 360_000_000))
        #expect(event.argumentList == [Double(try pool.handle(named: "exec.lsp.slips").id.rawValue), 150_000, 50_000, 0])
        // 360 ms − 220 ms (tick 22) = 14 whole periods skipped; tick 36 runs at 360 ms.
        #expect(executive.skippedTicks == 14)
        #expect(pool.value(named: "exec.lsp.slips") == 1)
        #expect(pool.value(named: "exec.skipped_ticks") == 14)
    }

    @Test func slipEventsAreThrottledWithASuppressedCount() throws {
        let (executive, clock, _, sink) = try make()
        // Every lsp run takes 120 ms: runs at 10 ms, 210 ms, 410 ms … each slips, ending at
        // 130 ms, 330 ms, 530 ms … The first is reported; the next report is allowed from
        // 10.130 s, which is the 51st slip, carrying the 49 suppressed in between.
        executive.add(ClosureMember("stuck") { _, _ in clock.advance(by: .milliseconds(120)) }, to: "lsp")
        executive.run(until: MonotonicInstant(nanoseconds: 5_000_000_000))
        #expect(sink.events(ExecutiveEvents.rateGroupSlip).count == 1)
        executive.run(until: MonotonicInstant(nanoseconds: 12_000_000_000))
        let events = sink.events(ExecutiveEvents.rateGroupSlip)
        #expect(events.count == 2)
        #expect(events.map(\.time) == [MonotonicInstant(nanoseconds: 130_000_000), MonotonicInstant(nanoseconds: 10_130_000_000)])
        #expect(events.map(\.arguments.3) == [0, 49])
        let group = try #require(executive.group(named: "lsp"))
        #expect(group.statistics.slips == UInt64(50 + 1 + group.throttle.suppressed))
    }

    @Test func healthFallsOnASlipAndReturnsAfterTheWindow() throws {
        var configuration = Self.fourRates
        configuration.healthWindow = 20
        let (executive, clock, pool, _) = try make(configuration)
        var inject = false
        executive.add(
            ClosureMember("stuck") { _, _ in
                if inject { clock.advance(by: .milliseconds(150)); inject = false }
            }, to: "lsp")
        #expect(!executive.isHealthy) // nothing has run yet
        executive.runCycles(1)
        #expect(executive.isHealthy)
        executive.runCycles(30)
        #expect(executive.isHealthy)
        inject = true
        while executive.group(named: "lsp")?.statistics.slips == 0 { executive.runCycles(1) }
        #expect(!executive.isHealthy)
        #expect(pool.value(named: "exec.healthy") == 0)
        executive.runCycles(19)
        #expect(!executive.isHealthy)
        executive.runCycles(1)
        #expect(executive.isHealthy)
        #expect(executive.isHealthy(at: clock.now, maximumSilence: .milliseconds(20)))
        #expect(!executive.isHealthy(at: clock.now + .seconds(1), maximumSilence: .milliseconds(20)))
    }

    @Test func commandsApplyAtTheStartOfTheNextCycleWithAPerCycleLimit() throws {
        var configuration = Self.fourRates
        configuration.maxCommandsPerCycle = 2
        let (executive, _, pool, _) = try make(configuration)
        let queue = CommandQueue<Int>(capacity: 4)
        var applied: [(Int, UInt64)] = []
        var seenByMember: [Int] = []
        executive.attach(commands: queue) { command, cycle in applied.append((command, cycle.index)) }
        executive.add(ClosureMember("reader") { _, _ in seenByMember.append(applied.count) }, to: "base")
        for command in 1...5 { queue.push(command) }
        #expect(queue.droppedCount == 1)
        executive.runCycles(3)
        #expect(applied.map(\.0) == [1, 2, 3, 4])
        #expect(applied.map(\.1) == [0, 0, 1, 1])
        #expect(seenByMember == [2, 4, 4])
        executive.runCycles(98)
        #expect(pool.value(named: "exec.commands_applied") == 4)
        #expect(pool.value(named: "exec.commands_dropped") == 1)
    }

    @Test func configurationFromTOML() throws {
        let text = """
            [executive]
            base_rate_hz = 200
            health_window = 50
            slip_event_interval = "5s"
            [executive.realtime]
            priority = 80
            lock_memory = true
            cpu_affinity = [1]
            [[executive.group]]
            name = "fast"
            divisor = 1
            [[executive.group]]
            name = "slow"
            divisor = 20
            offset = 3
            budget = "2ms"
            """
        let vehicle = try VehicleConfiguration.parse(text: text, path: "test.toml")
        let configuration = try ExecutiveConfiguration(table: vehicle.root.table("executive"))
        #expect(configuration.baseRate == 200)
        #expect(configuration.basePeriod == .milliseconds(5))
        #expect(configuration.healthWindow == 50)
        #expect(configuration.slipEventInterval == .seconds(5))
        #expect(configuration.realtime == RealtimeSettings(priority: 80, lockMemory: true, cpuAffinity: [1]))
        #expect(
            configuration.groups == [
                RateGroupConfiguration(name: "fast", divisor: 1),
                RateGroupConfiguration(name: "slow", divisor: 20, offset: 3, budget: .milliseconds(2)),
            ])

        let defaults = try ExecutiveConfiguration(table: try VehicleConfiguration.parse(text: "", path: "t.toml").root.table("executive"))
        #expect(defaults == ExecutiveConfiguration())

        let typo = try VehicleConfiguration.parse(text: "[executive]\nbase_rate = 100\n", path: "t.toml")
        #expect(throws: ConfigurationError.self) { try ExecutiveConfiguration(table: typo.root.table("executive")) }
        let badOffset = try VehicleConfiguration.parse(text: "[[executive.group]]\nname = \"x\"\ndivisor = 10\noffset = 10\n", path: "t.toml")
        #expect(throws: ConfigurationError.self) { try ExecutiveConfiguration(table: badOffset.root.table("executive")) }
    }

    @Test func latencyHistogramBucketsAndPercentiles() {
        var histogram = LatencyHistogram()
        #expect(histogram.percentile(0.5) == 0)
        for value: UInt64 in 1...100 { histogram.record(value) }
        // 50 falls in [48, 51] (2^5 split in 16 buckets of 2), reported as its upper edge.
        #expect(LatencyHistogram.upperEdge(of: LatencyHistogram.bucket(of: 50)) == 51)
        #expect(histogram.percentile(0.5) == 51)
        #expect(histogram.percentile(0.99) == 99) // bucket [96, 99]
        #expect(histogram.percentile(1.0) == 100) // capped at the exact maximum
        #expect(histogram.maximum == 100)
        #expect(LatencyHistogram.bucket(of: 31) == 31)
        #expect(LatencyHistogram.upperEdge(of: LatencyHistogram.bucket(of: 1_000_000)) == 1_015_807)
    }
}

/// Records what it was asked to do and refuses SCHED_FIFO like an unprivileged process.
final class UnprivilegedScheduler: RealtimeScheduling, @unchecked Sendable {
    func setFIFOPriority(_ priority: Int32) -> RealtimeOutcome { .notPermitted(errno: 1) }
    func lockAllMemory() -> RealtimeOutcome { .applied }
    func setAffinity(cpus: [Int]) -> RealtimeOutcome { .failed(errno: 22) }
    /// No `/dev/cpu_dma_latency` access, as without root.
    func holdZeroCPULatency() -> RealtimeOutcome { .notPermitted(errno: 13) }
}

/// Grants everything but the CPU latency request (its device is missing).
final class NoPMQoSScheduler: RealtimeScheduling, @unchecked Sendable {
    private(set) var latencyRequests = 0
    func setFIFOPriority(_ priority: Int32) -> RealtimeOutcome { .applied }
    func lockAllMemory() -> RealtimeOutcome { .applied }
    func setAffinity(cpus: [Int]) -> RealtimeOutcome { .applied }
    func holdZeroCPULatency() -> RealtimeOutcome {
        latencyRequests += 1
        return .failed(errno: 2)
    }
}

@Suite("Executive thread")
struct ExecutiveThreadTests {
    @Test func startRunsCyclesAndStopJoins() throws {
        let pool = ParameterPool()
        let log = EventLog(capacity: 64)
        var configuration = ExecutiveConfiguration(baseRate: 1000)
        configuration.realtime = RealtimeSettings(priority: 80, lockMemory: true, cpuAffinity: [0])
        let executive = try Executive(
            configuration: configuration, clock: WallClock(), pool: pool, events: log,
            scheduler: UnprivilegedScheduler())
        let member = ClosureMember("count")
        executive.add(member, to: "att")
        try executive.start()
        #expect(executive.isRunning)
        let clock = WallClock()
        let until = clock.now + .milliseconds(100)
        while clock.now < until, executive.completedCycles == 0 { clock.sleep(until: clock.now + .milliseconds(5)) }
        clock.sleep(until: clock.now + .milliseconds(20))
        #expect(executive.stop(timeout: .seconds(5)))
        #expect(!executive.isRunning)
        #expect(executive.completedCycles > 0)
        #expect(member.runs > 0)
        #expect(executive.realtimeReport.status == .failed)
        #expect(pool.value(named: "exec.rt_applied") == Double(RealtimeStatus.failed.rawValue))
        var ids: [EventID] = []
        log.drain { ids.append($0.id) }
        #expect(ids.contains(ExecutiveEvents.started))
        #expect(ids.contains(ExecutiveEvents.realtimeNotPermitted))
        #expect(ids.contains(ExecutiveEvents.realtimeFailed))
        #expect(ids.last == ExecutiveEvents.stopped)
    }

    @Test func realtimeReportStatus() {
        var report = RealtimeSettings(priority: 80).apply(using: UnprivilegedScheduler())
        #expect(report.status == .notPermitted)
        #expect(report.priority == .notPermitted(errno: 1))
        report = RealtimeSettings().apply(using: UnprivilegedScheduler())
        #expect(report.status == .notRequested)
        report = RealtimeSettings(lockMemory: true).apply(using: UnprivilegedScheduler())
        #expect(report.status == .applied)
        report = RealtimeSettings(lockMemory: true).apply(using: nil)
        #expect(report.status == .notPermitted)
    }

    @Test func aRealtimeStartHoldsTheCPULatencyRequestAndAFailureIsOnlyAWarning() {
        let scheduler = NoPMQoSScheduler()
        var report = RealtimeSettings(priority: 80, lockMemory: true).apply(using: scheduler)
        #expect(scheduler.latencyRequests == 1)
        #expect(report.cpuLatency == .failed(errno: 2))
        // The thread itself is real-time: the missing device does not change exec.rt_applied.
        #expect(report.status == .applied)
        #expect(report.outcomes.map(\.0) == [.priority, .memoryLock, .cpuLatency])
        // Nothing requested: no latency request either (simulation, default configuration).
        report = RealtimeSettings().apply(using: scheduler)
        #expect(scheduler.latencyRequests == 1)
        #expect(report.cpuLatency == nil)
        // Turned off (`iost-bench loop --no-pm-qos`).
        report = RealtimeSettings(priority: 80, holdsZeroCPULatency: false).apply(using: scheduler)
        #expect(scheduler.latencyRequests == 1)
        #expect(report.cpuLatency == nil)
    }

    @Test func aRefusedCPULatencyRequestIsReportedByEvent() throws {
        let pool = ParameterPool()
        let log = EventLog(capacity: 64)
        var configuration = ExecutiveConfiguration(baseRate: 1000)
        configuration.realtime = RealtimeSettings(priority: 80)
        let executive = try Executive(
            configuration: configuration, clock: WallClock(), pool: pool, events: log,
            scheduler: NoPMQoSScheduler())
        try executive.start()
        let clock = WallClock()
        let until = clock.now + .seconds(5)
        while clock.now < until, executive.completedCycles == 0 { clock.sleep(until: clock.now + .milliseconds(5)) }
        #expect(executive.stop(timeout: .seconds(5)))
        #expect(executive.realtimeReport.status == .applied)
        var failures: [(Double, Double)] = []
        log.drain { event in
            if event.id == ExecutiveEvents.realtimeFailed { failures.append((event.arguments.0, event.arguments.1)) }
        }
        #expect(failures.count == 1)
        #expect(failures.first?.0 == Double(RealtimeSettingCode.cpuLatency.rawValue))
        #expect(failures.first?.1 == 2)
    }
}

@Suite("Executive and device health events")
struct ExecutiveEventCatalogTests {
    @Test func idsInTheirRangesWithUniqueNames() {
        let executive = ExecutiveEvents.eventDefinitions
        let health = DeviceHealthEvents.eventDefinitions
        #expect(executive.allSatisfy { (0x0100...0x01FF).contains($0.id.rawValue) })
        #expect(health.allSatisfy { (0x0600...0x06FF).contains($0.id.rawValue) })
        let all = EventCatalog.all([ExecutiveEvents.self, DeviceHealthEvents.self])
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(Set(all.map(\.name)).count == all.count)
        #expect(all.allSatisfy { $0.arguments.count <= 4 && !$0.summary.isEmpty })
    }
}
