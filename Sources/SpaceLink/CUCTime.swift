/// CCSDS Unsegmented time Code (CCSDS 301.0-B-4 §3.2): 4 coarse octets of TAI seconds since
/// the 1958-01-01 epoch and 2 fine octets of 1/65536 s.
///
/// The P-field (§3.2.2) for this layout is 0x1E: no extension (bit 0 = 0), time code
/// identification 001 (level 1, 1958 TAI epoch), coarse octets − 1 = 3, fine octets = 2.
/// PUS-C telemetry in this project carries the P-field explicitly (``encoded(withPField:)``).
public struct CUCTime: Sendable, Hashable, Comparable {
    /// P-field octet for level-1 CUC with 4 coarse and 2 fine octets.
    public static let pField: UInt8 = 0x1E
    /// Length of the T-field (coarse + fine) in octets.
    public static let timeFieldLength = 6
    /// Seconds from 1958-01-01 to 1970-01-01 (4383 days), both on the same time scale.
    public static let epochOffsetFrom1958To1970: Int64 = 378_691_200
    /// TAI − UTC in force since 2017-01-01, in seconds.
    public static let defaultUTCToTAIOffset: Int64 = 37

    /// Whole TAI seconds since 1958-01-01T00:00:00 TAI.
    public var coarse: UInt32
    /// Fraction of a second in units of 2⁻¹⁶ s.
    public var fine: UInt16

    public init(coarse: UInt32, fine: UInt16) {
        self.coarse = coarse
        self.fine = fine
    }

    /// Converts a UTC instant given as Unix time (seconds since 1970-01-01T00:00:00 UTC, leap
    /// seconds excluded) to TAI CUC, adding `utcToTAIOffset` seconds (TAI − UTC).
    ///
    /// Times before the 1958 epoch clamp to 0 and times past 2094 clamp to the largest value:
    /// this is a time stamp, not a measured value, and such inputs mean a clock that is not set.
    public init(unixSeconds: Int64, nanoseconds: UInt32 = 0, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) {
        let tai = unixSeconds + Self.epochOffsetFrom1958To1970 + utcToTAIOffset
        // Round the fraction to the nearest 2⁻¹⁶ s, carrying into the seconds.
        let nanos = UInt64(min(nanoseconds, 999_999_999))
        var fraction = ((nanos << 16) + 500_000_000) / 1_000_000_000
        var seconds = tai
        if fraction >= 65_536 {
            fraction -= 65_536
            seconds += 1
        }
        if seconds < 0 {
            self.init(coarse: 0, fine: 0)
        } else if seconds > Int64(UInt32.max) {
            self.init(coarse: .max, fine: .max)
        } else {
            self.init(coarse: UInt32(seconds), fine: UInt16(fraction))
        }
    }

    /// Converts Unix time in seconds (UTC) to TAI CUC; see ``init(unixSeconds:nanoseconds:utcToTAIOffset:)``.
    public init(unixTime: Double, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) {
        guard unixTime.isFinite else {
            self.init(coarse: 0, fine: 0)
            return
        }
        let clamped = max(-1e12, min(1e12, unixTime))
        let whole = clamped.rounded(.down)
        let nanos = UInt32(max(0, min(999_999_999, ((clamped - whole) * 1e9).rounded())))
        self.init(unixSeconds: Int64(whole), nanoseconds: nanos, utcToTAIOffset: utcToTAIOffset)
    }

    /// This instant as Unix time in seconds (UTC), subtracting `utcToTAIOffset`.
    public func unixTime(utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) -> Double {
        Double(Int64(coarse) - Self.epochOffsetFrom1958To1970 - utcToTAIOffset) + Double(fine) / 65_536
    }

    /// TAI seconds since 1958 including the fraction.
    public var secondsSince1958: Double { Double(coarse) + Double(fine) / 65_536 }

    /// The T-field (6 octets), preceded by the P-field 0x1E when `withPField` is true.
    public func encoded(withPField: Bool) -> [UInt8] {
        var writer = ByteWriter(capacity: 7)
        write(to: &writer, withPField: withPField)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter, withPField: Bool) {
        if withPField { writer.u8(Self.pField) }
        writer.u32(coarse)
        writer.u16(fine)
    }

    public static func < (lhs: CUCTime, rhs: CUCTime) -> Bool {
        (lhs.coarse, lhs.fine) < (rhs.coarse, rhs.fine)
    }
}

/// How the time field of PUS-C telemetry is laid out.
public enum TimeFieldFormat: Sendable, Hashable {
    /// P-field 0x1E, then 4 coarse + 2 fine octets (7 octets): self-describing, the default.
    case cucWithPField
    /// 4 coarse + 2 fine octets with the P-field implicit (agreed by mission convention).
    case cucImplicit

    /// Octets the time field occupies.
    public var length: Int {
        switch self {
        case .cucWithPField: 7
        case .cucImplicit: 6
        }
    }
}
