import HAL
import SpaceLink
import Synchronization
import Systems

/// Events of the time-based schedule (range 0x0A00–0x0A3F).
public enum ScheduleEvents: EventDefinitionProvider {
    public static let restored = EventID(0x0A00)
    public static let activityReleased = EventID(0x0A01)
    public static let journalFailed = EventID(0x0A02)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                restored, "schedule_restored", .low, arguments: ["activities restored", "activities expired"],
                "the time-based schedule was restored from its journal, release disabled; activities whose time passed while stopped were dropped, not executed"),
            EventDefinition(
                activityReleased, "activity_released", .low, arguments: ["apid", "sequence count", "late ms"],
                "a scheduled telecommand was released to the acceptance path"),
            EventDefinition(
                journalFailed, "schedule_journal_failed", .medium, arguments: ["operation", "reason", "errno"],
                "the schedule journal could not be read (operation 1) or written (2): reason 1 missing, 2 truncated, 3 foreign format or version, 4 bad CRC, 5 malformed entry, 6 system error; the schedule starts empty or keeps running unjournaled"
            ),
        ]
    }
}

/// Service 11 failure codes (u16) carried in TM[1,2] / TM[1,4], numbered 0x11nn (service 11)
/// apart from the shared ``VerificationFailureCode`` sequence.
///
/// | code | name | stage | failure data |
/// |---|---|---|---|
/// | 0x1101 | `schedule_time_in_past` | start | activity index (u8) |
/// | 0x1102 | `schedule_beyond_horizon` | start | activity index (u8) |
/// | 0x1103 | `schedule_full` | start | free slots (u16) |
/// | 0x1104 | `schedule_activity_too_large` | acceptance | activity index (u8) |
/// | 0x1105 | `schedule_activity_malformed` | acceptance | activity index (u8) |
/// | 0x1106 | `schedule_unknown_request` | start | request index (u16) |
public enum ScheduleFailure {
    public static let timeInPast: UInt16 = 0x1101
    public static let beyondHorizon: UInt16 = 0x1102
    public static let full: UInt16 = 0x1103
    public static let activityTooLarge: UInt16 = 0x1104
    public static let activityMalformed: UInt16 = 0x1105
    public static let unknownRequest: UInt16 = 0x1106
    /// Names for the mission database.
    public static let names: [UInt16: String] = [
        timeInPast: "schedule_time_in_past", beyondHorizon: "schedule_beyond_horizon", full: "schedule_full",
        activityTooLarge: "schedule_activity_too_large", activityMalformed: "schedule_activity_malformed",
        unknownRequest: "schedule_unknown_request",
    ]
}

extension FailureRecord {
    init(scheduleCode code: UInt16, data: UInt64 = 0, length: UInt8 = 0) {
        self.init(.executionFailed, data: data, length: length)
        self.code = code
    }
}

extension ServiceOperation {
    /// Operations of service 11 (applied by ``TimeBasedScheduling``).
    var isSchedule: Bool {
        switch self {
        case .scheduleEnable, .scheduleDisable, .scheduleReset, .scheduleInsert, .scheduleDelete, .scheduleShift, .scheduleShiftAll,
            .scheduleDetail, .scheduleDetailAll, .scheduleSummary, .scheduleSummaryAll:
            return true
        default:
            return false
        }
    }
}

/// The journal of the schedule: `schedule.journal` in the state directory, rewritten whole
/// (``writeFileAtomically(_:toPath:mode:)``) after every change.
///
/// | offset | width | field |
/// |---|---|---|
/// | 0 | 4 | magic `ISCH` |
/// | 4 | 2 | format version (1) |
/// | 6 | 1 | flags: bit 0 release enabled when written |
/// | 7 | 1 | 0 |
/// | 8 | 4 | N activities |
/// | 12 | 4 | L, octets of the entries |
/// | 16 | 2 | CRC-16/CCITT-FALSE of the entries |
/// | 18 | L | N entries as in TM[11,10]: sub-schedule ID u8, release time (P-field + CUC), TC packet |
enum ScheduleJournal {
    static let fileName = "schedule.journal"
    static let magic: [UInt8] = [0x49, 0x53, 0x43, 0x48]
    static let version: UInt16 = 1
    static let headerLength = 18

