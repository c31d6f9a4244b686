import HAL
import SpaceLink
import Synchronization

/// The outcome of a telecommand's acceptance.
public enum TelecommandVerdict: Sendable, Equatable {
    /// Queued for the executive (TM[1,1] if asked for).
    case accepted(RequestID)
    /// Refused (TM[1,2] with `notice`); no request ID when the packet is shorter than 4 octets
    /// (then no report can be made).
    case rejected(RequestID?, FailureNotice)
    /// Refused without any report: the acceptance reports already waiting fill their ring
    /// (the telemetry thread is behind). Counted in `tm.records_dropped` and `tc.rejected`.
    case dropped(RequestID?)
}

/// The onboard PUS-C services (ECSS-E-ST-70-41C) of the vehicle: request verification (1),
/// housekeeping (3), event reporting (5), function management (8), test (17) and on-board
/// parameter management (20), plus the mission database the ground loads.
///
/// Three threads, three entry points:
///
/// ```text
///  link thread                 executive thread                       telemetry thread
///  ───────────                 ────────────────                       ────────────────
///  acceptTelecommand(bytes) ─► command queue ─► apply at the cycle    pump():
///    decode, validate            boundary (pool, channels, mode       acceptance ring ─┐
///    → acceptance ring           machine…) → report ring              report ring ─────┼─► TM packets
///                              hk group (1 Hz): HK snapshots          event log ───────┘   (priority)
///                                → report ring
/// ```
///
/// Nothing is installed by construction: the vehicle's assembly attaches ``commands`` to the
/// executive with ``apply(_:cycle:)`` as the handler and adds ``housekeepingMember`` to the `hk`
/// rate group, before the executive starts.
///
/// - Warning: ``acceptTelecommand(_:now:)`` may be called from any thread (it serializes
///   callers with a lock, never held by the executive). ``pump(limit:observingEvents:)`` must be called from one
///   thread at a time (the telemetry thread): it is the single consumer of the report ring and
///   of the topology's event log.
public final class SpaceServices: @unchecked Sendable {
    public let configuration: ServicesConfiguration
    /// What the services know about the vehicle (immutable).
    public let directory: ServiceDirectory
    /// The mission information base for the ground.
    public let missionDatabase: MissionDatabase
    /// The packet stores ST[15] commands (set by the assembly before the threads start; read on
    /// the telemetry thread). `nil`: TC[15,x] completes with TM[1,8] `execution_failed`.
    public var storage: (any PacketStorageService)?
    /// Commanded changes kept in the state directory (``attachCommandedState(stateDirectory:events:now:)``).
    private var commanded: PersistedCommanding?
    private let pool: ParameterPool

    private let validation: TelecommandValidation
    private let monitoringValidation: MonitoringValidation
    /// Accepted telecommands waiting for the executive's next cycle boundary.
    public let commands: CommandQueue<ServiceCommand>
    private let acceptance: SPSCRing<AcceptanceRecord>
    /// Serializes the producers of acceptance records; holds the failure reports' rate limit.
    private let acceptanceProducers: LockedValue<FailureReportLimiter>
    private let reports: SPSCRing<ServiceReport>
    private let budget: ReportBudget
    private let eventLog: EventLog
    private let statistics: ServiceStatistics
    private let housekeeping: HousekeepingService
    private let execution: ServiceExecution
    /// Service 11: the time-based schedule.
    let scheduling: TimeBasedScheduling
    /// The telemetry thread's state.
    private let encoder: LockedValue<TelemetryEncoder>

