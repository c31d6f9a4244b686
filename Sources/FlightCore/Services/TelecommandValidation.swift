import SpaceLink

extension FailureRecord: Error {}

/// The acceptance checks that need no vehicle state: message type, application data, and every
/// identifier and range the directory can judge. Pure; runs on the link thread.
struct TelecommandValidation: Sendable {
    let directory: ServiceDirectory

    /// The command record for `telecommand`.
    /// - Throws: the acceptance failure (``VerificationFailureCode/unknownMessageType`` or
    ///   ``VerificationFailureCode/badArgument`` with the offending identifier as failure data).
    func command(for telecommand: PUSTelecommand) throws(FailureRecord) -> ServiceCommand {
        let type = telecommand.messageType
        let data = telecommand.applicationData[...]
        let request = telecommand.requestID
        let flags = telecommand.acknowledgementFlags
        switch type {
        case .areYouAlive:
            guard data.isEmpty else { throw FailureRecord(.badArgument) }
            return ServiceCommand(.connectionTest, request: request, flags: flags)

        case .housekeepingEnablePeriodic, .housekeepingDisablePeriodic, .housekeepingOneShot, .housekeepingModifyInterval:
            let message = try decoded { () throws(ServiceDataError) in try HousekeepingRequest.decode(type, data: data) }
            switch message {
            case .enablePeriodic(let ids): return try structures(ids, .housekeepingEnable, request, flags)
            case .disablePeriodic(let ids): return try structures(ids, .housekeepingDisable, request, flags)
            case .generateOneShot(let ids): return try structures(ids, .housekeepingOneShot, request, flags)
            case .modifyCollectionInterval(let intervals):
                var command = ServiceCommand(.housekeepingInterval, request: request, flags: flags)
                try checkCount(intervals.count)
                let periodMilliseconds = directory.housekeepingPeriod.nanoseconds / 1_000_000
                for interval in intervals {
                    guard let index = directory.structureIndex(id: interval.structureID) else {
                        throw .identifier(.badArgument, interval.structureID, width: 4)
                    }
                    let milliseconds = Int64(interval.milliseconds)
                    guard periodMilliseconds > 0, milliseconds >= periodMilliseconds, milliseconds % periodMilliseconds == 0,
                        milliseconds <= HousekeepingService.maximumIntervalMilliseconds
                    else {
                        throw .identifier(.badArgument, interval.structureID, width: 4)
                    }
                    command.append(UInt32(index), Double(milliseconds / periodMilliseconds))
                }
                return command
            }

        case .eventEnable, .eventDisable:
            let message = try decoded { () throws(ServiceDataError) in try EventReportingRequest.decode(type, data: data) }
            let ids: [UInt16]
            let operation: ServiceOperation
            switch message {
            case .enable(let list): (ids, operation) = (list, .eventsEnable)
            case .disable(let list): (ids, operation) = (list, .eventsDisable)
            }
            try checkCount(ids.count)
            var command = ServiceCommand(operation, request: request, flags: flags)
            for id in ids {
                guard directory.isKnownEvent(id) else { throw .identifier(.badArgument, UInt32(id), width: 2) }
                command.append(UInt32(id))
            }
            return command

        case .performFunction:
            let message = try decoded { () throws(ServiceDataError) in try FunctionRequest.decode(type, data: data) }
            return try function(message, request: request, flags: flags)

        case .parameterReportRequest, .parameterSet:
            let message = try decoded { () throws(ServiceDataError) in try ParameterManagementMessage.decode(type, data: data) }
            switch message {
            case .reportRequest(let ids):
                try checkCount(ids.count)
                var command = ServiceCommand(.parameterReport, request: request, flags: flags)
                for id in ids {
                    guard let index = directory.parameterIndex(id: id) else { throw .identifier(.badArgument, UInt32(id), width: 2) }
                    command.append(UInt32(index))
                }
                return command
            case .set(let assignments):
                try checkCount(assignments.count)
                var command = ServiceCommand(.parameterSet, request: request, flags: flags)
                for assignment in assignments {
                    let failure = FailureRecord.identifier(.badArgument, UInt32(assignment.id), width: 2)
                    guard let index = directory.parameterIndex(id: assignment.id) else { throw failure }
                    let definition = directory.parameters[index]
                    guard definition.tunable, assignment.value.type == definition.type.wireType else { throw failure }
                    let value = assignment.value.doubleValue
                    guard value.isFinite else { throw failure }
                    if let range = definition.range, !range.contains(value) { throw failure }
                    command.append(UInt32(index), value)
                }
                return command
            case .report:
                throw FailureRecord(.unknownMessageType)
            }

        case _ where type.service == 15:
            let message = try decoded { () throws(ServiceDataError) in try StorageRequestMessage.decode(type, data: data) }
            let ids = message.stores
            try checkCount(max(1, ids.count))
            if case .retrieveByTime(let ranges) = message {
                guard ranges.count <= ServiceCommand.maximumItems / 2 else { throw .identifier(.badArgument, UInt32(ranges.count), width: 1) }
                for range in ranges where range.start > range.end { throw .identifier(.badArgument, UInt32(range.storeID), width: 2) }
            }
            var seen: Set<UInt16> = []
            for id in ids {
                guard id >= 1, Int(id) <= directory.storeCount, seen.insert(id).inserted else {
                    throw .identifier(.badArgument, UInt32(id), width: 2)
                }
            }
            return .storage(message, request: request, flags: flags)

        default:
            throw FailureRecord(.unknownMessageType)
        }
    }