    enum Failure: Error {
        case truncated, foreign, badCRC, malformed
        var reason: Double {
            switch self {
            case .truncated: 2
            case .foreign: 3
            case .badCRC: 4
            case .malformed: 5
            }
        }
    }

    static func encode(enabled: Bool, count: Int, entries: [UInt8]) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerLength + entries.count)
        func u16(_ value: UInt16) { bytes += [UInt8(value >> 8), UInt8(value & 0xFF)] }
        func u32(_ value: UInt32) { bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
        u16(version)
        bytes += [enabled ? 1 : 0, 0]
        u32(UInt32(count))
        u32(UInt32(entries.count))
        u16(CRC16.compute(entries))
        bytes += entries
        return bytes
    }

    /// The entries of a journal file.
    static func decode(_ bytes: [UInt8]) throws(Failure) -> [ScheduleDetailEntry] {
        guard bytes.count >= headerLength else { throw bytes.starts(with: magic.prefix(min(4, bytes.count))) ? .truncated : .foreign }
        guard Array(bytes[0..<4]) == magic else { throw .foreign }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) << 16 | UInt32(u16(at + 2)) }
        guard u16(4) == version else { throw .foreign }
        let count = Int(u32(8))
        let length = Int(u32(12))
        guard bytes.count >= headerLength + length else { throw .truncated }
        guard bytes.count == headerLength + length, count <= 0xFFFF else { throw .malformed }
        let entries = bytes[headerLength...]
        guard CRC16.compute(entries) == u16(16) else { throw .badCRC }
        do {
            guard case .detail(let list) = try ScheduleReport.decode(.scheduleDetailReport, data: ([UInt8(count >> 8), UInt8(count & 0xFF)] + entries)[...]) else {
                throw Failure.malformed
            }
            return list
        } catch {
            throw .malformed
        }
    }
}

/// PUS service 11, time-based scheduling: the schedule, its telecommands, its release at the
/// base rate, its reports and its journal.
///
/// ```text
///  link thread                  executive thread                      telemetry thread
///  ───────────                  ────────────────                      ────────────────
///  command(for:) TC[11,x]       apply(): insert/delete/shift… ──┐     pump(): persistIfChanged()
///   → ServiceCommand            → TM[1,3]/[1,4]/[1,7] records   │      (journal, atomic write)
///   + staged activities ──────► schedule (preallocated) ────────┴──►  snapshots (triple buffer)
///                               release prologue (base rate):         reportPackets(): TM[11,10]
///                                due → services.acceptTelecommand      and TM[11,13] from the
///                                (the lock shared with the link)       latest snapshot
/// ```
///
/// A release hands the embedded TC's octets to ``SpaceServices/acceptTelecommand(_:now:)``: the
/// same checks, acceptance and verification reports as a live TC, with the embedded TC's own
/// request ID. That call takes the acceptance lock (shared with the link thread, held for a
/// few microseconds) and allocates the packet array; releases are rare, so the executive's
/// "no lock, no allocation" rule is waived for them alone.
///
/// - Warning: ``command(for:)``: any thread (the link's). ``apply(_:time:)`` and
///   ``releaseDue(at:)``: executive thread only. ``persistIfChanged()`` and
///   ``reportPackets(_:encode:)``: the telemetry thread (the caller of `pump`) only.
final class TimeBasedScheduling: @unchecked Sendable {
    let configuration: ScheduleConfiguration
    let staging: ScheduleStaging
    private let schedule: TimeBasedSchedule
    private let snapshots: ScheduleSnapshots
    private let apid: UInt16
    private let utcToTAIOffset: Int64
    private let mapping: UTCMapping
    private let reports: SPSCRing<ServiceReport>
    private let statistics: ServiceStatistics
    private let pool: ParameterPool
    private let events: any EventSink
    /// The `sched.*` parameters.
    struct Handles {
        var activities, enabled, released, refused: ParameterHandle
    }
    private let handles: Handles

    /// Activities refused at acceptance (link thread) — added to `sched.refused`.
    private let refusedAtAcceptance = Atomic<UInt64>(0)
    /// Executive thread.
    private var released: UInt64 = 0
    private var refused: UInt64 = 0
    /// Set by the assembly: hands a released TC to the services' acceptance (executive thread).
    var accept: (([UInt8], MonotonicInstant) -> Void)?
    /// Whether the services can take one more telecommand now.
    var hasRoom: (() -> Bool)?

