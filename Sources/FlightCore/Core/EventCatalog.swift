/// The static description of an event: what the ground shows and the README documents.
public struct EventDefinition: Sendable {
    public var id: EventID
    /// snake_case name, e.g. `rate_group_slip`.
    public var name: String
    public var severity: EventSeverity
    /// What the numeric arguments mean, in order.
    public var arguments: [String]
    /// One sentence for the README and the ground console.
    public var summary: String

    public init(_ id: EventID, _ name: String, _ severity: EventSeverity, arguments: [String] = [], _ summary: String) {
        self.id = id
        self.name = name
        self.severity = severity
        self.arguments = arguments
        self.summary = summary
    }
}

/// Event ID ranges, one per subsystem, so each subsystem defines its events in its own file:
///
/// | range | subsystem |
/// |---|---|
/// | 0x0100–0x01FF | executive (rate groups, real-time settings, queues) |
/// | 0x0200–0x02FF | life support |
/// | 0x0300–0x03FF | power |
/// | 0x0400–0x04FF | parameter monitors (PUS 12 model) |
/// | 0x0500–0x05FF | mode machine and event-action (PUS 19 model) |
/// | 0x0600–0x06FF | device health |
/// | 0x0700–0x07FF | space link and commanding |
/// | 0x0800–0x08FF | daemon lifecycle |
/// | 0x0900–0x093F | packet store |
/// | 0x0940–0x097F | storage and retrieval (PUS 15), replay |
/// | 0x0A00–0x0A3F | time-based scheduling (PUS 11) |
/// | 0x0B00–0x0B3F | contact (passes: acquisition and loss of signal) |
/// | 0x0C00–0x0C3F | monitoring and event-action services (PUS 12/19), persisted state |
/// | 0x0D00–0x0D3F | attitude determination |
public enum EventCatalog {
    /// Every subsystem's definitions. Subsystems contribute through ``EventDefinitionProvider``.
    public static func all(_ providers: [any EventDefinitionProvider.Type]) -> [EventDefinition] {
        providers.flatMap { $0.eventDefinitions }.sorted { $0.id.rawValue < $1.id.rawValue }
    }
}

/// A subsystem that defines events.
public protocol EventDefinitionProvider {
    static var eventDefinitions: [EventDefinition] { get }
}

/// The vehicle's operating mode, owned by the mode machine and reported in every housekeeping report.
public enum VehicleMode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case boot = 0
    case nominal = 1
    case degraded = 2
    case safe = 3
    case emergency = 4

    public var description: String {
        switch self {
        case .boot: return "BOOT"
        case .nominal: return "NOMINAL"
        case .degraded: return "DEGRADED"
        case .safe: return "SAFE"
        case .emergency: return "EMERGENCY"
        }
    }

    public init?(name: String) {
        guard let mode = VehicleMode.allCases.first(where: { $0.description == name.uppercased() }) else { return nil }
        self = mode
    }
}
