/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, not reflected, no final XOR.
///
/// The packet error control of PUS-C packets (ECSS-E-ST-70-41C §7.4.3.1 referring to
/// CCSDS 133.0-B) and the frame error control field of TM (132.0-B-3 §4.1.6) and TC
/// (232.0-B §4.1.4) transfer frames. The CRC over data followed by its own CRC is zero.
public enum CRC16 {
    private static let table: [UInt16] = (0..<256).map { byte -> UInt16 in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }

    /// The CRC of `bytes`, continuing from `initial`.
    @inlinable
    public static func compute<Bytes: Sequence>(_ bytes: Bytes, initial: UInt16 = 0xFFFF) -> UInt16 where Bytes.Element == UInt8 {
        var crc = initial
        for byte in bytes {
            crc = (crc << 8) ^ lookup(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)
        }
        return crc
    }

    @usableFromInline
    static func lookup(_ index: UInt8) -> UInt16 { table[Int(index)] }
}
