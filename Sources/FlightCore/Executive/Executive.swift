import HAL
import Synchronization
import Systems

/// One rate group: an ordered list of members run every `divisor` base ticks, measuring itself.
///
/// Parameters (all updated every ``ExecutiveConfiguration/statisticsPeriod``):
/// `exec.<group>.cycles`, `.exec_max_us`, `.exec_mean_us`, `.latency_p50_us`, `.latency_p99_us`,
/// `.latency_max_us`, `.slips`, `.overruns`.
public final class RateGroup {
    public let configuration: RateGroupConfiguration
    public let period: Duration
    let budget: Duration
    public private(set) var members: [any RateGroupMember] = []
    public internal(set) var statistics = RateGroupStatistics()
    var throttle: EventThrottle
    var cycleIndex: UInt64 = 0
    let handles: Handles

    struct Handles {
        var cycles, executionMax, executionMean, latencyP50, latencyP99, latencyMax, slips, overruns: ParameterHandle
    }

    init(configuration: RateGroupConfiguration, basePeriod: Duration, throttle: Duration, handles: Handles) {
        self.configuration = configuration
        period = basePeriod * configuration.divisor
        budget = configuration.budget ?? basePeriod
        self.throttle = EventThrottle(interval: throttle)
        self.handles = handles
    }

    public var name: String { configuration.name }

    /// The group's rate in Hz.
    public var rate: Double { 1 / period.secondsDouble }

    @inline(__always)
    func isDue(atTick tick: UInt64) -> Bool {
        let offset = UInt64(configuration.offset)
        return tick >= offset && (tick - offset) % UInt64(configuration.divisor) == 0
    }

    func append(_ member: any RateGroupMember) { members.append(member) }
}

/// The fixed-rate executive: a base tick from which rate groups are derived by divisors, run
/// either synchronously on a simulated clock or on a dedicated real-time thread — the same step
/// code either way.
///
/// Each base cycle, in order: the attached command queues are drained and each command handed to
/// its handler (commands apply at cycle boundaries); the prologue members run (synchronous device
/// I/O in simulation); then every group due on this tick runs its members in the order they were
/// added. A cycle whose work runs past the next tick starts the next tick late; whole periods that
/// passed are skipped (counted in `exec.skipped_ticks`), never run as a catch-up burst.
///
/// Parameters: `exec.cycles`, `exec.skipped_ticks`, `exec.healthy`, `exec.rt_applied`,
/// `exec.events_dropped`, `exec.commands_applied`, `exec.commands_dropped`, and per group those
/// listed on ``RateGroup``.
///
/// - Warning: Build it (add members, attach queues) on one thread before running it. Once
///   ``start()`` is called, only the executive's thread touches the members and the parameter
///   pool; other threads may call ``stop(timeout:)``, ``isHealthy`` and ``completedCycles``.
public final class Executive: @unchecked Sendable {
    public let configuration: ExecutiveConfiguration
    public let clock: any MonotonicClock
    public let pool: ParameterPool
    public let events: any EventSink
    public let basePeriod: Duration
    public private(set) var groups: [RateGroup] = []
    /// The names of the prologue's members, in run order (for the assembly's wiring test).
    public var prologueMemberNames: [String] { prologue.map(\.name) }
    private var prologue: [any RateGroupMember] = []
    private var publishedValues: [(ParameterHandle, PublishedValue)] = []
    private var commandDrains: [(CycleContext, Int) -> Int] = []
    private var commandDropCounts: [() -> Int] = []
    private let scheduler: (any RealtimeScheduling)?
    private let eventLog: EventLog?

    private let basePeriodNanoseconds: UInt64
    private let statisticsTicks: UInt64
    private var origin: MonotonicInstant?
    /// The next base tick to run and its deadline.
    private var tick: UInt64 = 0
    private var nextDeadline: MonotonicInstant = .zero
    private var nextStatisticsTick: UInt64 = 0
    public private(set) var skippedTicks: UInt64 = 0
    public private(set) var commandsApplied: UInt64 = 0
    private var faultSeen = false
    private var cleanCycles = 0
    public private(set) var realtimeReport = RealtimeReport()
    private var announced = false

