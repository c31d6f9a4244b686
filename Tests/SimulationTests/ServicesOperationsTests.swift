import FlightCore
import HAL
import Simulation
import SpaceLink
import Testing

/// Services 3, 5, 8 and 20 on the shipped simulated vehicle.
@Suite struct ServicesOperationsTests {
    static func function(_ id: UInt16, _ arguments: [FunctionArgument] = []) -> [UInt8] {
        FunctionRequest(functionID: id, arguments: arguments).applicationData
    }

    // MARK: Service 8

    @Test func commandingSafeTakesEffectAtTheNextCycle() throws {
        let harness = try ServicesHarness()
        harness.run(for: .seconds(2))
        #expect(harness.simulation.mode == .boot)
        harness.clear()
        let tc = harness.telecommand(.performFunction, Self.function(FunctionCatalog.setMode, [FunctionArgument(id: 1, value: .u8(3))]))
        #expect(harness.send(tc) == .accepted(.of(tc)))
        #expect(harness.simulation.mode == .boot) // nothing happens before the cycle boundary
        harness.runCycles(1)
        #expect(harness.simulation.mode == .safe)
        #expect(harness.verification(of: .of(tc)) == [.acceptanceSuccess(.of(tc)), .startSuccess(.of(tc)), .completionSuccess(.of(tc))])
        // mode_safe (0x0503, medium) → TM[5,3], arguments: from BOOT (0), to SAFE (3), reason, detail.
        let event = try #require(
            harness.reports(MessageType(5, 3)).compactMap { try? EventReport.decode($0.messageType, data: $0.sourceData[...]) }
                .first { $0.eventID == 0x0503 })
        #expect(event.auxiliaryData.first == 4)
        #expect(Array(event.auxiliaryData[1..<9]) == ParameterValue.f64(0).packed)
        #expect(Array(event.auxiliaryData[9..<17]) == ParameterValue.f64(3).packed)
        // The next housekeeping reports carry SAFE as their first value.
        harness.run(for: .seconds(1))
        let lifeSupport = try #require(harness.housekeeping(1).last)
        #expect(lifeSupport.values.first == .u8(3))
    }

    @Test func aRefusedModeCommandFailsCompletionWithTheModeMachinesCode() throws {
        let harness = try ServicesHarness()
        // BOOT → NOMINAL cannot be commanded (the mode machine's code 1, not allowed).
        let tc = harness.telecommand(.performFunction, Self.function(FunctionCatalog.setMode, [FunctionArgument(id: 1, value: .u8(1))]))
        harness.send(tc)
        harness.runCycles(1)
        #expect(harness.simulation.mode == .boot)
        // Failure data: current mode BOOT (0), mode-machine code 1, no blocking cause.
        #expect(
            harness.verification(of: .of(tc)) == [
                .acceptanceSuccess(.of(tc)), .startSuccess(.of(tc)),
                .completionFailure(.of(tc), FailureNotice(.notAllowedInMode, data: [0, 1, 0])),
            ])
        // mode_command_refused (0x0510, low) → TM[5,2].
        let refused = harness.reports(MessageType(5, 2)).compactMap { try? EventReport.decode($0.messageType, data: $0.sourceData[...]) }
        #expect(refused.contains { $0.eventID == 0x0510 })
    }

    @Test func functionArgumentsAreCheckedAtAcceptance() throws {
        let harness = try ServicesHarness()
        let cases: [([FunctionArgument], UInt16, [UInt8])] = [
            ([FunctionArgument(id: 1, value: .u8(5))], FunctionCatalog.setMode, [0, 1]), // no mode 5
            ([], FunctionCatalog.setMode, [0, 1]), // mode missing
            ([FunctionArgument(id: 1, value: .f32(3))], FunctionCatalog.setMode, [0, 1]), // not an integer
            ([FunctionArgument(id: 1, value: .u8(3)), FunctionArgument(id: 9, value: .u8(0))], FunctionCatalog.setMode, [0, 9]),
            ([FunctionArgument(id: 1, value: .u16(8))], FunctionCatalog.actuatorCommand, [0, 1]), // 8 channels
            ([FunctionArgument(id: 1, value: .u16(3)), FunctionArgument(id: 2, value: .u8(1))], FunctionCatalog.actuatorCommand, [0, 2]),
            ([FunctionArgument(id: 1, value: .u16(0)), FunctionArgument(id: 2, value: .bool(true))], FunctionCatalog.loadSwitch, [0, 1]), // the O2 valve
            ([FunctionArgument(id: 1, value: .u16(12))], FunctionCatalog.deviceReset, [0, 1]), // cabin-heater: an actuator
            ([FunctionArgument(id: 1, value: .u16(9))], FunctionCatalog.monitorEnable, [0, 2]), // enabled missing
            ([FunctionArgument(id: 1, value: .u16(9)), FunctionArgument(id: 2, value: .bool(true))], FunctionCatalog.monitorEnable, [0, 1]),
            ([FunctionArgument(id: 1, value: .u16(3)), FunctionArgument(id: 2, value: .bool(true))], FunctionCatalog.eventActionEnable, [0, 1]),
        ]
        for (arguments, function, data) in cases {
            let tc = harness.telecommand(.performFunction, Self.function(function, arguments))
            #expect(harness.send(tc) == .rejected(.of(tc), FailureNotice(.badArgument, data: data)), "function \(function) \(arguments)")
        }
    }

    @Test func actuatorLoadSwitchResetMonitorAndLatchFunctions() throws {
        let harness = try ServicesHarness()
        let topology = harness.topology
        let heater = topology.channels[3]
        let payload = topology.channels[4]
        #expect(heater.name == "cabin-heater" && payload.name == "payload-switch")
        let commands: [[UInt8]] = [
            harness.telecommand(
                .performFunction,
                Self.function(
                    FunctionCatalog.actuatorCommand,
                    [
                        FunctionArgument(id: 1, value: .u16(3)), FunctionArgument(id: 2, value: .bool(true)),
                    ])),
            harness.telecommand(
                .performFunction,
                Self.function(
                    FunctionCatalog.loadSwitch,
                    [
                        FunctionArgument(id: 1, value: .u16(4)), FunctionArgument(id: 2, value: .bool(false)),
                    ])),
            harness.telecommand(.performFunction, Self.function(FunctionCatalog.deviceReset, [FunctionArgument(id: 1, value: .u16(0))])),
            harness.telecommand(
                .performFunction,
                Self.function(
                    FunctionCatalog.monitorEnable,
                    [
                        FunctionArgument(id: 1, value: .u16(4)), FunctionArgument(id: 2, value: .bool(false)),
                    ])),
            harness.telecommand(
                .performFunction,
                Self.function(
                    FunctionCatalog.eventActionEnable,
                    [
                        FunctionArgument(id: 1, value: .u16(2)), FunctionArgument(id: 2, value: .bool(false)),
                    ])),
            harness.telecommand(.performFunction, Self.function(FunctionCatalog.releaseSafingLatches)),
            harness.telecommand(.performFunction, Self.function(FunctionCatalog.resetExecutiveStatistics)),
        ]
        for tc in commands { #expect(harness.send(tc) == .accepted(.of(tc))) }
        harness.runCycles(1)
        for tc in commands { #expect(harness.verification(of: .of(tc)).last == .completionSuccess(.of(tc))) }
        #expect(heater.requested(by: .command) == true)
        #expect(payload.requested(by: .command) == false)
        #expect(topology.faultManagement.monitors.isEnabled(4) == false)
        #expect(topology.faultManagement.eventActions.isEnabled(2) == false)

        // Release: no state argument.
        let release = harness.telecommand(.performFunction, Self.function(FunctionCatalog.actuatorCommand, [FunctionArgument(id: 1, value: .u16(3))]))
        harness.send(release)
        harness.runCycles(1)
        #expect(heater.requested(by: .command) == nil)
    }

    // MARK: Service 20

    @Test func parameterSetChecksRangesAndAppliesAtTheCycleBoundary() throws {
        let harness = try ServicesHarness()
        let ppo2Low = try harness.topology.pool.handle(named: "ls.ppo2_low_kpa")
        #expect(ppo2Low.id == ParameterID(0x0220))
        func set(_ id: UInt16, _ value: ParameterValue) -> [UInt8] {
            harness.telecommand(.parameterSet, ParameterManagementMessage.set([ParameterAssignment(id: id, value: value)]).applicationData)
        }
        // 17.0…23.0 kPa, f32.
        let outOfRange = set(0x0220, .f32(30))
        let wrongType = set(0x0220, .f64(20))
        let notTunable = set(0x0200, .f32(20))
        let unknown = set(0x7FFF, .f32(20))
        for tc in [outOfRange, wrongType, notTunable] {
            #expect(harness.send(tc) == .rejected(.of(tc), FailureNotice(.badArgument, data: [0x02, tc == notTunable ? 0x00 : 0x20])))
        }
        #expect(harness.send(unknown) == .rejected(.of(unknown), FailureNotice(.badArgument, data: [0x7F, 0xFF])))

        let good = set(0x0220, .f32(19.5))
        #expect(harness.send(good) == .accepted(.of(good)))
        #expect(harness.topology.pool[ppo2Low].value == 20.5) // from sim.toml, until the cycle boundary
        harness.runCycles(1)
        #expect(harness.topology.pool[ppo2Low].value == 19.5)
        #expect(harness.verification(of: .of(good)).last == .completionSuccess(.of(good)))
    }

    @Test func parameterReportCarriesThePoolValues() throws {
        let harness = try ServicesHarness()
        harness.run(for: .seconds(3))
        let ids: [UInt16] = [0x0500, 0x0220, 0x0102, 0x0309, 0x1003] // mode, ppO2 low, healthy, shed level, cabin pressure
        let tc = harness.telecommand(.parameterReportRequest, ParameterManagementMessage.reportRequest(ids).applicationData)
        harness.send(tc)
        // Applied at the start of the next tick, before any member runs: the pool as it is now.
        let pool = harness.topology.pool
        let pressure = pool[try pool.handle(named: "dev.cabin-env.pressure_pa")].value
        harness.runCycles(1)
        let packet = try #require(harness.reports(.parameterReport).last)
        guard case .report(let values) = try ParameterManagementMessage.decode(.parameterReport, data: packet.sourceData[...]) else {
            Issue.record("not a parameter report")
            return
        }
        #expect(
            values == [
                ParameterAssignment(id: 0x0500, value: .u8(0)), // BOOT
                ParameterAssignment(id: 0x0220, value: .f32(20.5)), // sim.toml ppo2_low_kpa
                ParameterAssignment(id: 0x0102, value: .bool(true)),
                ParameterAssignment(id: 0x0309, value: .u8(0)),
                ParameterAssignment(id: 0x1003, value: .f64(pressure)),
            ])
        #expect((95_000...106_000).contains(pressure))
        #expect(harness.verification(of: .of(tc)).map(\.messageType) == [MessageType(1, 1), MessageType(1, 3), MessageType(1, 7)])
        let order = harness.telemetry.filter { $0.messageType.service == 20 || $0.messageType == MessageType(1, 7) }.suffix(2).map(\.messageType)
        #expect(order == [.parameterReport, MessageType(1, 7)])
    }

    @Test func moreThanSixteenItemsAreRejected() throws {
        let harness = try ServicesHarness()
        let tc = harness.telecommand(.parameterReportRequest, ParameterManagementMessage.reportRequest(Array(repeating: 0x0500, count: 17)).applicationData)
        #expect(harness.send(tc) == .rejected(.of(tc), FailureNotice(.badArgument, data: [17])))
    }

    // MARK: Service 3

    @Test func periodicHousekeepingRunsAtTheConfiguredIntervals() throws {
        let harness = try ServicesHarness()
        harness.run(for: .seconds(10))
        // hk runs at t = 0.05, 1.05, … 9.05 s: ten runs; every structure reports on its first.
        let counts = (1...7).map { harness.housekeeping(UInt32($0)).count }
        #expect(counts == [5, 2, 10, 1, 1, 2, 2])
        let times = harness.reports(.housekeepingReport).filter { (try? HousekeepingReport.structureID(of: $0.sourceData[...])) == 1 }
            .map { Double($0.time.coarse - 2_114_380_800) + Double($0.time.fine) / 65_536 }
        #expect(times.map { ($0 * 100).rounded() / 100 } == [0.05, 2.05, 4.05, 6.05, 8.05])
        #expect(harness.packets.filter { $0.messageType == .housekeepingReport }.allSatisfy { $0.priority == .normal })
    }

    @Test func everyHousekeepingReportStartsWithTheMode() throws {
        let harness = try ServicesHarness()
        harness.run(for: .seconds(5))
        harness.send(harness.telecommand(.performFunction, Self.function(FunctionCatalog.setMode, [FunctionArgument(id: 1, value: .u8(4))])))
        harness.run(for: .seconds(10))
        var modes: [ParameterValue] = []
        for id in UInt32(1)...7 {
            let reports = harness.housekeeping(id)
            #expect(!reports.isEmpty)
            modes += reports.compactMap(\.values.first)
        }
        #expect(modes.allSatisfy { $0 == .u8(0) || $0 == .u8(4) })
        #expect(modes.contains(.u8(4)) && modes.contains(.u8(0)))
        let structures = harness.services.directory.structures
        #expect(structures.allSatisfy { $0.parameterIDs.first == ParameterID(0x0500) && $0.types.first == .u8 })
        // Every report decodes with exactly its structure's layout (no octet left over).
        #expect(harness.reports(.housekeepingReport).count == (1...7).map { harness.housekeeping(UInt32($0)).count }.reduce(0, +))
    }

    @Test func housekeepingCommandsDisableRetimeAndGenerateOnce() throws {
        let harness = try ServicesHarness()
        harness.run(for: .seconds(1)) // hk run at 0.05: every structure reported once
        let disable = harness.telecommand(.housekeepingDisablePeriodic, HousekeepingRequest.disablePeriodic([3]).applicationData)
        let retime = harness.telecommand(
            .housekeepingModifyInterval,
            HousekeepingRequest.modifyCollectionInterval([
                CollectionInterval(structureID: 1, milliseconds: 3_000)
            ]).applicationData)
        for tc in [disable, retime] { #expect(harness.send(tc) == .accepted(.of(tc))) }
        harness.clear()
        harness.run(for: .seconds(9)) // hk runs at 1.05 … 9.05
        #expect(harness.housekeeping(3).isEmpty)
        // Last life-support report at 0.05; with 3 s: due at 3.05, 6.05, 9.05.
        #expect(harness.housekeeping(1).count == 3)
        #expect(harness.housekeeping(2).count == 1) // 5 s, unchanged: 5.05

        harness.clear()
        let once = harness.telecommand(.housekeepingOneShot, HousekeepingRequest.generateOneShot([3]).applicationData)
        harness.send(once)
        harness.runCycles(1)
        #expect(harness.housekeeping(3).count == 1)
        let order = harness.telemetry.filter { $0.messageType.service == 1 || $0.messageType == .housekeepingReport }.map(\.messageType)
        #expect(order == [MessageType(1, 1), MessageType(1, 3), .housekeepingReport, MessageType(1, 7)])
        harness.run(for: .seconds(3))
        #expect(harness.housekeeping(3).count == 1) // still disabled for periodic reports

        let enable = harness.telecommand(.housekeepingEnablePeriodic, HousekeepingRequest.enablePeriodic([3]).applicationData)
        harness.send(enable)
        harness.clear()
        harness.run(for: .seconds(2))
        #expect(harness.housekeeping(3).count == 2)
    }

    @Test func housekeepingArgumentsAreChecked() throws {
        let harness = try ServicesHarness()
        let unknown = harness.telecommand(.housekeepingOneShot, HousekeepingRequest.generateOneShot([1, 99]).applicationData)
        #expect(harness.send(unknown) == .rejected(.of(unknown), FailureNotice(.badArgument, data: [0, 0, 0, 99])))
        let fraction = harness.telecommand(
            .housekeepingModifyInterval,
            HousekeepingRequest.modifyCollectionInterval([
                CollectionInterval(structureID: 2, milliseconds: 1_500)
            ]).applicationData)
        #expect(harness.send(fraction) == .rejected(.of(fraction), FailureNotice(.badArgument, data: [0, 0, 0, 2])))
        let empty = harness.telecommand(.housekeepingEnablePeriodic, [0])
        #expect(harness.send(empty) == .rejected(.of(empty), FailureNotice(.badArgument, data: [0])))
        let truncated = harness.telecommand(.housekeepingEnablePeriodic, [1, 0, 0])
        #expect(harness.send(truncated) == .rejected(.of(truncated), FailureNotice(.badArgument)))
    }

    // MARK: Service 5

    @Test func eventsAreReportedWithTheSubtypeOfTheirSeverity() throws {
        let harness = try ServicesHarness()
        harness.send(harness.telecommand(.performFunction, Self.function(FunctionCatalog.setMode, [FunctionArgument(id: 1, value: .u8(1))])))
        harness.run(for: .seconds(5))
        harness.send(harness.telecommand(.performFunction, Self.function(FunctionCatalog.setMode, [FunctionArgument(id: 1, value: .u8(4))])))
        harness.run(for: .seconds(2))
        let severities = Dictionary(uniqueKeysWithValues: harness.topology.eventDefinitions.map { ($0.id.rawValue, $0.severity.rawValue) })
        let events = harness.telemetry.filter { $0.messageType.service == 5 }
        let decoded = events.compactMap { try? EventReport.decode($0.messageType, data: $0.sourceData[...]) }
        #expect(decoded.count == events.count)
        #expect(Set(decoded.map(\.eventID)).isSuperset(of: [0x0100, 0x0510, 0x0504])) // started, refused, emergency
        for event in decoded {
            #expect(severities[event.eventID] == event.severity.rawValue, "event 0x\(String(event.eventID, radix: 16))")
            let count = Int(event.auxiliaryData.first ?? 255)
            #expect(count <= 4 && event.auxiliaryData.count == 1 + 8 * count)
        }
        #expect(harness.packets.filter { $0.messageType.service == 5 }.allSatisfy { $0.priority == .high })
    }

    @Test func disabledEventIDsAreNotReported() throws {
        let harness = try ServicesHarness()
        var observed: [EventID] = []
        let disable = harness.telecommand(.eventDisable, EventReportingRequest.disable([0x0503]).applicationData)
        let unknown = harness.telecommand(.eventDisable, EventReportingRequest.disable([0x0503, 0x7777]).applicationData)
        #expect(harness.send(disable) == .accepted(.of(disable)))
        #expect(harness.send(unknown) == .rejected(.of(unknown), FailureNotice(.badArgument, data: [0x77, 0x77])))
        harness.runCycles(1)
        #expect(harness.services.disabledEvents == [0x0503])
        harness.send(harness.telecommand(.performFunction, Self.function(FunctionCatalog.setMode, [FunctionArgument(id: 1, value: .u8(3))])))
        harness.topology.executive.runCycles(1)
        let packets = harness.services.pump { observed.append($0.id) }
        #expect(harness.simulation.mode == .safe)
        let ids = packets.filter { $0.messageType.service == 5 }
            .compactMap { try? PUSTelemetry.decode($0.bytes) }
            .compactMap { try? EventReport.decode($0.messageType, data: $0.sourceData[...]).eventID }
        #expect(!ids.contains(0x0503))
        #expect(observed.contains(EventID(0x0503))) // still seen by the daemon's log

        let enable = harness.telecommand(.eventEnable, EventReportingRequest.enable([0x0503]).applicationData)
        harness.send(enable)
        harness.runCycles(1)
        #expect(harness.services.disabledEvents.isEmpty)
        #expect(harness.verification(of: .of(enable)).last == .completionSuccess(.of(enable)))
    }
}
