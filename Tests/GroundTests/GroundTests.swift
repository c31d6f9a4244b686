import Foundation
@testable import Ground
import SpaceLink
import Testing

/// 2025-01-01T00:00:00.5 TAI: the time of the pus-vectors.md TM vectors.
let vectorTime = CUCTime(coarse: 2_114_380_800, fine: 0x8000)

@Suite("Ground: mission database")
struct MIBTests {
    @Test("the fixture parses: identifiers, types, lookups")
    func parsesFixture() throws {
        let mib = try fixtureMIB()
        #expect(mib.vehicle == "fixture-vehicle")
        #expect(mib.apid == 0x123)
        #expect(mib.spacecraftID == 42)
        #expect(mib.timeFormat == .cucWithPField)
        #expect(mib.utcToTAIOffset == 37)
        #expect(mib.frameLength == nil)
        #expect(mib.itemsPerRequest == 16)
        #expect(mib.housekeepingPeriodMilliseconds == 1000)
        #expect(mib.parameters.count == 17)
        #expect(mib.parameter(named: "ls.ppo2_kpa")?.id == 256)
        #expect(mib.parameter(named: "ls.ppo2_kpa")?.type == .f64)
        #expect(mib.parameter(id: 260)?.type == .bool)
        #expect(mib.parameter(named: "ls.ppo2_low_kpa")?.range == 15...25)
        #expect(mib.parameter(named: "ls.ppo2_low_kpa")?.tunable == true)
        #expect(mib.structure("power")?.parameterIDs == [1, 512, 513, 514])
        #expect(mib.structure("5")?.name == "executive")
        #expect(mib.structure("0x5")?.enabled == false)
        #expect(mib.layout(ofStructure: 1) == [.u8, .f64, .f32, .f32, .u8, .bool])
        #expect(mib.event("co2_alarm")?.arguments == ["co2 ppm", "limit ppm"])
        #expect(mib.event(id: 1283)?.subtype == 3)
        #expect(mib.function("set_mode")?.arguments.first?.name == "mode")
        #expect(mib.function("0x42")?.name == "vector_function")
        #expect(mib.mode(named: "safe")?.value == 3)
        #expect(mib.modeName(4) == "EMERGENCY")
        #expect(mib.failureCodeName(5) == "bad_argument")
        #expect(mib.channels[1].loadSwitch)
        #expect(mib.channels[2].role == nil)
        #expect(mib.devices[0].resettable)
        #expect(mib.monitors.first?.parameter == "ls.ppo2_kpa")
    }

    @Test("an implicit P-field, a frame length and the type name without a tag are understood")
    func optionalMembers() throws {
        let text = """
            {"apid": 5, "spacecraft_id": 7, "frame_length": 256, "time": {"p_field": null, "utc_tai_offset_s": 36},
             "parameters": [{"id": 1, "name": "a", "type": "i32"}], "housekeeping": []}
            """
        let mib = try MissionInformationBase(json: Data(text.utf8))
        #expect(mib.timeFormat == .cucImplicit)
        #expect(mib.utcToTAIOffset == 36)
        #expect(mib.frameLength == 256)
        #expect(mib.parameter(id: 1)?.type == .i32)
    }

    @Test("malformed documents name the member")
    func errors() {
        func error(_ text: String) -> MIBError? {
            do {
                _ = try MissionInformationBase(json: Data(text.utf8))
                return nil
            } catch {
                return error
            }
        }
        #expect(error("[1]") == .invalidJSON("top level is not an object"))
        #expect(error("{\"schema\": \"other\"}") == .wrongSchema("other"))
        #expect(error("{\"spacecraft_id\": 1, \"parameters\": [], \"housekeeping\": []}") == .missing(path: "apid"))
        #expect(
            error("{\"apid\": 1, \"spacecraft_id\": 1, \"parameters\": [{\"id\": 1, \"name\": \"x\", \"tag\": 9}], \"housekeeping\": []}")
                == .invalid(path: "parameters[0].tag", expected: "a known type tag (1…8)"))
        #expect(
            error("{\"apid\": 1, \"spacecraft_id\": 1, \"parameters\": [], \"housekeeping\": [{\"id\": 1, \"name\": \"s\", \"parameters\": [true]}]}")
                == .invalid(path: "housekeeping[0].parameters[0]", expected: "an integer in 0…65535"))
        #expect(
            error("{\"apid\": 4000, \"spacecraft_id\": 1, \"parameters\": [], \"housekeeping\": []}")
                == .invalid(path: "apid", expected: "an integer in 0…2046"))
    }
}

