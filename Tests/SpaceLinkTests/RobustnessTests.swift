import SpaceLink
import Testing

/// SplitMix64 (Steele, Lea, Flood 2014): a seeded generator so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// Thousands of random, truncated and corrupted inputs to every decoder: each must return a
/// value or a typed error, never trap.
@Suite struct RobustnessTests {
    static let validPackets = [
        "0923c005000f201102000100001e7e06e4008000834d",
        "1923c00500062f11010000616d",
        "0923c006001d200319000100001e7e06e4008000000000011ce8fb2e3fc0000003a5f0e7",
        "1923c00600092f08010000004200469a",
        "0923c0040013200101000000001e7e06e40080001923c005d808",
    ].map(bytes)

    @Test func packetDecodersOnRandomAndTruncatedInput() {
        var rng = SeededGenerator(state: 1)
        var inputs: [[UInt8]] = (0..<4000).map { _ in rng.bytes(Int.random(in: 0...80, using: &rng)) }
        for packet in Self.validPackets {
            for cut in 0...packet.count { inputs.append(Array(packet.prefix(cut))) }
            for _ in 0..<200 {
                var flipped = packet
                flipped[Int.random(in: 0..<flipped.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                inputs.append(flipped)
            }
        }
        // Random packets with a consistent length field and a valid PEC reach the PUS layer.
        for _ in 0..<3000 {
            var packet = rng.bytes(Int.random(in: 7...40, using: &rng))
            packet[0] &= 0x1F
            packet[4] = 0
            packet[5] = UInt8(packet.count - 7)
            packet.replaceSubrange(packet.count - 2..<packet.count, with: crc(Array(packet.dropLast(2))))
            inputs.append(packet)
        }
        var decodedTM = 0, decodedTC = 0
        for input in inputs {
            _ = try? SpacePacket.decode(input)
            _ = try? spacePackets(in: input[...])
            if let tm = try? PUSTelemetry.decode(input) {
                decodedTM += 1
                _ = try? VerificationReport.decode(tm.messageType, sourceData: tm.sourceData[...])
                _ = try? EventReport.decode(tm.messageType, data: tm.sourceData[...])
                _ = try? HousekeepingReport.decode(tm.sourceData[...], layout: [.u16, .f64, .bool])
            }
            _ = try? PUSTelemetry.decode(input, timeFormat: .cucImplicit)
            if let tc = try? PUSTelecommand.decode(input) {
                decodedTC += 1
                #expect(tc.encoded == input) // anything accepted re-encodes identically
            }
            _ = RequestID(rawPacket: input)
        }
        #expect(decodedTM >= 3 && decodedTC >= 2)
    }

    @Test func serviceDecodersOnRandomData() {
        var rng = SeededGenerator(state: 2)
        let types = [
            MessageType(1, 1), MessageType(1, 2), MessageType(1, 5), MessageType(1, 6), MessageType(3, 5), MessageType(3, 6), MessageType(3, 27), MessageType(3, 31), MessageType(5, 1),
            MessageType(5, 5), MessageType(5, 6), MessageType(8, 1), MessageType(17, 1), MessageType(20, 1), MessageType(20, 2), MessageType(20, 3), MessageType(9, 9),
        ]
        for _ in 0..<5000 {
            let data = rng.bytes(Int.random(in: 0...40, using: &rng))[...]
            let type = types[Int.random(in: 0..<types.count, using: &rng)]
            _ = try? VerificationReport.decode(type, sourceData: data)
            _ = try? HousekeepingRequest.decode(type, data: data)
            _ = try? EventReport.decode(type, data: data)
            _ = try? EventReportingRequest.decode(type, data: data)
            _ = try? FunctionRequest.decode(type, data: data)
            _ = try? ConnectionTest.decode(type, data: data)
            if let message = try? ParameterManagementMessage.decode(type, data: data) {
                // NaN payloads are not equal to themselves, so compare the octets.
                #expect(message.applicationData == Array(data))
            }
            let layout = (0..<Int.random(in: 0...6, using: &rng)).map { _ in ParameterType.allCases[Int.random(in: 0..<8, using: &rng)] }
            _ = try? HousekeepingReport.decode(data, layout: layout)
        }
    }

    @Test func tcFrameDecoderAndFARMOnRandomFrames() {
        var rng = SeededGenerator(state: 3)
        let decoder = TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 0x2A))
        var farm = FARM1(virtualChannel: 0)
        var accepted = 0
        let vector = bytes("202a041400c01923c00500062f11010000616d93b5")
        for cut in 0...vector.count { _ = try? decoder.decode(Array(vector.prefix(cut))) }
        for _ in 0..<5000 {
            var frame = rng.bytes(Int.random(in: 0...64, using: &rng))
            if frame.count >= 8, Bool.random(using: &rng) {
                // Make the header plausible so the deeper checks run.
                frame[0] = frame[0] & 0x30
                frame[1] = 0x2A
                frame[2] = frame[2] & 0x04
                frame[3] = UInt8(frame.count - 1)
                if Bool.random(using: &rng) { frame[5] = 0xC0 }
                frame.replaceSubrange(frame.count - 2..<frame.count, with: crc(Array(frame.dropLast(2))))
            }
            if let tc = try? decoder.decode(frame) {
                accepted += 1
                #expect(tc.encoded == frame)
                _ = farm.process(tc, bufferAvailable: Bool.random(using: &rng))
                if Int.random(in: 0..<20, using: &rng) == 0 { farm.releaseBuffer() }
                #expect(farm.clcw.reportValue == farm.receiverFrameSequenceNumber)
                #expect(farm.clcw.lockout == (farm.state == .lockout))
            }
        }
        #expect(accepted > 100)
    }

    @Test func tmFrameDecoderOnRandomAndCorruptedFrames() throws {
        var rng = SeededGenerator(state: 4)
        var decoder = TMFrameDecoder(configuration: smallFrames)
        // Valid-CRC frames with random contents reach the reassembler.
        for _ in 0..<5000 {
            var frame = rng.bytes(64)
            frame[0] = 0x02
            frame[1] = 0xA1 | (frame[1] & 0x0E)
            frame[4] &= 0x3F
            if Bool.random(using: &rng) { frame[4] = 0x1F; frame[5] = [0xFF, 0xFE, 0x10][Int.random(in: 0..<3, using: &rng)] }
            frame.replaceSubrange(62..<64, with: crc(Array(frame.prefix(62))))
            for packet in decoder.receive(frame) {
                #expect(packet.count >= 7)
                #expect((try? SpacePacketHeader.decode(packet))?.packetLength == packet.count)
            }
        }
        // Truncated, extended and bit-flipped real frames.
        var channel = TMMasterChannel(configuration: smallFrames)
        for i in 0..<200 { try channel.enqueue(testPacket(apid: 9, count: UInt16(i), length: 7 + i % 90), virtualChannel: 0) }
        channel.flush()
        for frame in channel.drainFrames() {
            _ = decoder.receive(Array(frame.prefix(Int.random(in: 0..<64, using: &rng))))
            _ = decoder.receive(frame + [0])
            var flipped = frame
            flipped[Int.random(in: 0..<64, using: &rng)] ^= 0x10
            _ = decoder.receive(flipped)
            _ = try? CLCW(bytes: frame.suffix(6).prefix(4))
        }
        #expect(decoder.statistics.framesAccepted > 1000)
        #expect(decoder.statistics.framesRejected > 400)
    }
}