    private let healthy = Atomic<Bool>(false)
    private let cycles = Atomic<UInt64>(0)
    private let lastCycleEndNanoseconds = Atomic<UInt64>(0)
    private var thread: DedicatedThread?

    private let handles: Handles
    private struct Handles {
        var cycles, skippedTicks, healthy, realtime, eventsDropped, commandsApplied, commandsDropped: ParameterHandle
    }

    /// Creates the executive and registers its parameters in `pool`, from ``ExecutiveConfiguration/parameterBase``.
    /// - Parameters:
    ///   - events: where slips and real-time outcomes are reported; if it is an ``EventLog`` its
    ///     drop count is reported as `exec.events_dropped`.
    ///   - scheduler: applies ``ExecutiveConfiguration/realtime`` on the executive's thread
    ///     (`nil` in simulation: requested settings are then reported as not permitted).
    /// - Throws: ``RegistrationError`` when a parameter name or ID is already taken.
    public init(
        configuration: ExecutiveConfiguration = ExecutiveConfiguration(), clock: any MonotonicClock, pool: ParameterPool,
        events: any EventSink, scheduler: (any RealtimeScheduling)? = nil
    ) throws(RegistrationError) {
        precondition(!configuration.groups.isEmpty, "an executive needs at least one rate group")
        precondition(configuration.baseRate > 0 && configuration.baseRate.isFinite, "the base rate must be positive")
        for group in configuration.groups {
            precondition(group.divisor >= 1 && (0..<group.divisor).contains(group.offset), "rate group \(group.name): offset must be in 0..<divisor")
        }
        self.configuration = configuration
        self.clock = clock
        self.pool = pool
        self.events = events
        self.scheduler = scheduler
        eventLog = events as? EventLog
        basePeriod = configuration.basePeriod
        basePeriodNanoseconds = UInt64(configuration.basePeriod.nanoseconds)
        statisticsTicks = max(1, UInt64((configuration.statisticsPeriod.secondsDouble * configuration.baseRate).rounded()))

        let first = configuration.parameterBase
        var ids = ParameterIDSequence(first: first, last: first + 0xFF)
        func add(_ name: String, _ unit: String, _ type: ParameterType) throws(RegistrationError) -> ParameterHandle {
            try pool.register(&ids, first: first, component: "executive", name: name, unit: unit, type: type)
        }
        handles = Handles(
            cycles: try add("exec.cycles", "", .u32),
            skippedTicks: try add("exec.skipped_ticks", "", .u32),
            healthy: try add("exec.healthy", "", .bool),
            realtime: try add("exec.rt_applied", "", .u8),
            eventsDropped: try add("exec.events_dropped", "", .u32),
            commandsApplied: try add("exec.commands_applied", "", .u32),
            commandsDropped: try add("exec.commands_dropped", "", .u32)
        )
        for group in configuration.groups {
            let prefix = "exec.\(group.name)."
            let groupHandles = RateGroup.Handles(
                cycles: try add(prefix + "cycles", "", .u32),
                executionMax: try add(prefix + "exec_max_us", "us", .f32),
                executionMean: try add(prefix + "exec_mean_us", "us", .f32),
                latencyP50: try add(prefix + "latency_p50_us", "us", .f32),
                latencyP99: try add(prefix + "latency_p99_us", "us", .f32),
                latencyMax: try add(prefix + "latency_max_us", "us", .f32),
                slips: try add(prefix + "slips", "", .u32),
                overruns: try add(prefix + "overruns", "", .u32)
            )
            groups.append(RateGroup(configuration: group, basePeriod: basePeriod, throttle: configuration.slipEventInterval, handles: groupHandles))
        }
    }

    // MARK: Building

    /// The group named `name`.
    public func group(named name: String) -> RateGroup? { groups.first { $0.name == name } }

