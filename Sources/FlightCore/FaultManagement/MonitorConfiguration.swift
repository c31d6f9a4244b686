/// A monitor's checking state (PUS 12 checking status), also the value of `mon.<name>.state`.
public enum MonitorState: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Disabled, or not yet through its first persistence window.
    case unchecked = 0
    case nominal = 1
    case warningLow = 2
    case warningHigh = 3
    case alarmLow = 4
    case alarmHigh = 5
    /// An expected-value check failed.
    case unexpected = 6
    /// No new sample (the timestamp did not advance) or the parameter is marked stale.
    case stale = 7
    /// The parameter is marked invalid by its source.
    case invalid = 8

    /// The name used in configuration (`alarm_low`) and documentation.
    public var description: String {
        switch self {
        case .unchecked: return "unchecked"
        case .nominal: return "nominal"
        case .warningLow: return "warning_low"
        case .warningHigh: return "warning_high"
        case .alarmLow: return "alarm_low"
        case .alarmHigh: return "alarm_high"
        case .unexpected: return "unexpected"
        case .stale: return "stale"
        case .invalid: return "invalid"
        }
    }

    /// Alarm low/high, or an expected-value failure.
    public var isAlarm: Bool { self == .alarmLow || self == .alarmHigh || self == .unexpected }
    public var isWarning: Bool { self == .warningLow || self == .warningHigh }
    /// The parameter cannot be judged (stale or invalid data).
    public var isDataLoss: Bool { self == .stale || self == .invalid }
}

/// A set of monitor states, for event-action triggers and mode conditions.
public struct MonitorStateSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ state: MonitorState) { rawValue = 1 << UInt16(state.rawValue) }

    public static let alarm: MonitorStateSet = [MonitorStateSet(.alarmLow), MonitorStateSet(.alarmHigh), MonitorStateSet(.unexpected)]
    public static let warning: MonitorStateSet = [MonitorStateSet(.warningLow), MonitorStateSet(.warningHigh)]
    public static let dataLoss: MonitorStateSet = [MonitorStateSet(.stale), MonitorStateSet(.invalid)]
    /// Anything but unchecked and nominal.
    public static let offNominal: MonitorStateSet = [.alarm, .warning, .dataLoss]

    @inline(__always)
    public func contains(_ state: MonitorState) -> Bool { rawValue & (1 << UInt16(state.rawValue)) != 0 }

    /// Names accepted in configuration: any state name, or `alarm`, `warning`, `data_loss`, `off_nominal`.
    public init?(name: String) {
        switch name {
        case "alarm": self = .alarm
        case "warning": self = .warning
        case "data_loss": self = .dataLoss
        case "off_nominal": self = .offNominal
        default:
            guard let state = MonitorState.allCases.first(where: { $0.description == name }) else { return nil }
            self.init(state)
        }
    }

    static let configurationNames = MonitorState.allCases.map(\.description) + ["alarm", "warning", "data_loss", "off_nominal"]
}

/// Warning and alarm limits; any may be absent. A value strictly below a low limit or strictly
/// above a high limit violates it; alarm limits are checked before warning limits.
public struct MonitorLevels: Sendable, Equatable {
    public var alarmLow: Double?
    public var warningLow: Double?
    public var warningHigh: Double?
    public var alarmHigh: Double?

    public init(alarmLow: Double? = nil, warningLow: Double? = nil, warningHigh: Double? = nil, alarmHigh: Double? = nil) {
        self.alarmLow = alarmLow
        self.warningLow = warningLow
        self.warningHigh = warningHigh
        self.alarmHigh = alarmHigh
    }

    /// The state `value` is in, and the limit it violates (0 when nominal).
    @inline(__always)
    public func classify(_ value: Double) -> (MonitorState, limit: Double) {
        if let limit = alarmLow, value < limit { return (.alarmLow, limit) }
        if let limit = alarmHigh, value > limit { return (.alarmHigh, limit) }
        if let limit = warningLow, value < limit { return (.warningLow, limit) }
        if let limit = warningHigh, value > limit { return (.warningHigh, limit) }
        return (.nominal, 0)
    }

    /// Whether the limits are ordered alarm low ≤ warning low < warning high ≤ alarm high and at least one is set.
    var isConsistent: Bool {
        let ordered = [alarmLow, warningLow, warningHigh, alarmHigh].compactMap { $0 }
        guard !ordered.isEmpty else { return false }
        return zip(ordered, ordered.dropFirst()).allSatisfy { $0 <= $1 }
    }
}

