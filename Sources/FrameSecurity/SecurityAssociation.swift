import Crypto

/// The 96-bit initialisation vector of an SDLS frame: a big-endian counter that the sender
/// increments for every frame and the receiver's anti-replay check compares (CCSDS 355.0-B-2
/// §4.1.1.3: the IV doubles as the anti-replay sequence number).
public struct SecurityCounter: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Octets of the IV field.
    public static let length = 12
    /// The most significant 32 bits.
    public var high: UInt32
    /// The least significant 64 bits.
    public var low: UInt64

    public init(high: UInt32 = 0, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 0.
    public static let zero = SecurityCounter(low: 0)
    /// 2^96 − 1: the last counter; an SA that reached it is exhausted (never wrapped).
    public static let maximum = SecurityCounter(high: .max, low: .max)

    /// Reads 12 big-endian octets; `nil` for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Self.length else { return nil }
        var high: UInt32 = 0
        var low: UInt64 = 0
        for (position, octet) in bytes.enumerated() {
            if position < 4 { high = high << 8 | UInt32(octet) } else { low = low << 8 | UInt64(octet) }
        }
        self.init(high: high, low: low)
    }

    /// The 12 big-endian octets.
    public var bytes: [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: high >> (24 - 8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// The next counter, `nil` at ``maximum``.
    public var successor: SecurityCounter? {
        if low < .max { return SecurityCounter(high: high, low: low + 1) }
        if high < .max { return SecurityCounter(high: high + 1, low: 0) }
        return nil
    }

    /// `self + distance`, `nil` past ``maximum``.
    public func advanced(by distance: UInt64) -> SecurityCounter? {
        let (sum, overflow) = low.addingReportingOverflow(distance)
        guard overflow else { return SecurityCounter(high: high, low: sum) }
        guard high < .max else { return nil }
        return SecurityCounter(high: high + 1, low: sum)
    }

    public static func < (lhs: SecurityCounter, rhs: SecurityCounter) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// Hexadecimal, 24 digits.
    public var description: String { bytes.map { hexDigits($0) }.joined() }
}

func hexDigits(_ octet: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(octet >> 4)], digits[Int(octet & 0x0F)]])
}

/// The cryptographic service of a security association (CCSDS 355.0-B-2 §2.3).
public enum SecurityService: String, Sendable, Hashable, CaseIterable {
    /// AES-256-GCM over the frame data field: encrypted, and authenticated with the header.
    case authenticatedEncryption = "authenticated_encryption"
    /// AES-256-GCM with an empty plaintext: the data field stays in clear and goes into the
    /// additional authenticated data after the masked header.
    case authentication
}

/// One SDLS security association on the TC uplink: SPI, service, AES-256 key and anti-replay
/// window (the layout of the security header and trailer is ``TCFrameSecurity``'s).
public struct SecurityAssociation: Sendable {
    /// Security parameter index, carried in every frame's security header.
    public var spi: UInt16
    public var service: SecurityService
    /// The 256-bit key.
    public var key: SymmetricKey {
        get { sealedKey.key }
        set { sealedKey = ImmutableKey(key: newValue) }
    }
    private var sealedKey: ImmutableKey
    /// How far ahead of the last accepted counter a frame's counter may be (≥ 1).
    public var replayWindow: UInt64
    /// Whether frames may be processed with it (an SA that is not operational rejects them).
    public var isOperational: Bool

    /// - Precondition: a 256-bit key and a window of at least 1.
    public init(spi: UInt16, service: SecurityService, key: SymmetricKey, replayWindow: UInt64, isOperational: Bool = true) {
        precondition(key.bitCount == 256, "SDLS keys are AES-256")
        precondition(replayWindow >= 1, "the anti-replay window is at least 1")
        self.spi = spi
        self.service = service
        sealedKey = ImmutableKey(key: key)
        self.replayWindow = replayWindow
        self.isOperational = isOperational
    }
}

/// swift-crypto's `SymmetricKey` is an immutable value (its storage is never written after
/// creation) but is not marked `Sendable` on every platform; this box says so for it.
struct ImmutableKey: @unchecked Sendable {
    let key: SymmetricKey
}
