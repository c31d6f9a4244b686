import SpaceLink
import Testing

/// Vectors from ../shared/notes/pus-vectors.md (cross-checked by several independent libraries).
@Suite struct CRC16Tests {
    @Test(arguments: [
        ("313233343536373839", UInt16(0x29B1)),
        ("abcdef01", 0x04A2),
        ("1456f89a0001", 0x7FD5),
        ("0000", 0x1D0F),
        ("000000", 0xCC9C),
    ])
    func ccittFalse(hex: String, expected: UInt16) {
        #expect(CRC16.compute(bytes(hex)) == expected)
    }

    @Test func crcOverPacketWithItsPECIsZero() {
        #expect(CRC16.compute(bytes("0923c005000f201102000100001e7e06e4008000834d")) == 0)
    }
}

func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return out
}