/// What a monitor checks.
public enum MonitorKind: Sendable, Equatable {
    /// The value against warning and alarm limits.
    case limit(MonitorLevels)
    /// The value (masked if `mask` is set, as an unsigned integer) equals `expected`; otherwise
    /// the state is ``MonitorState/unexpected``.
    case expectedValue(expected: Double, mask: UInt64?)
    /// The change of the value over `window`, expressed per `per` (a leak: a pressure drop in Pa
    /// per minute), against the levels. Evaluated once the window is full of samples.
    case rateOfChange(MonitorLevels, window: Duration, per: Duration)
    /// The timestamp advances every check; a check without a new sample is a stale check, so the
    /// persistence count is the number of periods without a sample before the state is stale.
    case staleness

    /// The name used in configuration.
    public var name: String {
        switch self {
        case .limit: return "limit"
        case .expectedValue: return "expected"
        case .rateOfChange: return "rate"
        case .staleness: return "stale"
        }
    }
}

/// One `[[monitor]]` table.
///
/// ```toml
/// [[monitor]]
/// name = "cabin_leak"                # letters, digits, '_'; the state is parameter mon.cabin_leak.state
/// parameter = "cabin.pressure_pa"
/// kind = "rate"                      # limit | expected | rate | stale
/// alarm_low = -50.0                  # limits: alarm_low, warning_low, warning_high, alarm_high
/// window = "60s"                     # rate only (default 60 s)
/// rate_per = "1min"                  # rate only: the limits are per this duration (default 1 s)
/// persistence = 3                    # consecutive checks with the same new result before the state changes (default 1)
/// enabled = true
/// group = "mon"                      # the rate group that runs it (default "mon", 1 Hz); must exist
/// alarm_event = 0x0480               # optional own event IDs in 0x0480–0x04FF
/// pmon_id = 7                        # PUS 12 identifier (default: the table's position, from 1)
/// ```
public struct MonitorConfiguration: Sendable, Equatable {
    public var name: String
    /// The monitored parameter's dotted name.
    public var parameter: String
    public var kind: MonitorKind
    /// Consecutive checks with the same new result before the state changes (≥ 1).
    public var persistence: Int
    public var enabled: Bool
    /// The rate group whose member runs this monitor.
    public var group: String
    /// Replaces `monitor_warning` for this monitor (0x0480–0x04FF).
    public var warningEvent: EventID?
    /// Replaces `monitor_alarm` and `monitor_unexpected` for this monitor (0x0480–0x04FF).
    public var alarmEvent: EventID?
    /// The PUS 12 parameter monitoring identifier; `nil`: the table's position counted from 1.
    public var pmonID: UInt16?

    public static let defaultGroup = "mon"

    public init(
        name: String, parameter: String, kind: MonitorKind, persistence: Int = 1, enabled: Bool = true,
        group: String = MonitorConfiguration.defaultGroup, warningEvent: EventID? = nil, alarmEvent: EventID? = nil
    ) {
        self.name = name
        self.parameter = parameter
        self.kind = kind
        self.persistence = persistence
        self.enabled = enabled
        self.group = group
        self.warningEvent = warningEvent
        self.alarmEvent = alarmEvent
    }

