import Assembly
import FlightCore
import Foundation
import HAL
import SpaceLink
import Testing

/// The shipped simulated vehicle's assembly in simulated time, with a UTC epoch and optionally a
/// state directory, and every TM packet its services made.
final class ScheduleHarness {
    let assembly: VehicleAssembly
    private(set) var packets: [TelemetryPacket] = []
    private var sequence: UInt16

    /// - Parameters:
    ///   - epoch: UTC (Unix seconds) at monotonic zero.
    init(epoch: Int64, stateDirectory: String? = nil, sequenceStart: UInt16 = 0) throws {
        let configuration = try VehicleConfiguration.load(path: repositoryRoot() + "/config/sim.toml")
        assembly = try VehicleAssembly(
            configuration: configuration, mode: .simulatedTime,
            options: AssemblyOptions(utc: .fixedEpoch(UTCTime(unixSeconds: epoch)), stateDirectory: stateDirectory))
        sequence = sequenceStart
    }

    var now: MonotonicInstant { assembly.clock.now }

    func telecommand(_ type: MessageType, _ data: [UInt8] = []) -> [UInt8] {
        sequence += 1
        return PUSTelecommand(apid: 0x123, sequenceCount: sequence, messageType: type, applicationData: data).encoded
    }

    func ping() -> [UInt8] { telecommand(.areYouAlive) }

    @discardableResult
    func send(_ packet: [UInt8]) -> TelecommandVerdict { assembly.services.acceptTelecommand(packet, now: now) }

    func insert(_ activities: [(Int64, [UInt8])], nanoseconds: UInt32 = 0) -> [UInt8] {
        let request = TimeBasedScheduleRequest.insert(
            subscheduleID: 0,
            activities: activities.map { ScheduleActivity(releaseTime: ScheduleTime(unixSeconds: $0.0, nanoseconds: nanoseconds), packet: $0.1) })
        return telecommand(.scheduleInsert, request.applicationData)
    }

    func run(for duration: Duration) {
        let end = now.advanced(by: duration)
        while now < end {
            assembly.run(until: min(end, now.advanced(by: .seconds(1))))
            pump()
        }
    }

    func cycle(_ count: Int = 1) {
        assembly.run(until: now.advanced(by: .milliseconds(10 * count)))
        pump()
    }

    func pump() { packets += assembly.services.pump() }

    func clear() { packets.removeAll() }

    var telemetry: [PUSTelemetry] { packets.compactMap { try? PUSTelemetry.decode($0.bytes, expectedAPID: 0x123) } }

    /// (report, TM time) of the service 1 reports about `packet`.
    func verification(of packet: [UInt8]) -> [(VerificationReport, CUCTime)] {
        let request = RequestID(rawPacket: packet)
        return telemetry.filter { $0.messageType.service == 1 }.compactMap { tm in
            guard let report = try? VerificationReport.decode(tm.messageType, sourceData: tm.sourceData[...]), report.requestID == request else { return nil }
            return (report, tm.time)
        }
    }

    func events(_ id: EventID) -> [EventReport] {
        telemetry.filter { $0.messageType.service == 5 }.compactMap { try? EventReport.decode($0.messageType, data: $0.sourceData[...]) }
            .filter { $0.eventID == id.rawValue }
    }

    /// The event's f64 arguments.
    static func arguments(_ event: EventReport) -> [Double] {
        let data = event.auxiliaryData
        guard let n = data.first else { return [] }
        return (0..<Int(n)).map { index in
            let bits = data[(1 + 8 * index)..<(9 + 8 * index)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Double(bitPattern: bits)
        }
    }

    func value(_ name: String) -> Double? {
        guard let handle = try? assembly.flight.pool.handle(named: name) else { return nil }
        return assembly.flight.pool[handle].value
    }
}

private let epoch: Int64 = 1_796_292_000 // 2026-12-03T10:00:00Z

@Suite struct TimeBasedScheduleTests {
    // MARK: Codecs (expected bytes written from pus11.xml by hand)