    /// Appends `member` to the group named `group`; members run in the order they are added.
    public func add(_ member: any RateGroupMember, to group: String) {
        precondition(thread == nil, "members are added before the executive starts")
        guard let target = self.group(named: group) else {
            preconditionFailure("no rate group named \"\(group)\" (configured: \(groups.map(\.name)))")
        }
        target.append(member)
    }

    /// Appends `member` to the prologue: run every base tick, after commands and before the
    /// groups, with the base period (synchronous device I/O in simulation).
    public func addPrologue(_ member: any RateGroupMember) {
        precondition(thread == nil, "members are added before the executive starts")
        prologue.append(member)
    }

    /// Publishes `handle`'s value for other threads: copied into the returned atomic at the end
    /// of every base cycle (no lock, no allocation), so a status line or a watchdog reads the
    /// mode without touching the pool, which belongs to the executive's thread.
    public func publish(_ handle: ParameterHandle) -> PublishedValue {
        precondition(thread == nil, "values are published before the executive starts")
        let published = PublishedValue(name: pool.definition(handle).name)
        publishedValues.append((handle, published))
        return published
    }

    /// Drains `queue` at the start of every base cycle (up to ``ExecutiveConfiguration/maxCommandsPerCycle``
    /// commands over all queues), handing each command to `handler` on the executive's thread.
    public func attach<Command: Sendable>(commands queue: CommandQueue<Command>, handler: @escaping (Command, CycleContext) -> Void) {
        precondition(thread == nil, "queues are attached before the executive starts")
        commandDrains.append { cycle, limit in
            var applied = 0
            while applied < limit, let command = queue.pop() {
                handler(command, cycle)
                applied += 1
            }
            return applied
        }
        commandDropCounts.append { queue.droppedCount }
    }

    // MARK: Health (any thread)

    /// Every rate group met its deadline in the last ``ExecutiveConfiguration/healthWindow`` base
    /// cycles (no slip, no skipped tick), and at least one cycle has completed.
    ///
    /// - Warning: This says nothing about whether the loop is still running; a watchdog should
    ///   also check that ``completedCycles`` advances (or use ``isHealthy(at:maximumSilence:)``).
    public var isHealthy: Bool { healthy.load(ordering: .acquiring) }

    /// Base cycles completed since creation.
    public var completedCycles: UInt64 { cycles.load(ordering: .acquiring) }

    /// The end of the last completed base cycle.
    public var lastCycleEnd: MonotonicInstant { MonotonicInstant(nanoseconds: lastCycleEndNanoseconds.load(ordering: .acquiring)) }

    /// ``isHealthy`` and a cycle completed within `maximumSilence` before `now`: the condition for
    /// petting the systemd watchdog.
    public func isHealthy(at now: MonotonicInstant, maximumSilence: Duration) -> Bool {
        isHealthy && now - lastCycleEnd <= maximumSilence
    }

    // MARK: Running

    /// Runs `count` base cycles on the calling thread, sleeping on the clock between them (on a
    /// `SimClock`, sleeping advances it: as fast as the CPU allows, deterministically).
    public func runCycles(_ count: Int) {
        precondition(thread == nil, "the executive is running on its own thread")
        pool.ownership.claim()
        defer { pool.ownership.release() }
        for _ in 0..<count { cycle() }
    }

    /// Runs base cycles on the calling thread while the next deadline is at or before `end`.
    public func run(until end: MonotonicInstant) {
        precondition(thread == nil, "the executive is running on its own thread")
        pool.ownership.claim()
        defer { pool.ownership.release() }
        prepare()
        while nextDeadline <= end { cycle() }
    }

