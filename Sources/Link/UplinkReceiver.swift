import FrameSecurity
import SpaceLink

/// Managed parameters of the uplink.
public struct UplinkConfiguration: Sendable, Hashable {
    /// What the TC frame decoder accepts (spacecraft ID, VCs {0, 1}, MAP 0).
    public var frame: TCFrameConfiguration
    /// FARM-1 sliding window width W (even, 2…254).
    public var farmWindowWidth: Int
    /// Longest wait for a datagram before the receiver thread checks for ``Uplink/stop()``.
    public var pollInterval: Duration

    /// - Precondition: a valid FARM window (even, 2…254) and a positive poll interval.
    public init(frame: TCFrameConfiguration, farmWindowWidth: Int = 10, pollInterval: Duration = .milliseconds(100)) {
        precondition(farmWindowWidth >= 2 && farmWindowWidth <= 254 && farmWindowWidth % 2 == 0, "FARM window width W is even, 2...254")
        precondition(pollInterval > .zero, "poll interval must be positive")
        self.frame = frame
        self.farmWindowWidth = farmWindowWidth
        self.pollInterval = pollInterval
    }

    /// The shipped configuration: VCs 0 and 1, MAP 0, W = 10.
    public init(spacecraftID: UInt16) {
        self.init(frame: TCFrameConfiguration(spacecraftID: spacecraftID))
    }
}

/// One space packet taken from an accepted TC frame, for the daemon's TC handler.
public struct UplinkPacket: Sendable, Hashable {
    /// The whole space packet (primary header through PEC); not yet checked as a PUS TC.
    public var bytes: [UInt8]
    /// TC virtual channel of the frame.
    public var virtualChannel: UInt8
    /// `.ad` (sequence-controlled) or `.bd` (expedited).
    public var frameType: TCFrameType
    /// N(S) of the frame.
    public var frameSequenceNumber: UInt8

    public init(bytes: [UInt8], virtualChannel: UInt8, frameType: TCFrameType, frameSequenceNumber: UInt8) {
        self.bytes = bytes
        self.virtualChannel = virtualChannel
        self.frameType = frameType
        self.frameSequenceNumber = frameSequenceNumber
    }
}

/// What became of one received datagram.
public enum UplinkDisposition: Sendable, Hashable {
    /// A type-AD or type-BD frame accepted; its packets go to the handler.
    case accepted(packets: Int)
    /// Rejected by frame validation (malformed, truncated, foreign, wrong VC/MAP, bad CRC…).
    case rejected(TCFrameError)
    /// A valid frame on a protected virtual channel refused by SDLS (plain, unknown SPI, MAC,
    /// replay, window…): it does not reach FARM-1.
    case refusedBySecurity(FrameSecurityError)
    /// A valid type-AD frame that FARM-1 discarded (replay, gap, Wait, Lockout).
    case discarded(FARMDiscardReason)
    /// A control command executed by FARM-1.
    case executed(ControlCommand)
    /// Set V(R) in Lockout: counted by FARM-B, not executed.
    case notExecuted(ControlCommand)
    /// Accepted by FARM-1, but the data does not divide into whole space packets (a length
    /// field that disagrees with the octets). The packets before the bad one are delivered as
    /// usual, then the rest of the data as one unit, so the packet layer rejects it with a
    /// verification report (`bad_length`) instead of it vanishing; `packets` counts them all.
    case malformedPacketData(SpacePacketError, packets: Int)
    /// A datagram longer than any TC frame; dropped unread.
    case oversizeDatagram(Int)
    /// Received out of contact (``ContactMonitor``): discarded unread, counted by the monitor.
    case outOfContact
}

/// Uplink counters (64-bit: they do not overflow in practice).
public struct UplinkStatistics: Sendable, Hashable {
    public var datagramsReceived: UInt64 = 0
    /// Type-AD frames accepted by FARM-1.
    public var adFramesAccepted: UInt64 = 0
    /// Type-BD frames (always accepted).
    public var bdFramesAccepted: UInt64 = 0
    /// Unlock / Set V(R) executed.
    public var controlCommandsExecuted: UInt64 = 0
    /// Set V(R) received in Lockout.
    public var controlCommandsNotExecuted: UInt64 = 0
    /// Packets handed to the handler.
    public var packetsDelivered: UInt64 = 0