    /// Reads one `[[monitor]]` table, rejecting unknown keys.
    /// - Throws: ``ConfigurationError`` for a missing or malformed key, inconsistent limits, or an
    ///   event ID outside 0x0480–0x04FF.
    public init(table: ConfigTable) throws(ConfigurationError) {
        name = try table.string("name")
        guard !name.isEmpty, name.allSatisfy({ ($0.isLetter && $0.isASCII) || ($0.isNumber && $0.isASCII) || $0 == "_" }) else {
            throw table.error("name", "expected ASCII letters, digits or '_', found \"\(name)\"")
        }
        parameter = try table.string("parameter")
        let kindName = try table.choice("kind", ["limit": "limit", "expected": "expected", "rate": "rate", "stale": "stale"])
        func levels() throws(ConfigurationError) -> MonitorLevels {
            func optional(_ key: String) throws(ConfigurationError) -> Double? {
                table.has(key) ? try table.double(key) : nil
            }
            let levels = MonitorLevels(
                alarmLow: try optional("alarm_low"), warningLow: try optional("warning_low"),
                warningHigh: try optional("warning_high"), alarmHigh: try optional("alarm_high"))
            guard levels.isConsistent else {
                throw table.error(nil, "expected at least one of alarm_low, warning_low, warning_high, alarm_high, ordered alarm_low ≤ warning_low ≤ warning_high ≤ alarm_high")
            }
            return levels
        }
        switch kindName {
        case "limit":
            kind = .limit(try levels())
        case "expected":
            let expected = try table.double("expected")
            let mask: UInt64? = table.has("mask") ? UInt64(try table.int("mask", in: 1...Int.max)) : nil
            kind = .expectedValue(expected: expected, mask: mask)
        case "rate":
            let window = try table.duration("window", default: .seconds(60))
            let per = try table.duration("rate_per", default: .seconds(1))
            guard window > .zero else { throw table.error("window", "expected a duration above zero") }
            guard per > .zero else { throw table.error("rate_per", "expected a duration above zero") }
            kind = .rateOfChange(try levels(), window: window, per: per)
        default:
            kind = .staleness
        }
        persistence = try table.int("persistence", default: 1, in: 1...10_000)
        enabled = try table.bool("enabled", default: true)
        group = try table.string("group", default: Self.defaultGroup)
        func eventID(_ key: String) throws(ConfigurationError) -> EventID? {
            guard table.has(key) else { return nil }
            let range = MonitorEvents.configurableRange
            return EventID(UInt16(try table.int(key, in: Int(range.lowerBound)...Int(range.upperBound))))
        }
        warningEvent = try eventID("warning_event")
        alarmEvent = try eventID("alarm_event")
        pmonID = table.has("pmon_id") ? UInt16(try table.int("pmon_id", in: 1...0xFFFF)) : nil
        let kindKeys: [String: [String]] = [
            "alarm_low": ["limit", "rate"], "warning_low": ["limit", "rate"], "warning_high": ["limit", "rate"], "alarm_high": ["limit", "rate"],
            "expected": ["expected"], "mask": ["expected"], "window": ["rate"], "rate_per": ["rate"],
        ]
        for key in table.keys.sorted() {
            if let kinds = kindKeys[key], !kinds.contains(kindName) {
                throw table.error(key, "not used by a monitor of kind \"\(kindName)\" (only by \(kinds.map { "\"\($0)\"" }.joined(separator: ", ")))")
            }
        }
        try table.rejectUnknownKeys()
    }

    /// Reads every `[[monitor]]` table of `root`, rejecting duplicate names and event IDs.
    /// - Parameters:
    ///   - groups: the executive's rate groups; a monitor naming another group is a
    ///     configuration error (it would never run). `nil` skips the check (unit tests of the
    ///     configuration alone).
    public static func all(in root: ConfigTable, groups: [String]? = nil) throws(ConfigurationError) -> [MonitorConfiguration] {
        var result: [MonitorConfiguration] = []
        var usedEvents: Set<UInt16> = []
        for table in try root.tables(
            "monitor",
            label: { index, table in
                "monitor \((try? table.string("name")).map { "\"\($0)\"" } ?? "#\(index + 1)")"
            })
        {
            let monitor = try MonitorConfiguration(table: table)
            if let groups, !groups.contains(monitor.group) {
                throw table.error("group", "no rate group named \"\(monitor.group)\" (defined: \(groups.map { "\"\($0)\"" }.joined(separator: ", ")))")
            }
            if result.contains(where: { $0.name == monitor.name }) {
                throw table.error("name", "a monitor named \"\(monitor.name)\" is already defined")
            }
            for (key, id) in [("warning_event", monitor.warningEvent), ("alarm_event", monitor.alarmEvent)] {
                guard let id else { continue }
                guard usedEvents.insert(id.rawValue).inserted else {
                    throw table.error(key, "event id \(id) is already used by another monitor")
                }
            }
            let pmonID = monitor.pmonID ?? UInt16(truncatingIfNeeded: result.count + 1)
            if result.enumerated().contains(where: { ($1.pmonID ?? UInt16(truncatingIfNeeded: $0 + 1)) == pmonID }) {
                throw table.error(table.has("pmon_id") ? "pmon_id" : nil, "PUS 12 identifier \(pmonID) is already used by another monitor")
            }
            result.append(monitor)
        }
        return result
    }
}