    /// Telemetry thread (set once before the threads start).
    private var journalPath: String?
    private var journalEvents: (any EventSink)?
    private var writtenGeneration: UInt64 = 0

    /// Registers `sched.activities`, `sched.enabled`, `sched.released`, `sched.refused` (IDs
    /// 0x0C00…0x0C03), before the services' directory is made from the pool.
    /// - Throws: ``RegistrationError`` when the IDs or names are taken.
    static func register(in pool: ParameterPool) throws(RegistrationError) -> Handles {
        var ids = ParameterIDSequence(first: 0x0C00, last: 0x0C1F)
        func add(_ name: String, _ type: ParameterType) throws(RegistrationError) -> ParameterHandle {
            try pool.register(&ids, first: 0x0C00, component: "schedule", name: name, unit: "", type: type)
        }
        return Handles(
            activities: try add("sched.activities", .u32), enabled: try add("sched.enabled", .bool),
            released: try add("sched.released", .u32), refused: try add("sched.refused", .u32))
    }

    /// Builds the schedule (empty, release disabled).
    init(
        configuration: ScheduleConfiguration, telemetry: TelemetryConfiguration, mapping: UTCMapping, pool: ParameterPool,
        parameters: Handles, reports: SPSCRing<ServiceReport>, statistics: ServiceStatistics, events: any EventSink
    ) {
        self.configuration = configuration
        schedule = TimeBasedSchedule(capacity: configuration.capacity)
        staging = ScheduleStaging(capacity: configuration.stagingCapacity)
        snapshots = ScheduleSnapshots(capacity: configuration.capacity)
        apid = telemetry.apid
        utcToTAIOffset = telemetry.utcToTAIOffset
        self.mapping = mapping
        self.reports = reports
        self.statistics = statistics
        self.pool = pool
        self.events = events
        handles = parameters
    }

    // MARK: Link thread

    /// The command record of a service 11 telecommand, and for TC[11,4] its activities (to be
    /// pushed into ``staging`` with the command).
    ///
    /// Each embedded TC must be at most 256 octets (`schedule_activity_too_large`), a valid PUS-C
    /// TC to this vehicle's APID and not itself of service 11 (`schedule_activity_malformed`);
    /// their release times are checked when the executive applies the insert.
    /// - Throws: the acceptance failure.
    func command(for telecommand: PUSTelecommand) throws(FailureRecord) -> (command: ServiceCommand, insert: (subschedule: UInt8, activities: [ScheduleActivity])?) {
        let message: TimeBasedScheduleRequest
        do {
            message = try TimeBasedScheduleRequest.decode(telecommand.messageType, data: telecommand.applicationData[...])
        } catch .wrongMessageType {
            throw FailureRecord(.unknownMessageType)
        } catch {
            throw FailureRecord(.badArgument)
        }
        let request = telecommand.requestID
        let flags = telecommand.acknowledgementFlags
        func ids(_ operation: ServiceOperation, _ list: [ScheduleRequestID], offset: Int32 = 0) throws(FailureRecord) -> ServiceCommand {
            guard list.count >= 1, list.count <= ServiceCommand.maximumItems else {
                throw FailureRecord(.badArgument, data: UInt64(min(list.count, 0xFFFF)), length: 2)
            }
            var command = ServiceCommand(operation, request: request, flags: flags)
            command.argument = Int64(offset)
            for id in list { command.append(UInt32(id.packetID) << 16 | UInt32(id.sequenceControl), Double(id.sourceID)) }
            return command
        }
        switch message {
        case .enableRelease: return (ServiceCommand(.scheduleEnable, request: request, flags: flags), nil)
        case .disableRelease: return (ServiceCommand(.scheduleDisable, request: request, flags: flags), nil)
        case .reset: return (ServiceCommand(.scheduleReset, request: request, flags: flags), nil)
        case .detailReportAll: return (ServiceCommand(.scheduleDetailAll, request: request, flags: flags), nil)
        case .summaryReportAll: return (ServiceCommand(.scheduleSummaryAll, request: request, flags: flags), nil)
        case .timeShiftAll(let milliseconds):
            var command = ServiceCommand(.scheduleShiftAll, request: request, flags: flags)
            command.argument = Int64(milliseconds)
            return (command, nil)
        case .deleteByID(let list): return (try ids(.scheduleDelete, list), nil)
        case .timeShiftByID(let milliseconds, let list): return (try ids(.scheduleShift, list, offset: milliseconds), nil)
        case .detailReportByID(let list): return (try ids(.scheduleDetail, list), nil)
        case .summaryReportByID(let list): return (try ids(.scheduleSummary, list), nil)
        case .insert(let subschedule, let activities):
            guard !activities.isEmpty, activities.count <= staging.capacity else {
                throw FailureRecord(.badArgument, data: UInt64(activities.count), length: 1)
            }
            for (index, activity) in activities.enumerated() {
                guard activity.packet.count <= ScheduleConfiguration.maximumActivityOctets else {
                    refusedAtAcceptance.wrappingAdd(UInt64(activities.count), ordering: .relaxed)
                    throw FailureRecord(scheduleCode: ScheduleFailure.activityTooLarge, data: UInt64(index), length: 1)
                }
                guard let embedded = try? PUSTelecommand.decode(activity.packet, expectedAPID: apid), embedded.messageType.service != 11 else {
                    refusedAtAcceptance.wrappingAdd(UInt64(activities.count), ordering: .relaxed)
                    throw FailureRecord(scheduleCode: ScheduleFailure.activityMalformed, data: UInt64(index), length: 1)
                }
            }
            var command = ServiceCommand(.scheduleInsert, request: request, flags: flags)
            command.count = activities.count
            return (command, (subschedule, activities))
        }
    }