    // Frame validation rejections, per reason.
    /// Shorter than a frame header, or shorter than the frame's length field says.
    public var truncated: UInt64 = 0
    /// Longer than the frame's length field says.
    public var lengthMismatch: UInt64 = 0
    /// Longer than the largest TC frame (including datagrams too large for the receive buffer).
    public var tooLong: UInt64 = 0
    public var wrongVersion: UInt64 = 0
    public var badCRC: UInt64 = 0
    /// Frames for another spacecraft.
    public var wrongSpacecraft: UInt64 = 0
    public var virtualChannelNotAllowed: UInt64 = 0
    public var mapNotAllowed: UInt64 = 0
    public var illegalFrameType: UInt64 = 0
    public var segmentedData: UInt64 = 0
    public var invalidControlCommand: UInt64 = 0

    // FARM-1 discards of valid type-AD frames, per reason.
    /// N(S) = V(R) with no buffer: FARM entered Wait.
    public var farmNoBuffer: UInt64 = 0
    /// N(S) ahead of V(R): a frame was lost, retransmission requested.
    public var farmSequenceGap: UInt64 = 0
    /// N(S) behind V(R): a duplicate or replayed frame.
    public var farmReplayed: UInt64 = 0
    /// N(S) outside the window: FARM entered Lockout.
    public var farmEnteredLockout: UInt64 = 0
    /// Discarded in Lockout.
    public var farmLockedOut: UInt64 = 0
    /// Discarded in Wait.
    public var farmWaiting: UInt64 = 0

    // SDLS refusals on protected virtual channels, per reason (nothing reaches FARM-1).
    /// Frames authenticated and passed to FARM-1.
    public var securedFramesAccepted: UInt64 = 0
    /// Too short for the security header and trailer, an SPI that is not configured, or the SA
    /// of another VC: most often a plain frame on a protected VC.
    public var securityUnknownSPI: UInt64 = 0
    /// The SA is not operational.
    public var securityNotOperational: UInt64 = 0
    /// The MAC did not verify.
    public var securityBadMAC: UInt64 = 0
    /// Counter not greater than the last accepted one.
    public var securityReplayed: UInt64 = 0
    /// Counter beyond the anti-replay window.
    public var securityOutsideWindow: UInt64 = 0
    /// The SA's counter reached 2^96 − 1.
    public var securityCounterExhausted: UInt64 = 0
    /// The new counter could not be stored.
    public var securityCounterNotPersisted: UInt64 = 0

    /// Accepted frames whose data did not split into whole space packets (their remainder is
    /// still delivered, for the packet layer's failure report).
    public var malformedPacketData: UInt64 = 0
    /// Receive calls that failed (the receiver keeps going).
    public var receiveErrors: UInt64 = 0
    public var lastReceiveError: SocketError?

    public init() {}

    /// Frames (or datagrams) rejected by frame validation, all reasons.
    public var framesRejected: UInt64 {
        truncated + lengthMismatch + tooLong + wrongVersion + badCRC + wrongSpacecraft + virtualChannelNotAllowed
            + mapNotAllowed + illegalFrameType + segmentedData + invalidControlCommand
    }

    /// Valid type-AD frames discarded by FARM-1, all reasons.
    public var framesDiscarded: UInt64 {
        farmNoBuffer + farmSequenceGap + farmReplayed + farmEnteredLockout + farmLockedOut + farmWaiting
    }

    /// Structurally malformed frames: bad length field, version, frame type, segment header or
    /// control command.
    public var malformed: UInt64 {
        lengthMismatch + tooLong + wrongVersion + illegalFrameType + segmentedData + invalidControlCommand
    }

