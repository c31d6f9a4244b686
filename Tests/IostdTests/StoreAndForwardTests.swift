import Foundation
import HAL
import Link
import PeerSupport
import SpaceLink
import Testing

/// Store and forward on the real daemon: every packet is stored, ST[15] replays a time range on
/// VC 1 with the original counts and times, and an independent decoder (spacepackets) merges VC 0
/// and VC 1 without a gap or a duplicate.
@Suite(.serialized) struct StoreAndForwardTests {
    typealias RunningDaemon = DaemonEndToEndTests.RunningDaemon

    /// CUC (TAI since 1958, the mission's 37 s offset) → Unix milliseconds.
    static func milliseconds(_ time: CUCTime) -> UInt64 {
        UInt64(Int64(time.coarse) - CUCTime.epochOffsetFrom1958To1970 - 37) * 1000 + UInt64(time.fine) * 1000 / 65_536
    }

    static func event(_ tm: PUSTelemetry) -> UInt16? {
        guard tm.messageType.service == 5, tm.sourceData.count >= 2 else { return nil }
        return UInt16(tm.sourceData[0]) << 8 | UInt16(tm.sourceData[1])
    }

    @Test func aTimeRangeComesBackOnVC1WithItsCountsAndTimesAndMergesWithoutGaps() throws {
        let daemon = try RunningDaemon(arguments: ["--duration", "60s"])
        try daemon.listen(for: .seconds(8))
        let realTime = daemon.telemetry
        // By generation time: events raised while the vehicle was assembled carry their earlier time.
        let first = try #require(realTime.filter { $0.apid == 0x123 }.min { $0.time < $1.time })
        let last = try #require(realTime.filter { $0.apid == 0x123 }.max { $0.time < $1.time })
        #expect(realTime.count >= 20, "\(realTime.count) real-time packets in 8 s")

        // A store that does not exist is refused at acceptance.
        let wrong = try daemon.send(
            .storageRetrieveByTime, StorageRequestMessage.retrieveByTime([RetrievalRange(storeID: 9, start: 0, end: 1)]).applicationData)
        // Both stores, from the first packet seen to the last.
        let range = (Self.milliseconds(first.time), Self.milliseconds(last.time))
        let retrieve = try daemon.send(
            .storageRetrieveByTime,
            StorageRequestMessage.retrieveByTime([
                RetrievalRange(storeID: 1, start: range.0, end: range.1), RetrievalRange(storeID: 2, start: range.0, end: range.1),
            ]).applicationData)
        try daemon.listen(for: .seconds(20)) { telemetry in
            telemetry.filter { Self.event($0) == 0x0940 }.count >= 2 && daemon.reports(for: retrieve).contains(.completionSuccess(retrieve))
        }
        // The replay leaves the store when the retrieval completes; the radio takes a moment more
        // (longer on a loaded machine: wait for the range, not a fixed time).
        let inRange = realTime.filter { $0.apid == 0x123 && $0.time >= first.time && $0.time <= last.time }
        try daemon.listen(for: .seconds(15)) { telemetry in
            let replayed = telemetry.dropFirst(realTime.count)
            return inRange.allSatisfy { replayed.contains($0) }
        }
        #expect(daemon.reports(for: wrong).contains { if case .acceptanceFailure(_, let notice) = $0 { notice.code == 5 } else { false } })
        #expect(daemon.reports(for: retrieve).contains(.acceptanceSuccess(retrieve)))
        #expect(daemon.reports(for: retrieve).contains(.completionSuccess(retrieve)))
        #expect(daemon.telemetry.filter { Self.event($0) == 0x0940 }.count == 2, "retrieval_completed for each store")

        // Every real-time packet of the range is there twice now: once on VC 0, once replayed.
        let replayed = daemon.telemetry.dropFirst(realTime.count)
        let missing = inRange.filter { !replayed.contains($0) }.map(\.sequenceCount)
        #expect(missing.isEmpty, "\(inRange.count) in range, not replayed unchanged: \(missing)")

        // Summary and status reports.
        let summary = try daemon.send(.storageSummaryRequest)
        let status = try daemon.send(.storageStatusRequest)
        try daemon.listen(for: .seconds(5)) { telemetry in
            telemetry.contains { $0.messageType == .storageSummaryReport } && telemetry.contains { $0.messageType == .storageStatusReport }
        }
        #expect(daemon.reports(for: summary).contains(.acceptanceSuccess(summary)) && daemon.reports(for: status).contains(.acceptanceSuccess(status)))
        let summaryTM = try #require(daemon.telemetry.last { $0.messageType == .storageSummaryReport })
        guard case .summary(let stores) = try StorageReport.decode(.storageSummaryReport, data: summaryTM.sourceData[...]) else {
            Issue.record("not a summary")
            return
        }
        #expect(stores.map(\.storeID) == [1, 2])
        #expect(stores.allSatisfy { $0.oldest > 0 && $0.oldest <= range.0 + 1000 && $0.newest >= range.1 }, "\(stores)")
        let statusTM = try #require(daemon.telemetry.last { $0.messageType == .storageStatusReport })
        #expect(
            try StorageReport.decode(.storageStatusReport, data: statusTM.sourceData[...])
                == .status([
                    StoreStatusEntry(storeID: 1, storageEnabled: true, openRetrievalInProgress: false, byTimeRangeRetrievalInProgress: false),
                    StoreStatusEntry(storeID: 2, storageEnabled: true, openRetrievalInProgress: false, byTimeRangeRetrievalInProgress: false),
                ]))

