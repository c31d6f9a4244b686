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
///     pmon-deleted 0x0003                 # a configured monitor deleted (TC[12,6])
///     pmon-add 0x0021 00210201…           # TC[12,5] application data, hex
///     pmon-modify 0x0002 00020203…        # TC[12,7] application data, hex
///     pmon-enabled 0x0021 1               # TC[12,1]/[12,2]
///     ea-deleted 0x0481                   # a configured event-action definition deleted (TC[19,2]/[19,3])
///     ea-add 0x0490 1881c0…               # TC[19,1]: the event ID and its telecommand packet, hex
///     ea-enabled 0x0490 1                 # TC[19,4]/[19,5]
///     ea-function 0                       # TC[19,8]/[19,9]
///     battery-soc 73.25 1800000060        # the SoC estimate (%) and its UTC time (BatteryChargeKeeper)
///
/// Monitor and event-action lines are applied through the same code as the telecommands, in the
/// order deleted, added, modified, enabled; one that no longer applies (a parameter the
/// configuration dropped, an interval no group has) is skipped and counted. The battery line is
/// not a command: it is rewritten every minute and applied only when recent enough.
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
    // Services 12 and 19, by PMON ID / event ID.
    private var monitorDeleted: Set<UInt16> = []
    private var monitorAdded: [UInt16: [UInt8]] = [:]
    private var monitorModified: [UInt16: [UInt8]] = [:]
    private var monitorEnabled: [UInt16: Bool] = [:]
    private var actionDeleted: Set<UInt16> = []
    private var actionAdded: [UInt16: [UInt8]] = [:]
    private var actionEnabled: [UInt16: Bool] = [:]
    private var actionFunction: Bool?
    /// The last state-of-charge estimate (%) and its UTC time (Unix seconds).
    private var batteryCharge: (percent: Double, unixSeconds: Int64)?
    private let utc: UTCMapping?
    /// The configured monitors' PMON IDs and event-action definitions' event IDs (immutable).
    private let configuredMonitors: Set<UInt16>
    private let configuredActions: Set<UInt16>
    /// Writes that failed.
    private(set) var writeFailures = 0

    /// Operations carried by ``ServiceReport/Kind/commandedState`` records (in ``ServiceReport/structure``).
    enum Change: Int {
        case tunables = 1, housekeepingEnable, housekeepingDisable, housekeepingInterval
        /// A TC[12,x] or TC[19,x] other than TC[19,1]: the command's fields, the subtype in `usable`.
        case monitoring, eventAction
        /// One TC[19,1] definition: event ID in `words[0]`, the packet in the value storage.
        case eventActionAdd
        /// The battery's state-of-charge estimate (%) in `values[0]` (``BatteryChargeKeeper``).
        case batteryCharge
    }

    init(
        stateDirectory: String, directory: ServiceDirectory, events: any EventSink, configuredMonitors: Set<UInt16> = [],
        configuredActions: Set<UInt16> = [], utc: UTCMapping? = nil
    ) {
        path = stateDirectory + "/" + Self.fileName
        self.utc = utc
        self.directory = directory
        self.events = events
        self.configuredMonitors = configuredMonitors
        self.configuredActions = configuredActions
    }

    // MARK: Start

    /// Reads the file and applies it to the pool, housekeeping and the encoder's event filter;
    /// a battery estimate no older than `maximumChargeAge` goes to `restoreCharge`.
    func restore(
        pool: ParameterPool, housekeeping: HousekeepingService, disableEvents: (Set<UInt16>) -> Void, monitoring: MonitoringExecution? = nil,
        restoreCharge: ((Double) -> Void)? = nil, maximumChargeAge: Duration = BatteryChargeKeeper.maximumAge, now: MonotonicInstant
    ) {
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
        var serviceLines: [[String]] = []
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
            case ("pmon-deleted", 2), ("pmon-add", 3), ("pmon-modify", 3), ("pmon-enabled", 3), ("ea-deleted", 2), ("ea-add", 3),
                ("ea-enabled", 3), ("ea-function", 2):
                serviceLines.append(fields)
            case ("battery-soc", 3):
                guard let percent = Double(fields[1]), percent.isFinite, (0...100).contains(percent), let time = Int64(fields[2]) else {
                    skipped += 1
                    continue
                }
                batteryCharge = (percent, time)
            default:
                skipped += 1
            }
        }
        if !disabledEvents.isEmpty { disableEvents(disabledEvents) }
        if let monitoring {
            let (done, failed) = restoreServices(serviceLines, into: monitoring, now: now)
            applied += done
            skipped += failed
        } else {
            skipped += serviceLines.count
        }
        if let (percent, saved) = batteryCharge, let restoreCharge, let utc {
            // Age in whole seconds; an estimate from the future (a clock set back) is not trusted.
            let age = utc.utc(now).unixSeconds - saved
            if age >= 0, age <= maximumChargeAge.components.seconds {
                restoreCharge(percent)
                events.raise(FlightEvent(id: StateEvents.batteryChargeRestored, severity: .informative, time: now, a: percent, b: Double(age), count: 2))
            } else {
                batteryCharge = nil
                events.raise(FlightEvent(id: StateEvents.batteryChargeNotRestored, severity: .low, time: now, a: percent, b: Double(age), count: 2))
            }
        }
        events.raise(FlightEvent(id: StateEvents.commandedStateRestored, severity: .informative, time: now, a: Double(applied), b: Double(skipped), count: 2))
    }

    /// Applies the ST[12]/ST[19] lines (deleted, added, modified, enabled, in that order) through
    /// ``MonitoringExecution``; returns the lines applied and skipped.
    private func restoreServices(_ lines: [[String]], into monitoring: MonitoringExecution, now: MonotonicInstant) -> (Int, Int) {
        var applied = 0
        var skipped = 0
        monitoring.restoring = true
        defer { monitoring.restoring = false }
        func run(_ type: MessageType, _ message: MonitoringRequest) -> Bool {
            var command = ServiceCommand(.monitoring, request: RequestID(packetID: 0, sequenceControl: 0), flags: [])
            command.detail = type.subtype
            do {
                switch message {
                case .add(let definition), .modify(let definition): try MonitoringValidation.encode(definition, into: &command, directory: directory)
                case .enable(let ids), .disable(let ids), .delete(let ids): for id in ids { command.append(UInt32(id)) }
                default: return false
                }
            } catch {
                return false
            }
            return monitoring.apply(command, time: now) == nil
        }
        let order = ["pmon-deleted", "pmon-add", "pmon-modify", "pmon-enabled", "ea-deleted", "ea-add", "ea-enabled", "ea-function"]
        for kind in order {
            for fields in lines where fields[0] == kind {
                var ok = false
                let id = Self.hex(fields[1])
                switch kind {
                case "pmon-deleted":
                    if let id, configuredMonitors.contains(id) {
                        if let slot = monitoring.bank.index(pmonID: id) { try? monitoring.bank.setEnabled(monitor: slot, false) }
                        ok = run(.monitoringDelete, .delete([id]))
                        if ok { monitorDeleted.insert(id) }
                    }
                case "pmon-add", "pmon-modify":
                    let type: MessageType = kind == "pmon-add" ? .monitoringAdd : .monitoringModify
                    if let id, let data = Self.octets(fields[2]), let message = try? MonitoringRequest.decode(type, data: data[...]) {
                        switch message {
                        case .add(let definition), .modify(let definition):
                            ok = definition.pmonID == id && run(type, message)
                        default: break
                        }
                        if ok, kind == "pmon-add" { monitorAdded[id] = data } else if ok { monitorModified[id] = data }
                    }
                case "pmon-enabled":
                    if let id, fields[2] == "0" || fields[2] == "1" {
                        ok = run(fields[2] == "1" ? .monitoringEnable : .monitoringDisable, fields[2] == "1" ? .enable([id]) : .disable([id]))
                        if ok { monitorEnabled[id] = fields[2] == "1" }
                    }
                case "ea-deleted":
                    if let id, configuredActions.contains(id), monitoring.table.hasDefinition(id) {
                        monitoring.table.setDefinitionEnabled(id, false)
                        ok = monitoring.table.deleteDefinition(id)
                        if ok { actionDeleted.insert(id) }
                    }
                case "ea-add":
                    if let id, let packet = Self.octets(fields[2]), (try? PUSTelecommand.decode(packet)) != nil {
                        ok = packet.withUnsafeBufferPointer { monitoring.table.addDefinition(eventID: id, packet: $0) }
                        if ok { actionAdded[id] = packet }
                    }
                case "ea-enabled":
                    if let id, fields[2] == "0" || fields[2] == "1" {
                        ok = monitoring.table.setDefinitionEnabled(id, fields[2] == "1")
                        if ok { actionEnabled[id] = fields[2] == "1" }
                    }
                default: // ea-function
                    if fields[1] == "0" || fields[1] == "1" {
                        monitoring.table.setFunctionEnabled(fields[1] == "1")
                        actionFunction = fields[1] == "1"
                        ok = true
                    }
                }
                if ok { applied += 1 } else { skipped += 1 }
            }
        }
        return (applied, skipped)
    }

    private static func octets(_ text: String) -> [UInt8]? {
        guard text.count % 2 == 0, !text.isEmpty else { return nil }
        var result: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let octet = UInt8(text[index..<next], radix: 16) else { return nil }
            result.append(octet)
            index = next
        }
        return result
    }

    private static func hexText(_ octets: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(octets.count * 2)
        for octet in octets {
            text.append(digits[Int(octet >> 4)])
            text.append(digits[Int(octet & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
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
        case .monitoring:
            noteMonitoring(record)
        case .eventAction:
            noteEventAction(record)
        case .eventActionAdd:
            let id = UInt16(truncatingIfNeeded: record.words[0])
            actionAdded[id] = record.octets
            actionEnabled[id] = nil
            actionDeleted.remove(id)
        case .batteryCharge:
            guard let utc else { return }
            batteryCharge = (record.values[0], utc.utc(record.time).unixSeconds)
        case nil:
            return
        }
        write(at: record.time)
    }

    private func noteMonitoring(_ record: ServiceReport) {
        let ids = (0..<record.count).map { UInt16(truncatingIfNeeded: record.words[$0]) }
        switch record.usable {
        case 1, 2:
            for id in ids { monitorEnabled[id] = record.usable == 1 }
        case 5, 7:
            guard let definition = MonitoringValidation.definition(words: record.words, values: { record.values[$0] }, directory: directory) else { return }
            if record.usable == 5 {
                monitorAdded[definition.pmonID] = MonitoringRequest.add(definition).applicationData
                monitorModified[definition.pmonID] = nil
                monitorEnabled[definition.pmonID] = nil
            } else {
                monitorModified[definition.pmonID] = MonitoringRequest.modify(definition).applicationData
            }
        case 6:
            for id in ids {
                if monitorAdded.removeValue(forKey: id) == nil, configuredMonitors.contains(id) { monitorDeleted.insert(id) }
                monitorModified[id] = nil
                monitorEnabled[id] = nil
            }
        default:
            return
        }
    }

    private func noteEventAction(_ record: ServiceReport) {
        let ids = (0..<record.count).map { UInt16(truncatingIfNeeded: record.words[$0]) }
        switch record.usable {
        case 2:
            for id in ids {
                if actionAdded.removeValue(forKey: id) == nil, configuredActions.contains(id) { actionDeleted.insert(id) }
                actionEnabled[id] = nil
            }
        case 3:
            actionAdded = [:]
            actionEnabled = [:]
            actionDeleted = configuredActions
        case 4, 5:
            let targets = ids.isEmpty ? Array(configuredActions.subtracting(actionDeleted)) + Array(actionAdded.keys) : ids
            for id in targets { actionEnabled[id] = record.usable == 4 }
        case 8, 9:
            actionFunction = record.usable == 8
        default:
            return
        }
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
        func hex(_ id: UInt16) -> String { "0x" + String(id, radix: 16) }
        for id in monitorDeleted.sorted() { text += "pmon-deleted \(hex(id))\n" }
        for id in monitorAdded.keys.sorted() { text += "pmon-add \(hex(id)) \(Self.hexText(monitorAdded[id] ?? []))\n" }
        for id in monitorModified.keys.sorted() { text += "pmon-modify \(hex(id)) \(Self.hexText(monitorModified[id] ?? []))\n" }
        for id in monitorEnabled.keys.sorted() { text += "pmon-enabled \(hex(id)) \(monitorEnabled[id] == true ? 1 : 0)\n" }
        for id in actionDeleted.sorted() { text += "ea-deleted \(hex(id))\n" }
        for id in actionAdded.keys.sorted() { text += "ea-add \(hex(id)) \(Self.hexText(actionAdded[id] ?? []))\n" }
        for id in actionEnabled.keys.sorted() { text += "ea-enabled \(hex(id)) \(actionEnabled[id] == true ? 1 : 0)\n" }
        if let actionFunction { text += "ea-function \(actionFunction ? 1 : 0)\n" }
        if let batteryCharge { text += "battery-soc \(batteryCharge.percent) \(batteryCharge.unixSeconds)\n" }
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
    public static let batteryChargeRestored = EventID(0x0C23)
    public static let batteryChargeNotRestored = EventID(0x0C24)

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
            EventDefinition(
                batteryChargeRestored, "battery_soc_restored", .informative, arguments: ["state of charge (%)", "age (s)"],
                "The battery's state-of-charge estimate kept before the restart replaced the configured starting point."),
            EventDefinition(
                batteryChargeNotRestored, "battery_soc_not_restored", .low, arguments: ["state of charge (%)", "age (s)"],
                "The kept state-of-charge estimate was older than an hour (or from the future) and was not used; the estimator starts from the configuration or the open-circuit voltage."),
        ]
    }
}
