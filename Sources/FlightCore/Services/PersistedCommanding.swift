import HAL
import SpaceLink
import Systems

/// The commanded changes that survive a restart: tunables set by TC[20,3], housekeeping
/// structures enabled, disabled (TC[3,5]/[3,6]) or given a new interval (TC[3,31]), and event
/// reports disabled (TC[5,6]) — in `<state>/commanded-state`, rewritten atomically (write, fsync,
/// rename, fsync the directory) after each such command.
///
/// The executive applies the command and pushes a record of it (``ServiceReport/Kind/commandedState``,
/// or the event filter record) to the telemetry thread, which writes the file: no file I/O on
/// the executive's thread. At start, before the executive runs, ``restore(into:)`` applies the file
/// over the configuration's defaults. A missing file is a first start; an unreadable or foreign
/// one raises `commanded_state_unusable` and the defaults stand; a value the current configuration
/// no longer accepts (a renamed parameter, a range that changed) is skipped and counted in
/// `commanded_state_restored`.
///
/// Text format, one change per line after the version line:
///
///     iost-commanded-state 1
///     tunable 0x0201 20.2
///     hk 5 enabled 0
///     hk 5 interval 4
///     event-disabled 0x0301
///
/// - Warning: ``note(_:)`` and ``noteEventFilter(_:)``: telemetry thread. ``restore(into:)``:
///   before the executive starts.
final class PersistedCommanding {
    static let header = "iost-commanded-state 1"
    static let fileName = "commanded-state"

    private let path: String
    private let directory: ServiceDirectory
    private let events: any EventSink
    private var tunables: [UInt16: Double] = [:]
    private var housekeepingEnabled: [UInt32: Bool] = [:]
    private var housekeepingCycles: [UInt32: Int] = [:]
    private var disabledEvents: Set<UInt16> = []
    /// Writes that failed.
    private(set) var writeFailures = 0

    /// Operations carried by ``ServiceReport/Kind/commandedState`` records (in ``ServiceReport/structure``).
    enum Change: Int {
        case tunables = 1, housekeepingEnable, housekeepingDisable, housekeepingInterval
    }

    init(stateDirectory: String, directory: ServiceDirectory, events: any EventSink) {
        path = stateDirectory + "/" + Self.fileName
        self.directory = directory
        self.events = events
    }

    // MARK: Start