        // The independent decoder: VC 0 and VC 1 merged, every count of the range exactly once.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-replay-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("frames.bin")
        try Data(daemon.capture).write(to: file)
        let window = (first.time.secondsSince1958, last.time.secondsSince1958)
        let peer = try ChildProcess(
            try PeerEnvironment.python(),
            [
                PeerEnvironment.repository.appendingPathComponent("tests/peers/outage_check.py").path, file.path, "1024", "42",
                String(window.0), String(window.1),
            ])
        let line = try #require(peer.waitForLine(timeout: .seconds(30)) { $0.hasPrefix("{") })
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((result["errors"] as? [String]) == [], "\(result["errors"] ?? "")")
        #expect((result["missing"] as? Int) == 0 && (result["reused"] as? Int) == 0)
        let perVC = result["packets_per_vc"] as? [String: Int] ?? [:]
        #expect((perVC["1"] ?? 0) >= inRange.count, "\(perVC)")

        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}

/// A whole orbit in real time with short passes: 20 s of contact, 40 s without, then the next
/// pass replays what was stored during the outage by itself (`retrieve_on_aos`).
@Suite(.serialized) struct OutageTests {
    typealias RunningDaemon = DaemonEndToEndTests.RunningDaemon

    @Test func anOrbitOfSilenceComesDownAtTheNextPassWithNothingMissingAndNothingTwice() throws {
        let shipped = try String(contentsOf: PeerEnvironment.repository.appendingPathComponent("config/sim.toml"), encoding: .utf8)
        let config = shipped.replacingOccurrences(of: "period_s = 300", with: "period_s = 60")
            .replacingOccurrences(of: "contact_s = 120", with: "contact_s = 20")
        #expect(config.contains("period_s = 60") && config.contains("contact_s = 20") && config.contains("retrieve_on_aos = true"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-orbit-\(getpid()).toml")
        try config.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let daemon = try RunningDaemon(arguments: ["--config", path.path, "--duration", "120s"])
        func isEvent(_ tm: PUSTelemetry, _ id: UInt16) -> Bool {
            tm.messageType.service == 5 && tm.sourceData.prefix(2) == [UInt8(id >> 8), UInt8(id & 0xFF)]
        }
        // Pass 1, the outage, the second acquisition and the replay of the outage.
        // Distinct packets: a replay may bring an event down a second time (the ground merges them).
        func distinct(_ telemetry: [PUSTelemetry], _ id: UInt16) -> [PUSTelemetry] {
            var seen: Set<UInt16> = []
            return telemetry.filter { isEvent($0, id) && seen.insert($0.sequenceCount).inserted }
        }
        try daemon.listen(for: .seconds(100)) { telemetry in
            distinct(telemetry, 0x0B00).count >= 2 && distinct(telemetry, 0x0940).count >= 2
        }
        // retrieval_completed: the last replayed packet is queued; VC 1 drains behind real time.
        try daemon.listen(for: .seconds(12))
        let acquisitions = distinct(daemon.telemetry, 0x0B00)
        #expect(acquisitions.count == 2, "two passes seen")
        #expect(
            daemon.telemetry.contains { isEvent($0, 0x0B01) },
            "loss_of_signal (replayed) among \(daemon.telemetry.filter { $0.messageType.service == 5 }.map { String(UInt16($0.sourceData[0]) << 8 | UInt16($0.sourceData[1]), radix: 16) })")
        #expect(distinct(daemon.telemetry, 0x0940).count == 2, "the outage replayed from both stores")
        let secondPass = try #require(acquisitions.last)
        let first = try #require(daemon.telemetry.filter { $0.apid == 0x123 }.min { $0.time < $1.time })

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-orbit-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("frames.bin")
        try Data(daemon.capture).write(to: file)
        let peer = try ChildProcess(
            try PeerEnvironment.python(),
            [
                PeerEnvironment.repository.appendingPathComponent("tests/peers/outage_check.py").path, file.path, "1024", "42",
                String(first.time.secondsSince1958), String(secondPass.time.secondsSince1958),
            ])
        let line = try #require(peer.waitForLine(timeout: .seconds(30)) { $0.hasPrefix("{") })
        let result = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect((result["errors"] as? [String]) == [], "\(result["errors"] ?? "")")
        #expect((result["missing"] as? Int) == 0 && (result["reused"] as? Int) == 0, "\(result)")
        let perVC = result["packets_per_vc"] as? [String: Int] ?? [:]
        // 40 s of outage at the vehicle's rate (several packets a second) came down on VC 1.
        #expect((perVC["1"] ?? 0) >= 100, "\(perVC)")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}
