/// CRC-32C (Castagnoli): polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value and final
/// XOR 0xFFFFFFFF, input and output reflected — the checksum of iSCSI and ext4 metadata. The
/// check value of the nine octets "123456789" is 0xE3069283.
///
/// Slicing-by-8 over eight 256-entry tables (one flat array, built once), so that scanning a
/// store at start-up is bounded by the disk, not by the checksum.
public enum CRC32C {
    /// Table `k` (entries `k * 256 ..< (k + 1) * 256`) is the CRC of a byte followed by `k` zeros.
    static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = table[(slice - 1) * 256 + byte]
                table[slice * 256 + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    /// The CRC of `bytes`, continuing from `crc` (the result of an earlier call, or 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = ~crc
        let count = bytes.count
        var index = 0
        table.withUnsafeBufferPointer { t in
            while count - index >= 8 {
                let low =
                    value
                    ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                        | UInt32(bytes[index + 3]) << 24)
                let a = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                let b = t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                let c = t[3 * 256 + Int(bytes[index + 4])] ^ t[2 * 256 + Int(bytes[index + 5])]
                let d = t[256 + Int(bytes[index + 6])] ^ t[Int(bytes[index + 7])]
                value = a ^ b ^ c ^ d
                index += 8
            }
            while index < count {
                value = (value >> 8) ^ t[Int((value ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return ~value
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
