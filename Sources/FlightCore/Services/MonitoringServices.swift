import HAL
import SpaceLink

/// ST[12] on-board monitoring and ST[19] event-action as services: the `[[monitor]]` and
/// `[[event_action]]` tables are the boot definitions, and the ground enables, disables, adds,
/// deletes, modifies and reports them (layouts: ``MonitoringRequest``, ``EventActionRequest``,
/// docs/telecommands.md).
///
/// ```text
///  link thread                      executive thread                       telemetry thread
///  MonitoringValidation:            MonitoringExecution.apply:             pump():
///   decode, check syntax, ranges,    check against the bank / table,        .sourceData → TM[12,9],
///   parameter IDs; TC[19,1]          change them, write report octets        [12,12], [12,14], [19,7]
///   packets → staging ring           into .sourceData records;              .commandedState →
///                                    .commandedState records                 PersistedCommanding
///  TransitionReports (monitoring group, after the monitors): new check transitions → TM[12,12]
/// ```
///
/// Failure codes (TM[1,2] at acceptance, TM[1,8] at completion; failure data: the offending
/// identifier): `bad_argument` for a malformed or empty list, an unknown parameter, a repetition of 0, an
/// event ID outside 0x0480–0x04FF, a delta count outside 1…32 or a low limit above the high one;
/// `execution_failed` for an unknown or duplicate PMON ID / event ID, an interval that is no
/// monitoring group's period, an enabled definition to delete, a modify that changes the
/// parameter or the check type, an event ID another monitor uses, or no free slot.
struct MonitoringValidation: Sendable {
    let directory: ServiceDirectory
    let apid: UInt16

    /// The command for a TC[12,x] or TC[19,x], and the packets TC[19,1] stages.
    func command(for telecommand: PUSTelecommand) throws(FailureRecord) -> (command: ServiceCommand, staged: [ScheduleActivity]) {
        let type = telecommand.messageType
        let data = telecommand.applicationData[...]
        let request = telecommand.requestID
        let flags = telecommand.acknowledgementFlags
        if type.service == 12 {
            let message = try decoded { () throws(ServiceDataError) in try MonitoringRequest.decode(type, data: data) }
            var command = ServiceCommand(.monitoring, request: request, flags: flags)
            command.detail = type.subtype
            switch message {
            case .enable(let ids), .disable(let ids), .delete(let ids):
                guard !ids.isEmpty else { throw FailureRecord(.badArgument) }
                try checkCount(ids.count)
                for id in ids { command.append(UInt32(id)) }
            case .reportDefinitions(let ids):
                try checkCount(ids.count)
                for id in ids { command.append(UInt32(id)) }
            case .add(let definition), .modify(let definition):
                try Self.encode(definition, into: &command, directory: directory)
            case .reportTransitions, .reportStatus:
                break
            }
            return (command, [])
        }
        let message = try decoded { () throws(ServiceDataError) in try EventActionRequest.decode(type, data: data) }
        var command = ServiceCommand(.eventAction, request: request, flags: flags)
        command.detail = type.subtype
        var staged: [ScheduleActivity] = []
        switch message {
        case .add(let definitions):
            guard !definitions.isEmpty else { throw FailureRecord(.badArgument) }
            try checkCount(definitions.count)
            for definition in definitions {
                guard definition.eventID != 0, definition.packet.count <= EventActionTable.maximumTelecommandOctets,
                    let embedded = try? PUSTelecommand.decode(definition.packet, expectedAPID: apid), embedded.messageType.service != 19
                else { throw .identifier(.badArgument, UInt32(definition.eventID), width: 2) }
                command.append(UInt32(definition.eventID))
                staged.append(ScheduleActivity(releaseTime: ScheduleTime(unixSeconds: 0), packet: definition.packet))
            }
        case .delete(let ids), .enable(let ids), .disable(let ids):
            if case .delete = message, ids.isEmpty { throw FailureRecord(.badArgument) } // N = 0 means "all" only for enable/disable
            try checkCount(ids.count)
            for id in ids { command.append(UInt32(id)) }
        case .deleteAll, .reportStatus, .enableFunction, .disableFunction:
            break
        }
        return (command, staged)
    }

