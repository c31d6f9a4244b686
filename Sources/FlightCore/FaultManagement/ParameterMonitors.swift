import HAL

/// Every parameter monitor of the vehicle (PUS 12 model): their states, enable flags and state
/// parameters. Rate-group members made by ``member(group:period:)`` run the monitors of one group.
///
/// Monitor indices are the configuration order; they are the first argument of every monitor
/// event and the index telecommands use.
///
/// State machine of one monitor: each check evaluates the state the sample is in; a check that
/// disagrees with the current state counts, one that agrees resets the count; after `persistence`
/// consecutive checks evaluating to the same new state the monitor takes that state and raises one event.
///
/// - Warning: Belongs to the executive's thread, like the parameter pool.
public final class MonitorBank {
    public let configurations: [MonitorConfiguration]
    let pool: ParameterPool
    let events: any EventSink
    let valueHandles: [ParameterHandle]
    /// `mon.<name>.state` of each monitor.
    public let stateHandles: [ParameterHandle]

    public private(set) var states: [MonitorState]
    /// What commands asked for; applied at the monitor's next check.
    private(set) var requestedEnabled: [Bool]
    var appliedEnabled: [Bool]
    /// Consecutive checks that disagreed with the current state.
    var disagreeing: [Int]
    /// The state the disagreeing checks agree on (the repetition counts checks with one same result).
    var candidates: [MonitorState]
    /// Stale monitors: consecutive checks that found no new sample.
    var checksWithoutSample: [Int]
    /// The timestamp of the sample at the last check (staleness).
    var lastTimestamp: [MonotonicInstant?]
    /// The limit last violated (argument of `monitor_nominal`).
    var lastLimit: [Double]
    private var groupsBuilt: Set<String> = []

    /// Resolves each monitor's parameter and registers its state parameter `mon.<name>.state`
    /// (u8, ``MonitorState`` raw value) with id `stateParameterBase + index`.
    /// - Throws: ``FaultManagementError`` for an unknown parameter or a clashing state parameter.
    public init(
        configurations: [MonitorConfiguration], pool: ParameterPool, events: any EventSink,
        stateParameterBase: ParameterID = ParameterID(0x0400)
    ) throws(FaultManagementError) {
        self.configurations = configurations
        self.pool = pool
        self.events = events
        var values: [ParameterHandle] = []
        var stateHandles: [ParameterHandle] = []
        for (index, monitor) in configurations.enumerated() {
            do {
                values.append(try pool.handle(named: monitor.parameter))
            } catch {
                throw .unknownParameter(monitor.parameter, user: "monitor \"\(monitor.name)\"")
            }
            do {
                stateHandles.append(
                    try pool.register(
                        ParameterDefinition(
                            id: ParameterID(stateParameterBase.rawValue &+ UInt16(index)), name: "mon.\(monitor.name).state",
                            unit: "", type: .u8, initialValue: Double(MonitorState.unchecked.rawValue))))
            } catch {
                throw .parameter(error)
            }
        }
        valueHandles = values
        self.stateHandles = stateHandles
        states = Array(repeating: .unchecked, count: configurations.count)
        requestedEnabled = configurations.map(\.enabled)
        appliedEnabled = configurations.map(\.enabled)
        disagreeing = Array(repeating: 0, count: configurations.count)
        candidates = Array(repeating: .unchecked, count: configurations.count)
        checksWithoutSample = Array(repeating: 0, count: configurations.count)
        lastTimestamp = Array(repeating: nil, count: configurations.count)
        lastLimit = Array(repeating: 0, count: configurations.count)
    }

    /// The member that runs the monitors of `group` every `period` (allocates their rate windows).
    /// Call once per group, at topology build time.
    public func member(group: String = MonitorConfiguration.defaultGroup, period: Duration) -> MonitorGroup {
        precondition(groupsBuilt.insert(group).inserted, "the member of monitoring group \"\(group)\" is built twice")
        precondition(period > .zero, "a monitoring group needs a positive period")
        let indices = configurations.indices.filter { configurations[$0].group == group }
        return MonitorGroup(bank: self, group: group, indices: indices, period: period)
    }

    /// The groups named by the monitors, so the topology can check it built a member for each.
    public var groups: [String] { Array(Set(configurations.map(\.group))).sorted() }

    public func index(named name: String) -> Int? { configurations.firstIndex { $0.name == name } }

    @inline(__always)
    public func state(_ index: Int) -> MonitorState { states[index] }

    /// Whether the monitor is enabled (as last commanded).
    public func isEnabled(_ index: Int) -> Bool { requestedEnabled[index] }

    /// Enables or disables a monitor (service 12 enable/disable; later service 8). Takes effect at
    /// the monitor's next check: disabling makes it unchecked (`monitor_disabled`), enabling raises
    /// `monitor_enabled` and it leaves unchecked after `persistence` checks.
    /// - Throws: ``FaultCommandError/unknownMonitor(_:)``.
    public func setEnabled(monitor index: Int, _ enabled: Bool) throws(FaultCommandError) {
        guard configurations.indices.contains(index) else { throw .unknownMonitor(index) }
        requestedEnabled[index] = enabled
    }