    mutating func count(_ error: TCFrameError) {
        switch error {
        case .truncated: truncated += 1
        case .lengthMismatch(let declared, let actual): if actual < declared { truncated += 1 } else { lengthMismatch += 1 }
        case .tooLong: tooLong += 1
        case .wrongVersion: wrongVersion += 1
        case .badCRC: badCRC += 1
        case .wrongSpacecraft: wrongSpacecraft += 1
        case .virtualChannelNotAllowed: virtualChannelNotAllowed += 1
        case .mapNotAllowed: mapNotAllowed += 1
        case .illegalFrameType: illegalFrameType += 1
        case .segmentedData: segmentedData += 1
        case .invalidControlCommand: invalidControlCommand += 1
        }
    }

    /// Frames refused by SDLS, all reasons.
    public var framesRefusedBySecurity: UInt64 {
        securityUnknownSPI + securityNotOperational + securityBadMAC + securityReplayed + securityOutsideWindow + securityCounterExhausted
            + securityCounterNotPersisted
    }

    mutating func count(_ error: FrameSecurityError) {
        switch error {
        case .truncated, .unknownSPI, .spiNotForVirtualChannel: securityUnknownSPI += 1
        case .notOperational: securityNotOperational += 1
        case .authenticationFailed: securityBadMAC += 1
        case .replayed: securityReplayed += 1
        case .outsideWindow: securityOutsideWindow += 1
        case .counterExhausted: securityCounterExhausted += 1
        case .counterNotPersisted: securityCounterNotPersisted += 1
        }
    }

    mutating func count(_ reason: FARMDiscardReason) {
        switch reason {
        case .noBuffer: farmNoBuffer += 1
        case .positiveWindow: farmSequenceGap += 1
        case .negativeWindow: farmReplayed += 1
        case .enteredLockout: farmEnteredLockout += 1
        case .lockedOut: farmLockedOut += 1
        case .waiting: farmWaiting += 1
        }
    }
}

/// The uplink's policy without threads or sockets: TC frame validation, one FARM-1 per
/// virtual channel, and packet extraction.
///
/// - Warning: not thread-safe; ``Uplink`` guards one with a lock.
public struct UplinkReceiver: Sendable {
    public let configuration: UplinkConfiguration
    public private(set) var statistics = UplinkStatistics()
    private let decoder: TCFrameDecoder
    private var farms: [FARM1]
    /// SDLS on the protected virtual channels (`nil`: none protected).
    public private(set) var security: UplinkSecurity?

    /// - Parameter security: SDLS for the virtual channels it protects; frames of the others
    ///   are plain.
    public init(configuration: UplinkConfiguration, security: UplinkSecurity? = nil) {
        self.configuration = configuration
        self.security = security
        var frameConfiguration = configuration.frame
        frameConfiguration.securedVirtualChannels = security?.configuration.protectedVirtualChannels ?? []
        decoder = TCFrameDecoder(configuration: frameConfiguration)
        farms = configuration.frame.allowedVirtualChannels.sorted().map { FARM1(virtualChannel: $0, windowWidth: configuration.farmWindowWidth) }
    }

