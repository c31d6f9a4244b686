import HAL

/// The constant frame rate of a downlink: one frame of `frameLength` octets every
/// `frameLength × 8 / bitRate` seconds.
///
/// Deadlines are computed from the slot index (`epoch + k × period`, in exact integer
/// arithmetic), never by adding a rounded period to the previous deadline, so a period that is
/// not a whole number of nanoseconds does not accumulate drift.
///
/// Worked example: 1024-octet frames at 64 kbit/s are 8192 bits, 128 ms per frame,
/// 7.8125 frames per second. (Over UDP no attached sync marker or coding is counted.)
public struct FramePacing: Sendable, Hashable {
    /// Frame length in octets.
    public let frameLength: Int
    /// Downlink bit rate in bit/s.
    public let bitRate: Int

    /// - Precondition: both positive (programmer error: validate configuration first).
    public init(frameLength: Int, bitRate: Int) {
        precondition(frameLength > 0 && bitRate > 0, "frame length and bit rate must be positive")
        self.frameLength = frameLength
        self.bitRate = bitRate
    }

    /// Bits per frame.
    public var frameBits: Int { frameLength * 8 }

    /// Frames per second (may be fractional).
    public var framesPerSecond: Double { Double(bitRate) / Double(frameBits) }

    /// The nominal frame period, rounded down to a nanosecond (use ``offset(ofSlot:)`` for
    /// deadlines).
    public var framePeriod: Duration { offset(ofSlot: 1) }

    /// Time from the epoch to the start of slot `slot`: ⌊slot × frameBits × 10⁹ / bitRate⌋ ns.
    public func offset(ofSlot slot: UInt64) -> Duration {
        let nanoseconds = UInt128(slot) * UInt128(frameBits) * 1_000_000_000 / UInt128(bitRate)
        return .nanoseconds(Int64(clamping: nanoseconds))
    }

    /// The last slot whose start is at or before `offset` from the epoch (slot 0 for offsets ≤ 0).
    public func lastSlot(atOffset elapsedTime: Duration) -> UInt64 {
        let elapsed = elapsedTime.nanoseconds
        guard elapsed > 0 else { return 0 }
        var slot = UInt64(clamping: UInt128(elapsed) * UInt128(bitRate) / (UInt128(frameBits) * 1_000_000_000))
        // The division above may land one short of the floor used by offset(ofSlot:).
        while offset(ofSlot: slot + 1).nanoseconds <= elapsed { slot += 1 }
        return slot
    }
}
