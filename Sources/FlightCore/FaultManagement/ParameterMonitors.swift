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
    /// The `[[monitor]]` tables: the boot definitions, in slots `0..<configurations.count`.
    public let configurations: [MonitorConfiguration]
    let pool: ParameterPool
    let events: any EventSink
    /// `mon.<name>.state` of each configured monitor (monitors added by TC[12,5] have none).
    public let stateHandles: [ParameterHandle]
    /// Slots in all: the configured monitors plus ``spareSlots`` for TC[12,5].
    public let capacity: Int
    /// Slots for monitors added by TC[12,5] (after the configured ones).
    public static let spareSlots = 16
    /// The samples a delta check (TC[12,5] check type 2) may average over at most.
    public static let maximumConsecutiveDeltas = 32

    /// The definition in each slot; `nil` for a free slot or a deleted monitor. A deleted
    /// configured monitor's slot is never reused (the mode machine and event-action entries
    /// name configured monitors by slot): it reads as disabled and unchecked.
    public private(set) var definitions: [MonitorDefinition?]
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
    /// Bumped when a slot's definition changes, so its group restarts the slot's rate window.
    var generation: [Int]
    /// Rate groups by number: the group names and periods built with ``member(group:period:)``.
    public private(set) var groupNames: [String] = []
    public private(set) var groupPeriods: [Duration] = []
    /// Check-status transitions (PUS 12 statuses) not yet reported in TM[12,12].
    let transitions: TransitionLog

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
        capacity = configurations.count + Self.spareSlots
        var definitions: [MonitorDefinition?] = []
        var stateHandles: [ParameterHandle] = []
        for (index, monitor) in configurations.enumerated() {
            let value: ParameterHandle
            do {
                value = try pool.handle(named: monitor.parameter)
            } catch {
                throw .unknownParameter(monitor.parameter, user: "monitor \"\(monitor.name)\"")
            }
            definitions.append(
                MonitorDefinition(
                    pmonID: monitor.pmonID ?? UInt16(index + 1), parameter: value, kind: monitor.kind, persistence: monitor.persistence,
                    group: -1, warningEvent: monitor.warningEvent, alarmEvent: monitor.alarmEvent))
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
        definitions += Array(repeating: nil, count: Self.spareSlots)
        self.definitions = definitions
        self.stateHandles = stateHandles
        states = Array(repeating: .unchecked, count: capacity)
        requestedEnabled = configurations.map(\.enabled) + Array(repeating: false, count: Self.spareSlots)
        appliedEnabled = requestedEnabled
        disagreeing = Array(repeating: 0, count: capacity)
        candidates = Array(repeating: .unchecked, count: capacity)
        checksWithoutSample = Array(repeating: 0, count: capacity)
        lastTimestamp = Array(repeating: nil, count: capacity)
        lastLimit = Array(repeating: 0, count: capacity)
        generation = Array(repeating: 0, count: capacity)
        transitions = TransitionLog(capacity: 64)
    }

    /// The member that runs the monitors of `group` every `period` (allocates their rate windows).
    /// Call once per group, at topology build time.
    public func member(group: String = MonitorConfiguration.defaultGroup, period: Duration) -> MonitorGroup {
        precondition(!groupNames.contains(group), "the member of monitoring group \"\(group)\" is built twice")
        precondition(period > .zero, "a monitoring group needs a positive period")
        let number = groupNames.count
        groupNames.append(group)
        groupPeriods.append(period)
        for index in configurations.indices where configurations[index].group == group { definitions[index]?.group = number }
        return MonitorGroup(bank: self, group: group, number: number, period: period)
    }

    /// The groups named by the monitors, so the topology can check it built a member for each.
    public var groups: [String] { Array(Set(configurations.map(\.group))).sorted() }

    public func index(named name: String) -> Int? { configurations.firstIndex { $0.name == name } }

    /// The slot of the monitor with PUS 12 identifier `pmonID`.
    public func index(pmonID: UInt16) -> Int? { definitions.firstIndex { $0?.pmonID == pmonID } }

    @inline(__always)
    public func state(_ index: Int) -> MonitorState { states[index] }

    /// What monitor `index` checks now (configured, or as modified by TC[12,7]); `nil` when deleted.
    public func kind(_ index: Int) -> MonitorKind? { definitions[index]?.kind }

    /// Whether the monitor is enabled (as last commanded).
    public func isEnabled(_ index: Int) -> Bool { requestedEnabled[index] }

    /// Enables or disables a monitor (service 12 enable/disable; later service 8). Takes effect at
    /// the monitor's next check: disabling makes it unchecked (`monitor_disabled`), enabling raises
    /// `monitor_enabled` and it leaves unchecked after `persistence` checks.
    /// - Throws: ``FaultCommandError/unknownMonitor(_:)``.
    public func setEnabled(monitor index: Int, _ enabled: Bool) throws(FaultCommandError) {
        guard definitions.indices.contains(index), definitions[index] != nil else { throw .unknownMonitor(index) }
        requestedEnabled[index] = enabled
    }

    /// Adds a monitor (TC[12,5]) in a free spare slot, disabled (enable it with TC[12,1]).
    /// - Returns: the slot, or `nil` when every spare slot is taken.
    /// - Precondition: the identifier is not in use and the group exists (checked by the caller).
    /// - Warning: Executive thread (or before it starts); does not allocate.
    func add(_ definition: MonitorDefinition) -> Int? {
        guard let slot = (configurations.count..<capacity).first(where: { definitions[$0] == nil }) else { return nil }
        definitions[slot] = definition
        requestedEnabled[slot] = false
        appliedEnabled[slot] = false
        reset(slot)
        return slot
    }

    /// Replaces the criteria of monitor `index` (TC[12,7]); its check starts again unchecked.
    func modify(_ index: Int, kind: MonitorKind, persistence: Int, lowEvent: EventID?, highEvent: EventID?) {
        guard var definition = definitions[index] else { return }
        definition.kind = kind
        definition.persistence = persistence
        definition.lowEvent = lowEvent
        definition.highEvent = highEvent
        definitions[index] = definition
        reset(index)
    }

    /// Deletes monitor `index` (TC[12,6]; it must be disabled).
    func delete(_ index: Int) {
        definitions[index] = nil
        requestedEnabled[index] = false
        appliedEnabled[index] = false
        reset(index)
    }

    private func reset(_ index: Int) {
        note(index, from: states[index], to: .unchecked, at: lastTime)
        states[index] = .unchecked
        disagreeing[index] = 0
        candidates[index] = .unchecked
        checksWithoutSample[index] = 0
        lastTimestamp[index] = nil
        lastLimit[index] = 0
        generation[index] &+= 1
    }

    /// The time of the latest check (stamps transitions made by commands).
    var lastTime: MonotonicInstant = .zero

    /// Whether event ID `id` is used by a monitor other than `index` (own events are unique).
    func usesEvent(_ id: UInt16, except index: Int?) -> Bool {
        for slot in definitions.indices where slot != index {
            guard let definition = definitions[slot] else { continue }
            if definition.warningEvent?.rawValue == id || definition.alarmEvent?.rawValue == id || definition.lowEvent?.rawValue == id
                || definition.highEvent?.rawValue == id
            {
                return true
            }
        }
        return false
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

    /// Keeps a change of the PUS 12 checking status for TM[12,12].
    @inline(__always)
    private func note(_ index: Int, from old: MonitorState, to new: MonitorState, at time: MonotonicInstant) {
        let before = old.checkingStatus
        let after = new.checkingStatus
        guard before != after, let pmonID = definitions[index]?.pmonID else { return }
        transitions.append(MonitorTransition(pmonID: pmonID, previous: before, current: after, time: time))
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
        guard let monitor = definitions[index], immediate || disagreeing[index] >= monitor.persistence else { return }
        disagreeing[index] = 0
        note(index, from: states[index], to: evaluated, at: time)
        states[index] = evaluated
        let id: EventID
        let severity: EventSeverity
        var eventLimit = limit
        switch evaluated {
        case .unchecked, .nominal:
            id = MonitorEvents.nominal
            severity = .informative
            eventLimit = lastLimit[index]
        case .warningLow:
            id = monitor.lowEvent ?? monitor.warningEvent ?? MonitorEvents.warning
            severity = .low
        case .warningHigh:
            id = monitor.highEvent ?? monitor.warningEvent ?? MonitorEvents.warning
            severity = .low
        case .alarmLow:
            id = monitor.lowEvent ?? monitor.alarmEvent ?? MonitorEvents.alarm
            severity = .high
        case .alarmHigh:
            id = monitor.highEvent ?? monitor.alarmEvent ?? MonitorEvents.alarm
            severity = .high
        case .unexpected:
            id = monitor.lowEvent ?? monitor.alarmEvent ?? MonitorEvents.unexpected
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
        note(index, from: states[index], to: .unchecked, at: time)
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

/// One monitor as the bank runs it: a configured `[[monitor]]` or one added by TC[12,5].
public struct MonitorDefinition: Sendable, Equatable {
    /// The PUS 12 parameter monitoring identifier.
    public var pmonID: UInt16
    public var parameter: ParameterHandle
    public var kind: MonitorKind
    /// Consecutive checks with the same new result before the state changes (PUS repetition number).
    public var persistence: Int
    /// The monitoring group's number (``MonitorBank/groupNames``); -1 before the group is built.
    public var group: Int
    public var warningEvent: EventID?
    public var alarmEvent: EventID?
    /// TC[12,5] events: raised for the low (or unexpected) and high side in place of the above.
    public var lowEvent: EventID? = nil
    public var highEvent: EventID? = nil
    /// A delta check (TC[12,5] check type 2) takes the parameter's value at every check, new or
    /// held, as PUS defines it; a configured rate-of-change monitor takes only new samples, at
    /// their own timestamps, so a source slower than its monitor does not read as a staircase.
    public var samplesEachCheck = false
}

/// A change of a monitor's PUS 12 checking status.
struct MonitorTransition: Sendable, Equatable {
    var pmonID: UInt16
    var previous: UInt8
    var current: UInt8
    var time: MonotonicInstant
}

/// The transitions the executive saw, waiting for TM[12,12], plus the most recent ones for
/// TC[12,11]. Fixed capacity; a transition that finds it full overwrites the oldest unreported
/// one and is counted in ``lost``.
///
/// - Warning: Executive thread only.
final class TransitionLog {
    private var entries: [MonitorTransition]
    private var head = 0
    /// Entries not yet reported.
    private(set) var pending = 0
    /// Entries kept (reported or not), the newest last, for TC[12,11].
    private(set) var kept = 0
    private(set) var lost = 0

    init(capacity: Int) {
        entries = Array(repeating: MonitorTransition(pmonID: 0, previous: 0, current: 0, time: .zero), count: max(1, capacity))
    }

    var capacity: Int { entries.count }

    func append(_ transition: MonitorTransition) {
        entries[(head + kept) % capacity] = transition
        if kept < capacity {
            kept += 1
        } else {
            head = (head + 1) % capacity
        }
        if pending < capacity { pending += 1 } else { lost += 1 }
    }

    /// The `offset`-th kept entry, oldest first.
    func kept(_ offset: Int) -> MonitorTransition { entries[(head + offset) % capacity] }

    /// The `offset`-th unreported entry, oldest first.
    func pending(_ offset: Int) -> MonitorTransition { entries[(head + kept - pending + offset) % capacity] }

    /// Marks the oldest `count` unreported entries reported.
    func markReported(_ count: Int) { pending -= min(count, pending) }
}

extension MonitorState {
    /// The ECSS checking status (Yamcs `pmon_checking_status_type`): 0 good, 1 unchecked,
    /// 2 invalid (stale or invalid data), 3 below the low limit or unexpected, 4 above the high limit.
    var checkingStatus: UInt8 {
        switch self {
        case .nominal: return 0
        case .unchecked: return 1
        case .stale, .invalid: return 2
        case .warningLow, .alarmLow, .unexpected: return 3
        case .warningHigh, .alarmHigh: return 4
        }
    }
}

/// The rate-group member that checks the monitors of one group each cycle and writes their
/// `mon.<name>.state` parameters. Run it before the event-action table and the mode machine.
///
/// It checks every slot of the bank whose definition names its group, so a monitor added by
/// TC[12,5] is checked from the next cycle on.
public final class MonitorGroup: RateGroupMember {
    public let name: String
    public let bank: MonitorBank
    /// The group's number in the bank.
    public let number: Int
    public let period: Duration
    /// Rate-of-change windows: one ring of `stride` samples per slot in flat preallocated storage;
    /// `ringNeeded` of them make a full window.
    private let stride: Int
    private var ringValues: [Double]
    private var ringTimes: [MonotonicInstant]
    private var ringNeeded: [Int]
    private var ringHead: [Int]
    private var ringCount: [Int]
    /// The bank's definition generation each ring was set up for.
    private var seen: [Int]

    /// The configured monitors of the group, in slot order.
    public var indices: [Int] { bank.definitions.indices.filter { bank.definitions[$0]?.group == number } }

    init(bank: MonitorBank, group: String, number: Int, period: Duration) {
        self.name = "monitors-\(group)"
        self.bank = bank
        self.number = number
        self.period = period
        var stride = MonitorBank.maximumConsecutiveDeltas + 1
        for definition in bank.definitions {
            if let definition { stride = max(stride, Self.samplesNeeded(definition.kind, period: period)) }
        }
        self.stride = stride
        ringValues = Array(repeating: 0, count: stride * bank.capacity)
        ringTimes = Array(repeating: .zero, count: stride * bank.capacity)
        ringNeeded = Array(repeating: 0, count: bank.capacity)
        ringHead = Array(repeating: 0, count: bank.capacity)
        ringCount = Array(repeating: 0, count: bank.capacity)
        seen = Array(repeating: -1, count: bank.capacity)
    }

    /// Samples a full window of `kind` holds: window / period intervals need one sample more,
    /// and a slope at least two.
    static func samplesNeeded(_ kind: MonitorKind, period: Duration) -> Int {
        guard case .rateOfChange(_, let window, _) = kind else { return 0 }
        return max(2, Int((window.secondsDouble / period.secondsDouble).rounded(.up)) + 1)
    }

    public func run(_ cycle: CycleContext) {
        let pool = bank.pool
        bank.lastTime = cycle.time
        let configured = bank.stateHandles.count
        for index in 0..<bank.capacity {
            guard let definition = bank.definitions[index], definition.group == number else { continue }
            if seen[index] != bank.generation[index] {
                seen[index] = bank.generation[index]
                ringCount[index] = 0
                ringHead[index] = 0
                ringNeeded[index] = min(stride, Self.samplesNeeded(definition.kind, period: period))
            }
            guard bank.applyEnable(index, at: cycle.time) else {
                ringCount[index] = 0
                if index < configured { pool.set(bank.stateHandles[index], Double(MonitorState.unchecked.rawValue), at: cycle.time) }
                continue
            }
            check(index, definition, pool: pool, time: cycle.time)
            if index < configured { pool.set(bank.stateHandles[index], Double(bank.states[index].rawValue), at: cycle.time) }
        }
        // Deleted configured monitors read as unchecked.
        for index in 0..<configured where bank.definitions[index] == nil && bank.configurations[index].group == bank.groupNames[number] {
            pool.set(bank.stateHandles[index], Double(MonitorState.unchecked.rawValue), at: cycle.time)
        }
    }

    @inline(__always)
    private func check(_ index: Int, _ definition: MonitorDefinition, pool: ParameterPool, time: MonotonicInstant) {
        let sample = pool[definition.parameter]
        let previous = bank.lastTimestamp[index]
        bank.lastTimestamp[index] = sample.timestamp
        let kind = definition.kind
        if case .staleness = kind {
            // The persistence is the number of checks without a new sample: a source slower than
            // the monitor (an SCD30 every 2 s, checked at 1 Hz) is fresh as long as a sample
            // arrives within that many checks. The result is taken at once.
            let fresh = sample.validity != .unset && (previous.map { sample.timestamp > $0 } ?? true)
            bank.checksWithoutSample[index] = fresh ? 0 : bank.checksWithoutSample[index] + 1
            let persistence = definition.persistence
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
            if definition.samplesEachCheck {
                push(index, value: sample.value, time: time)
            } else if previous.map({ sample.timestamp > $0 }) ?? true {
                push(index, value: sample.value, time: sample.timestamp)
            }
            let needed = ringNeeded[index]
            guard needed >= 2, ringCount[index] == needed else { return } // window not full yet
            let base = index * stride
            let oldest = base + ringHead[index]
            var newest = ringHead[index] + ringCount[index] - 1
            if newest >= needed { newest -= needed }
            newest += base
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
    private func push(_ index: Int, value: Double, time: MonotonicInstant) {
        let needed = ringNeeded[index]
        guard needed > 0 else { return }
        var position = ringHead[index] + ringCount[index]
        if position >= needed { position -= needed }
        ringValues[index * stride + position] = value
        ringTimes[index * stride + position] = time
        if ringCount[index] < needed {
            ringCount[index] += 1
        } else {
            ringHead[index] += 1
            if ringHead[index] == needed { ringHead[index] = 0 }
        }
    }
}