    /// Builds the services and registers their parameters (`tc.*`, `tm.*`).
    ///
    /// Read `configuration` with ``ServicesConfiguration/init(root:)`` before the topology checks
    /// the root table for unknown keys (reading marks `[telemetry]` and `[[housekeeping]]` as
    /// understood), so every configuration error is found before anything is built.
    /// - Parameters:
    ///   - housekeepingPeriod: the period of the rate group the assembly runs ``housekeepingMember`` in.
    /// - Throws: ``TopologyError``: a housekeeping parameter that does not exist or an interval
    ///   that is not a multiple of the hk period (``TopologyError/configuration(_:)``, with the
    ///   line), or parameter IDs already taken (``TopologyError/assembly(_:)``).
    public init(
        configuration: ServicesConfiguration, components topology: FlightComponents, housekeepingPeriod: Duration,
        utc: UTCMapping, storeNames: [String] = []
    ) throws(TopologyError) {
        self.configuration = configuration
        let telemetry = configuration.telemetry
        let pool = topology.pool
        self.pool = pool
        let executive = topology.executive
        let scheduleParameters: TimeBasedScheduling.Handles
        do {
            statistics = try ServiceStatistics(pool: pool, base: telemetry.parameterBase)
            scheduleParameters = try TimeBasedScheduling.register(in: pool)
        } catch {
            throw .assembly(error.description)
        }

        // The vehicle as the ground sees it.
        let vehicle = topology.configuration
        var channels: [ChannelDescription] = []
        for (index, channel) in topology.channels.enumerated() {
            let device = vehicle.devices.first { channel.name == $0.name || channel.name.hasPrefix($0.name + "-stage") }
            let role = device?.role?.rawValue
            channels.append(ChannelDescription(index: index, name: channel.name, role: role, device: device?.name ?? channel.name))
        }
        let devices = topology.devices.slots.enumerated().map { index, slot in
            DeviceDescription(index: index, name: slot.name, driver: slot.driver, sampled: topology.sampling.device(named: slot.name) != nil)
        }
        let monitors = topology.faultManagement.monitors.configurations
        do {
            directory = try ServiceDirectory(
                parameters: pool.definitions, housekeeping: configuration.housekeeping, housekeepingPeriod: housekeepingPeriod,
                events: topology.eventDefinitions, channels: channels, devices: devices, monitors: monitors.map(\.name),
                eventActions: topology.faultManagement.eventActions.configurations, storeNames: storeNames)
        } catch {
            throw .configuration(error)
        }
        missionDatabase = MissionDatabase(
            vehicle: vehicle.vehicleName, telemetry: telemetry, directory: directory,
            monitorParameters: monitors.map(\.parameter))

        validation = TelecommandValidation(directory: directory)
        monitoringValidation = MonitoringValidation(directory: directory, apid: telemetry.apid)
        commands = CommandQueue(capacity: telemetry.commandQueueCapacity)
        acceptance = SPSCRing(capacity: telemetry.acceptanceQueueCapacity)
        acceptanceProducers = LockedValue(FailureReportLimiter(perSecond: telemetry.failureReportsPerSecond))
        reports = SPSCRing(capacity: telemetry.reportQueueCapacity)
        budget = ReportBudget(capacity: telemetry.reportQueueCapacity, housekeepingSlots: max(8, 2 * directory.structures.count))
        eventLog = topology.eventLog
        housekeeping = HousekeepingService(directory: directory, pool: pool, reports: reports, budget: budget, statistics: statistics)
        scheduling = TimeBasedScheduling(
            configuration: configuration.schedule, telemetry: telemetry, mapping: utc, pool: pool, parameters: scheduleParameters,
            reports: reports, statistics: statistics, events: topology.router)
        execution = ServiceExecution(
            directory: directory, pool: pool, channels: topology.channels, faultManagement: topology.faultManagement,
            sampling: topology.sampling, housekeeping: housekeeping, reports: reports, statistics: statistics, scheduling: scheduling,
            resetStatistics: { [unowned executive] in executive.resetStatistics() })
        encoder = LockedValue(TelemetryEncoder(configuration: telemetry, mapping: utc, directory: directory))
        transitionReports = TransitionReports(bank: topology.faultManagement.monitors, reports: reports, budget: budget)
        batteryCharge = BatteryChargeKeeper(reports: reports, budget: budget)
        self.utc = utc
        scheduling.accept = { [unowned self] packet, now in _ = self.acceptTelecommand(packet, now: now) }
        scheduling.hasRoom = { [unowned self] in self.hasRoomForTelecommand }
        // ST[19] definitions added by TC release their telecommand like a time-tagged one
        // (through acceptance; the copy into an array is the same waiver as PUS 11's release).
        topology.faultManagement.eventActions.releaseTelecommand = { [unowned self] packet, now in
            _ = self.acceptTelecommand(Array(packet), now: now)
        }
    }