    /// Pushes the activities of an accepted TC[11,4] (under the acceptance lock, after checking
    /// ``staging``'s room).
    func stage(_ insert: (subschedule: UInt8, activities: [ScheduleActivity])) {
        for activity in insert.activities {
            let request = (try? PUSTelecommand.decode(activity.packet)).map(ScheduleRequestID.init) ?? ScheduleRequestID(sourceID: 0, packetID: 0, sequenceControl: 0)
            staging.push(activity, subschedule: insert.subschedule, request: request)
        }
    }

    /// Counts an insert refused at acceptance for lack of room (queue full).
    func countRefused(_ activities: Int) { refusedAtAcceptance.wrappingAdd(UInt64(activities), ordering: .relaxed) }

    // MARK: Executive thread

    /// The monotonic instant of a release time, converted with the services' UTC mapping at
    /// `now` (the mapping is affine: UTC advances with monotonic time).
    private func instant(of time: ScheduleTime, now: MonotonicInstant) -> (instant: MonotonicInstant, ahead: Int64) {
        let utc = mapping.utc(now)
        let nowNanoseconds = utc.unixSeconds &* 1_000_000_000 &+ Int64(utc.nanoseconds)
        let ahead = time.unixNanoseconds(utcToTAIOffset: utcToTAIOffset) &- nowNanoseconds
        return (now.advanced(by: .nanoseconds(ahead)), ahead)
    }