    /// A TC[12,5]/[12,7] definition in a command's fields: words `[pmon ID, parameter pool index,
    /// interval ms, repetition, check type, low (or expected-value) event, high event, deltas]`,
    /// values `[low, high, mask, expected]`.
    static func encode(_ definition: MonitoringDefinition, into command: inout ServiceCommand, directory: ServiceDirectory) throws(FailureRecord) {
        let pmon = UInt32(definition.pmonID)
        guard let parameter = directory.parameterIndex(id: definition.parameterID) else {
            throw .identifier(.badArgument, UInt32(definition.parameterID), width: 2)
        }
        guard definition.repetition >= 1 else { throw .identifier(.badArgument, pmon, width: 2) }
        func event(_ id: UInt16) throws(FailureRecord) -> UInt32 {
            guard id == 0 || MonitorEvents.configurableRange.contains(id) else { throw .identifier(.badArgument, UInt32(id), width: 2) }
            return UInt32(id)
        }
        var words: [UInt32] = [pmon, UInt32(parameter), UInt32(definition.intervalMilliseconds), UInt32(definition.repetition), UInt32(definition.check.checkType)]
        var values: [Double] = [0, 0, 0, 0]
        switch definition.check {
        case .expectedValue(let mask, let expected, let id):
            words += [try event(id), 0, 0]
            values = [0, 0, Double(mask), Double(expected)]
        case .limit(let low, let lowEvent, let high, let highEvent):
            guard low.isFinite, high.isFinite, low <= high else { throw .identifier(.badArgument, pmon, width: 2) }
            words += [try event(lowEvent), try event(highEvent), 0]
            values = [Double(low), Double(high), 0, 0]
        case .delta(let low, let lowEvent, let high, let highEvent, let deltas):
            guard low.isFinite, high.isFinite, low <= high, deltas >= 1, Int(deltas) <= MonitorBank.maximumConsecutiveDeltas else {
                throw .identifier(.badArgument, pmon, width: 2)
            }
            words += [try event(lowEvent), try event(highEvent), UInt32(deltas)]
            values = [Double(low), Double(high), 0, 0]
        }
        for item in 0..<words.count { command.append(words[item], item < values.count ? values[item] : 0) }
    }

    /// The definition a command's fields hold (the inverse of ``encode(_:into:directory:)``).
    static func definition(words: Inline16<UInt32>, values: (Int) -> Double, directory: ServiceDirectory) -> MonitoringDefinition? {
        let parameterIndex = Int(words[1])
        guard parameterIndex < directory.parameters.count else { return nil }
        let check: MonitoringCheck
        switch words[4] {
        case 0: check = .expectedValue(mask: UInt8(clamping: Int(values(2))), expected: UInt8(clamping: Int(values(3))), event: UInt16(truncatingIfNeeded: words[5]))
        case 1: check = .limit(low: Float(values(0)), lowEvent: UInt16(truncatingIfNeeded: words[5]), high: Float(values(1)), highEvent: UInt16(truncatingIfNeeded: words[6]))
        default:
            check = .delta(
                low: Float(values(0)), lowEvent: UInt16(truncatingIfNeeded: words[5]), high: Float(values(1)),
                highEvent: UInt16(truncatingIfNeeded: words[6]), consecutiveDeltas: UInt8(truncatingIfNeeded: words[7]))
        }
        return MonitoringDefinition(
            pmonID: UInt16(truncatingIfNeeded: words[0]), parameterID: directory.parameters[parameterIndex].id.rawValue,
            intervalMilliseconds: UInt16(truncatingIfNeeded: words[2]), repetition: UInt8(truncatingIfNeeded: words[3]), check: check)
    }

    private func checkCount(_ count: Int) throws(FailureRecord) {
        guard count <= ServiceCommand.maximumItems else { throw FailureRecord(.badArgument, data: UInt64(count), length: 1) }
    }

    private func decoded<T>(_ body: () throws(ServiceDataError) -> T) throws(FailureRecord) -> T {
        do {
            return try body()
        } catch {
            throw FailureRecord(.badArgument)
        }
    }
}