    /// Takes one datagram (one TC frame).
    ///
    /// - Parameter bufferAvailable: whether the TC queue can take a type-AD frame's packets now
    ///   (FARM-1 enters Wait when it cannot).
    /// - Returns: what became of it, the packets to deliver, and the CLCW of the frame's virtual
    ///   channel when it reached a FARM.
    public mutating func receive(_ datagram: ArraySlice<UInt8>, bufferAvailable: Bool) -> (disposition: UplinkDisposition, packets: [UplinkPacket], clcw: CLCW?) {
        statistics.datagramsReceived += 1
        var frame: TCFrame
        do {
            frame = try decoder.decode(datagram)
        } catch {
            statistics.count(error)
            return (.rejected(error), [], nil)
        }
        if var security, security.protects(virtualChannel: frame.virtualChannel) {
            do {
                frame.data = try security.process(datagram, type: frame.type, virtualChannel: frame.virtualChannel)
                self.security = security
            } catch {
                self.security = security
                statistics.count(error)
                return (.refusedBySecurity(error), [], nil)
            }
            statistics.securedFramesAccepted += 1
            if frame.type == .bc, frame.controlCommand == nil {
                statistics.invalidControlCommand += 1
                return (.rejected(.invalidControlCommand), [], nil)
            }
        }
        guard let index = farms.firstIndex(where: { $0.virtualChannel == frame.virtualChannel }) else {
            // The decoder admits only configured VCs, and each has a FARM.
            statistics.virtualChannelNotAllowed += 1
            return (.rejected(.virtualChannelNotAllowed(frame.virtualChannel)), [], nil)
        }
        let outcome = farms[index].process(frame, bufferAvailable: bufferAvailable)
        let clcw = farms[index].clcw
        switch outcome {
        case .accepted:
            if frame.type == .ad { statistics.adFramesAccepted += 1 } else { statistics.bdFramesAccepted += 1 }
            func deliver(_ packets: [ArraySlice<UInt8>]) -> [UplinkPacket] {
                statistics.packetsDelivered += UInt64(packets.count)
                return packets.map { UplinkPacket(bytes: Array($0), virtualChannel: frame.virtualChannel, frameType: frame.type, frameSequenceNumber: frame.sequenceNumber) }
            }
            do {
                let delivered = deliver(try spacePackets(in: frame.data[...]))
                return (.accepted(packets: delivered.count), delivered, clcw)
            } catch {
                statistics.malformedPacketData += 1
                let delivered = deliver(Self.salvagedPackets(in: frame.data[...]))
                return (.malformedPacketData(error, packets: delivered.count), delivered, clcw)
            }
        case .discarded(let reason):
            statistics.count(reason)
            return (.discarded(reason), [], clcw)
        case .executed(let command):
            statistics.controlCommandsExecuted += 1
            return (.executed(command), [], clcw)
        case .notExecuted(let command):
            statistics.controlCommandsNotExecuted += 1
            return (.notExecuted(command), [], clcw)
        case .invalidControlCommand:
            statistics.invalidControlCommand += 1
            return (.rejected(.invalidControlCommand), [], clcw)
        }
    }

    /// The data of a frame that does not divide into whole packets: the leading packets whose
    /// CRC verifies over their declared length, then everything from the first one that does
    /// not (or does not fit) as one unit. That unit's length disagrees with its length field (or
    /// its PEC fails), which the PUS layer reports; a TC frame carries one packet in practice, so
    /// the unit is usually the whole data.
    static func salvagedPackets(in data: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var packets: [ArraySlice<UInt8>] = []
        var rest = data
        while !rest.isEmpty {
            guard let header = try? SpacePacketHeader.decode(rest), rest.count >= header.packetLength,
                CRC16.compute(rest.prefix(header.packetLength)) == 0
            else {
                packets.append(rest)
                break
            }
            packets.append(rest.prefix(header.packetLength))
            rest = rest.dropFirst(header.packetLength)
        }
        return packets
    }

    /// Counts a datagram too large to be a TC frame (truncated by the receive buffer).
    mutating func countOversize(_ length: Int) -> UplinkDisposition {
        statistics.datagramsReceived += 1
        statistics.tooLong += 1
        return .oversizeDatagram(length)
    }

    mutating func countReceiveError(_ error: SocketError) {
        statistics.receiveErrors += 1
        statistics.lastReceiveError = error
    }

    /// Buffer release (FARM-1 event E10) on every virtual channel: leaves Wait.
    /// - Returns: the CLCWs after the release.
    @discardableResult
    public mutating func releaseBuffer() -> [CLCW] {
        for index in farms.indices { farms[index].releaseBuffer() }
        return clcws
    }

    /// The FARM of `virtualChannel`, if it is an accepted one.
    public func farm(virtualChannel: UInt8) -> FARM1? { farms.first { $0.virtualChannel == virtualChannel } }

    /// The CLCW of each FARM.
    public var clcws: [CLCW] { farms.map(\.clcw) }
}
