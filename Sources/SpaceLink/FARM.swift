/// Why a CLCW could not be decoded.
public enum CLCWError: Error, Sendable, Hashable {
    /// Not four octets.
    case wrongLength(Int)
    /// Control word type is 1 (not a CLCW) or the CLCW version is not 0.
    case notACLCW
}

/// Communications Link Control Word (CCSDS 232.0-B-4 §4.2.1, 232.1-B-2 §4.2), carried in the
/// operational control field of TM frames to report FARM-1 status to the ground.
///
/// Bits (0 = MSB): control word type (0) · version (2 bits, 00) · status field (3) · COP in
/// effect (2, 01 = COP-1) · VC ID (6) · spare (2) · No RF available · No bit lock · Lockout ·
/// Wait · Retransmit · FARM-B counter (2) · spare · report value V(R) (8).
public struct CLCW: Sendable, Hashable {
    /// Mission-specific status field, 3 bits.
    public var statusField: UInt8
    /// COP in effect, 2 bits: 1 = COP-1.
    public var copInEffect: UInt8
    /// Virtual channel the report is about, 6 bits.
    public var virtualChannel: UInt8
    public var noRFAvailable: Bool
    public var noBitLock: Bool
    public var lockout: Bool
    public var wait: Bool
    public var retransmit: Bool
    /// Two least significant bits of the FARM-B counter.
    public var farmBCounter: UInt8
    /// V(R), the next expected type-AD frame sequence number.
    public var reportValue: UInt8

    public init(
        statusField: UInt8 = 0, copInEffect: UInt8 = 1, virtualChannel: UInt8, noRFAvailable: Bool = false, noBitLock: Bool = false, lockout: Bool = false, wait: Bool = false,
        retransmit: Bool = false, farmBCounter: UInt8 = 0, reportValue: UInt8 = 0
    ) {
        self.statusField = statusField & 0x07
        self.copInEffect = copInEffect & 0x03
        self.virtualChannel = virtualChannel & 0x3F
        self.noRFAvailable = noRFAvailable
        self.noBitLock = noBitLock
        self.lockout = lockout
        self.wait = wait
        self.retransmit = retransmit
        self.farmBCounter = farmBCounter & 0x03
        self.reportValue = reportValue
    }

    /// The 32-bit word.
    public var word: UInt32 {
        var w = UInt32(statusField & 0x07) << 26
        w |= UInt32(copInEffect & 0x03) << 24
        w |= UInt32(virtualChannel & 0x3F) << 18
        if noRFAvailable { w |= 1 << 15 }
        if noBitLock { w |= 1 << 14 }
        if lockout { w |= 1 << 13 }
        if wait { w |= 1 << 12 }
        if retransmit { w |= 1 << 11 }
        w |= UInt32(farmBCounter & 0x03) << 9
        w |= UInt32(reportValue)
        return w
    }

    /// The four octets, big-endian.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 4)
        writer.u32(word)
        return writer.bytes
    }

    /// Decodes a CLCW word.
    /// - Throws: ``CLCWError/notACLCW`` if the type bit is set or the version is not 0.
    public init(word: UInt32) throws(CLCWError) {
        guard word >> 29 == 0 else { throw .notACLCW }
        self.init(
            statusField: UInt8((word >> 26) & 0x07), copInEffect: UInt8((word >> 24) & 0x03), virtualChannel: UInt8((word >> 18) & 0x3F), noRFAvailable: word & (1 << 15) != 0,
            noBitLock: word & (1 << 14) != 0, lockout: word & (1 << 13) != 0, wait: word & (1 << 12) != 0, retransmit: word & (1 << 11) != 0, farmBCounter: UInt8((word >> 9) & 0x03),
            reportValue: UInt8(word & 0xFF))
    }

    /// Decodes a CLCW from four octets (an operational control field).
    public init<Bytes: Collection>(bytes: Bytes) throws(CLCWError) where Bytes.Element == UInt8 {
        guard bytes.count == 4 else { throw .wrongLength(bytes.count) }
        let word = bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        try self.init(word: word)
    }
}

/// FARM-1 states (CCSDS 232.1-B-2 §6.1.2).
public enum FARMState: Sendable, Hashable {
    case open // S1
    case wait // S2
    case lockout // S3
}

/// Why FARM-1 discarded a frame.
public enum FARMDiscardReason: Sendable, Hashable {
    /// N(S) = V(R) but no buffer: entered or stayed in Wait (E2).
    case noBuffer
    /// N(S) ahead of V(R) within the positive window: a frame was lost, retransmit requested (E3).
    case positiveWindow
    /// N(S) behind V(R) within the negative window: a duplicate (E4).
    case negativeWindow
    /// N(S) outside the window: entered Lockout (E5).
    case enteredLockout
    /// Already in Lockout: every type-AD frame is discarded until Unlock.
    case lockedOut
    /// A type-AD frame in Wait: discarded until the buffer is released.
    case waiting
}

/// What FARM-1 did with a frame.
public enum FARMOutcome: Sendable, Hashable {
    /// Type-AD or type-BD frame accepted: deliver its data to the packet layer.
    case accepted
    /// Type-AD frame discarded.
    case discarded(FARMDiscardReason)
    /// Control command executed (Unlock, or Set V(R) outside Lockout).
    case executed(ControlCommand)
    /// Set V(R) received in Lockout: counted in FARM-B but not executed (E8 in S3).
    case notExecuted(ControlCommand)
    /// A type-BC frame without a valid control command: ignored.
    case invalidControlCommand
}