/// Applies ST[12] and ST[19] commands on the executive's thread (no allocation, no lock): checks
/// every identifier of a command before changing anything, so a command applies whole or not
/// at all.
///
/// - Warning: Executive thread only (and ``restore`` callers before it starts).
final class MonitoringExecution {
    let bank: MonitorBank
    let table: EventActionTable
    private let directory: ServiceDirectory
    private let reports: SPSCRing<ServiceReport>
    private let staging: ScheduleStaging

    init(bank: MonitorBank, table: EventActionTable, directory: ServiceDirectory, reports: SPSCRing<ServiceReport>, staging: ScheduleStaging) {
        self.bank = bank
        self.table = table
        self.directory = directory
        self.reports = reports
        self.staging = staging
    }

    /// Applies `command`; pushes its reports and persisted changes. Returns the failure, if any.
    func apply(_ command: ServiceCommand, time: MonotonicInstant) -> FailureRecord? {
        command.operation == .monitoring ? applyMonitoring(command, time: time) : applyEventAction(command, time: time)
    }

    // MARK: ST[12]

    private func applyMonitoring(_ command: ServiceCommand, time: MonotonicInstant) -> FailureRecord? {
        func unknown(_ item: Int) -> FailureRecord { .identifier(.executionFailed, command.words[item], width: 2) }
        switch command.detail {
        case 1, 2, 6:
            for item in 0..<command.count {
                guard let slot = bank.index(pmonID: UInt16(truncatingIfNeeded: command.words[item])) else { return unknown(item) }
                if command.detail == 6, bank.isEnabled(slot) { return unknown(item) }
            }
            for item in 0..<command.count {
                guard let slot = bank.index(pmonID: UInt16(truncatingIfNeeded: command.words[item])) else { continue }
                if command.detail == 6 { bank.delete(slot) } else { try? bank.setEnabled(monitor: slot, command.detail == 1) }
            }
            persist(command, time: time)
        case 5:
            let pmon = UInt16(truncatingIfNeeded: command.words[0])
            guard bank.index(pmonID: pmon) == nil, let group = bank.groupPeriods.firstIndex(where: { $0 == .milliseconds(Int64(command.words[2])) }) else {
                return unknown(0)
            }
            for item in 5...6 where command.words[item] != 0 && bank.usesEvent(UInt16(truncatingIfNeeded: command.words[item]), except: nil) {
                return unknown(item)
            }
            let (kind, low, high) = Self.kind(command, period: bank.groupPeriods[group])
            let definition = MonitorDefinition(
                pmonID: pmon, parameter: ParameterHandle(index: Int(command.words[1]), id: directory.parameters[Int(command.words[1])].id),
                kind: kind, persistence: Int(command.words[3]), group: group, warningEvent: nil, alarmEvent: nil, lowEvent: low, highEvent: high,
                samplesEachCheck: command.words[4] == 2)
            guard bank.add(definition) != nil else { return unknown(0) }
            persist(command, time: time)
        case 7:
            guard let slot = bank.index(pmonID: UInt16(truncatingIfNeeded: command.words[0])), let current = bank.definitions[slot],
                current.parameter.index == Int(command.words[1]), current.group >= 0
            else { return unknown(0) }
            let sameType: Bool
            switch (current.kind, command.words[4]) {
            case (.expectedValue, 0), (.limit, 1), (.rateOfChange, 2): sameType = true
            default: sameType = false
            }
            guard sameType else { return unknown(0) }
            for item in 5...6 where command.words[item] != 0 && bank.usesEvent(UInt16(truncatingIfNeeded: command.words[item]), except: slot) {
                return unknown(item)
            }
            let (kind, low, high) = Self.kind(command, period: bank.groupPeriods[current.group])
            bank.modify(slot, kind: kind, persistence: Int(command.words[3]), lowEvent: low, highEvent: high)
            persist(command, time: time)
        case 8:
            for item in 0..<command.count where bank.index(pmonID: UInt16(truncatingIfNeeded: command.words[item])) == nil { return unknown(item) }
            var writer = ReportWriter(MessageType.monitoringDefinitionReport, request: command.request, time: time, reports: reports)
            if command.count == 0 {
                for slot in 0..<bank.capacity where bank.definitions[slot] != nil { writer.entry { self.writeDefinition(slot, into: &$0) } }
            } else {
                for item in 0..<command.count {
                    guard let slot = bank.index(pmonID: UInt16(truncatingIfNeeded: command.words[item])) else { continue }
                    writer.entry { self.writeDefinition(slot, into: &$0) }
                }
            }
            writer.finish()
        case 11:
            var writer = ReportWriter(MessageType.monitoringTransitionReport, request: command.request, time: time, reports: reports)
            for offset in 0..<bank.transitions.kept {
                let transition = bank.transitions.kept(offset)
                writer.entry {
                    $0.u16(transition.pmonID); $0.u8(transition.previous); $0.u8(transition.current)
                }
            }
            writer.finish()
        case 13:
            var writer = ReportWriter(MessageType.monitoringStatusReport, request: command.request, time: time, reports: reports)
            for slot in 0..<bank.capacity {
                guard let definition = bank.definitions[slot] else { continue }
                writer.entry {
                    $0.u16(definition.pmonID); $0.u8(self.bank.isEnabled(slot) ? 1 : 0)
                }
            }
            writer.finish()
        default:
            return FailureRecord(.executionFailed)
        }
        return nil
    }

