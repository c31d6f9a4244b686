import Foundation
import HAL
import Link
import PeerSupport
import SpaceLink
import Testing

/// `kill -9` of `iostd run` at random moments, restarting on the same state directory each
/// time: what was sent more than a flush interval before a kill is in the stores and comes back
/// on replay, counts never repeat, and every start finds its state files whole.
@Suite(.serialized) struct CrashRecoveryTests {
    typealias RunningDaemon = DaemonEndToEndTests.RunningDaemon

    struct Key: Hashable {
        var sequenceCount: UInt16
        var time: CUCTime
        var type: MessageType
        var data: [UInt8]

        init(_ packet: PUSTelemetry) {
            sequenceCount = packet.sequenceCount
            time = packet.time
            type = packet.messageType
            data = packet.sourceData
        }
    }

    @Test func twentyKillsLoseNothingOlderThanAFlushIntervalAndNeverReuseACount() throws {
        let state = PeerEnvironment.scratchStateDirectory()
        defer { if ProcessInfo.processInfo.environment["IOST_KEEP_STATE"] == nil { PeerEnvironment.removeStateDirectory(state) } else { print("state: \(state)") } }
        var generator = SystemRandomNumberGenerator()
        var mustSurvive: Set<Key> = []
        var counts: [UInt16: Key] = [:]
        var reused: [String] = []
        var recoveries: [[Double]] = []
        for run in 0..<20 {
            let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
            let life = Duration.milliseconds(Int64.random(in: 1500...4000, using: &generator))
            try daemon.listen(for: life)
            kill(daemon.process.processIdentifier, SIGKILL)
            let killedAt = ContinuousClock.now
            daemon.process.waitUntilExit()
            #expect(daemon.process.terminationReason == .uncaughtSignal, "run \(run)")
            for (packet, at) in zip(daemon.telemetry, daemon.receivedAt) where packet.apid == 0x123 {
                let key = Key(packet)
                if let seen = counts[packet.sequenceCount], seen != key { reused.append("run \(run): count \(packet.sequenceCount)") }
                counts[packet.sequenceCount] = key
                // Synced within the flush interval (1 s) and a telemetry poll of the append.
                if killedAt - at > .milliseconds(1500) { mustSurvive.insert(key) }
                if packet.messageType.service == 5, packet.sourceData.prefix(2) == [0x09, 0x00] {
                    recoveries.append(EventArguments.decode(packet.sourceData))
                }
            }
        }
        #expect(reused.isEmpty, "\(reused.prefix(5))")
        #expect(mustSurvive.count > 200, "\(mustSurvive.count) packets old enough at a kill")
        // Each start reported both stores recovered, none with a segment set aside.
        #expect(recoveries.count >= 38, "\(recoveries.count) store_recovered events")
        #expect(recoveries.allSatisfy { $0.count == 4 && $0[3] == 0 }, "\(recoveries.filter { $0.count != 4 || $0[3] != 0 })")

        // One more start: everything both stores hold, replayed on VC 1.
        let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "90s"])
        try daemon.listen(for: .seconds(2))
        let retrieve = try daemon.send(
            .storageRetrieveByTime,
            StorageRequestMessage.retrieveByTime([
                RetrievalRange(storeID: 1, start: 0, end: .max), RetrievalRange(storeID: 2, start: 0, end: .max),
            ]).applicationData)
        try daemon.listen(for: .seconds(60)) { telemetry in
            telemetry.filter { $0.messageType.service == 5 && $0.sourceData.prefix(2) == [0x09, 0x40] }.count >= 2
        }
        // retrieval_completed: the last packet is queued; the playback queue drains at the
        // radio's pace after it, behind real time.
        try daemon.listen(for: .seconds(30)) { telemetry in mustSurvive.isSubset(of: Set(telemetry.map(Key.init))) }
        #expect(daemon.reports(for: retrieve).contains(.completionSuccess(retrieve)))
        let everything = Set(daemon.telemetry.map(Key.init))
        let lost = mustSurvive.subtracting(everything)
        #expect(lost.isEmpty, "\(lost.count) of \(mustSurvive.count) packets lost: \(lost.map { "\($0.sequenceCount) \($0.type) \($0.data.prefix(2))" }.sorted().prefix(12))")
        for packet in daemon.telemetry where packet.apid == 0x123 {
            if let seen = counts[packet.sequenceCount], seen != Key(packet) { reused.append("after: count \(packet.sequenceCount)") }
        }
        #expect(reused.isEmpty, "\(reused.prefix(5))")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}

extension CrashRecoveryTests {
    /// The mode in the first value of a TM[3,25] (fdir.mode, u8 after the 4-octet structure ID).
    static func mode(_ tm: PUSTelemetry) -> UInt8? {
        guard tm.messageType == MessageType(3, 25), tm.sourceData.count > 4 else { return nil }
        return tm.sourceData[4]
    }

    static func isEvent(_ tm: PUSTelemetry, _ id: UInt16) -> Bool {
        tm.messageType.service == 5 && tm.sourceData.prefix(2) == [UInt8(id >> 8), UInt8(id & 0xFF)]
    }

    @Test func afterAKillTheVehicleBootsTowardSafeNamingThePreviousModeAndAfterACleanStopAsUsual() throws {
        let state = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(state) }
        // First run: boots to NOMINAL (3 s boot dwell), then killed.
        do {
            let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
            try daemon.listen(for: .seconds(8)) { telemetry in telemetry.contains { Self.mode($0) == 1 } }
            Thread.sleep(forTimeInterval: 0.5)
            #expect(daemon.telemetry.contains { Self.mode($0) == 1 }, "NOMINAL before the kill")
            kill(daemon.process.processIdentifier, SIGKILL)
            daemon.process.waitUntilExit()
        }
        // Second run: unclean_restart (previous mode NOMINAL) and SAFE, held past the boot dwell.
        do {
            let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
            try daemon.listen(for: .seconds(7))
            let event = try #require(daemon.telemetry.first { Self.isEvent($0, 0x0804) }, "unclean_restart")
            #expect(event.messageType == MessageType(5, 3))
            #expect(EventArguments.decode(event.sourceData).first == 1, "previous mode NOMINAL")
            let modes = daemon.telemetry.compactMap(Self.mode)
            #expect(!modes.isEmpty && modes.allSatisfy { $0 == 3 }, "SAFE all along: \(modes)")
            daemon.process.terminate()
            #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
        }
        // Third run after a clean stop: no unclean_restart, BOOT then NOMINAL as usual.
        do {
            let daemon = try RunningDaemon(arguments: ["--state-dir", state, "--duration", "60s"])
            try daemon.listen(for: .seconds(8)) { telemetry in telemetry.contains { Self.mode($0) == 1 } }
            #expect(!daemon.telemetry.contains { Self.isEvent($0, 0x0804) })
            #expect(daemon.telemetry.contains { Self.mode($0) == 1 }, "\(daemon.telemetry.compactMap(Self.mode))")
            daemon.process.terminate()
            #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
        }
    }
}

/// The f64 arguments of a TM[5,x]: event ID (u16), N (u8), N × f64.
enum EventArguments {
    static func decode(_ data: [UInt8]) -> [Double] {
        guard data.count >= 3 else { return [] }
        let count = Int(data[2])
        guard data.count >= 3 + 8 * count else { return [] }
        return (0..<count).map { index in
            var bits: UInt64 = 0
            for byte in data[(3 + 8 * index)..<(11 + 8 * index)] { bits = bits << 8 | UInt64(byte) }
            return Double(bitPattern: bits)
        }
    }
}