@Suite("Ground: time")
struct TimeTests {
    @Test("CUC TAI to ISO 8601 UTC")
    func iso8601() {
        // pus-vectors.md: coarse 2114380800 + 0.5 s = 2025-01-01T00:00:00.5 TAI; UTC is 37 s earlier.
        #expect(UTCText.iso8601(vectorTime) == "2024-12-31T23:59:23.500Z")
        #expect(UTCText.iso8601(vectorTime, utcToTAIOffset: 0) == "2025-01-01T00:00:00.500Z")
        #expect(UTCText.iso8601(unixMilliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCText.iso8601(unixMilliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(UTCText.iso8601(unixMilliseconds: -1000) == "1969-12-31T23:59:59.000Z")
        #expect(UTCText.timeOfDay(vectorTime) == "23:59:23")
    }
}

/// Frames built by SpaceLink's own master channel (the flight side's framing), from packets.
struct DownlinkFixture {
    var channel = TMMasterChannel(configuration: TMFrameConfiguration(spacecraftID: 42, frameLength: 256))
    var source = PUSTelemetrySource(apid: 0x123)

    mutating func packet(_ type: MessageType, _ data: [UInt8], time: CUCTime = vectorTime) -> [UInt8] {
        source.encode(type, time: time, sourceData: data)
    }

    /// Queues packets on VC 0 and returns the frames that carry them (the last padded).
    mutating func frames(_ packets: [[UInt8]]) throws -> [[UInt8]] {
        for packet in packets { try channel.enqueue(packet, virtualChannel: 0) }
        channel.flush(virtualChannel: 0)
        return channel.drainFrames()
    }
}

func f64Arguments(_ values: [Double]) -> [UInt8] {
    [UInt8(values.count)] + values.flatMap { ParameterValue.f64($0).packed }
}

@Suite("Ground: downlink decoding")
struct DecodingTests {
    @Test("the TM[3,25] vector decodes by name against a structure of its layout")
    func housekeepingVector() {
        let mib = MissionInformationBase(
            apid: 0x123, spacecraftID: 42,
            parameters: [
                MIBParameter(id: 10, name: "a.u16", unit: "", type: .u16), MIBParameter(id: 11, name: "b.i16", unit: "", type: .i16),
                MIBParameter(id: 12, name: "c.f32", unit: "", type: .f32), MIBParameter(id: 13, name: "d.u8", unit: "", type: .u8),
                MIBParameter(id: 14, name: "e.u8", unit: "", type: .u8),
            ], structures: [MIBStructure(id: 1, name: "vector", intervalMilliseconds: 1000, enabled: true, parameterIDs: [10, 11, 12, 13, 14])])
        var decoder = DownlinkDecoder(mib: mib)
        let packet = decoder.decode(packet: hex("0923c006001d200319000100001e7e06e4008000000000011ce8fb2e3fc0000003a5f0e7"))
        #expect(packet?.sequenceCount == 6)
        #expect(packet?.time == vectorTime)
        guard case .housekeeping(let id, let name, let values)? = packet?.content else {
            Issue.record("not housekeeping: \(String(describing: packet))")
            return
        }
        #expect(id == 1 && name == "vector")
        #expect(values.map(\.name) == ["a.u16", "b.i16", "c.f32", "d.u8", "e.u8"])
        #expect(values.map(\.value) == [.u16(7400), .i16(-1234), .f32(1.5), .u8(3), .u8(0xA5)])
    }