    /// Applies one accepted service 11 command at the cycle boundary and pushes its reports:
    /// TM[1,3] (asked for), then TM[1,4] on a refusal, else the report record (TM[11,10] /
    /// TM[11,13]) and TM[1,7]. Every refusal leaves the schedule unchanged (all or nothing).
    /// - Warning: Executive thread only; does not allocate, lock or log.
    func apply(_ command: ServiceCommand, time: MonotonicInstant) {
        // The schedule goes with the pool: the executive's thread while it runs (checked in debug).
        pool.ownership.assertOwned("the time-based schedule")
        var failure: FailureRecord?
        var changed = false
        let horizon = configuration.horizon.nanoseconds
        switch command.operation {
        case .scheduleEnable:
            schedule.isEnabled = true
            changed = true
        case .scheduleDisable:
            schedule.isEnabled = false
            changed = true
        case .scheduleReset:
            schedule.removeAll()
            changed = true
        case .scheduleInsert:
            let n = command.count
            if schedule.freeSlots < n {
                failure = FailureRecord(scheduleCode: ScheduleFailure.full, data: UInt64(schedule.freeSlots), length: 2)
            }
            // Check every activity first, then insert them all.
            if failure == nil {
                for index in 0..<n where failure == nil {
                    staging.peek(index) { record, _ in
                        let ahead = instant(of: record.time, now: time).ahead
                        if ahead <= 0 {
                            failure = FailureRecord(scheduleCode: ScheduleFailure.timeInPast, data: UInt64(index), length: 1)
                        } else if ahead > horizon {
                            failure = FailureRecord(scheduleCode: ScheduleFailure.beyondHorizon, data: UInt64(index), length: 1)
                        }
                    }
                }
            }
            for _ in 0..<n {
                staging.pop { record, packet in
                    guard failure == nil else { return }
                    schedule.insert(
                        release: instant(of: record.time, now: time).instant, time: record.time, request: record.request,
                        subschedule: record.subschedule, packet: packet)
                }
            }
            if failure != nil { refused &+= UInt64(n) } else { changed = true }
        case .scheduleDelete:
            failure = unknownRequest(command)
            if failure == nil {
                var position = schedule.count - 1
                while position >= 0 {
                    if matches(command, schedule.request(at: position)) { schedule.remove(at: position) }
                    position -= 1
                }
                changed = true
            }
        case .scheduleShift, .scheduleShiftAll:
            let all = command.operation == .scheduleShiftAll
            if !all { failure = unknownRequest(command) }
            let offset = command.argument
            // Check every moved activity first (still ahead, within the horizon, representable).
            for position in 0..<schedule.count where failure == nil && (all || matches(command, schedule.request(at: position))) {
                guard let moved = schedule.time(at: position).shifted(byMilliseconds: offset) else {
                    failure = FailureRecord(scheduleCode: ScheduleFailure.beyondHorizon, data: UInt64(min(position, 255)), length: 1)
                    break
                }
                let ahead = instant(of: moved, now: time).ahead
                if ahead <= 0 {
                    failure = FailureRecord(scheduleCode: ScheduleFailure.timeInPast, data: UInt64(min(position, 255)), length: 1)
                } else if ahead > horizon {
                    failure = FailureRecord(scheduleCode: ScheduleFailure.beyondHorizon, data: UInt64(min(position, 255)), length: 1)
                }
            }
            if failure == nil {
                for position in 0..<schedule.count where all || matches(command, schedule.request(at: position)) {
                    if let moved = schedule.time(at: position).shifted(byMilliseconds: offset) {
                        schedule.move(at: position, release: instant(of: moved, now: time).instant, time: moved)
                    }
                }
                schedule.restoreOrder()
                changed = true
            }
        case .scheduleDetail, .scheduleSummary:
            failure = unknownRequest(command)
        default:
            break
        }
        if changed { snapshots.publish(schedule, at: time) }

        if let failure {
            report(.startFailed, command, time, failure: failure, final: true)
            statistics.failed &+= 1
            return
        }
        if command.flags.contains(.start) { report(.started, command, time) }
        switch command.operation {
        case .scheduleDetail, .scheduleDetailAll, .scheduleSummary, .scheduleSummaryAll:
            var record = ServiceReport(.scheduleReport, request: command.request, time: time)
            record.structure = command.operation == .scheduleDetail || command.operation == .scheduleDetailAll ? 1 : 0
            record.enable = command.operation == .scheduleDetail || command.operation == .scheduleSummary
            record.count = record.enable ? command.count : 0
            for item in 0..<record.count {
                record.words[item] = command.words[item]
                record.values[item] = command.values[item]
            }
            reports.push(record)
        default:
            break
        }
        report(.completed, command, time, final: true, sent: command.flags.contains(.completion))
        statistics.executed &+= 1
    }

    private func matches(_ command: ServiceCommand, _ id: ScheduleRequestID) -> Bool {
        for item in 0..<command.count where Self.requestID(command.words[item], command.values[item]).matches(id) { return true }
        return false
    }

    private func unknownRequest(_ command: ServiceCommand) -> FailureRecord? {
        for item in 0..<command.count {
            let wanted = Self.requestID(command.words[item], command.values[item])
            var found = false
            for position in 0..<schedule.count where schedule.request(at: position).matches(wanted) {
                found = true
                break
            }
            if !found { return FailureRecord(scheduleCode: ScheduleFailure.unknownRequest, data: UInt64(item), length: 2) }
        }
        return nil
    }

