import FlightCore
import HAL

/// An event the vehicle raised, as the timeline records it.
public struct TimelineEvent: Sendable, Equatable {
    /// Since the start of the run.
    public var time: Duration
    public var id: EventID
    /// The catalog name (`monitor_alarm`), or the ID in hex when the catalog does not know it.
    public var name: String
    public var severity: EventSeverity
    public var arguments: [Double]
    /// The arguments decoded where they name something: monitors, devices, modes, states.
    public var text: String

    public init(time: Duration, id: EventID, name: String, severity: EventSeverity, arguments: [Double], text: String) {
        self.time = time
        self.id = id
        self.name = name
        self.severity = severity
        self.arguments = arguments
        self.text = text
    }

    /// Equal when identical bit for bit: a NaN argument (a reading not available) equals itself,
    /// so two runs of a scenario compare equal exactly when they are the same.
    public static func == (lhs: TimelineEvent, rhs: TimelineEvent) -> Bool {
        lhs.time == rhs.time && lhs.id == rhs.id && lhs.name == rhs.name && lhs.severity == rhs.severity && lhs.text == rhs.text
            && lhs.arguments.map(\.bitPattern) == rhs.arguments.map(\.bitPattern)
    }
}

/// A change of vehicle mode (from the mode machine's `mode_*` events).
public struct ModeChange: Sendable, Equatable {
    public var time: Duration
    public var from: VehicleMode
    public var to: VehicleMode
    public var reason: ModeReason?
    /// The reason's detail (monitor index, device index, seconds…; see ``ModeReason``).
    public var detail: Double
    /// The detail decoded where it names something (`cabin_leak`, `cabin-env`).
    public var detailText: String

    public init(time: Duration, from: VehicleMode, to: VehicleMode, reason: ModeReason?, detail: Double, detailText: String) {
        self.time = time
        self.from = from
        self.to = to
        self.reason = reason
        self.detail = detail
        self.detailText = detailText
    }
}

/// The key parameters at one moment; `nil` where a parameter is not valid (or not configured).
public struct TimelineSample: Sendable, Equatable {
    public var time: Duration
    /// In the order of ``Timeline/columns``.
    public var values: [Double?]

    public init(time: Duration, values: [Double?]) {
        self.time = time
        self.values = values
    }
}

/// A scenario event applied to the vehicle.
public struct AppliedAction: Sendable, Equatable {
    public var time: Duration
    public var action: ScenarioAction
    /// The scenario file's line of the `[[event]]` (0 when built in code).
    public var line: Int

    public init(time: Duration, action: ScenarioAction, line: Int) {
        self.time = time
        self.action = action
        self.line = line
    }
}

/// One line of a timeline.
public enum TimelineEntry: Sendable, Equatable {
    case action(AppliedAction)
    case event(TimelineEvent)
    case mode(ModeChange)
    case sample(TimelineSample)

    public var time: Duration {
        switch self {
        case .action(let entry): return entry.time
        case .event(let entry): return entry.time
        case .mode(let entry): return entry.time
        case .sample(let entry): return entry.time
        }
    }
}

/// A column of the timeline's samples: a label and the pool parameter it shows.
public struct TimelineColumn: Sendable, Equatable {
    public var label: String
    /// A pool parameter name, or `line:<device>` for the electrical level of an actuator's first
    /// GPIO line (1 high, 0 low) read from the simulated chip.
    public var source: String

    public init(_ label: String, _ source: String) {
        self.label = label
        self.source = source
    }
}

/// What happened in a run: the scenario's actions, every event the vehicle raised, the mode
/// changes and the key parameters at every sample interval, in time order.
///
/// Deterministic: the same scenario, configuration and seed give an equal timeline (wall-clock
/// figures live in ``ScenarioSummary``, not here).
public struct Timeline: Sendable, Equatable {
    public var columns: [TimelineColumn]
    public var entries: [TimelineEntry] = []

    public init(columns: [TimelineColumn]) {
        self.columns = columns
    }

    public var events: [TimelineEvent] {
        entries.compactMap {
            if case .event(let event) = $0 { return event }; return nil
        }
    }
    public var modeChanges: [ModeChange] {
        entries.compactMap {
            if case .mode(let change) = $0 { return change }; return nil
        }
    }
    public var samples: [TimelineSample] {
        entries.compactMap {
            if case .sample(let sample) = $0 { return sample }; return nil
        }
    }
    public var actions: [AppliedAction] {
        entries.compactMap {
            if case .action(let action) = $0 { return action }; return nil
        }
    }

    /// The events named `name`, in time order.
    public func events(named name: String) -> [TimelineEvent] { events.filter { $0.name == name } }

    /// The column index of `label`.
    public func column(_ label: String) -> Int? { columns.firstIndex { $0.label == label } }

    /// Every sample's value of the column `label` (with its time), skipping invalid values.
    public func series(_ label: String) -> [(time: Duration, value: Double)] {
        guard let index = column(label) else { return [] }
        return samples.compactMap { sample in sample.values[index].map { (sample.time, $0) } }
    }

    /// The mode at `time` according to the recorded mode changes (BOOT before the first).
    public func mode(at time: Duration) -> VehicleMode {
        modeChanges.last { $0.time <= time }?.to ?? .boot
    }

    /// How many events of each severity were raised.
    public var eventCounts: [EventSeverity: Int] {
        var counts: [EventSeverity: Int] = [:]
        for event in events { counts[event.severity, default: 0] += 1 }
        return counts
    }
}

/// The figures of a run that are not part of the deterministic timeline.
public struct ScenarioSummary: Sendable, Equatable {
    public var scenario: String
    /// Simulated time run.
    public var simulated: Duration
    /// Wall-clock time the run took, s.
    public var wallSeconds: Double
    public var finalMode: VehicleMode
    public var eventCounts: [EventSeverity: Int]
    /// Events lost because the event log overflowed between two drains (should be 0).
    public var eventsDropped: Int

    /// Simulated time over wall time.
    public var speedUp: Double { wallSeconds > 0 ? simulated.secondsDouble / wallSeconds : .infinity }
}

/// A run's timeline and summary.
public struct ScenarioResult: Sendable {
    public var timeline: Timeline
    public var summary: ScenarioSummary
}

// MARK: Text

extension TimelineEntry {
    /// One human-readable line: `0:10:00.000  action    cabin_leak area_mm2=5`.
    public func text(columns: [TimelineColumn]) -> String {
        let head = Format.clock(time).padded(to: 12)
        switch self {
        case .action(let entry):
            return head + "scenario  " + entry.action.summary
        case .event(let event):
            return head + event.severity.description.uppercased().padded(to: 10) + event.text
        case .mode(let change):
            var text = head + "MODE      " + change.from.description + " -> " + change.to.description
            if let reason = change.reason { text += " (\(reason)" + (change.detailText.isEmpty ? "" : " \(change.detailText)") + ")" }
            return text
        case .sample(let sample):
            let values = zip(columns, sample.values).map { column, value -> String in
                let shown: String
                if let value {
                    shown =
                        column.label == "mode"
                        ? (VehicleMode(rawValue: UInt8(clamping: Int(value))).map(\.description) ?? Format.number(value))
                        : Format.number((value * 100).rounded() / 100)
                } else {
                    shown = "-"
                }
                return "\(column.label)=\(shown)"
            }
            return head + "sample    " + values.joined(separator: " ")
        }
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