    @Test("the TM[1,1] and TM[17,2] vectors decode")
    func verificationVectors() throws {
        var decoder = DownlinkDecoder(mib: try fixtureMIB())
        let accepted = decoder.decode(packet: hex("0923c0040013200101000000001e7e06e40080001923c005d808"))
        #expect(accepted?.content == .verification(.acceptanceSuccess(RequestID(packetID: 0x1923, sequenceControl: 0xC005))))
        let alive = decoder.decode(packet: hex("0923c005000f201102000100001e7e06e4008000834d"))
        #expect(alive?.content == .connectionTestReport)
        #expect(alive?.messageTypeCounter == 1)
        // A flipped PEC bit: counted, not decoded.
        #expect(decoder.decode(packet: hex("0923c005000f201102000100001e7e06e4008000834c")) == nil)
        #expect(decoder.link.packetErrors == ["bad_pec": 1])
        #expect(decoder.link.servicePackets == [1: 1, 17: 1])
    }

    @Test("frames → packets → housekeeping by name, events, verification; JSON lines")
    func pipeline() throws {
        let mib = try fixtureMIB()
        var fixture = DownlinkFixture()
        let hk = fixture.packet(
            .housekeepingReport,
            HousekeepingReport(
                structureID: 1,
                values: [
                    .u8(1), .f64(21.25), .f32(20.5), .f32(612), .u8(2), .bool(true),
                ]
            ).sourceData)
        let event = fixture.packet(MessageType(5, 4), EventReport(severity: .high, eventID: 769, auxiliaryData: f64Arguments([5012, 5000])).applicationData)
        let failure = fixture.packet(
            MessageType(1, 2), VerificationReport.acceptanceFailure(RequestID(packetID: 0x1923, sequenceControl: 0xC009), FailureNotice(.badArgument, data: [0x01, 0x00])).sourceData)
        var decoder = DownlinkDecoder(mib: mib)
        var packets: [DecodedPacket] = []
        for frame in try fixture.frames([hk, event, failure]) { packets += decoder.receive(frame: frame) }
        #expect(packets.count == 3)
        guard packets.count == 3 else { return }

        guard case .housekeeping(1, "life_support", let values) = packets[0].content else {
            Issue.record("first packet: \(packets[0].content)")
            return
        }
        let byName = Dictionary(uniqueKeysWithValues: values.map { ($0.name, $0.value) })
        #expect(
            byName == [
                "fdir.mode": .u8(1), "ls.ppo2_kpa": .f64(21.25), "ls.o2_fraction_pct": .f32(20.5),
                "dev.cabin-co2.co2_ppm": .f32(612), "ls.scrubber_stage": .u8(2), "ls.o2_valve_cmd": .bool(true),
            ])

        guard case .event(let decoded) = packets[1].content else {
            Issue.record("second packet: \(packets[1].content)")
            return
        }
        #expect(decoded.name == "co2_alarm")
        #expect(decoded.severity == .high)
        #expect(decoded.arguments.map(\.name) == ["co2 ppm", "limit ppm"])
        #expect(decoded.values == [5012, 5000])

        guard case .verification(let report) = packets[2].content else {
            Issue.record("third packet: \(packets[2].content)")
            return
        }
        #expect("\(VerificationOutcome(report, mib: mib))" == "failed: bad_argument (5) at acceptance, failure data 0x0100")

        #expect(decoder.link.packets == 3)
        #expect(decoder.link.servicePackets == [1: 1, 3: 1, 5: 1])
        #expect(decoder.link.frames.masterChannelFramesLost == 0)
        #expect(decoder.frameConfiguration?.frameLength == 256)
        #expect(decoder.link.clcwByVirtualChannel[0]?.reportValue == 0)