    /// Definitions of the per-monitor event IDs configured with `warning_event` / `alarm_event`.
    public var configuredEventDefinitions: [EventDefinition] {
        configurations.flatMap { monitor -> [EventDefinition] in
            var result: [EventDefinition] = []
            if let id = monitor.warningEvent {
                result.append(
                    EventDefinition(
                        id, "\(monitor.name)_warning", .low, arguments: MonitorEvents.stateArguments,
                        "Monitor \(monitor.name) (\(monitor.parameter)) crossed a warning limit."))
            }
            if let id = monitor.alarmEvent {
                result.append(
                    EventDefinition(
                        id, "\(monitor.name)_alarm", .high, arguments: MonitorEvents.stateArguments,
                        "Monitor \(monitor.name) (\(monitor.parameter)) is in alarm."))
            }
            return result
        }
    }

    /// Counts one check of monitor `index` that evaluated `evaluated`, changing state and raising
    /// the event after `persistence` consecutive disagreeing checks.
    @inline(__always)
    func record(_ index: Int, evaluated: MonitorState, value: Double, limit: Double, at time: MonotonicInstant, immediate: Bool = false) {
        guard evaluated != states[index] else {
            disagreeing[index] = 0
            return
        }
        // PUS 12 repetition: `persistence` consecutive checks with the SAME new result. A check
        // with another off-state result restarts the count (a sensor sampled every 2 s, checked
        // at 1 Hz, alternates "fresh" and "not fresh" and must not turn stale).
        if candidates[index] != evaluated {
            candidates[index] = evaluated
            disagreeing[index] = 0
        }
        disagreeing[index] += 1
        guard immediate || disagreeing[index] >= configurations[index].persistence else { return }
        disagreeing[index] = 0
        states[index] = evaluated
        let monitor = configurations[index]
        let id: EventID
        let severity: EventSeverity
        var eventLimit = limit
        switch evaluated {
        case .unchecked, .nominal:
            id = MonitorEvents.nominal
            severity = .informative
            eventLimit = lastLimit[index]
        case .warningLow, .warningHigh:
            id = monitor.warningEvent ?? MonitorEvents.warning
            severity = .low
        case .alarmLow, .alarmHigh:
            id = monitor.alarmEvent ?? MonitorEvents.alarm
            severity = .high
        case .unexpected:
            id = monitor.alarmEvent ?? MonitorEvents.unexpected
            severity = .medium
        case .stale:
            id = MonitorEvents.stale
            severity = .low
        case .invalid:
            id = MonitorEvents.invalid
            severity = .low
        }
        if evaluated != .nominal { lastLimit[index] = limit }
        events.raise(
            FlightEvent(
                id: id, severity: severity, time: time, a: Double(index), b: value, c: eventLimit,
                d: Double(evaluated.rawValue), count: 4))
    }

    /// Applies a pending enable/disable. Returns whether the monitor is enabled.
    @inline(__always)
    func applyEnable(_ index: Int, at time: MonotonicInstant) -> Bool {
        let requested = requestedEnabled[index]
        guard requested != appliedEnabled[index] else { return requested }
        appliedEnabled[index] = requested
        states[index] = .unchecked
        disagreeing[index] = 0
        lastTimestamp[index] = nil
        events.raise(
            FlightEvent(
                id: requested ? MonitorEvents.enabled : MonitorEvents.disabled, severity: .informative,
                time: time, a: Double(index), count: 1))
        return requested
    }
}

/// The rate-group member that checks the monitors of one group each cycle and writes their
/// `mon.<name>.state` parameters. Run it before the event-action table and the mode machine.
public final class MonitorGroup: RateGroupMember {
    public let name: String
    public let bank: MonitorBank
    public let indices: [Int]
    public let period: Duration
    /// Rate-of-change windows: one ring per rate monitor in flat preallocated storage.
    private var ringValues: [Double]
    private var ringTimes: [MonotonicInstant]
    private var ringStart: [Int]
    private var ringCapacity: [Int]
    private var ringHead: [Int]
    private var ringCount: [Int]

    init(bank: MonitorBank, group: String, indices: [Int], period: Duration) {
        self.name = "monitors-\(group)"
        self.bank = bank
        self.indices = indices
        self.period = period
        var start: [Int] = []
        var capacity: [Int] = []
        var total = 0
        for index in indices {
            start.append(total)
            if case .rateOfChange(_, let window, _) = bank.configurations[index].kind {
                // window / period intervals need one sample more; at least two samples for a slope.
                let intervals = Int((window.secondsDouble / period.secondsDouble).rounded(.up))
                capacity.append(max(2, intervals + 1))
            } else {
                capacity.append(0)
            }
            total += capacity.last ?? 0
        }
        ringValues = Array(repeating: 0, count: total)
        ringTimes = Array(repeating: .zero, count: total)
        ringStart = start
        ringCapacity = capacity
        ringHead = Array(repeating: 0, count: indices.count)
        ringCount = Array(repeating: 0, count: indices.count)
    }

