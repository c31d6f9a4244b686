import SpaceLink
import Testing

/// The common time of the vectors in shared/notes/pus-vectors.md: 2025-01-01T00:00:00.5 TAI.
let vectorTime = CUCTime(coarse: 2_114_380_800, fine: 0x8000)

@Suite struct SpacePacketTests {
    @Test func primaryHeaderFieldsFromTheTM17_2Vector() throws {
        let header = try SpacePacketHeader.decode(bytes("0923c005000f"))
        #expect(header.type == .telemetry)
        #expect(header.hasSecondaryHeader)
        #expect(header.apid == 0x123)
        #expect(header.sequenceFlags == .unsegmented)
        #expect(header.sequenceCount == 5)
        #expect(header.dataLength == 15)
        #expect(header.packetLength == 22)
        #expect(header.encoded == bytes("0923c005000f"))
    }

    @Test func headerEncodesEveryFieldAtItsBits() {
        // TC, no secondary header, APID 0x7FE, first segment, count 0x3FFF, length 0x1234.
        let header = SpacePacketHeader(type: .telecommand, hasSecondaryHeader: false, apid: 0x7FE, sequenceFlags: .first, sequenceCount: 0x3FFF, dataLength: 0x1234)
        #expect(header.encoded == [0x17, 0xFE, 0x7F, 0xFF, 0x12, 0x34])
    }

    @Test func rawPacketRoundTrip() throws {
        let packet = SpacePacket(type: .telemetry, apid: 0x42, sequenceCount: 9, dataField: [1, 2, 3])
        #expect(packet.encoded == [0x00, 0x42, 0xC0, 0x09, 0x00, 0x02, 1, 2, 3])
        #expect(try SpacePacket.decode(packet.encoded) == packet)
    }

    @Test func strictDecodingErrors() {
        #expect(throws: SpacePacketError.truncated(needed: 6, available: 3)) { try SpacePacket.decode([0, 0x42, 0xC0]) }
        #expect(throws: SpacePacketError.wrongVersion(1)) { try SpacePacket.decode([0x20, 0x42, 0xC0, 0x09, 0x00, 0x00, 0]) }
        #expect(throws: SpacePacketError.truncated(needed: 9, available: 8)) { try SpacePacket.decode([0, 0x42, 0xC0, 0x09, 0x00, 0x02, 1, 2]) }
        #expect(throws: SpacePacketError.lengthMismatch(declared: 9, actual: 10)) { try SpacePacket.decode([0, 0x42, 0xC0, 0x09, 0x00, 0x02, 1, 2, 3, 4]) }
    }

    @Test func sequenceCountersArePerAPIDAndWrapAt14Bits() {
        var counters = SequenceCounters()
        #expect(counters.next(for: 1) == 0)
        #expect(counters.next(for: 1) == 1)
        #expect(counters.next(for: 2) == 0)
        for _ in 0..<16_381 { _ = counters.next(for: 1) }
        #expect(counters.next(for: 1) == 0x3FFF)
        #expect(counters.next(for: 1) == 0)
    }

    @Test func idlePacket() throws {
        let idle = SpacePacket.idle(length: 7)
        #expect(idle == [0x07, 0xFF, 0xC0, 0x00, 0x00, 0x00, 0x55])
        #expect(try SpacePacketHeader.decode(SpacePacket.idle(length: 100)).packetLength == 100)
    }
}

@Suite struct CUCTimeTests {
    @Test func pFieldAndTFieldOfTheVectors() {
        #expect(vectorTime.encoded(withPField: true) == bytes("1e7e06e4008000"))
        #expect(vectorTime.encoded(withPField: false) == bytes("7e06e4008000"))
    }

    @Test func fromUnixUTCWithTheDefaultOffset() {
        // 2025-01-01T00:00:00.5 TAI = 2024-12-31T23:59:23.5 UTC (TAI − UTC = 37 s);
        // 2025-01-01T00:00:00 UTC is Unix 1735689600.
        let time = CUCTime(unixSeconds: 1_735_689_600 - 37, nanoseconds: 500_000_000)
        #expect(time == vectorTime)
        #expect(CUCTime(unixTime: 1_735_689_563.5) == vectorTime)
        #expect(vectorTime.unixTime() == 1_735_689_563.5)
    }