        // JSON lines: parse them back.
        let hkJSON = try #require(JSONSerialization.jsonObject(with: Data(PacketJSON.line(packets[0], mib: mib).utf8)) as? [String: Any])
        #expect(hkJSON["service"] as? Int == 3)
        #expect(hkJSON["subtype"] as? Int == 25)
        #expect(hkJSON["apid"] as? Int == 0x123)
        #expect(hkJSON["seq"] as? Int == 0)
        #expect(hkJSON["time"] as? String == "2024-12-31T23:59:23.500Z")
        #expect(hkJSON["structure"] as? String == "life_support")
        let hkValues = try #require(hkJSON["values"] as? [String: Any])
        #expect(hkValues["ls.ppo2_kpa"] as? Double == 21.25)
        #expect(hkValues["ls.o2_valve_cmd"] as? Bool == true)
        let eventJSON = try #require(JSONSerialization.jsonObject(with: Data(PacketJSON.line(packets[1], mib: mib).utf8)) as? [String: Any])
        #expect(eventJSON["event"] as? String == "co2_alarm")
        #expect(eventJSON["severity"] as? String == "high")
        #expect((eventJSON["args"] as? [String: Any])?["limit ppm"] as? Double == 5000)
        let failureJSON = try #require(JSONSerialization.jsonObject(with: Data(PacketJSON.line(packets[2], mib: mib).utf8)) as? [String: Any])
        #expect(failureJSON["outcome"] as? String == "failed")
        #expect(failureJSON["failure_name"] as? String == "bad_argument")
        #expect(failureJSON["failure_code"] as? Int == 5)
        #expect((failureJSON["request"] as? [String: Any])?["seq"] as? Int == 9)
    }

    @Test("a lost frame is counted as a gap and the packet spanning it is dropped")
    func lostFrame() throws {
        let mib = try fixtureMIB()
        var fixture = DownlinkFixture()
        // Three HK reports of ~40 octets, then a large event that spans frames.
        var packets: [[UInt8]] = []
        for soc in [80.0, 81.0, 82.0] {
            packets.append(fixture.packet(.housekeepingReport, HousekeepingReport(structureID: 2, values: [.u8(1), .f32(Float(soc)), .bool(false), .f32(-1.5)]).sourceData))
        }
        packets.append(fixture.packet(MessageType(5, 1), EventReport(severity: .informative, eventID: 257, auxiliaryData: [UInt8](repeating: 0xEE, count: 600)).applicationData))
        packets.append(fixture.packet(.housekeepingReport, HousekeepingReport(structureID: 2, values: [.u8(1), .f32(90), .bool(true), .f32(2)]).sourceData))
        let frames = try fixture.frames(packets)
        #expect(frames.count >= 4)
        var decoder = DownlinkDecoder(mib: mib)
        var decoded: [DecodedPacket] = []
        for (index, frame) in frames.enumerated() where index != 1 { decoded += decoder.receive(frame: frame) }
        #expect(decoder.link.frames.masterChannelFramesLost == 1)
        #expect(decoder.link.frames.virtualChannelFramesLost == 1)
        #expect(decoder.link.frames.packetsDroppedOnGap == 1)
        // The three small reports and the event's start are in frame 0; the event ends with frame 2, the last report starts frame 3.
        let socs = decoded.compactMap { packet -> Float? in
            guard case .housekeeping(2, _, let values) = packet.content, case .f32(let soc) = values[1].value else { return nil }
            return soc
        }
        #expect(socs == [80, 81, 82, 90])
        #expect(!decoded.contains { if case .event = $0.content { true } else { false } })
    }

    @Test("a corrupted frame counts as a FECF error; unknown structures are reported, not dropped")
    func corruptedAndUnknown() throws {
        let mib = try fixtureMIB()
        var fixture = DownlinkFixture()
        let unknown = fixture.packet(.housekeepingReport, [0, 0, 0, 99, 1, 2])
        let frames = try fixture.frames([unknown])
        var decoder = DownlinkDecoder(mib: mib)
        var corrupted = frames[0]
        corrupted[20] ^= 0x01
        #expect(decoder.receive(frame: corrupted).isEmpty)
        #expect(decoder.link.frames.badCRC == 1)
        let decoded = decoder.receive(frame: frames[0])
        guard case .undecodable(let reason, let data)? = decoded.first?.content else {
            Issue.record("expected an undecodable report, got \(decoded)")
            return
        }
        #expect(reason.contains("structure 99"))
        #expect(data == [0, 0, 0, 99, 1, 2])
    }
}