    /// Reads the file and applies it to the pool, housekeeping and the encoder's event filter.
    func restore(pool: ParameterPool, housekeeping: HousekeepingService, disableEvents: (Set<UInt16>) -> Void, now: MonotonicInstant) {
        let text: String
        do {
            text = try readTextFile(atPath: path, limit: 1 << 20)
        } catch {
            if error.isMissingFile { return }
            events.raise(FlightEvent(id: StateEvents.commandedStateUnusable, severity: .low, time: now, a: 1, count: 1))
            return
        }
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(Self.header) else {
            events.raise(FlightEvent(id: StateEvents.commandedStateUnusable, severity: .low, time: now, a: 2, count: 1))
            return
        }
        lines.removeFirst()
        var applied = 0
        var skipped = 0
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            switch (fields.first, fields.count) {
            case ("tunable", 3):
                guard let id = Self.hex(fields[1]), let value = Double(fields[2]), value.isFinite else {
                    skipped += 1
                    continue
                }
                do {
                    try pool.setTunable(id: ParameterID(id), value: value, at: now)
                    tunables[id] = value
                    applied += 1
                } catch {
                    skipped += 1
                }
            case ("hk", 4):
                guard let id = UInt32(fields[1]), let index = directory.structureIndex(id: id), let number = Int(fields[3]) else {
                    skipped += 1
                    continue
                }
                if fields[2] == "enabled", number == 0 || number == 1 {
                    housekeeping.setEnabled(index, number == 1)
                    housekeepingEnabled[id] = number == 1
                    applied += 1
                } else if fields[2] == "interval", number >= 1 {
                    housekeeping.setInterval(index, cycles: number)
                    housekeepingCycles[id] = number
                    applied += 1
                } else {
                    skipped += 1
                }
            case ("event-disabled", 2):
                guard let id = Self.hex(fields[1]), directory.isKnownEvent(id) else {
                    skipped += 1
                    continue
                }
                disabledEvents.insert(id)
                applied += 1
            default:
                skipped += 1
            }
        }
        if !disabledEvents.isEmpty { disableEvents(disabledEvents) }
        events.raise(FlightEvent(id: StateEvents.commandedStateRestored, severity: .informative, time: now, a: Double(applied), b: Double(skipped), count: 2))
    }

    private static func hex(_ text: String) -> UInt16? {
        guard text.hasPrefix("0x") else { return nil }
        return UInt16(text.dropFirst(2), radix: 16)
    }

    // MARK: Telemetry thread

    /// A ``ServiceReport/Kind/commandedState`` record: the change the executive applied.
    func note(_ record: ServiceReport) {
        switch Change(rawValue: record.structure) {
        case .tunables:
            for item in 0..<record.count where Int(record.words[item]) < directory.parameters.count {
                tunables[directory.parameters[Int(record.words[item])].id.rawValue] = record.values[item]
            }
        case .housekeepingEnable, .housekeepingDisable:
            for item in 0..<record.count where Int(record.words[item]) < directory.structures.count {
                housekeepingEnabled[directory.structures[Int(record.words[item])].id] = record.structure == Change.housekeepingEnable.rawValue
            }
        case .housekeepingInterval:
            for item in 0..<record.count where Int(record.words[item]) < directory.structures.count {
                housekeepingCycles[directory.structures[Int(record.words[item])].id] = Int(record.values[item])
            }
        case nil:
            return
        }
        write(at: record.time)
    }

    /// An event filter record (TC[5,5]/[5,6]).
    func noteEventFilter(_ record: ServiceReport) {
        for item in 0..<record.count {
            let id = UInt16(truncatingIfNeeded: record.words[item])
            if record.enable { disabledEvents.remove(id) } else { disabledEvents.insert(id) }
        }
        write(at: record.time)
    }

    private func write(at time: MonotonicInstant) {
        var text = Self.header + "\n"
        for id in tunables.keys.sorted() { text += "tunable 0x\(String(id, radix: 16)) \(tunables[id] ?? 0)\n" }
        for id in housekeepingEnabled.keys.sorted() { text += "hk \(id) enabled \(housekeepingEnabled[id] == true ? 1 : 0)\n" }
        for id in housekeepingCycles.keys.sorted() { text += "hk \(id) interval \(housekeepingCycles[id] ?? 1)\n" }
        for id in disabledEvents.sorted() { text += "event-disabled 0x\(String(id, radix: 16))\n" }
        do {
            try writeFileAtomically(Array(text.utf8), toPath: path)
        } catch {
            writeFailures += 1
            events.raise(FlightEvent(id: StateEvents.commandedStateWriteFailed, severity: .medium, time: time, a: Double(error.errno), count: 1))
        }
    }
}

/// Events of persisted commanded state (0x0C20–0x0C2F, in the PUS 12/19 and persisted-state range).
public enum StateEvents: EventDefinitionProvider {
    public static let commandedStateRestored = EventID(0x0C20)
    public static let commandedStateUnusable = EventID(0x0C21)
    public static let commandedStateWriteFailed = EventID(0x0C22)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                commandedStateRestored, "commanded_state_restored", .informative, arguments: ["changes applied", "changes skipped"],
                "Commanded changes (tunables, housekeeping, event reports) were restored from the state directory at start."),
            EventDefinition(
                commandedStateUnusable, "commanded_state_unusable", .low, arguments: ["reason (1 unreadable, 2 not this format or version)"],
                "The commanded-state file could not be used; the configuration's defaults stand."),
            EventDefinition(
                commandedStateWriteFailed, "commanded_state_write_failed", .medium, arguments: ["errno"],
                "A commanded change could not be persisted; it is lost at the next restart."),
        ]
    }
}