    /// Starts the fixed-rate loop on a dedicated thread, which first applies the real-time settings.
    /// - Throws: ``ThreadStartError`` when the thread cannot be created.
    public func start() throws(ThreadStartError) {
        precondition(thread == nil, "the executive is already running")
        thread = try DedicatedThread(name: .executive) { [self] thread in
            // From here until the loop ends, the pool belongs to this thread (checked in debug builds).
            pool.ownership.claim()
            defer { pool.ownership.release() }
            realtimeReport = configuration.realtime.apply(using: scheduler)
            reportRealtime()
            while !thread.isStopRequested { cycle() }
            events.raise(
                FlightEvent(
                    id: ExecutiveEvents.stopped, severity: .informative, time: clock.now,
                    a: Double(completedCycles), b: Double(groups.reduce(0) { $0 + $1.statistics.slips }), count: 2))
        }
    }

    /// Stops the thread started by ``start()`` and waits for it, up to `timeout` of wall time.
    /// - Returns: `true` when the thread has ended (or was not running).
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        guard let thread else { return true }
        guard thread.stop(timeout: timeout) else { return false }
        self.thread = nil
        return true
    }

    /// Whether the loop runs on its own thread.
    public var isRunning: Bool { thread != nil }

    // MARK: The step

    private func prepare() {
        guard origin == nil else { return }
        let now = clock.now
        origin = now
        nextDeadline = now
        pool.set(handles.realtime, Double(realtimeReport.status.rawValue), at: now)
    }

    private func reportRealtime() {
        let now = clock.now
        pool.set(handles.realtime, Double(realtimeReport.status.rawValue), at: now)
        let priority = Double(configuration.realtime.priority ?? 0)
        if realtimeReport.unavailable {
            events.raise(
                FlightEvent(
                    id: ExecutiveEvents.realtimeNotPermitted, severity: .medium, time: now,
                    a: 0, b: 0, c: priority, count: 3))
        }
        for (setting, outcome) in realtimeReport.outcomes {
            switch outcome {
            case .applied: break
            case .notPermitted(let code):
                events.raise(
                    FlightEvent(
                        id: ExecutiveEvents.realtimeNotPermitted, severity: .medium, time: now,
                        a: Double(setting.rawValue), b: Double(code), c: priority, count: 3))
            case .failed(let code):
                events.raise(
                    FlightEvent(
                        id: ExecutiveEvents.realtimeFailed, severity: .medium, time: now,
                        a: Double(setting.rawValue), b: Double(code), count: 2))
            }
        }
    }

    /// Sleeps to the next deadline and runs one base cycle.
    private func cycle() {
        prepare()
        let scheduled = nextDeadline
        clock.sleep(until: scheduled)
        step(tick: tick, scheduled: scheduled)
    }

    private func step(tick current: UInt64, scheduled: MonotonicInstant) {
        if !announced {
            announced = true
            events.raise(
                FlightEvent(
                    id: ExecutiveEvents.started, severity: .informative, time: scheduled,
                    a: configuration.baseRate, b: Double(groups.count), c: Double(realtimeReport.status.rawValue), count: 3))
        }
        let baseCycle = CycleContext(time: scheduled, period: basePeriod, index: current)
        var budget = configuration.maxCommandsPerCycle
        for drain in commandDrains where budget > 0 {
            let applied = drain(baseCycle, budget)
            budget -= applied
            commandsApplied &+= UInt64(applied)
        }
        for member in prologue { member.run(baseCycle) }

        var faulted = false
        for group in groups where group.isDue(atTick: current) {
            let context = CycleContext(time: scheduled, period: group.period, index: group.cycleIndex)
            let start = clock.now
            for member in group.members { member.run(context) }
            let end = clock.now
            group.cycleIndex &+= 1
            let execution = end - start
            let groupDeadline = scheduled + group.period
            let slipped = end > groupDeadline
            group.statistics.record(execution: execution, latency: start - scheduled, slipped: slipped, overran: execution > group.budget)
            if slipped {
                faulted = true
                if let suppressed = group.throttle.admit(at: end) {
                    events.raise(
                        FlightEvent(
                            id: ExecutiveEvents.rateGroupSlip, severity: .low, time: end,
                            a: Double(group.handles.slips.id.rawValue),
                            b: Double(execution.nanoseconds / 1_000),
                            c: Double((end - groupDeadline).nanoseconds / 1_000),
                            d: Double(suppressed), count: 4))
                }
            }
        }

        // The next tick: late if this one ran past it, whole missed periods skipped.
        let end = clock.now
        var next = current &+ 1
        let origin = self.origin ?? scheduled
        let nextTime = origin.nanoseconds &+ next &* basePeriodNanoseconds
        if end.nanoseconds > nextTime {
            let missed = (end.nanoseconds - nextTime) / basePeriodNanoseconds
            if missed > 0 {
                next &+= missed
                skippedTicks &+= missed
                faulted = true
            }
        }
        tick = next
        nextDeadline = MonotonicInstant(nanoseconds: origin.nanoseconds &+ next &* basePeriodNanoseconds)

        if faulted {
            faultSeen = true
            cleanCycles = 0
        } else {
            cleanCycles += 1
        }
        let isHealthyNow = faultSeen ? cleanCycles >= configuration.healthWindow : true
        healthy.store(isHealthyNow, ordering: .releasing)

        if current >= nextStatisticsTick || faulted {
            publishStatistics(at: end, healthy: isHealthyNow)
            if current >= nextStatisticsTick { nextStatisticsTick = current &+ statisticsTicks }
        }
        for (handle, published) in publishedValues { published.store(pool[handle]) }
        lastCycleEndNanoseconds.store(end.nanoseconds, ordering: .releasing)
        cycles.wrappingAdd(1, ordering: .releasing)
    }

    /// Copies every statistic into the pool (no allocation: fixed handles, histogram walks).
    private func publishStatistics(at time: MonotonicInstant, healthy isHealthyNow: Bool) {
        pool.set(handles.cycles, Double(completedCycles &+ 1), at: time)
        pool.set(handles.skippedTicks, Double(skippedTicks), at: time)
        pool.set(handles.healthy, isHealthyNow ? 1 : 0, at: time)
        pool.set(handles.realtime, Double(realtimeReport.status.rawValue), at: time)
        pool.set(handles.eventsDropped, Double(eventLog?.droppedCount ?? 0), at: time)
        pool.set(handles.commandsApplied, Double(commandsApplied), at: time)
        var dropped = 0
        for count in commandDropCounts { dropped += count() }
        pool.set(handles.commandsDropped, Double(dropped), at: time)
        for group in groups {
            let statistics = group.statistics
            let h = group.handles
            pool.set(h.cycles, Double(statistics.cycles), at: time)
            pool.set(h.executionMax, Double(statistics.executionMax.nanoseconds) / 1_000, at: time)
            pool.set(h.executionMean, Double(statistics.executionMean.nanoseconds) / 1_000, at: time)
            pool.set(h.latencyP50, Double(statistics.latency.percentile(0.50)), at: time)
            pool.set(h.latencyP99, Double(statistics.latency.percentile(0.99)), at: time)
            pool.set(h.latencyMax, Double(statistics.latency.maximum), at: time)
            pool.set(h.slips, Double(statistics.slips), at: time)
            pool.set(h.overruns, Double(statistics.overruns), at: time)
        }
    }

    /// Clears every group's statistics (a ground command; executive thread only).
    public func resetStatistics() {
        for group in groups { group.statistics.reset() }
    }
}

/// One parameter's value as the executive last published it, readable from any thread.
public final class PublishedValue: Sendable {
    public let name: String
    /// The value's bit pattern; a quiet NaN while it is not valid.
    private let bits = Atomic<UInt64>(Double.nan.bitPattern)

    init(name: String) {
        self.name = name
    }

    func store(_ sample: ParameterSample) {
        bits.store((sample.validValue ?? .nan).bitPattern, ordering: .releasing)
    }

    /// The value at the end of the last completed base cycle, if it was valid.
    public var value: Double? {
        let value = Double(bitPattern: bits.load(ordering: .acquiring))
        return value.isNaN ? nil : value
    }
}