@Suite("Ground: status model and board")
struct StatusTests {
    @Test("housekeeping, events and link counters update the status")
    func updates() throws {
        let mib = try fixtureMIB()
        var status = VehicleStatus(mib: mib, eventCapacity: 3)
        #expect(status.modeName == nil)
        #expect(status.lifeSupport.ppO2kPa == nil)
        func hk(_ id: UInt32, _ values: [(UInt16, ParameterValue)]) -> DecodedPacket {
            DecodedPacket(
                apid: 0x123, sequenceCount: 0, messageType: .housekeepingReport, messageTypeCounter: 0, time: vectorTime,
                content: .housekeeping(structureID: id, structureName: "", values: values.map { NamedValue(id: $0.0, name: mib.parameter(id: $0.0)?.name ?? "?", unit: "", value: $0.1) }))
        }
        status.apply(hk(1, [(1, .u8(3)), (256, .f64(20.75)), (257, .f32(.nan)), (258, .f32(640)), (259, .u8(1)), (260, .bool(false))]))
        status.apply(hk(2, [(1, .u8(3)), (512, .f32(76.5)), (513, .bool(true)), (514, .f32(-2.25))]))
        status.apply(hk(5, [(1, .u8(3)), (768, .u32(410)), (769, .u32(900)), (770, .u32(2)), (771, .u16(5)), (772, .bool(true))]))
        #expect(status.modeValue == 3)
        #expect(status.modeName == "SAFE")
        #expect(status.lifeSupport.ppO2kPa == 20.75)
        #expect(status.lifeSupport.o2Percent?.isNaN == true)
        #expect(status.lifeSupport.co2ppm == 640)
        #expect(status.lifeSupport.o2Valve == 0)
        #expect(status.power.eclipse == true)
        #expect(status.power.batteryCurrent == -2.25)
        #expect(status.executive.latencyP99Microseconds == 900)
        #expect(status.executive.slips == 7)
        #expect(status.executive.healthy == true)
        #expect(status.attitude.tracking == nil)

        for id: UInt16 in [257, 769, 1283, 257] {
            status.apply(
                DecodedPacket(
                    apid: 0x123, sequenceCount: 0, messageType: MessageType(5, 1), messageTypeCounter: 0, time: vectorTime,
                    content: .event(DecodedEvent(id: id, name: mib.event(id: id)?.name, severity: .informative, values: [], argumentNames: []))))
        }
        #expect(status.events.map(\.event.id) == [769, 1283, 257])

        var link = LinkStatus()
        link.frames.framesAccepted = 10
        status.update(link: link, at: 0)
        #expect(status.frameRate == nil)
        link.frames.framesAccepted = 26
        status.update(link: link, at: 2)
        #expect(status.frameRate == 8)
    }

