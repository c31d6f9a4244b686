/// Layout of the TM transfer frames of one physical channel (CCSDS 132.0-B-3 managed parameters).
public struct TMFrameConfiguration: Sendable, Hashable {
    /// Primary header octets.
    public static let primaryHeaderLength = 6
    /// First header pointer when no packet starts in the frame (§4.1.2.7.2.3).
    public static let noPacketStart: UInt16 = 0x7FF
    /// First header pointer of a frame holding only idle data (§4.1.2.7.2.4).
    public static let idleDataOnly: UInt16 = 0x7FE

    /// Total frame length in octets, constant on the channel. Default 1024.
    public var frameLength: Int
    /// Spacecraft identifier, 10 bits.
    public var spacecraftID: UInt16
    /// Whether frames carry the 4-octet operational control field (a CLCW).
    public var hasOperationalControlField: Bool
    /// Whether frames end with the 2-octet frame error control field.
    public var hasFrameErrorControl: Bool

    /// - Precondition: SCID ≤ 0x3FF and a data field of 8…2039 octets (programmer errors).
    public init(spacecraftID: UInt16, frameLength: Int = 1024, hasOperationalControlField: Bool = true, hasFrameErrorControl: Bool = true) {
        self.spacecraftID = spacecraftID
        self.frameLength = frameLength
        self.hasOperationalControlField = hasOperationalControlField
        self.hasFrameErrorControl = hasFrameErrorControl
        precondition(spacecraftID <= 0x3FF, "TM SCID is 10 bits")
        precondition(dataFieldLength >= 8 && dataFieldLength <= 2039, "TM frame data field must be 8...2039 octets")
    }

    /// Octets of the frame data field (packet zone).
    public var dataFieldLength: Int {
        frameLength - Self.primaryHeaderLength - (hasOperationalControlField ? 4 : 0) - (hasFrameErrorControl ? 2 : 0)
    }
}

/// The 6-octet TM transfer frame primary header (CCSDS 132.0-B-3 §4.1.2).
public struct TMFrameHeader: Sendable, Hashable {
    public var spacecraftID: UInt16
    /// Virtual channel identifier, 3 bits.
    public var virtualChannel: UInt8
    public var hasOperationalControlField: Bool
    public var masterChannelFrameCount: UInt8
    public var virtualChannelFrameCount: UInt8
    /// Transfer frame data field status: secondary header flag.
    public var hasSecondaryHeader: Bool = false
    /// Synchronization flag: 0 = packets (octet-synchronized, forward-ordered).
    public var synchronizationFlag: Bool = false
    /// Packet order flag, 0 when the synchronization flag is 0.
    public var packetOrderFlag: Bool = false
    /// Segment length identifier, 0b11 when the synchronization flag is 0.
    public var segmentLengthID: UInt8 = 0b11
    /// Offset of the first packet header in the data field, or 0x7FF / 0x7FE.
    public var firstHeaderPointer: UInt16

    public init(spacecraftID: UInt16, virtualChannel: UInt8, hasOperationalControlField: Bool, masterChannelFrameCount: UInt8, virtualChannelFrameCount: UInt8, firstHeaderPointer: UInt16) {
        self.spacecraftID = spacecraftID
        self.virtualChannel = virtualChannel
        self.hasOperationalControlField = hasOperationalControlField
        self.masterChannelFrameCount = masterChannelFrameCount
        self.virtualChannelFrameCount = virtualChannelFrameCount
        self.firstHeaderPointer = firstHeaderPointer
    }

    func write(into frame: inout [UInt8]) {
        let id = spacecraftID & 0x3FF
        frame[0] = UInt8(id >> 4) // TFVN 00 + SCID high 6 bits
        frame[1] = UInt8(id & 0x0F) << 4 | (virtualChannel & 0x07) << 1 | (hasOperationalControlField ? 1 : 0)
        frame[2] = masterChannelFrameCount
        frame[3] = virtualChannelFrameCount
        let fhp = firstHeaderPointer & 0x7FF
        frame[4] =
            (hasSecondaryHeader ? 0x80 : 0) | (synchronizationFlag ? 0x40 : 0) | (packetOrderFlag ? 0x20 : 0)
            | (segmentLengthID & 0x03) << 3 | UInt8(fhp >> 8)
        frame[5] = UInt8(fhp & 0xFF)
    }
}