    @Test func configurableOffsetAndRounding() {
        let time = CUCTime(unixSeconds: 0, nanoseconds: 999_999_999, utcToTAIOffset: 0)
        // 0.999999999 s rounds to a whole second: 1970 epoch + 1 s.
        #expect(time == CUCTime(coarse: 378_691_201, fine: 0))
        #expect(CUCTime(unixSeconds: 0, utcToTAIOffset: 10).coarse == 378_691_210)
        #expect(CUCTime(unixSeconds: -400_000_000) == CUCTime(coarse: 0, fine: 0))
        #expect(CUCTime(unixTime: .nan) == CUCTime(coarse: 0, fine: 0))
    }
}

@Suite struct PUSPacketTests {
    @Test func tm17_2Vector() throws {
        let tm = PUSTelemetry(apid: 0x123, sequenceCount: 5, messageType: .areYouAliveReport, messageTypeCounter: 1, destinationID: 0, time: vectorTime)
        let expected = bytes("0923c005000f201102000100001e7e06e4008000834d")
        #expect(tm.encoded() == expected)
        #expect(try PUSTelemetry.decode(expected, expectedAPID: 0x123) == tm)
    }

    @Test func tm17_2ImplicitCUCVector() throws {
        let tm = PUSTelemetry(apid: 0x123, sequenceCount: 5, messageType: .areYouAliveReport, messageTypeCounter: 0, time: vectorTime)
        let expected = bytes("0923c005000e201102000000007e06e4008000acdc")
        #expect(tm.encoded(timeFormat: .cucImplicit) == expected)
        #expect(try PUSTelemetry.decode(expected, timeFormat: .cucImplicit) == tm)
    }

    @Test func tc17_1Vector() throws {
        let tc = PUSTelecommand(apid: 0x123, sequenceCount: 5, messageType: .areYouAlive, acknowledgementFlags: .all, sourceID: 0)
        let expected = bytes("1923c00500062f11010000616d")
        #expect(tc.encoded == expected)
        #expect(try PUSTelecommand.decode(expected, expectedAPID: 0x123) == tc)
    }

    @Test func tc8_1Vector() throws {
        let request = FunctionRequest(functionID: 0x0042)
        let tc = PUSTelecommand(apid: 0x123, sequenceCount: 6, messageType: request.messageType, applicationData: request.applicationData)
        let expected = bytes("1923c00600092f08010000004200469a")
        #expect(tc.encoded == expected)
        let decoded = try PUSTelecommand.decode(expected)
        #expect(try FunctionRequest.decode(decoded.messageType, data: decoded.applicationData[...]) == request)
    }

    @Test func tm3_25Vector() throws {
        let report = HousekeepingReport(structureID: 1, values: [.u16(7400), .i16(-1234), .f32(1.5), .u8(3), .u8(0xA5)])
        let tm = PUSTelemetry(apid: 0x123, sequenceCount: 6, messageType: report.messageType, messageTypeCounter: 1, time: vectorTime, sourceData: report.sourceData)
        let expected = bytes("0923c006001d200319000100001e7e06e4008000000000011ce8fb2e3fc0000003a5f0e7")
        #expect(tm.encoded() == expected)
        let decoded = try PUSTelemetry.decode(expected)
        #expect(try HousekeepingReport.structureID(of: decoded.sourceData[...]) == 1)
        #expect(try HousekeepingReport.decode(decoded.sourceData[...], layout: [.u16, .i16, .f32, .u8, .u8]) == report)
    }

    @Test func tm1_1Vector() throws {
        let tc = try PUSTelecommand.decode(bytes("1923c00500062f11010000616d"))
        let report = VerificationReport.acceptanceSuccess(tc.requestID)
        let tm = PUSTelemetry(apid: 0x123, sequenceCount: 4, messageType: report.messageType, messageTypeCounter: 0, time: vectorTime, sourceData: report.sourceData)
        let expected = bytes("0923c0040013200101000000001e7e06e40080001923c005d808")
        #expect(tm.encoded() == expected)
        let decoded = try PUSTelemetry.decode(expected)
        #expect(try VerificationReport.decode(decoded.messageType, sourceData: decoded.sourceData[...]) == report)
    }