    /// The check a TC[12,5]/[12,7] asks for, in the bank's terms: limits as alarm limits, an
    /// expected value under a mask, a delta check as the mean change per check over the last
    /// `deltas` checks.
    static func kind(_ command: ServiceCommand, period: Duration) -> (MonitorKind, low: EventID?, high: EventID?) {
        let low = command.words[5] == 0 ? nil : EventID(UInt16(truncatingIfNeeded: command.words[5]))
        let high = command.words[6] == 0 ? nil : EventID(UInt16(truncatingIfNeeded: command.words[6]))
        switch command.words[4] {
        case 0:
            return (.expectedValue(expected: command.values[3], mask: UInt64(command.values[2])), low, nil)
        case 1:
            return (.limit(MonitorLevels(alarmLow: command.values[0], alarmHigh: command.values[1])), low, high)
        default:
            let deltas = Int64(max(1, command.words[7]))
            return (.rateOfChange(MonitorLevels(alarmLow: command.values[0], alarmHigh: command.values[1]), window: period * deltas, per: period), low, high)
        }
    }

    /// One TM[12,9] entry.
    private func writeDefinition(_ slot: Int, into writer: inout OctetWriter) {
        guard let definition = bank.definitions[slot] else { return }
        writer.u16(definition.pmonID)
        writer.u16(definition.parameter.id.rawValue)
        writer.u8(bank.isEnabled(slot) ? 1 : 0)
        writer.u8(UInt8(clamping: definition.persistence))
        func limits(_ levels: MonitorLevels) -> (Float, Float) {
            (Float(levels.alarmLow ?? levels.warningLow ?? -.infinity), Float(levels.alarmHigh ?? levels.warningHigh ?? .infinity))
        }
        let lowEvent = definition.lowEvent?.rawValue ?? definition.alarmEvent?.rawValue ?? 0
        let highEvent = definition.highEvent?.rawValue ?? definition.alarmEvent?.rawValue ?? 0
        switch definition.kind {
        case .expectedValue(let expected, let mask):
            writer.u8(0)
            writer.u8(UInt8(truncatingIfNeeded: mask ?? 0xFF))
            writer.u8(UInt8(clamping: Int(expected.isFinite ? expected : 0)))
            writer.u16(lowEvent)
        case .limit(let levels):
            let (low, high) = limits(levels)
            writer.u8(1)
            writer.f32(low)
            writer.u16(lowEvent)
            writer.f32(high)
            writer.u16(highEvent)
        case .rateOfChange(let levels, let window, let per):
            // As a delta check: the limits per check period, over window / period deltas.
            let period = definition.group >= 0 ? bank.groupPeriods[definition.group] : per
            let scale = period.secondsDouble / per.secondsDouble
            let (low, high) = limits(levels)
            writer.u8(2)
            writer.f32(low * Float(scale))
            writer.u16(lowEvent)
            writer.f32(high * Float(scale))
            writer.u16(highEvent)
            writer.u8(UInt8(clamping: Int((window.secondsDouble / period.secondsDouble).rounded())))
        case .staleness:
            writer.u8(MonitoringDefinitionEntry.stalenessCheckType)
        }
    }

    // MARK: ST[19]

