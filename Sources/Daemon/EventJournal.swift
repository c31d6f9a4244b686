import FlightCore
import Logging

/// Writes the flight events that matter to an operator to the daemon's log, so device failures,
/// recoveries and mode changes reach the journal (`journalctl -u iostd -p warning`) and not only
/// the telemetry.
///
/// Events of ``minimumSeverity`` (medium by default) and above are logged, one line each, at the
/// level matching their PUS severity: high → `error` (syslog priority 3), medium → `warning` (4),
/// low → `notice` (5), informative → `info` (6). The ``operatorEvents`` (mode transitions, device
/// recoveries) are logged whatever their severity, at their own level, so `journalctl -u iostd`
/// tells the whole story of a fault and `-p warning` still shows only the faults. The message is the event's name from its
/// definition and its one-line summary; each argument becomes metadata named after the argument
/// (`consecutive_errors=3`). Arguments that are parameter IDs are shown with the parameter's name
/// when ``parameterName`` knows it.
///
/// ```text
/// <4>iostd.events: device_failed: A device failed: its parameters are invalid until it recovers. consecutive_errors=3 fault_category=1 health_parameter_id=dev.o2-a.health
/// ```
///
/// - Warning: Call ``record(_:)`` from one thread (the daemon's telemetry thread, which sees every
///   event through `SpaceServices.pump(observingEvents:)`); formatting allocates, so never from a
///   rate group.
public final class EventJournal {
    /// How one event is written.
    public struct Line: Equatable, Sendable {
        public var level: Logger.Level
        public var message: String
        /// Argument name and rendered value, in the definition's order.
        public var arguments: [(name: String, value: String)]

        public static func == (lhs: Line, rhs: Line) -> Bool {
            lhs.level == rhs.level && lhs.message == rhs.message
                && lhs.arguments.map(\.name) == rhs.arguments.map(\.name) && lhs.arguments.map(\.value) == rhs.arguments.map(\.value)
        }

        /// The arguments as swift-log metadata.
        public var metadata: Logger.Metadata {
            var metadata: Logger.Metadata = [:]
            for argument in arguments { metadata[argument.name] = .string(argument.value) }
            return metadata
        }
    }

    /// Logged whatever their severity: every mode transition and a device's recovery.
    public static let operatorEvents: Set<EventID> = [
        ModeEvents.enteredNominal, ModeEvents.enteredDegraded, ModeEvents.enteredSafe, ModeEvents.enteredEmergency,
        DeviceHealthEvents.recovered,
    ]

    public let minimumSeverity: EventSeverity
    /// Events logged below ``minimumSeverity``.
    public let alsoLogged: Set<EventID>
    private let definitions: [EventID: EventDefinition]
    private let argumentKeys: [EventID: [String]]
    private let parameterName: (UInt16) -> String?
    private let logger: Logger
    /// Events logged so far.
    public private(set) var loggedCount = 0

    /// - Parameters:
    ///   - definitions: every event the vehicle can raise (names, severities, argument names).
    ///   - logger: where the lines go.
    ///   - minimumSeverity: the least severe event logged.
    ///   - parameterName: the name of a parameter by ID, for arguments that are parameter IDs.
    ///   - alsoLogged: events logged below `minimumSeverity`.
    public init(
        definitions: [EventDefinition], logger: Logger, minimumSeverity: EventSeverity = .medium,
        alsoLogged: Set<EventID> = EventJournal.operatorEvents, parameterName: @escaping (UInt16) -> String? = { _ in nil }
    ) {
        self.alsoLogged = alsoLogged
        var byID: [EventID: EventDefinition] = [:]
        var keys: [EventID: [String]] = [:]
        for definition in definitions where byID[definition.id] == nil {
            byID[definition.id] = definition
            keys[definition.id] = definition.arguments.enumerated().map { Self.key(for: $0.element, position: $0.offset) }
        }
        self.definitions = byID
        argumentKeys = keys
        self.logger = logger
        self.minimumSeverity = minimumSeverity
        self.parameterName = parameterName
    }

    /// A journal naming parameter-ID arguments after `parameters` (the pool's definitions,
    /// copied now: the pool itself belongs to the executive's thread).
    public convenience init(
        definitions: [EventDefinition], parameters: [ParameterDefinition], logger: Logger,
        minimumSeverity: EventSeverity = .medium, alsoLogged: Set<EventID> = EventJournal.operatorEvents
    ) {
        var names: [UInt16: String] = [:]
        for parameter in parameters { names[parameter.id.rawValue] = parameter.name }
        self.init(definitions: definitions, logger: logger, minimumSeverity: minimumSeverity, alsoLogged: alsoLogged) { names[$0] }
    }

    /// Logs `event` if it is severe enough.
    public func record(_ event: FlightEvent) {
        guard let line = line(for: event) else { return }
        loggedCount += 1
        logger.log(level: line.level, "\(line.message)", metadata: line.metadata)
    }

    /// The line for `event`, or `nil` when it is below ``minimumSeverity`` and not in ``alsoLogged``.
    public func line(for event: FlightEvent) -> Line? {
        guard event.severity >= minimumSeverity || alsoLogged.contains(event.id) else { return nil }
        let definition = definitions[event.id]
        let message: String
        if let definition {
            message = definition.summary.isEmpty ? definition.name : "\(definition.name): \(definition.summary)"
        } else {
            message = "event \(event.id)"
        }
        let names = argumentKeys[event.id] ?? []
        var arguments: [(name: String, value: String)] = []
        for (position, value) in event.argumentList.enumerated() {
            let name = position < names.count ? names[position] : "arg\(position + 1)"
            var rendered = Self.render(value)
            if name.hasSuffix("parameter_id"), value >= 0, value <= Double(UInt16.max), value == value.rounded(),
                let parameter = parameterName(UInt16(value))
            {
                rendered = parameter
            }
            arguments.append((name, rendered))
        }
        return Line(level: Self.level(for: event.severity), message: message, arguments: arguments)
    }

    /// The log level of a PUS severity (its syslog priority through ``JournalLogHandler``).
    public static func level(for severity: EventSeverity) -> Logger.Level {
        switch severity {
        case .high: return .error
        case .medium: return .warning
        case .low: return .notice
        case .informative: return .info
        }
    }

    /// A metadata key from an argument's description: the words before any parenthesis, in
    /// snake_case (`"fault category (1 bus, …)"` → `fault_category`).
    static func key(for description: String, position: Int) -> String {
        let head = description.split(separator: "(", maxSplits: 1).first.map(String.init) ?? description
        var key = ""
        var pendingSeparator = false
        for scalar in head.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                if pendingSeparator, !key.isEmpty { key += "_" }
                pendingSeparator = false
                key.unicodeScalars.append(scalar)
            } else {
                pendingSeparator = true
            }
        }
        return key.isEmpty ? "arg\(position + 1)" : key
    }

    /// A number as an operator reads it: integers without a fraction, others to 6 significant digits.
    static func render(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(describing: (value * 1e6).rounded() / 1e6)
    }
}