/// The Frame Acceptance and Reporting Mechanism of COP-1 for one virtual channel
/// (CCSDS 232.1-B-2 §6, state table 6-1).
///
/// Sliding window: width W (even, 2…254), positive part PW = W/2, negative part NW = W/2, all
/// arithmetic modulo 256. A type-AD frame with N(S) = V(R) is accepted when the caller has a
/// buffer for it; N(S) in V(R)+1…V(R)+PW−1 sets Retransmit; N(S) in V(R)−NW…V(R)−1 is
/// discarded silently; anything else enters Lockout. Type-BD frames are always accepted.
///
/// Flow control: the caller passes `bufferAvailable` with each frame. Once FARM enters Wait,
/// it stays there until ``releaseBuffer()`` (event E10) is called.
///
/// - Warning: not thread-safe; drive it from the task that receives TC frames and read
///   ``clcw`` from the same task (or guard it with `LockedValue`).
public struct FARM1: Sendable {
    /// Virtual channel this FARM serves (reported in the CLCW).
    public let virtualChannel: UInt8
    /// Sliding window width W.
    public let windowWidth: Int

    public private(set) var state: FARMState = .open
    /// V(R): N(S) expected in the next type-AD frame.
    public private(set) var receiverFrameSequenceNumber: UInt8 = 0
    public private(set) var lockoutFlag = false
    public private(set) var waitFlag = false
    public private(set) var retransmitFlag = false
    /// FARM-B counter, full width; the CLCW carries its two low bits.
    public private(set) var farmBCounter: UInt32 = 0

    /// - Precondition: `windowWidth` is even and in 2…254 (232.1-B-2 §6.1.8.2).
    public init(virtualChannel: UInt8, windowWidth: Int = 10) {
        precondition(windowWidth >= 2 && windowWidth <= 254 && windowWidth % 2 == 0, "FARM window width W is even, 2...254")
        self.virtualChannel = virtualChannel
        self.windowWidth = windowWidth
    }

    var positiveWidth: Int { windowWidth / 2 }
    var negativeWidth: Int { windowWidth / 2 }

    /// Runs the state table for one valid frame (already checked by ``TCFrameDecoder``).
    ///
    /// - Parameter bufferAvailable: whether the packet layer can take a type-AD frame's data now.
    /// - Returns: ``FARMOutcome/accepted`` when the frame's data is to be delivered.
    public mutating func process(_ frame: TCFrame, bufferAvailable: Bool) -> FARMOutcome {
        switch frame.type {
        case .bd:
            farmBCounter &+= 1 // E6
            return .accepted
        case .bc:
            guard let command = frame.controlCommand else { return .invalidControlCommand }
            farmBCounter &+= 1
            switch command {
            case .unlock: // E7
                retransmitFlag = false
                waitFlag = false
                lockoutFlag = false
                state = .open
                return .executed(command)
            case .setVR(let value): // E8
                guard state != .lockout else { return .notExecuted(command) }
                retransmitFlag = false
                waitFlag = false
                receiverFrameSequenceNumber = value
                state = .open
                return .executed(command)
            }
        case .ad:
            return processAD(sequenceNumber: frame.sequenceNumber, bufferAvailable: bufferAvailable)
        }
    }

    private mutating func processAD(sequenceNumber: UInt8, bufferAvailable: Bool) -> FARMOutcome {
        let ahead = Int(sequenceNumber &- receiverFrameSequenceNumber) // 0...255, modulo 256
        if ahead == 0 {
            switch state {
            case .open where bufferAvailable: // E1
                receiverFrameSequenceNumber &+= 1
                retransmitFlag = false
                return .accepted
            case .open: // E2
                retransmitFlag = true
                waitFlag = true
                state = .wait
                return .discarded(.noBuffer)
            case .wait: return .discarded(.waiting)
            case .lockout: return .discarded(.lockedOut)
            }
        }
        if ahead <= positiveWidth - 1 { // E3
            switch state {
            case .open:
                retransmitFlag = true
                return .discarded(.positiveWindow)
            case .wait: return .discarded(.waiting)
            case .lockout: return .discarded(.lockedOut)
            }
        }
        if ahead >= 256 - negativeWidth { // E4
            return .discarded(state == .lockout ? .lockedOut : .negativeWindow)
        }
        switch state { // E5
        case .open, .wait:
            lockoutFlag = true
            state = .lockout
            return .discarded(.enteredLockout)
        case .lockout:
            return .discarded(.lockedOut)
        }
    }

    /// Buffer release signal (E10): the packet layer can take data again; leaves Wait.
    public mutating func releaseBuffer() {
        waitFlag = false
        if state == .wait { state = .open }
    }

    /// The CLCW reporting this FARM's state.
    public func clcw(statusField: UInt8 = 0, noRFAvailable: Bool = false, noBitLock: Bool = false) -> CLCW {
        CLCW(
            statusField: statusField, virtualChannel: virtualChannel, noRFAvailable: noRFAvailable, noBitLock: noBitLock, lockout: lockoutFlag, wait: waitFlag, retransmit: retransmitFlag,
            farmBCounter: UInt8(truncatingIfNeeded: farmBCounter & 0x03), reportValue: receiverFrameSequenceNumber)
    }

    /// The CLCW with all link flags clear.
    public var clcw: CLCW { clcw() }
}