    static func requestID(_ word: UInt32, _ value: Double) -> ScheduleRequestID {
        ScheduleRequestID(
            sourceID: UInt16(clamping: Int(value.isFinite ? value : 0)), packetID: UInt16(truncatingIfNeeded: word >> 16),
            sequenceControl: UInt16(truncatingIfNeeded: word))
    }

    private func report(
        _ kind: ServiceReport.Kind, _ command: ServiceCommand, _ time: MonotonicInstant, failure: FailureRecord? = nil, final: Bool = false,
        sent: Bool = true
    ) {
        var record = ServiceReport(kind, request: command.request, time: time)
        if let failure { record.failure = failure }
        if final { record.budget = command.budget }
        record.isSent = sent
        reports.push(record)
    }

    /// Releases every activity due at `time` (release enabled), earliest first, while the
    /// services have room for a telecommand (the rest wait for the next base tick), then
    /// publishes the `sched.*` parameters.
    /// - Warning: Executive thread only. Each release takes the acceptance lock and allocates
    ///   the packet (see the type's discussion).
    func releaseDue(at time: MonotonicInstant) {
        pool.ownership.assertOwned("the time-based schedule")
        var changed = false
        if schedule.isEnabled, let accept {
            while schedule.count > 0, schedule.release(at: 0) <= time, hasRoom?() ?? true {
                let packet = Array(schedule.packet(at: 0))
                let request = schedule.request(at: 0)
                let late = time.duration(since: schedule.release(at: 0)).nanoseconds / 1_000_000
                schedule.remove(at: 0)
                accept(packet, time)
                released &+= 1
                changed = true
                events.raise(
                    FlightEvent(
                        id: ScheduleEvents.activityReleased, severity: .low, time: time, Double(request.apid), Double(request.sequenceCount),
                        Double(late)))
            }
        }
        if changed { snapshots.publish(schedule, at: time) }
        pool.set(handles.activities, Double(schedule.count), at: time)
        pool.set(handles.enabled, schedule.isEnabled ? 1 : 0, at: time)
        pool.set(handles.released, Double(released), at: time)
        pool.set(handles.refused, Double(refused &+ refusedAtAcceptance.load(ordering: .relaxed)), at: time)
    }

    // MARK: Restoring (the constructing thread, before the executive runs)

    /// Attaches the journal in `directory` and restores the schedule from it, release disabled
    /// (the ECSS default). Activities whose time is not after `now` are dropped, not executed;
    /// `schedule_restored` gives both counts. A missing file restores nothing (and reports 0, 0);
    /// a truncated, foreign or corrupt file raises `schedule_journal_failed` and the schedule
    /// starts empty.
    /// - Parameter events: the telemetry thread's event log (later journal failures go there too).
    func restore(directory: String, events: any EventSink, now: MonotonicInstant) {
        let path = directory + "/" + ScheduleJournal.fileName
        journalPath = path
        journalEvents = events
        let bytes: [UInt8]
        do throws(FileReadError) {
            bytes = try readFile(atPath: path, limit: ScheduleJournal.headerLength + TimeBasedSchedule.maximumSerializedLength(capacity: 65_535))
        } catch {
            // ENOENT (2): a first start.
            if case .system(let cause) = error.reason, cause.errno == 2 {
                events.raise(FlightEvent(id: ScheduleEvents.restored, severity: .low, time: now, 0, 0))
            } else {
                var code = 0.0
                if case .system(let cause) = error.reason { code = Double(cause.errno) }
                events.raise(FlightEvent(id: ScheduleEvents.journalFailed, severity: .medium, time: now, 1, 6, code))
            }
            return
        }
        let entries: [ScheduleDetailEntry]
        do throws(ScheduleJournal.Failure) {
            entries = try ScheduleJournal.decode(bytes)
        } catch {
            events.raise(FlightEvent(id: ScheduleEvents.journalFailed, severity: .medium, time: now, 1, error.reason, 0))
            // The next write replaces the unusable file with the (empty) schedule.
            snapshots.publish(schedule, at: now)
            return
        }
        var expired = 0
        var restored = 0
        for entry in entries {
            guard let request = entry.request, entry.activity.packet.count <= ScheduleConfiguration.maximumActivityOctets else { continue }
            let target = instant(of: entry.activity.releaseTime, now: now)
            if target.ahead <= 0 {
                expired += 1
                continue
            }
            let inserted = entry.activity.packet.withUnsafeBufferPointer { packet in
                schedule.insert(release: target.instant, time: entry.activity.releaseTime, request: request, subschedule: entry.subscheduleID, packet: packet)
            }
            if inserted { restored += 1 }
        }
        schedule.isEnabled = false
        snapshots.publish(schedule, at: now)
        // The journal already says this unless entries were dropped (or release was enabled).
        if restored == entries.count { writtenGeneration = snapshots.generation }
        events.raise(FlightEvent(id: ScheduleEvents.restored, severity: .low, time: now, Double(restored), Double(expired)))
    }