    /// Sends TM[12,12] for new check transitions: the assembly runs it in the monitoring group
    /// after the monitors.
    public var transitionReportMember: any RateGroupMember { transitionReports }
    private let transitionReports: TransitionReports

    /// Hands the battery's state-of-charge estimate to the state directory once a minute
    /// (``BatteryChargeKeeper``): the assembly runs it in the power group after the controller.
    public var batteryChargeMember: any RateGroupMember { batteryCharge }
    private let batteryCharge: BatteryChargeKeeper
    private let utc: UTCMapping

    // MARK: Executive thread

    /// The housekeeping member (collects due HK structures into the report ring): the assembly
    /// runs it in the `hk` rate group.
    public var housekeepingMember: any RateGroupMember { housekeeping }

    /// The release of the time-based schedule's due activities: the assembly runs it in the
    /// executive's prologue (every base tick). See ``TimeBasedScheduling``.
    public private(set) lazy var scheduleReleaseMember: any RateGroupMember = ScheduleRelease(scheduling)

    /// Restores the time-based schedule from its journal in `stateDirectory` (release disabled)
    /// and journals every later change there; without a call nothing is persisted. Call once,
    /// before the threads start.
    /// - Parameters:
    ///   - events: the telemetry thread's event log (`schedule_restored`, `schedule_journal_failed`).
    ///   - now: the executive clock's time (expired activities are dropped against it).
    public func attachScheduleJournal(stateDirectory: String, events: any EventSink, now: MonotonicInstant) {
        scheduling.restore(directory: stateDirectory, events: events, now: now)
    }

    /// Restores the commanded changes kept in `stateDirectory` (tunables, housekeeping enable
    /// flags and intervals, disabled event reports, ST[12] and ST[19] changes) over the
    /// configuration's defaults, and keeps every later one there (``PersistedCommanding``). Call
    /// once, before the executive starts and after every monitoring group's member is built
    /// (a monitor added by TC names its group by period).
    /// - Parameters:
    ///   - events: the telemetry thread's event log.
    ///   - batteryCharge: reads the state-of-charge estimate (executive thread) and restores a
    ///     kept one (before the executive starts); `nil` keeps none.
    public func attachCommandedState(
        stateDirectory: String, events: any EventSink, batteryCharge: (read: () -> Double?, restore: (Double) -> Void)? = nil, now: MonotonicInstant
    ) {
        let monitoring = execution.monitoring
        var actions: Set<UInt16> = []
        monitoring.table.forEachDefinition { id, _ in actions.insert(id) }
        let persisted = PersistedCommanding(
            stateDirectory: stateDirectory, directory: directory, events: events,
            configuredMonitors: Set(monitoring.bank.definitions.compactMap { $0?.pmonID }), configuredActions: actions, utc: utc)
        persisted.restore(
            pool: pool, housekeeping: housekeeping, disableEvents: { ids in encoder.withLock { $0.disabledEvents = ids } }, monitoring: monitoring,
            restoreCharge: batteryCharge?.restore, now: now)
        if let read = batteryCharge?.read { self.batteryCharge.attach(read: read) }
        commanded = persisted
    }

    /// Applies one accepted telecommand at a cycle boundary (the handler of ``commands``).
    /// - Warning: Executive thread only.
    public func apply(_ command: ServiceCommand, cycle: CycleContext) {
        execution.apply(command, cycle: cycle)
    }

    // MARK: Link thread

