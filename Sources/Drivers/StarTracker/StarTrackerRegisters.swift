import HAL

/// The iost star tracker's Modbus register map, protocol version 1.0.
///
/// Our own interface, specified in `docs/star-tracker-modbus.md` (section numbers below refer
/// to it). Input registers (function 0x04) carry identity and the attitude solution; holding
/// registers (0x03 read, 0x06/0x10 write) the commands. 32-bit values are big-endian: high
/// word at the lower address.
public enum StarTrackerRegister {
    // §3 Input registers
    /// §3.1 Magic, always 0x5354 ("ST").
    public static let magic: UInt16 = 0x0000
    /// §3.1 Protocol version, major in the high byte, minor in the low byte.
    public static let protocolVersion: UInt16 = 0x0001
    /// §3.2 Status bits, see ``StarTrackerStatus``. First register of the solution block.
    public static let status: UInt16 = 0x0002
    /// §3.2 Number of stars matched in the last solution.
    public static let starsTracked: UInt16 = 0x0003
    /// §3.3 Attitude quaternion w, x, y, z: four float32, 0x0004...0x000B.
    public static let quaternion: UInt16 = 0x0004
    /// §3.4 Time tag, whole seconds, u32 (0x000C high word, 0x000D low word).
    public static let timeTagSeconds: UInt16 = 0x000C
    /// §3.4 Time tag, fraction of a second in units of 1/65536 s.
    public static let timeTagFraction: UInt16 = 0x000E
    /// §3.5 Attitude validity: 1 valid, 0 no valid solution.
    public static let attitudeValid: UInt16 = 0x000F
    /// The solution block, read in one request so it comes from one solution: 0x0002...0x000F.
    public static let solutionCount: UInt16 = 14

    // §4 Holding registers
    /// §4.1 Mode, see ``StarTrackerMode``.
    public static let mode: UInt16 = 0x0100
    /// §4.2 Exposure time, ms, 1...1000.
    public static let exposure: UInt16 = 0x0101

    /// §3.1 The value of ``magic``.
    public static let magicValue: UInt16 = 0x5354
    /// The protocol major version this driver speaks.
    public static let supportedMajorVersion: UInt8 = 1
    /// §2 The default unit id.
    public static let defaultUnit: UInt8 = 0x20
    /// §4.2 Exposure limits, ms.
    public static let exposureRange: ClosedRange<UInt16> = 1...1000
}

/// §3.2 Status bits, input register 0x0002.
public struct StarTrackerStatus: OptionSet, Sendable, Equatable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Bit 0: tracking — the attitude is propagated from star to star.
    public static let tracking = StarTrackerStatus(rawValue: 1 << 0)
    /// Bit 1: lost in space — no prior attitude, searching the whole catalogue.
    public static let lostInSpace = StarTrackerStatus(rawValue: 1 << 1)
    /// Bit 2: body rate too high for star images to be matched.
    public static let rateTooHigh = StarTrackerStatus(rawValue: 1 << 2)
    /// Bit 3: stray light (Sun, Earth or Moon) in or near the field of view.
    public static let strayLight = StarTrackerStatus(rawValue: 1 << 3)
}

/// §4.1 Operating mode, holding register 0x0100.
public enum StarTrackerMode: UInt16, Sendable, CaseIterable {
    case standby = 0
    case track = 1
}
