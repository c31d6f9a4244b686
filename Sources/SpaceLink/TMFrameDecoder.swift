/// Counters of a TM frame receiver, one per outcome (64-bit: they do not overflow in practice).
public struct TMLinkStatistics: Sendable, Hashable {
    public var framesAccepted: UInt64 = 0
    public var idleFrames: UInt64 = 0
    // Frames rejected, per reason.
    public var wrongLength: UInt64 = 0
    public var wrongVersion: UInt64 = 0
    public var badCRC: UInt64 = 0
    public var wrongSpacecraft: UInt64 = 0
    public var operationalControlFieldMismatch: UInt64 = 0
    public var unsupportedDataFieldStatus: UInt64 = 0
    public var invalidFirstHeaderPointer: UInt64 = 0
    // Counter gaps: frames missing according to the 8-bit counts.
    public var masterChannelFramesLost: UInt64 = 0
    public var virtualChannelFramesLost: UInt64 = 0
    // Packets.
    public var packetsDelivered: UInt64 = 0
    public var idlePackets: UInt64 = 0
    /// Partial packets thrown away because a frame of their VC was lost.
    public var packetsDroppedOnGap: UInt64 = 0
    /// Packet data inconsistent with the first header pointer or a bad packet header.
    public var malformedPackets: UInt64 = 0

    public init() {}

    /// Frames rejected for any reason.
    public var framesRejected: UInt64 {
        wrongLength + wrongVersion + badCRC + wrongSpacecraft + operationalControlFieldMismatch + unsupportedDataFieldStatus + invalidFirstHeaderPointer
    }

    mutating func count(_ error: TMFrameError) {
        switch error {
        case .wrongLength: wrongLength += 1
        case .wrongVersion: wrongVersion += 1
        case .badCRC: badCRC += 1
        case .wrongSpacecraft: wrongSpacecraft += 1
        case .operationalControlFieldMismatch: operationalControlFieldMismatch += 1
        case .unsupportedDataFieldStatus: unsupportedDataFieldStatus += 1
        case .invalidFirstHeaderPointer: invalidFirstHeaderPointer += 1
        case .invalidPacket, .unknownVirtualChannel: break // builder-side errors
        }
    }
}

/// What ``PacketReassembler`` noticed while taking one frame.
public struct ReassemblyEvents: Sendable, Hashable {
    public var droppedOnGap = 0
    public var malformed = 0
    public init() {}
}

/// Rebuilds space packets from the data fields of consecutive frames of one virtual channel
/// using the first header pointer (CCSDS 132.0-B-3 §4.1.2.7).
///
/// After a lost frame the partial packet is dropped and reassembly resumes at the next first
/// header pointer, so a packet is never stitched together from non-adjacent frames.
public struct PacketReassembler: Sendable {
    private var partial: [UInt8] = []
    /// Whether the position in the packet stream is known (false at start and after a loss).
    private var inSync = false

    public init() {}

    /// Takes the next frame's data field.
    ///
    /// - Parameters:
    ///   - followsGap: frames of this VC were lost before this one.
    ///   - deliver: called with each complete packet, in order.
    /// - Returns: what went wrong, if anything.
    @discardableResult
    public mutating func push(dataField: ArraySlice<UInt8>, firstHeaderPointer: UInt16, followsGap: Bool, deliver: ([UInt8]) -> Void) -> ReassemblyEvents {
        var events = ReassemblyEvents()
        if followsGap {
            if !partial.isEmpty { events.droppedOnGap += 1 }
            resync()
        }
        switch firstHeaderPointer {
        case TMFrameConfiguration.idleDataOnly:
            if !partial.isEmpty { events.malformed += 1 }
            resync()
        case TMFrameConfiguration.noPacketStart:
            guard inSync else { break }
            if partial.isEmpty || !continuePartial(dataField, deliver: deliver) {
                // No packet starts here, yet the previous one is complete or ends inside.
                events.malformed += 1
                resync()
            }
        default:
            let pointer = dataField.startIndex + Int(firstHeaderPointer)
            guard pointer < dataField.endIndex else {
                if !partial.isEmpty { events.malformed += 1 }
                resync()
                break
            }
            if inSync, !partial.isEmpty {
                if !continuePartial(dataField[..<pointer], deliver: deliver) || !partial.isEmpty {
                    events.malformed += 1
                }
            } else if inSync, pointer != dataField.startIndex {
                events.malformed += 1
            }
            partial.removeAll(keepingCapacity: true)
            inSync = true
            if !packets(from: dataField[pointer...], deliver: deliver) {
                events.malformed += 1
                resync()
            }
        }
        return events
    }

    private mutating func resync() {
        partial.removeAll(keepingCapacity: true)
        inSync = false
    }