    @Test func tcDecodeReturnsATypedErrorPerReason() {
        let good = bytes("1923c00500062f11010000616d")
        var badCRC = good
        badCRC[12] ^= 1
        #expect(throws: SpacePacketError.badCRC(expected: 0x616D, found: 0x616C)) { try PUSTelecommand.decode(badCRC) }
        #expect(throws: SpacePacketError.wrongAPID(expected: 0x124, found: 0x123)) { try PUSTelecommand.decode(good, expectedAPID: 0x124) }
        #expect(throws: SpacePacketError.truncated(needed: 13, available: 12)) { try PUSTelecommand.decode(Array(good.dropLast())) }
        #expect(throws: SpacePacketError.lengthMismatch(declared: 13, actual: 14)) { try PUSTelecommand.decode(good + [0]) }
        // A TM presented as a TC (the CRC is valid, so only the type is wrong).
        #expect(throws: SpacePacketError.wrongPacketType(.telemetry)) { try PUSTelecommand.decode(bytes("0923c005000f201102000100001e7e06e4008000834d")) }
        // A telecommand too short for its secondary header: data length 2 (PEC + one octet).
        var short: [UInt8] = [0x19, 0x23, 0xC0, 0x05, 0x00, 0x02, 0x2F]
        short += crc(short)
        #expect(throws: SpacePacketError.dataFieldTooShort(3)) { try PUSTelecommand.decode(short) }
        // PUS version 1 in the secondary header.
        var pusA: [UInt8] = [0x19, 0x23, 0xC0, 0x05, 0x00, 0x06, 0x1F, 0x11, 0x01, 0x00, 0x00]
        pusA += crc(pusA)
        #expect(throws: SpacePacketError.wrongPUSVersion(1)) { try PUSTelecommand.decode(pusA) }
        // No secondary header flag.
        var noSecondary: [UInt8] = [0x11, 0x23, 0xC0, 0x05, 0x00, 0x06, 0x2F, 0x11, 0x01, 0x00, 0x00]
        noSecondary += crc(noSecondary)
        #expect(throws: SpacePacketError.missingSecondaryHeader) { try PUSTelecommand.decode(noSecondary) }
    }

    @Test func failureCodesForRejectedTelecommands() {
        #expect(VerificationFailureCode(.badCRC(expected: 0, found: 1)) == .badCRC)
        #expect(VerificationFailureCode(.wrongAPID(expected: 1, found: 2)) == .badAPID)
        #expect(VerificationFailureCode(.truncated(needed: 7, available: 6)) == .badLength)
        #expect(VerificationFailureCode(.wrongPacketType(.telemetry)) == .badHeader)
        #expect(RequestID(rawPacket: bytes("1923c005")) == RequestID(packetID: 0x1923, sequenceControl: 0xC005))
        #expect(RequestID(rawPacket: [0x19, 0x23]) == nil)
    }

    @Test func tmWithWrongPFieldIsRejected() {
        var packet = bytes("0923c005000f201102000100001e7e06e4008000834d")
        packet[13] = 0x2E
        packet.replaceSubrange(20..<22, with: crc(Array(packet[0..<20])))
        #expect(throws: SpacePacketError.unsupportedTimeFormat(pField: 0x2E)) { try PUSTelemetry.decode(packet) }
    }

    @Test func telemetrySourceStampsSequenceAndMessageTypeCounters() throws {
        var source = PUSTelemetrySource(apid: 0x123)
        let a = source.makePacket(.housekeepingReport, time: vectorTime)
        let b = source.makePacket(.housekeepingReport, time: vectorTime)
        let c = source.makePacket(.areYouAliveReport, time: vectorTime)
        let d = source.makePacket(.housekeepingReport, time: vectorTime, destinationID: 7)
        #expect([a.sequenceCount, b.sequenceCount, c.sequenceCount, d.sequenceCount] == [0, 1, 2, 3])
        #expect([a.messageTypeCounter, b.messageTypeCounter, c.messageTypeCounter, d.messageTypeCounter] == [0, 1, 0, 0])
    }
}

func crc(_ data: [UInt8]) -> [UInt8] {
    let value = CRC16.compute(data)
    return [UInt8(value >> 8), UInt8(value & 0xFF)]
}

func hex(_ data: some Sequence<UInt8>) -> String {
    data.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