    public func run(_ cycle: CycleContext) {
        let pool = bank.pool
        for slot in indices.indices {
            let index = indices[slot]
            guard bank.applyEnable(index, at: cycle.time) else {
                ringCount[slot] = 0
                pool.set(bank.stateHandles[index], Double(MonitorState.unchecked.rawValue), at: cycle.time)
                continue
            }
            check(slot: slot, index: index, pool: pool, time: cycle.time)
            pool.set(bank.stateHandles[index], Double(bank.states[index].rawValue), at: cycle.time)
        }
    }

    @inline(__always)
    private func check(slot: Int, index: Int, pool: ParameterPool, time: MonotonicInstant) {
        let sample = pool[bank.valueHandles[index]]
        let previous = bank.lastTimestamp[index]
        bank.lastTimestamp[index] = sample.timestamp
        let kind = bank.configurations[index].kind
        if case .staleness = kind {
            // The persistence is the number of checks without a new sample: a source slower than
            // the monitor (an SCD30 every 2 s, checked at 1 Hz) is fresh as long as a sample
            // arrives within that many checks. The result is taken at once.
            let fresh = sample.validity != .unset && (previous.map { sample.timestamp > $0 } ?? true)
            bank.checksWithoutSample[index] = fresh ? 0 : bank.checksWithoutSample[index] + 1
            let persistence = bank.configurations[index].persistence
            let evaluated: MonitorState
            switch sample.validity {
            case .invalid: evaluated = .invalid
            case .stale: evaluated = .stale
            case .valid, .unset: evaluated = bank.checksWithoutSample[index] >= persistence ? .stale : (sample.validity == .unset ? .unchecked : .nominal)
            }
            let age = sample.validity == .unset ? time.seconds : (time - sample.timestamp).secondsDouble
            bank.record(index, evaluated: evaluated, value: age, limit: Double(persistence), at: time, immediate: true)
            return
        }
        switch sample.validity {
        case .unset:
            return // no data yet: stays as it is (unchecked at start)
        case .invalid:
            bank.record(index, evaluated: .invalid, value: sample.value, limit: 0, at: time)
            return
        case .stale:
            bank.record(index, evaluated: .stale, value: sample.value, limit: 0, at: time)
            return
        case .valid:
            break
        }
        switch kind {
        case .limit(let levels):
            let (state, limit) = levels.classify(sample.value)
            bank.record(index, evaluated: state, value: sample.value, limit: limit, at: time)
        case .expectedValue(let expected, let mask):
            let matches: Bool
            if let mask {
                matches = Self.unsigned(sample.value) & mask == Self.unsigned(expected) & mask
            } else {
                matches = sample.value == expected
            }
            bank.record(index, evaluated: matches ? .nominal : .unexpected, value: sample.value, limit: expected, at: time)
        case .rateOfChange(let levels, _, let per):
            if previous.map({ sample.timestamp > $0 }) ?? true { push(slot: slot, value: sample.value, time: sample.timestamp) }
            guard ringCount[slot] == ringCapacity[slot] else { return } // window not full yet
            let oldest = ringStart[slot] + ringHead[slot]
            var newest = ringHead[slot] + ringCount[slot] - 1
            if newest >= ringCapacity[slot] { newest -= ringCapacity[slot] }
            newest += ringStart[slot]
            let span = (ringTimes[newest] - ringTimes[oldest]).secondsDouble
            guard span > 0 else { return }
            let rate = (ringValues[newest] - ringValues[oldest]) / span * per.secondsDouble
            let (state, limit) = levels.classify(rate)
            bank.record(index, evaluated: state, value: rate, limit: limit, at: time)
        case .staleness:
            break
        }
    }

    /// `value` as an unsigned bit pattern for masking; values outside 0..<2⁶⁴ (or NaN) become all ones.
    @inline(__always)
    static func unsigned(_ value: Double) -> UInt64 {
        value >= 0 && value < 18_446_744_073_709_551_616.0 ? UInt64(value) : UInt64.max
    }

    /// Appends a sample to the monitor's window, dropping the oldest when full.
    @inline(__always)
    private func push(slot: Int, value: Double, time: MonotonicInstant) {
        let capacity = ringCapacity[slot]
        guard capacity > 0 else { return }
        var position = ringHead[slot] + ringCount[slot]
        if position >= capacity { position -= capacity }
        ringValues[ringStart[slot] + position] = value
        ringTimes[ringStart[slot] + position] = time
        if ringCount[slot] < capacity {
            ringCount[slot] += 1
        } else {
            ringHead[slot] += 1
            if ringHead[slot] == capacity { ringHead[slot] = 0 }
        }
    }
}