    // MARK: Pieces

    private func decoded<T>(_ body: () throws(ServiceDataError) -> T) throws(FailureRecord) -> T {
        do {
            return try body()
        } catch {
            throw FailureRecord(.badArgument)
        }
    }

    private func checkCount(_ count: Int) throws(FailureRecord) {
        guard count >= 1, count <= ServiceCommand.maximumItems else {
            throw FailureRecord(.badArgument, data: UInt64(min(count, 255)), length: 1)
        }
    }

    private func structures(_ ids: [UInt32], _ operation: ServiceOperation, _ request: RequestID, _ flags: AcknowledgementFlags) throws(FailureRecord) -> ServiceCommand {
        try checkCount(ids.count)
        var command = ServiceCommand(operation, request: request, flags: flags)
        for id in ids {
            guard let index = directory.structureIndex(id: id) else { throw .identifier(.badArgument, id, width: 4) }
            command.append(UInt32(index))
        }
        return command
    }

    private func function(_ message: FunctionRequest, request: RequestID, flags: AcknowledgementFlags) throws(FailureRecord) -> ServiceCommand {
        guard let definition = FunctionCatalog.all.first(where: { $0.id == message.functionID }) else {
            throw .identifier(.badArgument, UInt32(message.functionID), width: 2)
        }
        // Every argument must be declared, given once, of its type; required ones present.
        var given: [UInt16: ParameterValue] = [:]
        for argument in message.arguments {
            let failure = FailureRecord.identifier(.badArgument, UInt32(argument.id), width: 2)
            guard let declared = definition.arguments.first(where: { $0.id == argument.id }), given[argument.id] == nil else { throw failure }
            switch declared.type {
            case "bool": guard case .bool = argument.value else { throw failure }
            default: guard argument.value.integerValue != nil else { throw failure }
            }
            given[argument.id] = argument.value
        }
        for declared in definition.arguments where declared.required && given[declared.id] == nil {
            throw .identifier(.badArgument, UInt32(declared.id), width: 2)
        }
        func index(_ id: UInt16, below limit: Int, where accept: (Int) -> Bool = { _ in true }) throws(FailureRecord) -> UInt32 {
            guard let value = given[id]?.integerValue, value >= 0, value < limit, accept(value) else {
                throw .identifier(.badArgument, UInt32(id), width: 2)
            }
            return UInt32(value)
        }
        func state(_ id: UInt16) -> Double {
            if case .bool(let flag)? = given[id] { return flag ? 1 : 0 }
            return .nan
        }
        var command: ServiceCommand
        switch definition.id {
        case FunctionCatalog.setMode:
            command = ServiceCommand(.setMode, request: request, flags: flags)
            command.append(try index(FunctionCatalog.Argument.mode, below: VehicleMode.allCases.count))
        case FunctionCatalog.actuatorCommand, FunctionCatalog.loadSwitch:
            let loadSwitchOnly = definition.id == FunctionCatalog.loadSwitch
            let channels = directory.channels
            command = ServiceCommand(.actuatorCommand, request: request, flags: flags)
            command.append(
                try index(FunctionCatalog.Argument.channel, below: channels.count) { !loadSwitchOnly || channels[$0].isLoadSwitch },
                state(FunctionCatalog.Argument.state))
        case FunctionCatalog.deviceReset:
            let devices = directory.devices
            command = ServiceCommand(.deviceReset, request: request, flags: flags)
            command.append(try index(FunctionCatalog.Argument.device, below: devices.count) { devices[$0].sampled })
        case FunctionCatalog.monitorEnable:
            command = ServiceCommand(.monitorEnable, request: request, flags: flags)
            command.append(try index(FunctionCatalog.Argument.monitor, below: directory.monitors.count), state(FunctionCatalog.Argument.enabled))
        case FunctionCatalog.eventActionEnable:
            command = ServiceCommand(.eventActionEnable, request: request, flags: flags)
            command.append(try index(FunctionCatalog.Argument.entry, below: directory.eventActions.count), state(FunctionCatalog.Argument.enabled))
        case FunctionCatalog.releaseSafingLatches:
            command = ServiceCommand(.releaseLatches, request: request, flags: flags)
        case FunctionCatalog.resetExecutiveStatistics:
            command = ServiceCommand(.resetStatistics, request: request, flags: flags)
        default:
            throw .identifier(.badArgument, UInt32(message.functionID), width: 2)
        }
        return command
    }
}

extension ParameterValue {
    /// The value of an integer-typed value (u8, u16, u32, i16, i32); `nil` for floats and bools.
    var integerValue: Int? {
        switch self {
        case .u8(let v): return Int(v)
        case .u16(let v): return Int(v)
        case .u32(let v): return Int(v)
        case .i16(let v): return Int(v)
        case .i32(let v): return Int(v)
        case .f32, .f64, .bool: return nil
        }
    }
}

extension ParameterType {
    /// The PUS wire type (service 3 packing, service 20 tag) of a pool parameter.
    var wireType: SpaceLink.ParameterType {
        switch self {
        case .bool: return .bool
        case .u8: return .u8
        case .u16: return .u16
        case .u32: return .u32
        case .i16: return .i16
        case .i32: return .i32
        case .f32: return .f32
        case .f64: return .f64
        }
    }
}
