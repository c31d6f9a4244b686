import HAL
import SpaceLink

/// Applies accepted telecommands at the cycle boundary, on the executive's thread: mutates the
/// pool, the actuator channels, fault management and the housekeeping state, and reports each
/// stage as a fixed-size ``ServiceReport`` in the report ring.
///
/// Reports per command, in ring order: TM[1,3] (or TM[1,4] and nothing else), the command's
/// own report if it has one (TM[17,2], TM[20,2], TM[3,25]), then TM[1,7] or TM[1,8]. Success
/// stages the TC's acknowledgement flags do not ask for are not pushed.
///
/// - Warning: Executive thread only; ``apply(_:cycle:)`` does not allocate, lock or log.
final class ServiceExecution {
    private let directory: ServiceDirectory
    private let pool: ParameterPool
    private let channels: [ActuatorChannel]
    private let faultManagement: FaultManagement
    private let sampling: DeviceSampling
    private let housekeeping: HousekeepingService
    private let reports: SPSCRing<ServiceReport>
    private let statistics: ServiceStatistics
    private let resetStatistics: () -> Void
    /// Service 11.
    let scheduling: TimeBasedScheduling
    /// Services 12 and 19.
    let monitoring: MonitoringExecution

    init(
        directory: ServiceDirectory, pool: ParameterPool, channels: [ActuatorChannel], faultManagement: FaultManagement,
        sampling: DeviceSampling, housekeeping: HousekeepingService, reports: SPSCRing<ServiceReport>,
        statistics: ServiceStatistics, scheduling: TimeBasedScheduling, resetStatistics: @escaping () -> Void
    ) {
        self.scheduling = scheduling
        monitoring = MonitoringExecution(
            bank: faultManagement.monitors, table: faultManagement.eventActions, directory: directory, reports: reports, staging: scheduling.staging)
        self.directory = directory
        self.pool = pool
        self.channels = channels
        self.faultManagement = faultManagement
        self.sampling = sampling
        self.housekeeping = housekeeping
        self.reports = reports
        self.statistics = statistics
        self.resetStatistics = resetStatistics
    }