    @Test("the board shows every section; unknown values as —, unusable as n/a")
    func board() throws {
        let mib = try fixtureMIB()
        var status = VehicleStatus(mib: mib)
        var decoder = DownlinkDecoder(mib: mib)
        var fixture = DownlinkFixture()
        fixture.channel.clcw = CLCW(virtualChannel: 0, lockout: true, reportValue: 12)
        let hk = fixture.packet(.housekeepingReport, HousekeepingReport(structureID: 1, values: [.u8(1), .f64(21.25), .f32(.nan), .f32(612), .u8(2), .bool(true)]).sourceData)
        let event = fixture.packet(MessageType(5, 4), EventReport(severity: .high, eventID: 769, auxiliaryData: f64Arguments([5012, 5000])).applicationData)
        let failure = fixture.packet(MessageType(1, 8), VerificationReport.completionFailure(RequestID(packetID: 0x1923, sequenceControl: 0xC00B), FailureNotice(.executionFailed)).sourceData)
        for frame in try fixture.frames([hk, event, failure]) {
            for packet in decoder.receive(frame: frame) { status.apply(packet) }
        }
        status.update(link: decoder.link, at: 0)
        let text = StatusBoard(colour: false).render(status, header: "listening")
        #expect(text.contains("MODE          NOMINAL"))
        #expect(text.contains("ppO2 21.2 kPa") || text.contains("ppO2 21.3 kPa"))
        #expect(text.contains("O2 n/a"))
        #expect(text.contains("CO2 612 ppm"))
        #expect(text.contains("scrubber stage 2"))
        #expect(text.contains("O2 valve open"))
        #expect(text.contains("SoC —"))
        #expect(text.contains("23:59:23  high    co2_alarm  co2 ppm=5012, limit ppm=5000"))
        #expect(text.contains("frames 1"))
        #expect(text.contains("23:59:23  APID 0x123 seq 11  failed: execution_failed (7) at completion"))
        #expect(status.verificationFailures == 1)
        #expect(text.contains("VC 0  lockout YES  wait no  retransmit no  V(R) 12"))
        #expect(!text.contains("\u{1B}["))
        let coloured = StatusBoard(colour: true).render(status)
        #expect(coloured.contains("\u{1B}[32mNOMINAL\u{1B}[0m"))
        let line = StatusBoard(colour: false).statusLine(status)
        #expect(line.hasPrefix("2024-12-31T23:59:23.500Z STATUS mode NOMINAL ppO2 21."))
        #expect(line.contains("V(R) 12"))
    }

    @Test("number formatting")
    func formatting() {
        #expect(StatusBoard.fixed(21.25, 1) == "21.3")
        #expect(StatusBoard.fixed(-0.04, 1) == "0.0")
        #expect(StatusBoard.fixed(-2.5, 2) == "-2.50")
        #expect(StatusBoard.fixed(7, 0) == "7")
        #expect(StatusBoard.number(5000) == "5000")
        #expect(StatusBoard.number(0.125) == "0.125")
        #expect(StatusBoard.format(nil, 1, "kPa") == "—")
        #expect(StatusBoard.format(.nan, 1, "kPa") == "n/a")
    }
}

@Suite("Ground: verification tracking")
struct VerificationTests {
    @Test("outcomes per request ID, failure codes named")
    func tracking() throws {
        let mib = try fixtureMIB()
        var tracker = VerificationTracker(mib: mib, capacity: 2)
        let a = RequestID(packetID: 0x1923, sequenceControl: 0xC001)
        let b = RequestID(packetID: 0x1923, sequenceControl: 0xC002)
        tracker.track(a, label: "ping")
        tracker.track(b, label: "mode SAFE")
        #expect(tracker.apply(.acceptanceSuccess(a)) == .accepted)
        #expect(tracker.apply(.startSuccess(a)) == .started)
        #expect(tracker.apply(.completionSuccess(a)) == .completed)
        #expect(tracker.request(a)?.isCompleted == true)
        let failed = tracker.apply(.startFailure(b, FailureNotice(.notAllowedInMode, data: [4])))
        #expect(failed == .failed(stage: .start, code: 8, name: "not_allowed_in_mode", data: [4]))
        #expect("\(failed!)" == "failed: not_allowed_in_mode (8) at start, failure data 0x04")
        #expect(tracker.request(b)?.isFinished == true)
        #expect(tracker.apply(.acceptanceSuccess(RequestID(packetID: 0x1923, sequenceControl: 0xC003))) == nil)
        // Capacity 2: tracking a third forgets the oldest.
        tracker.track(RequestID(packetID: 0x1923, sequenceControl: 0xC004))
        #expect(tracker.request(a) == nil)
        #expect(tracker.all.count == 2)
        // A code the database does not name.
        #expect("\(VerificationOutcome(.completionFailure(a, FailureNotice(rawCode: 300)), mib: mib))" == "failed: unknown_code (300) at completion")
    }
}

