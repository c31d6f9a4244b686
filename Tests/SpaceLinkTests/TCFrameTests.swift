import SpaceLink
import Testing

@Suite struct TCFrameTests {
    let vector = bytes("202a041400c01923c00500062f11010000616d93b5")
    let decoder = TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 0x2A))

    @Test func notesVectorEncodes() {
        let frame = TCFrame(type: .bd, spacecraftID: 0x2A, virtualChannel: 1, sequenceNumber: 0, mapID: 0, data: bytes("1923c00500062f11010000616d"))
        #expect(frame.encoded == vector)
    }

    @Test func notesVectorDecodes() throws {
        let frame = try decoder.decode(vector)
        #expect(frame.type == .bd)
        #expect(frame.spacecraftID == 0x2A)
        #expect(frame.virtualChannel == 1)
        #expect(frame.mapID == 0)
        let packets = try spacePackets(in: frame.data[...])
        #expect(packets.count == 1)
        #expect(try PUSTelecommand.decode(packets[0]).messageType == .areYouAlive)
    }

    @Test func controlCommandFrames() throws {
        // Type-BC, SCID 0x2A, VC 0, no segment header: 5 + 3 + 2 = 10 octets, length field 9.
        let setVR = TCFrame(controlCommand: .setVR(0x10), spacecraftID: 0x2A, virtualChannel: 0).encoded
        #expect(Array(setVR.prefix(8)) == [0x30, 0x2A, 0x00, 0x09, 0x00, 0x82, 0x00, 0x10])
        #expect(try decoder.decode(setVR).controlCommand == .setVR(0x10))
        let unlock = TCFrame(controlCommand: .unlock, spacecraftID: 0x2A, virtualChannel: 1).encoded
        #expect(try decoder.decode(unlock).controlCommand == .unlock)
    }

    @Test func typedErrorPerReason() {
        var badCRC = vector
        badCRC[20] ^= 0xFF
        #expect(throws: TCFrameError.badCRC(expected: 0x93B5, found: 0x934A)) { try decoder.decode(badCRC) }
        #expect(throws: TCFrameError.lengthMismatch(declared: 21, actual: 20)) { try decoder.decode(Array(vector.dropLast())) }
        #expect(throws: TCFrameError.truncated(available: 4)) { try decoder.decode(Array(vector.prefix(4))) }
        let otherSpacecraft = TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 0x2B))
        #expect(throws: TCFrameError.wrongSpacecraft(0x2A)) { try otherSpacecraft.decode(vector) }
        let onlyVC0 = TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 0x2A, allowedVirtualChannels: [0]))
        #expect(throws: TCFrameError.virtualChannelNotAllowed(1)) { try onlyVC0.decode(vector) }
        let map3 = TCFrame(type: .ad, spacecraftID: 0x2A, virtualChannel: 0, mapID: 3, data: [1]).encoded
        #expect(throws: TCFrameError.mapNotAllowed(3)) { try decoder.decode(map3) }
        var illegal = TCFrame(type: .ad, spacecraftID: 0x2A, virtualChannel: 0, data: [1]).encoded
        illegal[0] |= 0x10
        illegal.replaceSubrange(illegal.count - 2..<illegal.count, with: crc(Array(illegal.dropLast(2))))
        #expect(throws: TCFrameError.illegalFrameType) { try decoder.decode(illegal) }
        var segmented = TCFrame(type: .ad, spacecraftID: 0x2A, virtualChannel: 0, data: [1]).encoded
        segmented[5] = 0x40
        segmented.replaceSubrange(segmented.count - 2..<segmented.count, with: crc(Array(segmented.dropLast(2))))
        #expect(throws: TCFrameError.segmentedData(1)) { try decoder.decode(segmented) }
        let badCommand = TCFrame(type: .bc, spacecraftID: 0x2A, virtualChannel: 0, data: [0x82, 0x01, 0x00]).encoded
        #expect(throws: TCFrameError.invalidControlCommand) { try decoder.decode(badCommand) }
        var version1 = vector
        version1[0] |= 0x40
        version1.replaceSubrange(19..<21, with: crc(Array(version1.prefix(19))))
        #expect(throws: TCFrameError.wrongVersion(1)) { try decoder.decode(version1) }
    }
}