    /// Decodes and checks one received TC space packet and, if it is acceptable, queues it for the
    /// executive's next cycle boundary. The acceptance report (TM[1,1] when the TC asks for it,
    /// TM[1,2] always on failure) is queued for ``pump(limit:observingEvents:)``, stamped `now`.
    ///
    /// Checks, in order: packet header, length, PEC, APID, PUS version (→ `badHeader`,
    /// `badLength`, `badCRC`, `badAPID`); message type (`unknownMessageType`); application data,
    /// identifiers and ranges (`badArgument`); room in the command queue (`queueFull`).
    @discardableResult
    public func acceptTelecommand(_ packet: [UInt8], now: MonotonicInstant) -> TelecommandVerdict {
        let request = RequestID(rawPacket: packet)
        let verdict: Result<ServiceCommand, FailureRecord>
        var insert: (subschedule: UInt8, activities: [ScheduleActivity])?
        do {
            let telecommand = try PUSTelecommand.decode(packet, expectedAPID: configuration.telemetry.apid)
            if telecommand.messageType.service == 11 {
                let scheduled = try scheduling.command(for: telecommand)
                insert = scheduled.insert
                verdict = .success(scheduled.command)
            } else if telecommand.messageType.service == 12 || telecommand.messageType.service == 19 {
                // TC[19,1]'s packets travel in the schedule's staging ring (see ScheduleStaging).
                let decoded = try monitoringValidation.command(for: telecommand)
                if !decoded.staged.isEmpty { insert = (0, decoded.staged) }
                verdict = .success(decoded.command)
            } else {
                verdict = .success(try validation.command(for: telecommand))
            }
        } catch let error as SpacePacketError {
            verdict = .failure(FailureRecord(VerificationFailureCode(error)))
        } catch let failure as FailureRecord {
            verdict = .failure(failure)
        } catch {
            verdict = .failure(FailureRecord(.badArgument))
        }
        return acceptanceProducers.withLock { limiter in
            switch verdict {
            case .success(let command):
                // Producers are serialized here and the consumers only free slots: room now
                // means the pushes below succeed. Without room for the acceptance report the TC
                // is dropped unreported rather than run unreported.
                guard acceptance.count < acceptance.capacity else {
                    statistics.acceptanceDropped.wrappingAdd(1, ordering: .relaxed)
                    statistics.rejected.wrappingAdd(1, ordering: .relaxed)
                    return .dropped(request)
                }
                // A TC[11,4]'s activities go into the staging ring with it (see ScheduleStaging).
                guard commands.count < commands.capacity, scheduling.staging.room >= (insert?.activities.count ?? 0), budget.reserve(command.budget) else {
                    if let insert, command.operation == .scheduleInsert { scheduling.countRefused(insert.activities.count) }
                    return reject(request, FailureRecord(.queueFull), now: now, limiter: &limiter)
                }
                if command.flags.contains(.acceptance) { record(AcceptanceRecord(request: command.request, time: now, failure: nil)) }
                if let insert { scheduling.stage(insert) }
                commands.push(command)
                statistics.accepted.wrappingAdd(1, ordering: .relaxed)
                return .accepted(command.request)
            case .failure(let failure):
                return reject(request, failure, now: now, limiter: &limiter)
            }
        }
    }

    /// Whether a telecommand could be accepted now: room in the command queue, in the
    /// acceptance ring and for the largest command's reports. The uplink asks this before each
    /// type-AD frame and lets FARM-1 enter Wait when it is false, so that a sender that honours
    /// the CLCW retransmits instead of the vehicle refusing or dropping commands. Any thread.
    ///
    /// A frame is taken to carry one telecommand (what the ground sends); further packets of a
    /// frame accepted on this answer may still be refused with `queue_full`, which is reported.
    public var hasRoomForTelecommand: Bool {
        commands.count < commands.capacity && acceptance.count < acceptance.capacity
            && budget.canReserve(ServiceCommand.largestBudget)
    }

    /// The link's counters, published as `link.*` housekeeping parameters; the thread that
    /// runs the link sets them from its statistics.
    public var linkCounters: LinkCounters { statistics.link }

    /// The contact state and counters, published as `link.in_contact`, `link.passes`, … (0x0D00…);
    /// the link's threads set them.
    public var contactTelemetry: ContactTelemetry { statistics.contact }