    private func applyEventAction(_ command: ServiceCommand, time: MonotonicInstant) -> FailureRecord? {
        func unknown(_ item: Int) -> FailureRecord { .identifier(.executionFailed, command.words[item], width: 2) }
        switch command.detail {
        case 1:
            // The packets were staged with the command: take exactly its count, whatever happens.
            var failure: FailureRecord?
            if command.count > table.freeDefinitionSlots { failure = FailureRecord(.executionFailed) }
            for item in 0..<command.count where failure == nil {
                let id = UInt16(truncatingIfNeeded: command.words[item])
                if table.hasDefinition(id) || (0..<item).contains(where: { command.words[$0] == command.words[item] }) { failure = unknown(item) }
            }
            for item in 0..<command.count {
                staging.pop { _, packet in
                    guard failure == nil else { return }
                    let id = UInt16(truncatingIfNeeded: command.words[item])
                    table.addDefinition(eventID: id, packet: packet)
                    guard !restoring else { return }
                    var record = ServiceReport(.commandedState, request: command.request, time: time)
                    record.structure = PersistedCommanding.Change.eventActionAdd.rawValue
                    record.words[0] = UInt32(id)
                    record.count = record.storeOctets(packet)
                    reports.push(record)
                }
            }
            return failure
        case 2, 4, 5:
            for item in 0..<command.count {
                let id = UInt16(truncatingIfNeeded: command.words[item])
                guard table.hasDefinition(id) else { return unknown(item) }
                if command.detail == 2, table.isDefinitionEnabled(id) { return unknown(item) }
            }
            if command.count == 0 {
                guard command.detail != 2 else { return FailureRecord(.badArgument) }
                table.setAllDefinitionsEnabled(command.detail == 4)
            }
            for item in 0..<command.count {
                let id = UInt16(truncatingIfNeeded: command.words[item])
                if command.detail == 2 { table.deleteDefinition(id) } else { table.setDefinitionEnabled(id, command.detail == 4) }
            }
            persist(command, time: time)
        case 3:
            guard !table.anyDefinitionEnabled else { return FailureRecord(.executionFailed) }
            table.deleteAllDefinitions()
            persist(command, time: time)
        case 6:
            var writer = ReportWriter(MessageType.eventActionStatusReport, request: command.request, time: time, reports: reports)
            table.forEachDefinition { id, enabled in
                writer.entry {
                    $0.u16(id); $0.u8(enabled ? 1 : 0)
                }
            }
            writer.finish()
        case 8, 9:
            table.setFunctionEnabled(command.detail == 8)
            persist(command, time: time)
        default:
            return FailureRecord(.executionFailed)
        }
        return nil
    }

    /// Set while the state file is applied at start: changes are not persisted again.
    var restoring = false

    /// A change for ``PersistedCommanding``: the command's fields as they are (the subtype in `usable`).
    private func persist(_ command: ServiceCommand, time: MonotonicInstant) {
        guard !restoring else { return }
        var record = ServiceReport(.commandedState, request: command.request, time: time)
        record.structure = (command.operation == .monitoring ? PersistedCommanding.Change.monitoring : .eventAction).rawValue
        record.usable = UInt64(command.detail)
        record.count = command.count
        record.words = command.words
        for item in 0..<ServiceCommand.maximumItems { record.values[item] = command.values[item] }
        reports.push(record)
    }
}

/// Writes report entries into `.sourceData` records: each record holds a count octet and as
/// many whole entries as fit in ``ServiceReport/octetCapacity``; a full record is pushed and the
/// next one started (the command's budget covers ``maximumRecords``). No allocation.
struct ReportWriter {
    /// Records one report command may push (its budget).
    static let maximumRecords = 4
    private var record: ServiceReport
    private let reports: SPSCRing<ServiceReport>
    private var entries = 0
    private var pushed = 0
    private var scratch = Inline16<UInt32>(repeating: 0)

    init(_ type: MessageType, request: RequestID, time: MonotonicInstant, reports: SPSCRing<ServiceReport>) {
        record = ServiceReport(.sourceData, request: request, time: time)
        record.structure = Int(type.service) << 8 | Int(type.subtype)
        record.count = 1
        self.reports = reports
    }