    // MARK: Telemetry thread

    /// Writes the journal when the executive published a change since the last write.
    func persistIfChanged() {
        guard let journalPath else { return }
        let (header, entries) = snapshots.latest()
        guard header.generation != writtenGeneration else { return }
        writtenGeneration = header.generation
        do {
            try writeFileAtomically(ScheduleJournal.encode(enabled: header.enabled, count: header.count, entries: entries), toPath: journalPath)
        } catch {
            journalEvents?.raise(FlightEvent(id: ScheduleEvents.journalFailed, severity: .medium, time: header.time, 2, 6, Double(error.errno)))
        }
    }

    /// The TM[11,10] or TM[11,13] packets of a report record, from the latest snapshot: as many
    /// reports as it takes to keep each one's source data within ``maximumReportOctets``.
    func reportPackets(_ record: ServiceReport, encode: (MessageType, [UInt8]) -> TelemetryPacket) -> [TelemetryPacket] {
        let (header, entries) = snapshots.latest()
        let list: [ScheduleDetailEntry]
        do {
            guard case .detail(let decoded) = try ScheduleReport.decode(.scheduleDetailReport, data: ([UInt8(header.count >> 8), UInt8(header.count & 0xFF)] + entries)[...]) else {
                return []
            }
            list = decoded
        } catch {
            return []
        }
        var wanted: [ScheduleRequestID] = []
        if record.enable { for item in 0..<record.count { wanted.append(Self.requestID(record.words[item], Double(record.values[item]))) } }
        let selected = list.filter { entry in
            !record.enable || (entry.request.map { id in wanted.contains { $0.matches(id) } } ?? false)
        }
        let detail = record.structure == 1
        var packets: [TelemetryPacket] = []
        var chunk: [ScheduleDetailEntry] = []
        var octets = 2
        func flush() {
            let report: ScheduleReport =
                detail
                ? .detail(chunk)
                : .summary(
                    chunk.map {
                        ScheduleSummaryEntry(
                            subscheduleID: $0.subscheduleID, releaseTime: $0.activity.releaseTime,
                            request: $0.request ?? ScheduleRequestID(sourceID: 0, packetID: 0, sequenceControl: 0))
                    })
            packets.append(encode(report.messageType, report.applicationData))
            chunk.removeAll()
            octets = 2
        }
        for entry in selected {
            let size = 1 + entry.activity.releaseTime.encodedLength + (detail ? entry.activity.packet.count : 6)
            if octets + size > Self.maximumReportOctets, !chunk.isEmpty { flush() }
            chunk.append(entry)
            octets += size
        }
        if !chunk.isEmpty || packets.isEmpty { flush() }
        return packets
    }

    /// Source data of one TM[11,10] / TM[11,13] at most (a schedule larger goes in several).
    static let maximumReportOctets = 1024
}

/// The release of due activities, every base tick, before the rate groups.
///
/// - Warning: Executive thread only.
final class ScheduleRelease: RateGroupMember {
    let name = "schedule-release"
    private let scheduling: TimeBasedScheduling

    init(_ scheduling: TimeBasedScheduling) { self.scheduling = scheduling }

    func run(_ cycle: CycleContext) { scheduling.releaseDue(at: cycle.time) }
}