    @Test func insertIsSubscheduleNAndTimeWithPFieldThenTheWholePacket() throws {
        let ping = PUSTelecommand(apid: 0x123, sequenceCount: 5, messageType: .areYouAlive).encoded
        // 13 octets: packet ID 19 23, sequence C0 05, length 00 06, secondary header 2F 11 01 00 00, PEC
        #expect(Array(ping.prefix(11)) == [0x19, 0x23, 0xC0, 0x05, 0x00, 0x06, 0x2F, 0x11, 0x01, 0x00, 0x00])
        let time = ScheduleTime(unixSeconds: 0x6A5F_1234, nanoseconds: 500_000_000)
        let request = TimeBasedScheduleRequest.insert(subscheduleID: 7, activities: [ScheduleActivity(releaseTime: time, packet: ping)])
        #expect(request.messageType == MessageType(11, 4))
        #expect(request.applicationData == [0x07, 0x01, 0x2F, 0x6A, 0x5F, 0x12, 0x34, 0x80, 0x00, 0x00] + ping)
        #expect(try TimeBasedScheduleRequest.decode(.scheduleInsert, data: request.applicationData[...]) == request)
        // One octet too few, one too many.
        #expect(throws: ServiceDataError.self) { try TimeBasedScheduleRequest.decode(.scheduleInsert, data: request.applicationData.dropLast()) }
        #expect(throws: ServiceDataError.self) { try TimeBasedScheduleRequest.decode(.scheduleInsert, data: (request.applicationData + [0])[...]) }
    }

    @Test func requestListsAreU16CountAndSourceApidSequenceWords() throws {
        let id = ScheduleRequestID(sourceID: 0x0102, packetID: 0x1923, sequenceControl: 0xC005)
        #expect(TimeBasedScheduleRequest.deleteByID([id]).applicationData == [0x00, 0x01, 0x01, 0x02, 0x19, 0x23, 0xC0, 0x05])
        #expect(
            TimeBasedScheduleRequest.timeShiftByID(milliseconds: -1000, [id]).applicationData
                == [0xFF, 0xFF, 0xFC, 0x18, 0x00, 0x01, 0x01, 0x02, 0x19, 0x23, 0xC0, 0x05])
        #expect(TimeBasedScheduleRequest.timeShiftAll(milliseconds: 60_000).applicationData == [0x00, 0x00, 0xEA, 0x60])
        #expect(TimeBasedScheduleRequest.summaryReportAll.messageType == MessageType(11, 17))
        #expect(TimeBasedScheduleRequest.detailReportAll.messageType == MessageType(11, 16))
        let summary = ScheduleReport.summary([ScheduleSummaryEntry(subscheduleID: 0, releaseTime: ScheduleTime(unixSeconds: 1), request: id)])
        #expect(summary.applicationData == [0x00, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x19, 0x23, 0xC0, 0x05])
        #expect(try ScheduleReport.decode(.scheduleSummaryReport, data: summary.applicationData[...]) == summary)
        // Our own TM P-field (0x1E, TAI 1958) is read too.
        let tai = try ScheduleTime.decode([0x1E, 0x00, 0x00, 0x00, 0x10, 0x80, 0x00][...])
        #expect(tai.unixNanoseconds(utcToTAIOffset: 37) == (16 - 378_691_200 - 37) * 1_000_000_000 + 500_000_000)
        #expect(throws: ServiceDataError.self) { try ScheduleTime.decode([0x9E, 0, 0, 0, 0, 0, 0][...]) }
    }

    // MARK: Release