    /// Appends one entry (at most 64 octets), starting a new record when this one is full.
    mutating func entry(_ body: (inout OctetWriter) -> Void) {
        // Write into a scratch area first, to know the entry's size.
        var length = 0
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var writer = OctetWriter(buffer: buffer)
            body(&writer)
            length = writer.offset
        }
        if record.count + length > ServiceReport.octetCapacity || entries == 255 { flush(last: false) }
        guard pushed < Self.maximumRecords else { return }
        let offset = record.count
        withUnsafeBytes(of: scratch) { source in
            record.withOctets { target in
                for index in 0..<length { target[offset + index] = source[index] }
            }
        }
        record.count += length
        entries += 1
    }

    mutating func finish() { flush(last: true) }

    private mutating func flush(last: Bool) {
        guard pushed < Self.maximumRecords else { return }
        let count = UInt8(entries)
        record.withOctets { $0[0] = count }
        reports.push(record)
        pushed += 1
        record.count = 1
        entries = 0
    }
}

/// A bounds-checked big-endian writer over raw memory (the executive's report records).
struct OctetWriter {
    let buffer: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    init(buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    mutating func u8(_ value: UInt8) {
        guard offset < buffer.count else { return }
        buffer[offset] = value
        offset += 1
    }

    mutating func u16(_ value: UInt16) {
        u8(UInt8(truncatingIfNeeded: value >> 8))
        u8(UInt8(truncatingIfNeeded: value))
    }

    mutating func f32(_ value: Float) {
        let bits = value.bitPattern
        u16(UInt16(truncatingIfNeeded: bits >> 16))
        u16(UInt16(truncatingIfNeeded: bits))
    }
}

extension ServiceReport {
    /// Octets a `.sourceData` or octet-carrying record holds (its value storage).
    static let octetCapacity = MemoryLayout<Inline64<Double>>.size

    /// The record's value storage as octets (a `.sourceData` report's source data, or a
    /// telecommand packet to persist).
    mutating func withOctets<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R { withUnsafeMutableBytes(of: &values) { body($0) } }

    /// Copies `packet` into the value storage; returns the octets stored.
    mutating func storeOctets(_ packet: UnsafeBufferPointer<UInt8>) -> Int {
        let length = min(packet.count, Self.octetCapacity)
        withOctets { target in for index in 0..<length { target[index] = packet[index] } }
        return length
    }

    /// The first `count` octets of the value storage (telemetry thread).
    var octets: [UInt8] { withUnsafeBytes(of: values) { Array($0.prefix(max(0, min(count, Self.octetCapacity)))) } }
}

/// Sends TM[12,12] for the check transitions the monitors made since its last run: run it in
/// the monitoring group after the monitors. Its records use the housekeeping share of the
/// report ring; when that is full the transitions wait (the log keeps the latest 64).
///
/// - Warning: Executive thread only.
final class TransitionReports: RateGroupMember {
    let name = "pmon-transitions"
    private let bank: MonitorBank
    private let reports: SPSCRing<ServiceReport>
    private let budget: ReportBudget

    init(bank: MonitorBank, reports: SPSCRing<ServiceReport>, budget: ReportBudget) {
        self.bank = bank
        self.reports = reports
        self.budget = budget
    }

    func run(_ cycle: CycleContext) {
        let log = bank.transitions
        while log.pending > 0, budget.reserveHousekeeping() {
            var record = ServiceReport(.sourceData, request: RequestID(packetID: 0, sequenceControl: 0), time: cycle.time)
            record.structure = Int(MessageType.monitoringTransitionReport.service) << 8 | Int(MessageType.monitoringTransitionReport.subtype)
            record.isPeriodic = true
            let count = min(log.pending, (ServiceReport.octetCapacity - 1) / 4, 255)
            record.withOctets { buffer in
                var writer = OctetWriter(buffer: buffer)
                writer.u8(UInt8(count))
                for offset in 0..<count {
                    let transition = log.pending(offset)
                    writer.u16(transition.pmonID)
                    writer.u8(transition.previous)
                    writer.u8(transition.current)
                }
            }
            record.count = 1 + 4 * count
            guard reports.push(record) else {
                budget.releaseHousekeeping()
                return
            }
            log.markReported(count)
        }
    }
}
