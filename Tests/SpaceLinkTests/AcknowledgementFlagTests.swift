import SpaceLink
import Testing

/// The TC acknowledgement flags against packets built by puslib 0.4
/// (`PusTcPacket.create(apid=0x123, name=20 + flag, ack_flags=AckFlag.X, service_type=17,
/// service_subtype=1, source=0)`), each flag alone. ECSS-E-ST-70-41C numbers bits from the most
/// significant, so acceptance ("bit 3") is the least significant bit of the 4-bit field, as
/// puslib's `AckFlag` and fsfw's `ecss::AckField` define it.
@Suite struct AcknowledgementFlagTests {
    static let puslibVectors: [(hex: String, flag: AcknowledgementFlags, report: VerificationReport)] = {
        let request = { (sequence: UInt16) in RequestID(packetID: 0x1923, sequenceControl: 0xC000 | sequence) }
        return [
            ("1923c015000621110100009371", .acceptance, .acceptanceSuccess(request(21))), // AckFlag.ACCEPTANCE = 1
            ("1923c01600062211010000b5d6", .start, .startSuccess(request(22))), // AckFlag.START_OF_EXECUTION = 2
            ("1923c01800062411010000e642", .progress, .progressSuccess(request(24), step: 0)), // AckFlag.PROGRESS = 4
            ("1923c01c000628110100006204", .completion, .completionSuccess(request(28))), // AckFlag.COMPLETION = 8
        ]
    }()

    @Test func eachPuslibFlagAloneDecodesToItsStage() throws {
        for (text, flag, report) in Self.puslibVectors {
            let tc = try PUSTelecommand.decode(bytes(text), expectedAPID: 0x123)
            #expect(tc.acknowledgementFlags == flag, "\(text)")
            #expect(report.isRequested(by: tc.acknowledgementFlags), "\(text)")
            // Only that stage: the other success reports are not asked for.
            for (_, other, otherReport) in Self.puslibVectors where other != flag {
                #expect(!otherReport.isRequested(by: tc.acknowledgementFlags), "\(text) asks for \(otherReport)")
            }
            // And we encode the same octets for the same flag.
            #expect(PUSTelecommand(apid: 0x123, sequenceCount: tc.sequenceCount, messageType: .areYouAlive, acknowledgementFlags: flag).encoded == bytes(text))
        }
        #expect(AcknowledgementFlags.acceptance.rawValue == 0b0001)
        #expect(AcknowledgementFlags.start.rawValue == 0b0010)
        #expect(AcknowledgementFlags.progress.rawValue == 0b0100)
        #expect(AcknowledgementFlags.completion.rawValue == 0b1000)
    }
}
