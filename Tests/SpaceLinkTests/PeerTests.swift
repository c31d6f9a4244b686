import Foundation
import SpaceLink
import Testing

/// Runs tests/peers/spacelink_check.py (spacepackets 0.32 + puslib 0.4, installed by
/// `make py-deps`) on frames and packets made by this library, then decodes telecommands the
/// peers built. Python is `$IOST_PYTHON` (exported by the Makefile) or `<repo>/.venv/bin/python`.
@Suite struct SpaceLinkPeerTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: String? {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["IOST_PYTHON"], repository.appendingPathComponent(".venv/bin/python").path]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Telemetry on VC 0 (real time) and VC 1 (playback): every report type, small and
    /// frame-spanning packets, an idle frame first.
    func makeDownlink() throws -> (frames: [[UInt8]], expected: [[String: Any]]) {
        let configuration = TMFrameConfiguration(spacecraftID: 0x2A)
        var farm = FARM1(virtualChannel: 0)
        _ = farm.process(TCFrame(type: .ad, spacecraftID: 0x2A, virtualChannel: 0, sequenceNumber: 0, data: [0]), bufferAvailable: true)
        var channel = TMMasterChannel(configuration: configuration, clcw: farm.clcw)
        var frames = [channel.nextFrame()] // idle frame on VC 7
        var realTime = PUSTelemetrySource(apid: 0x123)
        var playback = PUSTelemetrySource(apid: 0x124)
        var sent: [UInt8: [[String: Any]]] = [0: [], 1: []]
        let request = RequestID(packetID: 0x1923, sequenceControl: 0xC005)

        func send(_ source: inout PUSTelemetrySource, vc: UInt8, _ type: MessageType, _ data: [UInt8], destination: UInt16 = 0, second: Double) throws {
            let time = CUCTime(unixTime: 1_735_689_563.5 + second)
            let packet = source.makePacket(type, time: time, sourceData: data, destinationID: destination)
            try channel.enqueue(packet.encoded(), virtualChannel: vc)
            sent[vc, default: []].append([
                "apid": Int(packet.apid), "seq": Int(packet.sequenceCount), "service": Int(type.service), "subtype": Int(type.subtype),
                "counter": Int(packet.messageTypeCounter), "destination": Int(destination),
                "time_hex": hex(time.encoded(withPField: true)), "data_hex": hex(data),
            ])
        }

        for i in 0..<60 {
            let second = Double(i) * 0.25
            let hk = HousekeepingReport(structureID: 1, values: [.u16(UInt16(7400 + i)), .i16(-1234), .f32(1.5), .u8(3), .bool(i % 2 == 0)])
            try send(&realTime, vc: 0, hk.messageType, hk.sourceData, second: second)
            if i % 7 == 0 {
                let event = EventReport(severity: .low, eventID: UInt16(i), auxiliaryData: [UInt8(i)])
                try send(&realTime, vc: 0, event.messageType, event.applicationData, destination: 2, second: second)
                try send(&realTime, vc: 0, VerificationReport.acceptanceSuccess(request).messageType, VerificationReport.acceptanceSuccess(request).sourceData, second: second)
                let failure = VerificationReport.completionFailure(request, FailureNotice(.executionFailed, data: [1, 2]))
                try send(&realTime, vc: 0, failure.messageType, failure.sourceData, second: second)
            }
            if i % 20 == 0 {
                // Longer than a 1024-octet frame: spans three frames.
                let big = HousekeepingReport(structureID: 99, values: (0..<300).map { .f64(Double($0) * 0.5 + Double(i)) })
                try send(&playback, vc: 1, big.messageType, big.sourceData, second: second)
                try send(&realTime, vc: 0, .areYouAliveReport, [], second: second)
            }
            let parameters = ParameterManagementMessage.report([ParameterAssignment(id: UInt16(i), value: .f64(Double(i)))])
            try send(&playback, vc: 1, parameters.messageType, parameters.applicationData, second: second)
            frames += channel.drainFrames()
        }
        channel.flush()
        frames += channel.drainFrames()
        frames.append(channel.nextFrame()) // and a final idle frame
        return (frames, (sent[0] ?? []) + (sent[1] ?? []))
    }

    @Test func peersDecodeOurFramesAndPacketsAndWeDecodeTheirTelecommands() throws {
        guard let python = Self.python else {
            Issue.record("No Python with the test peers: run `make py-deps` (or set IOST_PYTHON)")
            return
        }
        let (frames, expectedTM) = try makeDownlink()
        #expect(frames.allSatisfy { $0.count == 1024 })

        let ourTCs: [[UInt8]] = [
            PUSTelecommand(apid: 0x123, sequenceCount: 5, messageType: .areYouAlive).encoded,
            PUSTelecommand(
                apid: 0x123, sequenceCount: 6, messageType: .performFunction, acknowledgementFlags: [.acceptance, .completion], sourceID: 3,
                applicationData: FunctionRequest(functionID: 0x42, arguments: [FunctionArgument(id: 1, value: .u8(3))]).applicationData
            ).encoded,
            PUSTelecommand(
                apid: 0x7FE, sequenceCount: 0x3FFF, messageType: .parameterSet, sourceID: 0xFFFF,
                applicationData: ParameterManagementMessage.set([ParameterAssignment(id: 0x10, value: .i32(-42))]).applicationData
            ).encoded,
        ]

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("spacelink-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try Data(frames.flatMap { $0 }).write(to: work.appendingPathComponent("tm_frames.bin"))
        let expected: [String: Any] = ["frame_length": 1024, "scid": 0x2A, "tm": expectedTM, "tc_hex": ourTCs.map { hex($0) }]
        try JSONSerialization.data(withJSONObject: expected).write(to: work.appendingPathComponent("expected.json"))

        let output = try run(python, [Self.repository.appendingPathComponent("tests/peers/spacelink_check.py").path, work.path])
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let errors = result["errors"] as? [String] ?? ["no errors field"]
        #expect(errors.isEmpty, "peer findings: \(errors.joined(separator: "\n"))")
        #expect(result["frames"] as? Int == frames.count)
        #expect(result["packets"] as? Int == expectedTM.count)
        #expect(result["tcs_checked"] as? Int == ourTCs.count)

        // Telecommands built by spacepackets and puslib: wrap each in our TC frame, pass it
        // through frame validation and FARM-1, then our PUS decoder.
        let peerTCs = try #require(result["peer_tcs"] as? [[String: Any]])
        #expect(peerTCs.count == 8)
        let decoder = TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 0x2A))
        var farm = FARM1(virtualChannel: 0)
        for (index, peer) in peerTCs.enumerated() {
            let raw = bytes(try #require(peer["hex"] as? String))
            let frame = TCFrame(type: .ad, spacecraftID: 0x2A, virtualChannel: 0, sequenceNumber: UInt8(index), data: raw).encoded
            let decodedFrame = try decoder.decode(frame)
            #expect(farm.process(decodedFrame, bufferAvailable: true) == .accepted)
            let packets = try spacePackets(in: decodedFrame.data[...])
            #expect(packets.count == 1)
            let tc = try PUSTelecommand.decode(packets[0], expectedAPID: 0x123)
            #expect(Int(tc.apid) == peer["apid"] as? Int)
            #expect(Int(tc.sequenceCount) == peer["seq"] as? Int)
            #expect(Int(tc.messageType.service) == peer["service"] as? Int)
            #expect(Int(tc.messageType.subtype) == peer["subtype"] as? Int)
            #expect(Int(tc.sourceID) == peer["source"] as? Int)
            #expect(Int(tc.acknowledgementFlags.rawValue) == peer["ack"] as? Int)
            #expect(hex(tc.applicationData) == peer["data_hex"] as? String)
            switch tc.messageType {
            case .performFunction:
                let request = try FunctionRequest.decode(tc.messageType, data: tc.applicationData[...])
                #expect(request == FunctionRequest(functionID: 0x42, arguments: [FunctionArgument(id: 1, value: .u8(3)), FunctionArgument(id: 2, value: .f32(Float(bitPattern: 0x4049_0FDB)))]))
            case .parameterSet:
                #expect(try ParameterManagementMessage.decode(tc.messageType, data: tc.applicationData[...]) == .set([ParameterAssignment(id: 0x10, value: .i32(42))]))
            case .housekeepingEnablePeriodic:
                #expect(try HousekeepingRequest.decode(tc.messageType, data: tc.applicationData[...]) == .enablePeriodic([1, 2]))
            default:
                #expect(tc.messageType == .areYouAlive)
            }
        }
        #expect(farm.receiverFrameSequenceNumber == 8)

        // puslib's AckFlag members, each alone, are the stages of the same name here.
        let flagTCs = try #require(result["ack_flag_tcs"] as? [[String: Any]])
        let expectedFlags: [String: AcknowledgementFlags] = ["ACCEPTANCE": .acceptance, "START_OF_EXECUTION": .start, "PROGRESS": .progress, "COMPLETION": .completion]
        #expect(Set(flagTCs.compactMap { $0["name"] as? String }) == Set(expectedFlags.keys))
        for peer in flagTCs {
            let name = try #require(peer["name"] as? String)
            let tc = try PUSTelecommand.decode(bytes(try #require(peer["hex"] as? String)), expectedAPID: 0x123)
            #expect(tc.acknowledgementFlags == expectedFlags[name], "puslib AckFlag.\(name)")
        }
    }

    /// Runs a process with a 60 s limit and returns its standard output.
    func run(_ executable: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let errorText = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "peer script failed: \(errorText)")
        return output
    }
}
