import Foundation
import HAL
import Link
import PeerSupport
import SpaceLink
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension DaemonEndToEndTests {
    /// `iost-ground send` as an operator runs it, one process per command, against `iostd run`.
    /// Between two commands nobody listens on the tool's port, so the daemon's frames to it draw
    /// ICMP port-unreachables; the next command must still get every report.
    @Test(.timeLimit(.minutes(2))) func aHundredConsecutivePingsFromTheGroundToolAllComplete() throws {
        let ground = try GroundToolSession("ground", run: run)
        defer { ground.remove() }
        let daemon = try RunningDaemon(arguments: ["--duration", "120s", "--downlink", ground.downlink])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        try daemon.listen(for: .seconds(2))

        func send(_ words: [String], sequence: Int) throws -> (status: Int32, output: String) {
            try ground.send(words, to: daemon, sequence: sequence)
        }
        var failures: [String] = []
        for index in 0..<100 {
            let (status, output) = try send(["ping"], sequence: 1000 + index)
            if status != 0 { failures.append("ping \(index): exit \(status): \(output)") }
        }
        #expect(failures.isEmpty, "\(failures.count) of 100 pings did not complete:\n\(failures.prefix(5).joined(separator: "\n"))")

        // The refusals were counted for that destination (the second), and no frame was lost.
        let (status, output) = try send(["param", "get", "link.dl.dest1.refused", "link.dl.dest1.errors", "link.dl.dest0.errors"], sequence: 2000)
        #expect(status == 0, "\(output)")
        let values = output.split(separator: "\n").filter { $0.contains(" = ") && $0.contains("link.dl.") }
        #expect(values.count == 3, "\(output)")
        let refused = values.first { $0.contains("dest1.refused") }.flatMap { $0.split(separator: "=").last }.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        #expect((refused ?? 0) > 0, "\(output)")
        #expect(values.filter { $0.contains("errors") }.allSatisfy { $0.hasSuffix("= 0") || $0.hasSuffix("=0") || $0.hasSuffix(" 0") }, "\(output)")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }

    /// FARM-1 Lockout seen from the ground tool: a type-AD send exits 3 as its help says,
    /// `farm unlock` and `farm set-vr` are confirmed by the CLCW, and type-AD commanding resumes.
    @Test(.timeLimit(.minutes(1))) func theGroundToolUnlocksAndSetsVR() throws {
        let tool = GroundToolSession.tool
        let ground = try GroundToolSession("farm", run: run)
        defer { ground.remove() }
        let daemon = try RunningDaemon(arguments: ["--duration", "40s", "--downlink", ground.downlink])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        try daemon.listen(for: .seconds(1))
        let common = ["--mib", ground.mib.path, "--uplink", daemon.uplinkAddress.description, "--listen", ground.downlink, "--timeout", "3s"]

        // A type-AD frame far outside the FARM-1 window: Lockout.
        try daemon.sendFrame(
            SimulatedUplinkSecurity.seal(
                TCFrame(
                    type: .ad, spacecraftID: 42, virtualChannel: 0, sequenceNumber: 100,
                    data: PUSTelecommand(apid: 0x123, sequenceCount: 1, messageType: .areYouAlive).encoded)))
        let locked = try run(tool, ["send", "ping", "--ad", "--sequence", "3000"] + common)
        #expect(locked.status == 3, "\(locked.output)")
        #expect(locked.output.contains("lockout"), "\(locked.output)")
        // Set V(R) is not executed in Lockout.
        let refused = try run(tool, ["farm", "set-vr", "5"] + common)
        #expect(refused.status == 3, "\(refused.output)")
        let unlocked = try run(tool, ["farm", "unlock"] + common)
        #expect(unlocked.status == 0, "\(unlocked.output)")
        let set = try run(tool, ["farm", "set-vr", "5"] + common)
        #expect(set.status == 0, "\(set.output)")
        #expect(set.output.contains("V(R) 5"), "\(set.output)")
        let ping = try run(tool, ["send", "ping", "--ad", "--sequence", "3001"] + common)
        #expect(ping.status == 0, "\(ping.output)")
        #expect(ping.output.contains("frame N(S) 5"), "\(ping.output)")
        let usage = try run(tool, ["farm", "set-vr", "300"] + common)
        #expect(usage.status == 64)
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }

    /// Rejected TC frames leave a trace in housekeeping, per reason (docs/telecommands.md: the
    /// `link.ul.*` parameters, IDs from 0x091F), and a wrong length field inside a valid frame
    /// gets TM[1,2] bad_length.
    @Test(.timeLimit(.minutes(1))) func rejectedFramesAreCountedPerReasonInHousekeeping() throws {
        let daemon = try RunningDaemon(arguments: ["--duration", "30s"])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        try daemon.listen(for: .seconds(1))
        let ping = PUSTelecommand(apid: 0x123, sequenceCount: 700, messageType: .areYouAlive).encoded
        func withFECF(_ frame: [UInt8]) -> [UInt8] {
            var body = Array(frame.dropLast(2))
            let crc = CRC16.compute(body)
            body += [UInt8(crc >> 8), UInt8(crc & 0xFF)]
            return body
        }
        for _ in 0..<3 { try daemon.sendFrame(TCFrame(type: .bd, spacecraftID: 7, virtualChannel: 0, data: ping).encoded) }
        for _ in 0..<2 { try daemon.sendFrame(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 5, data: ping).encoded) }
        // VC 0 is protected by SDLS (config/sim.toml): frames that should get past frame
        // validation are secured with the sim key; frame validation runs first, so the
        // malformed ones are counted under their own reasons all the same.
        var segmented = try SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: ping))
        segmented[5] = 0x40 // sequence flags 01: a first segment
        try daemon.sendFrame(withFECF(segmented))
        for _ in 0..<4 {
            var corrupt = try SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: ping))
            corrupt[corrupt.count - 1] ^= 0xFF
            try daemon.sendFrame(corrupt)
        }
        try daemon.sendFrame(SimulatedUplinkSecurity.seal(TCFrame(type: .ad, spacecraftID: 42, virtualChannel: 0, sequenceNumber: 3, data: ping))) // V(R) = 0: a gap
        var wrongLength = PUSTelecommand(apid: 0x123, sequenceCount: 701, messageType: .areYouAlive).encoded
        wrongLength[5] &+= 5
        try daemon.sendFrame(SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: wrongLength)))
        let badLength = try #require(RequestID(rawPacket: wrongLength))
        // SDLS refusals: plain frames on the protected VC, a replay, a forged MAC (FECF made good).
        for _ in 0..<2 { try daemon.sendFrame(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: ping).encoded) }
        let secured = try SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: ping))
        try daemon.sendFrame(secured)
        try daemon.sendFrame(secured)
        var forged = try SimulatedUplinkSecurity.seal(TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: ping))
        forged[forged.count - 3] ^= 0x01
        try daemon.sendFrame(withFECF(forged))
        // The counters reach the pool with the next hk cycle (1 s).
        try daemon.listen(for: .milliseconds(1500))
        #expect(daemon.reports(for: badLength) == [.acceptanceFailure(badLength, FailureNotice(.badLength))])

        let ids: [UInt16] = [0x0920, 0x0921, 0x0923, 0x0924, 0x0928, 0x092B, 0x092D, 0x092F, 0x0930]
        let request = try daemon.send(.parameterReportRequest, ParameterManagementMessage.reportRequest(ids).applicationData)
        var values: [UInt16: ParameterValue] = [:]
        try daemon.listen(for: .seconds(5)) { telemetry in
            for tm in telemetry where tm.messageType == .parameterReport {
                if case .report(let assignments)? = try? ParameterManagementMessage.decode(tm.messageType, data: tm.sourceData[...]),
                    assignments.map(\.id) == ids
                {
                    for assignment in assignments { values[assignment.id] = assignment.value }
                }
            }
            return !values.isEmpty
        }
        #expect(daemon.reports(for: request).contains(.completionSuccess(request)))
        // wrong spacecraft 3, wrong VC 2, segment header 1, FECF 4, FARM-1 gap 1, bad packet data 1,
        // SDLS: unknown SPI (plain) 2, bad MAC 1, replay 1.
        #expect(ids.map { values[$0] } == [.u32(3), .u32(2), .u32(1), .u32(4), .u32(1), .u32(1), .u32(2), .u32(1), .u32(1)], "\(values)")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }

    /// Runs a tool to completion; its standard output (and error) as text, or into `output`.
    func run(_ executable: URL, _ arguments: [String], output file: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let pipe = Pipe()
        if let file {
            FileManager.default.createFile(atPath: file.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: file)
        } else {
            process.standardOutput = pipe
        }
        process.standardError = file == nil ? pipe : FileHandle.nullDevice
        try process.run()
        let data = file == nil ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