@Suite("Ground: telecommands")
struct TelecommandTests {
    @Test("TC[17,1] and its TC frame match pus-vectors.md byte for byte")
    func pingVector() throws {
        let mib = try fixtureMIB()
        let request = try CommandParser(mib: mib).parse(["ping"])
        let telecommand = request.telecommand(apid: mib.apid, sequenceCount: 5)
        #expect(hexString(telecommand.encoded) == "1923c00500062f11010000616d")
        #expect(telecommand.acknowledgementFlags == .all)
        #expect(request.expectedReply == .connectionTest)
        // The vector's frame is on VC 1; the console's default is VC 0.
        let frame = try UplinkFraming(spacecraftID: 0x2A, virtualChannel: 1, frameType: .bd).frame(telecommand)
        #expect(hexString(frame) == "202a041400c01923c00500062f11010000616d93b5")
        let defaultFrame = try UplinkFraming(spacecraftID: mib.spacecraftID).frame(telecommand)
        #expect(defaultFrame[2] >> 2 == 0)
        #expect(defaultFrame[0] & 0x30 == 0x20) // bypass, data
    }

    @Test("TC[8,1] with function 0x0042 matches its vector; AD frames carry N(S)")
    func functionVector() throws {
        let mib = try fixtureMIB()
        let request = try CommandParser(mib: mib).parse(["function", "0x42"])
        #expect(hexString(request.telecommand(apid: 0x123, sequenceCount: 6).encoded) == "1923c00600092f08010000004200469a")
        let frame = try UplinkFraming(spacecraftID: 42, frameType: .ad).frame(request.telecommand(apid: 0x123, sequenceCount: 6), sequenceNumber: 200)
        let decoded = try TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 42)).decode(frame)
        #expect(decoded.type == .ad)
        #expect(decoded.sequenceNumber == 200)
        #expect(decoded.virtualChannel == 0)
        var link = LinkStatus()
        link.clcwByVirtualChannel[0] = CLCW(virtualChannel: 0, reportValue: 77)
        #expect(UplinkFraming(spacecraftID: 42).adSequenceNumber(from: link) == 77)
    }

    @Test("each command builds its service request")
    func commands() throws {
        let parser = CommandParser(mib: try fixtureMIB())
        func data(_ words: [String]) throws -> (MessageType, String) {
            let request = try parser.parse(words)
            return (request.messageType, hexString(request.applicationData))
        }
        // Function ID 1, N 1, argument 1, tag u8, value 3.
        #expect(try data(["mode", "SAFE"]) == (MessageType(8, 1), "00010100010103"))
        #expect(try data(["mode", "safe"]) == (MessageType(8, 1), "00010100010103"))
        // load_switch channel=payload-switch (1) state=on: N 2, (1, u8 1), (2, bool 1).
        #expect(try data(["function", "load_switch", "channel=payload-switch", "state=on"]) == (MessageType(8, 1), "00030200010101000208" + "01"))
        #expect(try data(["function", "3", "1=1"]) == (MessageType(8, 1), "000301000101" + "01"))
        #expect(try data(["function", "release_safing_latches"]) == (MessageType(8, 1), "000700"))
        // N 1, structure 2, 5000 ms.
        #expect(try data(["hk-interval", "power", "5"]) == (MessageType(3, 31), "01" + "00000002" + "00001388"))
        #expect(try data(["hk", "enable", "executive"]) == (MessageType(3, 5), "0100000005"))
        #expect(try data(["hk", "disable", "1"]) == (MessageType(3, 6), "0100000001"))
        #expect(try data(["hk", "now", "power"]) == (MessageType(3, 27), "0100000002"))
        // 18.5 as f64 = 0x4032800000000000.
        #expect(try data(["param", "set", "ls.ppo2_low_kpa", "18.5"]) == (MessageType(20, 3), "01" + "0400" + "07" + "4032800000000000"))
        #expect(try data(["param", "set", "att.trim_offset", "-3"]) == (MessageType(20, 3), "01" + "0402" + "04" + "fffd"))
        #expect(try data(["param", "get", "ls.ppo2_kpa", "fdir.mode"]) == (MessageType(20, 1), "02" + "0100" + "0001"))
        #expect(try data(["event", "disable", "co2_alarm"]) == (MessageType(5, 6), "01" + "0301"))
        #expect(try data(["event", "enable", "0x101"]) == (MessageType(5, 5), "01" + "0101"))
        #expect(try parser.parse(["param", "get", "ls.ppo2_kpa"]).expectedReply == .parameterReport)
        #expect(try parser.parse(["hk", "now", "power"]).expectedReply == .housekeeping(structureID: 2))
    }

    @Test("unknown names fail with messages listing the valid ones")
    func errors() throws {
        let parser = CommandParser(mib: try fixtureMIB())
        func message(_ words: [String]) -> String {
            do {
                _ = try parser.parse(words)
                return ""
            } catch {
                return error.message
            }
        }
        #expect(
            message(["function", "set_mod"])
                == "unknown function \"set_mod\" (did you mean \"set_mode\"?); valid: set_mode (1), load_switch (3), device_reset (4), release_safing_latches (7), vector_function (66)")
        #expect(message(["mode", "CRUISE"]) == "unknown mode \"CRUISE\"; valid: BOOT, NOMINAL, DEGRADED, SAFE, EMERGENCY")
        #expect(message(["hk", "enable", "thermal"]) == "unknown housekeeping structure \"thermal\"; valid: life_support (1), power (2), executive (5)")
        #expect(message(["hk-interval", "lifesupport", "2"]).hasPrefix("unknown housekeeping structure \"lifesupport\" (did you mean \"life_support\"?)"))
        #expect(
            message(["param", "set", "ls.ppo2_low", "18"])
                == "unknown parameter \"ls.ppo2_low\" (did you mean \"ls.ppo2_low_kpa\"?); tunable parameters: ls.ppo2_low_kpa, ls.co2_alarm_ppm, att.trim_offset")
        #expect(message(["param", "set", "ls.ppo2_kpa", "18"]) == "parameter ls.ppo2_kpa is not tunable; tunable parameters: ls.ppo2_low_kpa, ls.co2_alarm_ppm, att.trim_offset")
        #expect(message(["param", "set", "ls.ppo2_low_kpa", "30"]) == "30 is outside the range of ls.ppo2_low_kpa: 15.0…25.0 kPa")
        #expect(message(["param", "set", "ls.co2_alarm_ppm", "12.5"]) == "ls.co2_alarm_ppm is u16: \"12.5\" is not an integer in 0…65535")
        #expect(message(["param", "get", "nope"]).hasPrefix("unknown parameter \"nope\"; parameters: fdir.mode, ls.ppo2_kpa"))
        #expect(message(["event", "enable", "co2"]) == "unknown event \"co2\" (did you mean \"co2_alarm\"?); valid: eclipse_entry, co2_alarm, mode_safe")
        #expect(message(["function", "load_switch", "channel=o2-valve"]) == "load_switch channel=o2-valve: expected an integer or one of: payload-switch")
        #expect(message(["function", "load_switch", "colour=red"]) == "unknown argument \"colour\" for load_switch; arguments of load_switch: channel:integer, state?:bool")
        #expect(message(["function", "load_switch", "state=on"]) == "load_switch needs channel; arguments of load_switch: channel:integer, state?:bool")
        #expect(message(["function", "set_mode", "mode=SAFE", "mode=NOMINAL"]) == "argument mode given twice")
        #expect(message(["hk-interval", "power", "1.5"]) == "interval 1.5 s is not a whole multiple of the housekeeping period (1000 ms)")
        #expect(message(["fly"]).hasPrefix("unknown command \"fly\"; valid: ping | mode NAME"))
        #expect(message([]).hasPrefix("no command given"))
        #expect(message(["ping", "now"]) == "usage: ping")
    }
}