    /// Adds continuation octets to the partial packet. Returns false if the packet ends before
    /// the octets do (the frame would have to hold a packet start) or its header is invalid.
    private mutating func continuePartial(_ bytes: ArraySlice<UInt8>, deliver: ([UInt8]) -> Void) -> Bool {
        var rest = bytes
        if partial.count < SpacePacketHeader.size {
            let need = SpacePacketHeader.size - partial.count
            partial.append(contentsOf: rest.prefix(need))
            rest = rest.dropFirst(need)
            if partial.count < SpacePacketHeader.size { return true }
            guard (try? SpacePacketHeader.decode(partial)) != nil else { return false }
        }
        let length = (try? SpacePacketHeader.decode(partial))?.packetLength ?? 0
        let need = length - partial.count
        partial.append(contentsOf: rest.prefix(need))
        rest = rest.dropFirst(need)
        if partial.count == length {
            deliver(partial)
            partial.removeAll(keepingCapacity: true)
        }
        return rest.isEmpty
    }

    /// Splits octets that start at a packet header into packets, keeping the trailing
    /// partial packet. Returns false on an invalid packet header.
    private mutating func packets(from bytes: ArraySlice<UInt8>, deliver: ([UInt8]) -> Void) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            guard rest.count >= SpacePacketHeader.size else {
                partial.append(contentsOf: rest)
                return true
            }
            guard let header = try? SpacePacketHeader.decode(rest) else { return false }
            guard rest.count >= header.packetLength else {
                partial.append(contentsOf: rest)
                return true
            }
            deliver(Array(rest.prefix(header.packetLength)))
            rest = rest.dropFirst(header.packetLength)
        }
        return true
    }
}

/// Receives TM transfer frames (ground console, tests): validates each frame, counts gaps in
/// the master and virtual channel frame counts, reassembles packets per virtual channel and
/// keeps per-reason counters in ``statistics``.
///
/// - Warning: not thread-safe; feed it from one task.
public struct TMFrameDecoder: Sendable {
    public let configuration: TMFrameConfiguration
    public private(set) var statistics = TMLinkStatistics()
    /// The CLCW of the last accepted frame with an OCF.
    public private(set) var lastCLCW: CLCW?
    /// Whether idle packets (APID 0x7FF) are passed on; by default they are counted and dropped.
    public var deliversIdlePackets = false

    private var lastMasterCount: UInt8?
    private var lastVirtualCounts: [UInt8?] = Array(repeating: nil, count: 8)
    private var reassemblers: [PacketReassembler] = Array(repeating: PacketReassembler(), count: 8)

    public init(configuration: TMFrameConfiguration) { self.configuration = configuration }

    /// Takes one received frame and returns the packets it completed.
    ///
    /// A rejected frame is counted under its reason and yields nothing; it does not move the
    /// frame counts, so the next good frame shows the loss as a gap.
    public mutating func receive(_ bytes: ArraySlice<UInt8>) -> [[UInt8]] {
        let frame: TMFrame
        do {
            frame = try TMFrame.decode(bytes, configuration: configuration)
        } catch {
            statistics.count(error)
            return []
        }
        statistics.framesAccepted += 1
        if let clcw = frame.clcw { lastCLCW = clcw }
        let header = frame.header
        if let last = lastMasterCount {
            statistics.masterChannelFramesLost += UInt64(header.masterChannelFrameCount &- last &- 1)
        }
        lastMasterCount = header.masterChannelFrameCount
        let vc = Int(header.virtualChannel)
        var followsGap = false
        if let last = lastVirtualCounts[vc] {
            let lost = header.virtualChannelFrameCount &- last &- 1
            statistics.virtualChannelFramesLost += UInt64(lost)
            followsGap = lost != 0
        }
        lastVirtualCounts[vc] = header.virtualChannelFrameCount
        if header.firstHeaderPointer == TMFrameConfiguration.idleDataOnly { statistics.idleFrames += 1 }

        var packets: [[UInt8]] = []
        var idle: UInt64 = 0
        let deliversIdle = deliversIdlePackets
        let events = reassemblers[vc].push(dataField: frame.dataField, firstHeaderPointer: header.firstHeaderPointer, followsGap: followsGap) { packet in
            let apid = (UInt16(packet[0] & 0x07) << 8) | UInt16(packet[1])
            if apid == SpacePacketHeader.idleAPID {
                idle += 1
                if !deliversIdle { return }
            }
            packets.append(packet)
        }
        statistics.idlePackets += idle
        statistics.packetsDelivered += UInt64(packets.count)
        statistics.packetsDroppedOnGap += UInt64(events.droppedOnGap)
        statistics.malformedPackets += UInt64(events.malformed)
        return packets
    }

    /// Takes one received frame given as an array.
    public mutating func receive(_ bytes: [UInt8]) -> [[UInt8]] { receive(bytes[...]) }
}