    @Test func aHundredPingsReleaseInTimeOrderWithinOneBasePeriodWithTheirOwnRequestIDs() throws {
        let harness = try ScheduleHarness(epoch: epoch)
        var generator = SystemRandomNumberGenerator()
        var scheduled: [(time: Double, packet: [UInt8])] = []
        for batch in 0..<10 {
            var activities: [ScheduleActivity] = []
            for _ in 0..<10 {
                let milliseconds = Int64.random(in: 1_000...30_000, using: &generator)
                let time = ScheduleTime(unixSeconds: epoch + milliseconds / 1000, nanoseconds: UInt32(milliseconds % 1000) * 1_000_000)
                let ping = harness.ping()
                activities.append(ScheduleActivity(releaseTime: time, packet: ping))
                scheduled.append((Double(time.unixNanoseconds(utcToTAIOffset: 37)) / 1e9, ping))
            }
            let insert = harness.telecommand(.scheduleInsert, TimeBasedScheduleRequest.insert(subscheduleID: 0, activities: activities).applicationData)
            #expect(harness.send(insert) == .accepted(RequestID(rawPacket: insert)!), "batch \(batch)")
            harness.cycle()
            #expect(
                harness.verification(of: insert).map(\.0) == [
                    .acceptanceSuccess(RequestID(rawPacket: insert)!), .startSuccess(RequestID(rawPacket: insert)!),
                    .completionSuccess(RequestID(rawPacket: insert)!),
                ])
        }
        #expect(harness.value("sched.activities") == 100)
        #expect(harness.value("sched.enabled") == 0)
        harness.send(harness.telecommand(.scheduleEnableRelease))
        harness.run(for: .seconds(31))
        #expect(harness.value("sched.activities") == 0)
        #expect(harness.value("sched.released") == 100)
        var acceptanceTimes: [(Double, Double)] = []
        for (time, ping) in scheduled {
            let reports = harness.verification(of: ping)
            let request = RequestID(rawPacket: ping)!
            #expect(reports.map(\.0) == [.acceptanceSuccess(request), .startSuccess(request), .completionSuccess(request)])
            let accepted = try #require(reports.first).1.unixTime(utcToTAIOffset: 37)
            // Released at the first base cycle at or after its time (TM time to 2⁻¹⁶ s).
            #expect(accepted - time >= -0.000_02 && accepted - time <= 0.010 + 0.000_02, "late by \(accepted - time) s")
            acceptanceTimes.append((time, accepted))
        }
        // In time order: the TM[1,1] of the pings come in the order of their release times.
        let order = harness.telemetry.filter { $0.messageType == MessageType(1, 1) }.compactMap {
            try? VerificationReport.decode($0.messageType, sourceData: $0.sourceData[...]).requestID
        }.filter { id in scheduled.contains { RequestID(rawPacket: $0.packet) == id } }
        let expected = scheduled.sorted { $0.time < $1.time }.map { RequestID(rawPacket: $0.packet)! }
        #expect(order.count == 100)
        // Equal times may come either way; compare the times they stand for.
        let times = order.map { id in scheduled.first { RequestID(rawPacket: $0.packet) == id }!.time }
        #expect(times == times.sorted())
        #expect(Set(order) == Set(expected))
        #expect(harness.events(ScheduleEvents.activityReleased).count == 100)
    }

    @Test func disabledReleaseHoldsActivitiesAndTheSummaryAndDetailReportsListThem() throws {
        let harness = try ScheduleHarness(epoch: epoch)
        let pings = (0..<3).map { _ in harness.ping() }
        let insert = harness.insert([(epoch + 20, pings[0]), (epoch + 10, pings[1]), (epoch + 30, pings[2])])
        harness.send(insert)
        harness.run(for: .seconds(40))
        #expect(harness.verification(of: pings[1]).isEmpty) // release disabled (the default)
        harness.clear()
        harness.send(harness.telecommand(.scheduleSummaryAll))
        harness.cycle()
        let summary = try #require(harness.telemetry.first { $0.messageType == .scheduleSummaryReport })
        guard case .summary(let entries) = try ScheduleReport.decode(.scheduleSummaryReport, data: summary.sourceData[...]) else {
            Issue.record("not a summary")
            return
        }
        #expect(entries.map(\.releaseTime) == [epoch + 10, epoch + 20, epoch + 30].map { ScheduleTime(unixSeconds: $0) })
        let ids = [pings[1], pings[0], pings[2]].map { ScheduleRequestID(try! PUSTelecommand.decode($0)) }
        #expect(entries.map(\.request) == ids)
        // Delete the 10 s one by request ID, then the detail report gives back the other packets.
        harness.send(harness.telecommand(.scheduleDeleteByID, TimeBasedScheduleRequest.deleteByID([ids[0]]).applicationData))
        harness.send(harness.telecommand(.scheduleDetailAll))
        harness.cycle()
        let detail = try #require(harness.telemetry.first { $0.messageType == .scheduleDetailReport })
        guard case .detail(let remaining) = try ScheduleReport.decode(.scheduleDetailReport, data: detail.sourceData[...]) else {
            Issue.record("not a detail report")
            return
        }
        #expect(remaining.map(\.activity.packet) == [pings[0], pings[2]])
        #expect(harness.value("sched.activities") == 2)
        // An unknown request ID is refused at start.
        let unknown = harness.telecommand(.scheduleDeleteByID, TimeBasedScheduleRequest.deleteByID([ids[0]]).applicationData)
        harness.send(unknown)
        harness.cycle()
        #expect(harness.verification(of: unknown).last?.0 == .startFailure(RequestID(rawPacket: unknown)!, FailureNotice(rawCode: 0x1106, data: [0, 0])))
    }

    // MARK: Refusals

    @Test func pastBeyondHorizonFullAndMalformedActivitiesAreRefused() throws {
        let harness = try ScheduleHarness(epoch: epoch)
        harness.cycle()
        func outcome(_ packet: [UInt8]) -> VerificationReport? {
            harness.send(packet)
            harness.cycle()
            return harness.verification(of: packet).last?.0
        }
        let past = harness.insert([(epoch - 1, harness.ping())])
        #expect(outcome(past) == .startFailure(RequestID(rawPacket: past)!, FailureNotice(rawCode: 0x1101, data: [0])))
        let beyond = harness.insert([(epoch + 10, harness.ping()), (epoch + 8 * 86_400, harness.ping())])
        #expect(outcome(beyond) == .startFailure(RequestID(rawPacket: beyond)!, FailureNotice(rawCode: 0x1102, data: [1])))
        #expect(harness.value("sched.activities") == 0) // all or nothing
        var corrupt = harness.ping()
        corrupt[corrupt.count - 1] ^= 0xFF
        let malformed = harness.insert([(epoch + 10, corrupt)])
        #expect(outcome(malformed) == .acceptanceFailure(RequestID(rawPacket: malformed)!, FailureNotice(rawCode: 0x1105, data: [0])))
        let nested = harness.insert([(epoch + 10, harness.telecommand(.scheduleReset))])
        #expect(outcome(nested) == .acceptanceFailure(RequestID(rawPacket: nested)!, FailureNotice(rawCode: 0x1105, data: [0])))
        let big = harness.telecommand(.parameterReportRequest, [UInt8](repeating: 0, count: 250))
        let large = harness.insert([(epoch + 10, big)])
        #expect(outcome(large) == .acceptanceFailure(RequestID(rawPacket: large)!, FailureNotice(rawCode: 0x1104, data: [0])))
        // Fill the 1024 slots, 64 at a time (the staging ring), then one more is refused.
        for batch in 0..<16 {
            let fill = harness.insert((0..<64).map { (epoch + 100 + Int64(batch * 64 + $0), harness.ping()) })
            #expect(outcome(fill) == .completionSuccess(RequestID(rawPacket: fill)!))
        }
        #expect(harness.value("sched.activities") == 1024)
        let full = harness.insert([(epoch + 50, harness.ping())])
        #expect(outcome(full) == .startFailure(RequestID(rawPacket: full)!, FailureNotice(rawCode: 0x1103, data: [0, 0])))
        #expect(harness.value("sched.refused") == 7)
    }

    // MARK: Journal

    @Test func aRestartRestoresTheScheduleDisabledAndDropsWhatExpired() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-schedule-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ScheduleHarness(epoch: epoch, stateDirectory: directory)
        let pings = (0..<3).map { _ in first.ping() }
        first.send(first.insert([(epoch + 5, pings[0]), (epoch + 60, pings[1]), (epoch + 120, pings[2])]))
        first.send(first.telecommand(.scheduleEnableRelease))
        first.cycle(2)
        first.pump()
        let journal = try Data(contentsOf: URL(fileURLWithPath: directory + "/schedule.journal"))
        #expect(Array(journal.prefix(6)) == [0x49, 0x53, 0x43, 0x48, 0x00, 0x01])
        #expect(journal[6] == 1) // written with release enabled

        // 30 s later (by UTC) on the same state directory: the 5 s one has expired.
        let second = try ScheduleHarness(epoch: epoch + 30, stateDirectory: directory, sequenceStart: 100)
        second.cycle()
        let restored = try #require(second.events(ScheduleEvents.restored).first)
        #expect(ScheduleHarness.arguments(restored) == [2, 1])
        #expect(second.value("sched.enabled") == 0)
        #expect(second.value("sched.activities") == 2)
        second.send(second.telecommand(.scheduleEnableRelease))
        second.run(for: .seconds(95))
        #expect(second.verification(of: pings[0]).isEmpty)
        #expect(second.verification(of: pings[1]).first?.0 == .acceptanceSuccess(RequestID(rawPacket: pings[1])!))
        #expect(second.verification(of: pings[2]).first?.0 == .acceptanceSuccess(RequestID(rawPacket: pings[2])!))
    }

    @Test func aCorruptJournalIsAnEventAndAnEmptySchedule() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-schedule-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data([0x49, 0x53, 0x43, 0x48, 0x00, 0x01, 0x00]).write(to: URL(fileURLWithPath: directory + "/schedule.journal"))
        let harness = try ScheduleHarness(epoch: epoch, stateDirectory: directory)
        harness.cycle()
        let failed = try #require(harness.events(ScheduleEvents.journalFailed).first)
        #expect(ScheduleHarness.arguments(failed) == [1, 2, 0]) // read, truncated
        #expect(harness.value("sched.activities") == 0)
    }
}