/// Why a TM transfer frame or a packet given to a frame builder was rejected.
public enum TMFrameError: Error, Sendable, Hashable {
    /// The frame is not the configured length.
    case wrongLength(expected: Int, actual: Int)
    /// Transfer frame version number is not 0.
    case wrongVersion(UInt8)
    /// The frame error control field does not match.
    case badCRC(expected: UInt16, found: UInt16)
    /// The frame belongs to another spacecraft.
    case wrongSpacecraft(UInt16)
    /// The OCF flag disagrees with the configuration.
    case operationalControlFieldMismatch
    /// Secondary header or synchronization flag set: not a packet channel this decoder reads.
    case unsupportedDataFieldStatus
    /// First header pointer beyond the data field.
    case invalidFirstHeaderPointer(UInt16)
    /// A packet handed to a builder is not a well-formed space packet.
    case invalidPacket(SpacePacketError)
    /// A virtual channel the master channel was not set up with.
    case unknownVirtualChannel(UInt8)
}

/// A decoded TM transfer frame.
public struct TMFrame: Sendable, Hashable {
    public var header: TMFrameHeader
    /// The frame data field (packet zone).
    public var dataField: ArraySlice<UInt8>
    /// The operational control field, when present.
    public var operationalControlField: UInt32?

    /// Validates and splits one frame: length, version, FECF, spacecraft ID, OCF flag,
    /// data field status and first header pointer.
    /// - Throws: ``TMFrameError`` naming the first check that failed.
    public static func decode(_ bytes: ArraySlice<UInt8>, configuration: TMFrameConfiguration) throws(TMFrameError) -> TMFrame {
        guard bytes.count == configuration.frameLength else {
            throw .wrongLength(expected: configuration.frameLength, actual: bytes.count)
        }
        let base = bytes.startIndex
        let version = bytes[base] >> 6
        guard version == 0 else { throw .wrongVersion(version) }
        if configuration.hasFrameErrorControl {
            let found = UInt16(bytes[bytes.endIndex - 2]) << 8 | UInt16(bytes[bytes.endIndex - 1])
            let expected = CRC16.compute(bytes.dropLast(2))
            guard expected == found else { throw .badCRC(expected: expected, found: found) }
        }
        let spacecraft = UInt16(bytes[base] & 0x3F) << 4 | UInt16(bytes[base + 1] >> 4)
        guard spacecraft == configuration.spacecraftID else { throw .wrongSpacecraft(spacecraft) }
        let ocfFlag = bytes[base + 1] & 1 == 1
        guard ocfFlag == configuration.hasOperationalControlField else { throw .operationalControlFieldMismatch }
        let status = bytes[base + 4]
        guard status & 0xC0 == 0 else { throw .unsupportedDataFieldStatus }
        let fhp = UInt16(status & 0x07) << 8 | UInt16(bytes[base + 5])
        let dataStart = base + TMFrameConfiguration.primaryHeaderLength
        let dataEnd = dataStart + configuration.dataFieldLength
        guard fhp < configuration.dataFieldLength || fhp >= TMFrameConfiguration.idleDataOnly else {
            throw .invalidFirstHeaderPointer(fhp)
        }
        var header = TMFrameHeader(
            spacecraftID: spacecraft, virtualChannel: (bytes[base + 1] >> 1) & 0x07, hasOperationalControlField: ocfFlag, masterChannelFrameCount: bytes[base + 2],
            virtualChannelFrameCount: bytes[base + 3], firstHeaderPointer: fhp)
        header.packetOrderFlag = status & 0x20 != 0
        header.segmentLengthID = (status >> 3) & 0x03
        var ocf: UInt32?
        if ocfFlag {
            ocf = bytes[dataEnd..<dataEnd + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        return TMFrame(header: header, dataField: bytes[dataStart..<dataEnd], operationalControlField: ocf)
    }

    /// The CLCW in the operational control field, if there is one and it is a CLCW.
    public var clcw: CLCW? {
        guard let word = operationalControlField else { return nil }
        return try? CLCW(word: word)
    }
}

/// Packs space packets of one virtual channel into fixed-length TM transfer frames.
///
/// Packets are queued as a byte stream and cut into frame data fields; packets span frames
/// as needed and the first header pointer marks where the first new packet starts. Frames are
/// emitted only when full; ``flush()`` pads the last partial frame with an idle packet.
///
/// - Warning: not thread-safe; own it from one task (normally through ``TMMasterChannel``).
public struct TMFrameBuilder: Sendable {
    public let configuration: TMFrameConfiguration
    public let virtualChannel: UInt8
    /// Count for the next frame of this virtual channel (wraps at 256).
    public private(set) var virtualChannelFrameCount: UInt8 = 0

    private var stream: [UInt8] = []
    private var head = 0
    /// Stream offsets of packet starts not yet framed, ascending.
    private var packetStarts: [Int] = []
    private var startsHead = 0

    /// - Parameter firstFrameCount: the count of this VC's first frame (a count restored after a
    ///   restart, ``TMFrameCounts``).
    /// - Precondition: `virtualChannel` ≤ 7.
    public init(configuration: TMFrameConfiguration, virtualChannel: UInt8, firstFrameCount: UInt8 = 0) {
        precondition(virtualChannel <= 7, "TM VC ID is 3 bits")
        self.configuration = configuration
        self.virtualChannel = virtualChannel
        virtualChannelFrameCount = firstFrameCount
    }

    /// Octets queued and not yet framed.
    public var pendingOctets: Int { stream.count - head }
    /// Whether a full frame's worth of data is queued.
    public var hasCompleteFrame: Bool { pendingOctets >= configuration.dataFieldLength }

    /// Queues one encoded space packet.
    /// - Throws: ``TMFrameError/invalidPacket(_:)`` if the header is malformed or its length
    ///   field disagrees with the packet's size: a bad length would desynchronize the receiver.
    public mutating func enqueue(_ packet: [UInt8]) throws(TMFrameError) {
        do throws(SpacePacketError) {
            let header = try SpacePacketHeader.decode(packet)
            guard header.packetLength == packet.count else {
                throw SpacePacketError.lengthMismatch(declared: header.packetLength, actual: packet.count)
            }
        } catch {
            throw .invalidPacket(error)
        }
        packetStarts.append(stream.count)
        stream.append(contentsOf: packet)
    }

    /// Pads the queued data with one idle packet so that it fills whole frames.
    ///
    /// If less than 7 octets (the shortest idle packet) remain in the frame, the idle packet
    /// runs on through the next frame as well.
    public mutating func flush() {
        let remainder = pendingOctets % configuration.dataFieldLength
        guard remainder != 0 else { return }
        var fill = configuration.dataFieldLength - remainder
        if fill < 7 { fill += configuration.dataFieldLength }
        packetStarts.append(stream.count)
        stream.append(contentsOf: SpacePacket.idle(length: fill))
    }

    /// The next full frame, or `nil` if less than a frame of data is queued.
    ///
    /// - Parameters:
    ///   - masterChannelFrameCount: the master channel's count for this frame.
    ///   - operationalControlField: the OCF word (a CLCW) when the configuration has an OCF.
    public mutating func nextFrame(masterChannelFrameCount: UInt8, operationalControlField: UInt32 = 0) -> [UInt8]? {
        guard hasCompleteFrame else { return nil }
        let length = configuration.dataFieldLength
        var fhp = TMFrameConfiguration.noPacketStart
        while startsHead < packetStarts.count, packetStarts[startsHead] < head + length {
            if fhp == TMFrameConfiguration.noPacketStart { fhp = UInt16(packetStarts[startsHead] - head) }
            startsHead += 1
        }
        let frame = assemble(masterChannelFrameCount: masterChannelFrameCount, firstHeaderPointer: fhp, data: stream[head..<head + length], operationalControlField: operationalControlField)
        head += length
        compact()
        return frame
    }

    /// A frame holding only idle data (first header pointer 0x7FE), for the idle virtual
    /// channel when nothing else is queued. Does not touch the queued packets.
    public mutating func idleFrame(masterChannelFrameCount: UInt8, operationalControlField: UInt32 = 0) -> [UInt8] {
        assemble(masterChannelFrameCount: masterChannelFrameCount, firstHeaderPointer: TMFrameConfiguration.idleDataOnly, data: nil, operationalControlField: operationalControlField)
    }

    private mutating func assemble(masterChannelFrameCount: UInt8, firstHeaderPointer: UInt16, data: ArraySlice<UInt8>?, operationalControlField: UInt32) -> [UInt8] {
        var frame = [UInt8](repeating: 0x55, count: configuration.frameLength)
        let header = TMFrameHeader(
            spacecraftID: configuration.spacecraftID, virtualChannel: virtualChannel, hasOperationalControlField: configuration.hasOperationalControlField,
            masterChannelFrameCount: masterChannelFrameCount, virtualChannelFrameCount: virtualChannelFrameCount, firstHeaderPointer: firstHeaderPointer)
        header.write(into: &frame)
        var index = TMFrameConfiguration.primaryHeaderLength
        if let data {
            frame.replaceSubrange(index..<index + data.count, with: data)
        }
        index += configuration.dataFieldLength
        if configuration.hasOperationalControlField {
            for shift in stride(from: 24, through: 0, by: -8) {
                frame[index] = UInt8(truncatingIfNeeded: operationalControlField >> UInt32(shift))
                index += 1
            }
        }
        if configuration.hasFrameErrorControl {
            let crc = CRC16.compute(frame[0..<index])
            frame[index] = UInt8(crc >> 8)
            frame[index + 1] = UInt8(crc & 0xFF)
        }
        virtualChannelFrameCount &+= 1
        return frame
    }

    /// Drops framed octets once they are most of the buffer (amortized O(1) per octet).
    private mutating func compact() {
        guard head >= 4096, head * 2 >= stream.count else { return }
        stream.removeFirst(head)
        packetStarts.removeFirst(startsHead)
        for i in packetStarts.indices { packetStarts[i] -= head }
        head = 0
        startsHead = 0
    }
}

/// The master channel of a TM physical channel: one ``TMFrameBuilder`` per virtual channel,
/// the master channel frame count, and the CLCW placed in every frame's OCF.
///
/// Shipped configuration: VC 0 real-time, VC 1 stored playback (served in that priority
/// order), VC 7 idle frames when neither has a full frame queued.
///
/// - Warning: not thread-safe; own it from the task that feeds the downlink.
public struct TMMasterChannel: Sendable {
    public let configuration: TMFrameConfiguration
    /// Virtual channels carrying packets, highest priority first.
    public let virtualChannels: [UInt8]
    public let idleVirtualChannel: UInt8
    /// Count for the next frame on the master channel (wraps at 256).
    public private(set) var masterChannelFrameCount: UInt8 = 0
    /// Reported in the OCF of every following frame; update it from FARM-1 (``FARM1/clcw``).
    public var clcw: CLCW

    private var builders: [TMFrameBuilder]
    private var idleBuilder: TMFrameBuilder

    /// - Parameter counts: the counts of the first frames (restored after a restart so that the
    ///   ground never sees a count reused; ``TMFrameCounts/zero`` for a first start).
    /// - Precondition: distinct VC IDs ≤ 7, the idle VC not among the packet VCs.
    public init(
        configuration: TMFrameConfiguration, virtualChannels: [UInt8] = [0, 1], idleVirtualChannel: UInt8 = 7, clcw: CLCW = CLCW(virtualChannel: 0),
        counts: TMFrameCounts = .zero
    ) {
        precondition(Set(virtualChannels).count == virtualChannels.count && !virtualChannels.contains(idleVirtualChannel), "distinct VCs, idle VC separate")
        self.configuration = configuration
        self.virtualChannels = virtualChannels
        self.idleVirtualChannel = idleVirtualChannel
        self.clcw = clcw
        masterChannelFrameCount = counts.master
        builders = virtualChannels.map { TMFrameBuilder(configuration: configuration, virtualChannel: $0, firstFrameCount: counts[virtualChannel: $0]) }
        idleBuilder = TMFrameBuilder(configuration: configuration, virtualChannel: idleVirtualChannel, firstFrameCount: counts[virtualChannel: idleVirtualChannel])
    }

    /// The counts the next frames will carry (what a restart must continue from).
    public var counts: TMFrameCounts {
        var counts = TMFrameCounts(master: masterChannelFrameCount)
        for builder in builders + [idleBuilder] { counts[virtualChannel: builder.virtualChannel] = builder.virtualChannelFrameCount }
        return counts
    }

    /// Queues an encoded space packet on `virtualChannel`.
    /// - Throws: ``TMFrameError/unknownVirtualChannel(_:)`` or ``TMFrameError/invalidPacket(_:)``.
    public mutating func enqueue(_ packet: [UInt8], virtualChannel: UInt8) throws(TMFrameError) {
        guard let index = virtualChannels.firstIndex(of: virtualChannel) else { throw .unknownVirtualChannel(virtualChannel) }
        try builders[index].enqueue(packet)
    }

    /// Pads the partial frame of `virtualChannel` (or of every VC when `nil`) so it can be sent.
    public mutating func flush(virtualChannel: UInt8? = nil) {
        for index in builders.indices where virtualChannel == nil || builders[index].virtualChannel == virtualChannel {
            builders[index].flush()
        }
    }

    /// Octets queued on `virtualChannel` and not yet framed.
    public func pendingOctets(virtualChannel: UInt8) -> Int {
        builders.first { $0.virtualChannel == virtualChannel }?.pendingOctets ?? 0
    }

    /// Whether some packet VC has a full frame ready.
    public var hasQueuedFrame: Bool { builders.contains { $0.hasCompleteFrame } }

    /// The next frame to transmit: a full frame from the highest-priority VC that has one,
    /// otherwise an idle frame on the idle VC. Always exactly `frameLength` octets.
    public mutating func nextFrame() -> [UInt8] {
        let ocf = configuration.hasOperationalControlField ? clcw.word : 0
        defer { masterChannelFrameCount &+= 1 }
        for index in builders.indices {
            if let frame = builders[index].nextFrame(masterChannelFrameCount: masterChannelFrameCount, operationalControlField: ocf) {
                return frame
            }
        }
        return idleBuilder.idleFrame(masterChannelFrameCount: masterChannelFrameCount, operationalControlField: ocf)
    }

    /// Every frame that is ready (no idle frames), e.g. for a link that sends only on demand.
    public mutating func drainFrames() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        while hasQueuedFrame { frames.append(nextFrame()) }
        return frames
    }
}

/// The master channel frame count and the eight virtual channel frame counts of the *next*
/// frames of a TM master channel (each an 8-bit count that wraps at 256): what must survive a
/// restart so that a ground archive never sees a count go back.
public struct TMFrameCounts: Sendable, Hashable, CustomStringConvertible {
    /// The next master channel frame count.
    public var master: UInt8
    /// The next frame count of VC 0…7, indexed by VC ID.
    public private(set) var virtualChannels: [UInt8]

    /// Every count zero (a first start).
    public static let zero = TMFrameCounts(master: 0)

    /// - Parameter virtualChannels: VC 0…7's counts; missing ones are 0, extra ones ignored.
    public init(master: UInt8, virtualChannels: [UInt8] = []) {
        self.master = master
        self.virtualChannels = Array((virtualChannels + Array(repeating: 0, count: 8)).prefix(8))
    }

    /// The next count of `virtualChannel` (0…7; the VC ID's three bits are used).
    public subscript(virtualChannel virtualChannel: UInt8) -> UInt8 {
        get { virtualChannels[Int(virtualChannel & 0x07)] }
        set { virtualChannels[Int(virtualChannel & 0x07)] = newValue }
    }

    /// Every count advanced by `frames` (mod 256): the counts reserved ahead of a master channel
    /// that may produce up to `frames` more frames (no VC can advance faster than the master channel).
    public func advanced(by frames: Int) -> TMFrameCounts {
        let step = UInt8(truncatingIfNeeded: frames)
        return TMFrameCounts(master: master &+ step, virtualChannels: virtualChannels.map { $0 &+ step })
    }

    public var description: String {
        "MC \(master), VC " + virtualChannels.map(String.init).joined(separator: "/")
    }
}