    private func reject(_ request: RequestID?, _ failure: FailureRecord, now: MonotonicInstant, limiter: inout FailureReportLimiter) -> TelecommandVerdict {
        statistics.rejected.wrappingAdd(1, ordering: .relaxed)
        guard let request else { return .rejected(nil, failure.notice) }
        // Malformed input is rate limited per code; `queue_full` refuses a valid command, is
        // bounded by the command rate and always reported.
        guard failure.code == VerificationFailureCode.queueFull.rawValue || limiter.allow(code: failure.code, at: now) else {
            statistics.failuresSuppressed.wrappingAdd(1, ordering: .relaxed)
            return .rejected(request, failure.notice)
        }
        return record(AcceptanceRecord(request: request, time: now, failure: failure)) ? .rejected(request, failure.notice) : .dropped(request)
    }

    @discardableResult
    private func record(_ acceptanceRecord: AcceptanceRecord) -> Bool {
        guard acceptance.push(acceptanceRecord) else {
            statistics.acceptanceDropped.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        return true
    }

    // MARK: Telemetry thread

    /// Encodes everything waiting: acceptance reports, then the executive's reports (verification
    /// stages, 17,2, 20,2, housekeeping) in the order they were made, then events.
    ///
    /// The executive's reports are taken before the acceptance reports are read, so a TM[1,1]
    /// never follows the TM[1,3] of the same telecommand.
    /// - Parameters:
    ///   - limit: records taken from each ring at most in one call.
    ///   - observer: sees every event taken from the event log, reported or disabled (for the
    ///     daemon's log: this is the log's only consumer).
    public func pump(limit: Int = 512, observingEvents observer: ((FlightEvent) -> Void)? = nil) -> [TelemetryPacket] {
        scheduling.persistIfChanged()
        var taken: [ServiceReport] = []
        reports.drain(limit: limit) { taken.append($0) }
        var accepted: [AcceptanceRecord] = []
        acceptance.drain(limit: limit) { accepted.append($0) }
        var events: [FlightEvent] = []
        eventLog.drain(limit: limit) { events.append($0) }
        if let observer { for event in events { observer(event) } }
        return encoder.withLock { encoder in
            var packets: [TelemetryPacket] = []
            packets.reserveCapacity(accepted.count + taken.count + events.count)
            for record in accepted { packets.append(encoder.encode(record)) }
            for record in taken {
                if record.kind.isFinal { budget.release(record.budget) }
                if record.isPeriodic { budget.releaseHousekeeping() }
                if record.kind == .commandedState {
                    commanded?.note(record)
                    continue
                }
                if record.kind == .eventFilter { commanded?.noteEventFilter(record) }
                if record.kind == .storageRequest {
                    packets += encoder.encodeStorage(record, service: storage)
                } else if record.kind == .scheduleReport {
                    packets += scheduling.reportPackets(record) { type, data in encoder.encode(type, at: record.time, sourceData: data) }
                } else if record.isSent, let packet = encoder.encode(record) {
                    packets.append(packet)
                }
            }
            for event in events { if let packet = encoder.encode(event) { packets.append(packet) } }
            return packets
        }
    }

    /// The event IDs whose reports are disabled (TC[5,6]) as of the last ``pump(limit:observingEvents:)``.
    public var disabledEvents: Set<UInt16> { encoder.withLock { $0.disabledEvents } }
}

/// A token bucket per verification failure code: at most `perSecond` acceptance failure reports
/// of one code per second, with a burst of as many. Link thread, under the acceptance lock.
struct FailureReportLimiter: Sendable {
    let perSecond: Int
    private var tokens: [UInt16: Double] = [:]
    private var refilled: [UInt16: MonotonicInstant] = [:]

    init(perSecond: Int) { self.perSecond = max(1, perSecond) }

    /// Whether a report of `code` may be sent at `now` (taking its token).
    mutating func allow(code: UInt16, at now: MonotonicInstant) -> Bool {
        let capacity = Double(perSecond)
        var available = tokens[code] ?? capacity
        if let last = refilled[code], now > last {
            available = min(capacity, available + Double(now.duration(since: last).nanoseconds) / 1e9 * capacity)
        }
        if refilled[code].map({ now > $0 }) ?? true { refilled[code] = now }
        guard available >= 1 else {
            tokens[code] = available
            return false
        }
        tokens[code] = available - 1
        return true
    }
}