    func apply(_ command: ServiceCommand, cycle: CycleContext) {
        let time = cycle.time
        if command.operation.isSchedule {
            scheduling.apply(command, time: time)
            return
        }
        if command.operation == .parameterSet {
            // Atomic: every value is checked again on the current pool before any is set.
            for item in 0..<command.count {
                let id = directory.parameters[Int(command.words[item])].id
                do {
                    try pool.checkTunable(id: id, value: command.values[item])
                } catch {
                    report(.startFailed, command, time, failure: .identifier(.badArgument, UInt32(id.rawValue), width: 2), final: true)
                    statistics.failed &+= 1
                    return
                }
            }
            // Related tunables as a whole (a band's low limit below its high one): with the
            // proposed values in place of the current ones.
            if let broken = pool.violatedConstraint(proposed: { index in
                for item in (0..<command.count).reversed() where Int(command.words[item]) == index { return command.values[item] }
                return nil
            }) {
                let data = UInt64(broken.lower.id.rawValue) << 16 | UInt64(broken.upper.id.rawValue)
                report(.startFailed, command, time, failure: FailureRecord(.constraintViolated, data: data, length: 4), final: true)
                statistics.failed &+= 1
                return
            }
        }
        if command.flags.contains(.start) { report(.started, command, time) }

        var failure: FailureRecord?
        switch command.operation {
        case .connectionTest:
            report(.connectionReport, command, time)

        case .housekeepingEnable, .housekeepingDisable:
            for item in 0..<command.count { housekeeping.setEnabled(Int(command.words[item]), command.operation == .housekeepingEnable) }

        case .housekeepingInterval:
            for item in 0..<command.count { housekeeping.setInterval(Int(command.words[item]), cycles: Int(command.values[item])) }

        case .housekeepingOneShot:
            for item in 0..<command.count where !housekeeping.snapshot(Int(command.words[item]), request: command.request, at: time) {
                failure = .identifier(.executionFailed, directory.structures[Int(command.words[item])].id, width: 4)
            }

        case .eventsEnable, .eventsDisable:
            var filter = ServiceReport(.eventFilter, request: command.request, time: time)
            filter.enable = command.operation == .eventsEnable
            filter.count = command.count
            filter.words = command.words
            if !reports.push(filter) { failure = FailureRecord(.executionFailed) }

        case .setMode:
            let target = VehicleMode(rawValue: UInt8(command.words[0])) ?? .safe
            let machine = faultManagement.modeMachine
            let current = machine.mode
            do {
                try machine.command(target, at: time)
            } catch {
                var reason: UInt8 = 0
                if case .conditionsPersist(_, _, let cause) = error { reason = cause.reason.rawValue }
                // Failure data: current mode, the mode machine's code, the blocking cause.
                let data = UInt64(current.rawValue) << 16 | UInt64(UInt8(truncatingIfNeeded: error.failureCode)) << 8 | UInt64(reason)
                failure = FailureRecord(.notAllowedInMode, data: data, length: 3)
            }

        case .actuatorCommand:
            let state = command.values[0]
            channels[Int(command.words[0])].request(.command, state.isNaN ? nil : state != 0)

        case .deviceReset:
            let device = directory.devices[Int(command.words[0])]
            if !sampling.requestRecovery(device: device.name) {
                failure = .identifier(.executionFailed, UInt32(device.index), width: 2)
            }

        case .monitorEnable:
            do {
                try faultManagement.monitors.setEnabled(monitor: Int(command.words[0]), command.values[0] == 1)
            } catch {
                failure = .identifier(.executionFailed, command.words[0], width: 2)
            }

        case .eventActionEnable:
            do {
                try faultManagement.eventActions.setEnabled(entry: Int(command.words[0]), command.values[0] == 1)
            } catch {
                failure = .identifier(.executionFailed, command.words[0], width: 2)
            }

        case .monitoring, .eventAction:
            failure = monitoring.apply(command, time: time)

        case .releaseLatches:
            faultManagement.safing.releaseLatches()

        case .resetStatistics:
            resetStatistics()

        case .parameterReport:
            var values = ServiceReport(.parameterReport, request: command.request, time: time)
            values.count = command.count
            var usable: UInt64 = 0
            for item in 0..<command.count {
                let index = Int(command.words[item])
                let sample = pool[ParameterHandle(index: index, id: directory.parameters[index].id)]
                values.words[item] = UInt32(index)
                values.values[item] = sample.value
                if sample.validity == .valid || sample.validity == .stale { usable |= 1 << UInt64(item) }
            }
            values.usable = usable
            if !reports.push(values) { failure = FailureRecord(.executionFailed) }

        case .storage:
            // The telemetry thread performs it and sends TM[1,7] or TM[1,8]: this record is final.
            var record = ServiceReport(.storageRequest, request: command.request, time: time)
            record.structure = Int(command.detail)
            record.count = command.count
            record.words = command.words
            for item in 0..<ServiceCommand.maximumItems { record.values[item] = command.values[item] }
            record.enable = command.flags.contains(.completion)
            record.budget = command.budget
            reports.push(record)
            statistics.executed &+= 1
            return
        case .scheduleEnable, .scheduleDisable, .scheduleReset, .scheduleInsert, .scheduleDelete, .scheduleShift, .scheduleShiftAll,
            .scheduleDetail, .scheduleDetailAll, .scheduleSummary, .scheduleSummaryAll:
            break // applied by `scheduling` above

        case .parameterSet:
            for item in 0..<command.count {
                // Checked above on this thread in this cycle: cannot fail.
                try? pool.setTunable(id: directory.parameters[Int(command.words[item])].id, value: command.values[item], at: time)
            }
        }

        if failure == nil, let change = Self.persistedChange(command.operation) {
            // To the telemetry thread, which keeps it in the state directory.
            var record = ServiceReport(.commandedState, request: command.request, time: time)
            record.structure = change.rawValue
            record.count = command.count
            record.words = command.words
            for item in 0..<command.count { record.values[item] = command.values[item] }
            reports.push(record)
        }
        if let failure {
            report(.completionFailed, command, time, failure: failure, final: true)
            statistics.failed &+= 1
        } else {
            // Always pushed: it releases the command's reservation; sent only if asked for.
            report(.completed, command, time, final: true, sent: command.flags.contains(.completion))
            statistics.executed &+= 1
        }
    }

    /// The persisted change an operation makes, if any.
    static func persistedChange(_ operation: ServiceOperation) -> PersistedCommanding.Change? {
        switch operation {
        case .parameterSet: .tunables
        case .housekeepingEnable: .housekeepingEnable
        case .housekeepingDisable: .housekeepingDisable
        case .housekeepingInterval: .housekeepingInterval
        default: nil
        }
    }

    /// Pushes one record; cannot fail for a command's own records (reserved at acceptance).
    @inline(__always)
    private func report(
        _ kind: ServiceReport.Kind, _ command: ServiceCommand, _ time: MonotonicInstant, failure: FailureRecord? = nil,
        final: Bool = false, sent: Bool = true
    ) {
        var record = ServiceReport(kind, request: command.request, time: time)
        if let failure { record.failure = failure }
        if final { record.budget = command.budget }
        record.isSent = sent
        reports.push(record)
    }
}
