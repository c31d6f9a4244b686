import HAL
import SpaceLink

/// Priority of a packet waiting for the downlink. Lower raw value goes first.
public enum DownlinkPriority: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Events (PUS 5) and verification reports (PUS 1): real-time VC, always first.
    case event = 0
    /// Housekeeping (PUS 3) and other routine reports: real-time VC, after events.
    case housekeeping = 1
    /// Stored telemetry played back: playback VC, only in frames the real-time VC leaves free.
    case playback = 2

    public var description: String {
        switch self {
        case .event: "event"
        case .housekeeping: "housekeeping"
        case .playback: "playback"
        }
    }
}

/// Why a packet offered to the downlink was not queued.
public enum DownlinkDropReason: Sendable, Hashable, CaseIterable {
    /// Its priority's queue was at capacity.
    case queueFull
    /// Not a well-formed space packet (bad version, or a length field that disagrees with its
    /// size): framing it would desynchronize the ground's packet extraction.
    case invalidPacket
}

/// Capacity of each priority's queue, in packets.
public struct DownlinkQueueCapacity: Sendable, Hashable {
    public var event: Int
    public var housekeeping: Int
    public var playback: Int

    /// Defaults: 128 events, 256 housekeeping packets, 512 playback packets.
    public init(event: Int = 128, housekeeping: Int = 256, playback: Int = 512) {
        self.event = event
        self.housekeeping = housekeeping
        self.playback = playback
    }

    public subscript(priority: DownlinkPriority) -> Int {
        get {
            switch priority {
            case .event: event
            case .housekeeping: housekeeping
            case .playback: playback
            }
        }
        set {
            switch priority {
            case .event: event = newValue
            case .housekeeping: housekeeping = newValue
            case .playback: playback = newValue
            }
        }
    }
}

/// Managed parameters of the downlink.
public struct DownlinkConfiguration: Sendable, Hashable {
    /// TM frame layout (spacecraft ID, frame length, OCF, FECF).
    public var frame: TMFrameConfiguration
    /// Downlink bit rate in bit/s (config `[link] downlink_bit_rate`, default 64000).
    public var bitRate: Int
    /// Whether empty slots carry idle frames on ``idleVirtualChannel`` (a constant frame rate,
    /// as on an RF link) or stay silent.
    public var idleFill: Bool
    /// Packets each priority may hold.
    public var capacity: DownlinkQueueCapacity
    /// VC of events and housekeeping (default 0).
    public var realTimeVirtualChannel: UInt8
    /// VC of playback (default 1).
    public var playbackVirtualChannel: UInt8
    /// VC of idle frames (default 7).
    public var idleVirtualChannel: UInt8
    /// Most frames sent at once when the sender is late (after a stall); slots beyond that are
    /// skipped and counted, so a stall never turns into a burst above the link rate.
    public var maximumCatchUpFrames: Int
    /// Housekeeping's guaranteed share of the real-time VC: of every this many real-time frames
    /// one is filled from the housekeeping queue first (default 4: a quarter of the frames), so
    /// a flood of events or verification reports cannot starve housekeeping. 1 puts
    /// housekeeping first in every frame.
    public var housekeepingShare: Int
    /// Whether packets leaving the real-time queues get their final packet sequence count,
    /// message type counter and PEC (``PacketSequencer``), so that counts on the wire are
    /// consecutive per APID despite the reordering by priority (default true). Played-back
    /// packets keep theirs (they are stored telemetry, counted when first sent).
    public var assignsSequenceCounts: Bool

    /// - Precondition: positive bit rate, capacities, catch-up and housekeeping share; three distinct VCs ≤ 7.
    public init(
        frame: TMFrameConfiguration, bitRate: Int = 64_000, idleFill: Bool = true, capacity: DownlinkQueueCapacity = DownlinkQueueCapacity(), realTimeVirtualChannel: UInt8 = 0,
        playbackVirtualChannel: UInt8 = 1, idleVirtualChannel: UInt8 = 7, maximumCatchUpFrames: Int = 4, housekeepingShare: Int = 4, assignsSequenceCounts: Bool = true
    ) {
        precondition(bitRate > 0 && maximumCatchUpFrames > 0 && housekeepingShare > 0, "bit rate, catch-up and housekeeping share must be positive")
        precondition(DownlinkPriority.allCases.allSatisfy { capacity[$0] > 0 }, "queue capacities must be positive")
        precondition(
            Set([realTimeVirtualChannel, playbackVirtualChannel, idleVirtualChannel]).count == 3
                && max(realTimeVirtualChannel, playbackVirtualChannel, idleVirtualChannel) <= 7, "three distinct TM VCs, each ≤ 7")
        self.frame = frame
        self.bitRate = bitRate
        self.idleFill = idleFill
        self.capacity = capacity
        self.realTimeVirtualChannel = realTimeVirtualChannel
        self.playbackVirtualChannel = playbackVirtualChannel
        self.idleVirtualChannel = idleVirtualChannel
        self.maximumCatchUpFrames = maximumCatchUpFrames
        self.housekeepingShare = housekeepingShare
        self.assignsSequenceCounts = assignsSequenceCounts
    }

    /// The frame rate these parameters give.
    public var pacing: FramePacing { FramePacing(frameLength: frame.frameLength, bitRate: bitRate) }
}

/// Packet counters of one priority.
public struct DownlinkPriorityStatistics: Sendable, Hashable {
    /// Packets accepted into the queue.
    public var queued: UInt64 = 0
    /// Packets taken from the queue into the TM frame stream (they leave with the next frame
    /// or two of their VC).
    public var sent: UInt64 = 0
    /// Packets refused because the queue was full.
    public var droppedQueueFull: UInt64 = 0
    /// Packets refused because they were not well-formed space packets.
    public var droppedInvalid: UInt64 = 0
    /// Packets waiting now.
    public var depth: Int = 0
    /// Largest ``depth`` seen.
    public var highWaterMark: Int = 0

    public init() {}

    /// Packets refused for any reason.
    public var dropped: UInt64 { droppedQueueFull + droppedInvalid }

    /// Packets refused for `reason`.
    public func dropped(_ reason: DownlinkDropReason) -> UInt64 {
        switch reason {
        case .queueFull: droppedQueueFull
        case .invalidPacket: droppedInvalid
        }
    }
}

/// Send counters of one downlink destination (threaded sender only).
public struct DownlinkDestinationStatistics: Sendable, Hashable {
    /// Datagrams the socket accepted.
    public var datagramsSent: UInt64 = 0
    /// Sends refused with ECONNREFUSED: the ICMP port-unreachable of an earlier datagram (nobody
    /// listened then). The frame was sent again at once and is not lost; counted here only.
    public var refused: UInt64 = 0
    /// Frames lost for this destination: the send and its retry both failed.
    public var errors: UInt64 = 0
    /// The last failure (refusal or error).
    public var lastError: SocketError?

    public init() {}
}

/// Downlink counters (64-bit: they do not overflow in practice).
public struct DownlinkStatistics: Sendable, Hashable {
    /// Frames produced for transmission, indexed by virtual channel 0…7 (idle frames included
    /// under the idle VC).
    public var framesPerVirtualChannel: [UInt64] = Array(repeating: 0, count: 8)
    /// Idle frames produced (also counted under the idle VC).
    public var idleFrames: UInt64 = 0
    /// Octets of all frames produced.
    public var octets: UInt64 = 0
    /// Frame slots skipped because the sender was more than ``DownlinkConfiguration/maximumCatchUpFrames`` late.
    public var missedSlots: UInt64 = 0
    /// Datagrams the socket accepted (threaded sender only).
    public var datagramsSent: UInt64 = 0
    /// Frames lost because their send failed, over all destinations (threaded sender only);
    /// the loop goes on. Per destination in ``destinations``.
    public var sendErrors: UInt64 = 0
    /// Send counters per destination, in the order given to ``Downlink/start(destinations:)``.
    public var destinations: [DownlinkDestinationStatistics] = []
    /// The last send failure.
    public var lastSendError: SocketError?
    /// Packet counters per priority; index with ``subscript(_:)``.
    public var priorities: [DownlinkPriorityStatistics] = Array(repeating: DownlinkPriorityStatistics(), count: DownlinkPriority.allCases.count)

    public init() {}

    /// Frames produced on all virtual channels.
    public var frames: UInt64 { framesPerVirtualChannel.reduce(0, +) }

    /// Packets refused for `reason`, all priorities.
    public func dropped(_ reason: DownlinkDropReason) -> UInt64 { priorities.reduce(0) { $0 + $1.dropped(reason) } }

    public subscript(priority: DownlinkPriority) -> DownlinkPriorityStatistics {
        get { priorities[priority.rawValue] }
        set { priorities[priority.rawValue] = newValue }
    }
}

/// A bounded FIFO of packets with fixed capacity (a ring of preallocated slots).
struct PacketQueue: Sendable {
    private var slots: [[UInt8]]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        slots = Array(repeating: [], count: capacity)
    }

    var capacity: Int { slots.count }
    var isEmpty: Bool { count == 0 }
    var first: [UInt8]? { isEmpty ? nil : slots[head] }

    mutating func append(_ packet: [UInt8]) -> Bool {
        guard count < slots.count else { return false }
        slots[(head + count) % slots.count] = packet
        count += 1
        return true
    }

    mutating func removeFirst() -> [UInt8]? {
        guard count > 0 else { return nil }
        let packet = slots[head]
        slots[head] = []
        head = (head + 1) % slots.count
        count -= 1
        return packet
    }
}

/// The downlink's policy without threads or sockets: priority queues in front of a
/// ``TMMasterChannel``, and the slot clock that decides when a frame is due.
///
/// At each frame slot: if events or housekeeping are queued (or a packet of theirs is half
/// framed), the real-time VC gets the frame, filled from the event queue first, then the
/// housekeeping queue, and padded with an idle packet if the queues run dry (a packet never
/// waits for a frame to fill); else playback gets it on the playback VC; else an idle frame
/// on the idle VC (or nothing, without idle fill). Packets stay in their priority queues
/// until a frame needs them, so a later event overtakes every queued housekeeping packet —
/// except that one real-time frame in ``DownlinkConfiguration/housekeepingShare`` takes
/// housekeeping first, its guaranteed share of the link.
///
/// With ``DownlinkConfiguration/assignsSequenceCounts`` (the default), packets leaving the
/// real-time queues get their final sequence count, message type counter and PEC here
/// (``PacketSequencer``): on the wire the counts run on per APID despite the reordering. The
/// vehicle turns it off: it stamps on the telemetry thread before the packet store, so that a
/// replayed packet carries its real-time count (the wire order may then differ by priority).
///
/// - Warning: not thread-safe; ``Downlink`` guards one with a lock.
public struct DownlinkScheduler: Sendable {
    public let configuration: DownlinkConfiguration
    public let pacing: FramePacing
    public private(set) var statistics = DownlinkStatistics()

    private var master: TMMasterChannel
    private var queues: [PacketQueue]
    private let clcwReport: CLCWReport?
    /// Instant of slot 0 (set by the first ``pump(now:)``).
    private var epoch: MonotonicInstant?
    private var nextSlot: UInt64 = 0
    /// Frames taken by the sender thread and not yet handed to the socket.
    var framesInFlight = 0
    /// Final counts of the real-time packets (when ``DownlinkConfiguration/assignsSequenceCounts``).
    private var sequencer = PacketSequencer()
    /// Real-time frames since housekeeping last went first.
    private var framesSinceHousekeepingFirst = 0

    /// - Parameter clcw: the CLCWs put in the OCF (one per frame, in turn); `nil` keeps the
    ///   initial CLCW of VC 0 (or the one set with ``setCLCW(_:)``).
    /// - Parameter frameCounts: the counts of the first frames (restored after a restart).
    public init(configuration: DownlinkConfiguration, clcw: CLCWReport? = nil, frameCounts: TMFrameCounts = .zero) {
        self.configuration = configuration
        pacing = configuration.pacing
        clcwReport = clcw
        master = TMMasterChannel(
            configuration: configuration.frame, virtualChannels: [configuration.realTimeVirtualChannel, configuration.playbackVirtualChannel], idleVirtualChannel: configuration.idleVirtualChannel,
            counts: frameCounts)
        queues = DownlinkPriority.allCases.map { PacketQueue(capacity: configuration.capacity[$0]) }
    }

    /// Offers one encoded space packet. Never blocks.
    /// - Returns: whether it was queued; a refusal is counted under its priority and reason.
    public mutating func enqueue(_ packet: [UInt8], priority: DownlinkPriority) -> Bool {
        guard Self.isWellFormed(packet) else {
            statistics[priority].droppedInvalid += 1
            return false
        }
        guard queues[priority.rawValue].append(packet) else {
            statistics[priority].droppedQueueFull += 1
            return false
        }
        statistics[priority].queued += 1
        let depth = queues[priority.rawValue].count
        statistics[priority].depth = depth
        statistics[priority].highWaterMark = max(statistics[priority].highWaterMark, depth)
        return true
    }

    /// Sets the CLCW for the following frames (when no ``CLCWReport`` was given).
    public mutating func setCLCW(_ clcw: CLCW) { master.clcw = clcw }

    /// Packets waiting in `priority`'s queue.
    public func depth(_ priority: DownlinkPriority) -> Int { queues[priority.rawValue].count }

    /// Packets `priority`'s queue can take now.
    public func room(_ priority: DownlinkPriority) -> Int { queues[priority.rawValue].capacity - queues[priority.rawValue].count }

    /// Whether every queue is empty and no packet octets wait in the frame builders.
    public var isDrained: Bool {
        queues.allSatisfy(\.isEmpty)
            && master.pendingOctets(virtualChannel: configuration.realTimeVirtualChannel) == 0
            && master.pendingOctets(virtualChannel: configuration.playbackVirtualChannel) == 0
    }

    /// When the next frame is due: `nil` before the first ``pump(now:)`` (the first call sends
    /// at once and starts the slot clock).
    public var nextDeadline: MonotonicInstant? {
        epoch.map { $0.advanced(by: pacing.offset(ofSlot: nextSlot)) }
    }

    /// The master and virtual channel counts the next frames will carry.
    public var frameCounts: TMFrameCounts { master.counts }

    /// Restarts the slot clock: the next ``pump(now:)`` sends at once and paces from there (after
    /// a loss of signal, so the slots of the pass gap are neither sent in a burst nor counted as
    /// missed).
    public mutating func restartSlotClock() {
        epoch = nil
        nextSlot = 0
    }

    /// Empties the real-time (event and housekeeping) queues; a packet half framed stays and is
    /// continued by the next frame of its VC. Playback is kept.
    /// - Returns: the packets removed.
    public mutating func discardRealTime() -> Int {
        var removed = 0
        for priority in [DownlinkPriority.event, .housekeeping] {
            while queues[priority.rawValue].removeFirst() != nil { removed += 1 }
            statistics[priority].depth = 0
        }
        return removed
    }

    /// Produces the frames whose slots have come by `now`, in transmission order.
    ///
    /// Usually one frame or none; after a stall up to ``DownlinkConfiguration/maximumCatchUpFrames``,
    /// the older slots being skipped and counted in ``DownlinkStatistics/missedSlots``. An empty
    /// slot without idle fill yields nothing but is used up all the same.
    public mutating func pump(now: MonotonicInstant) -> [[UInt8]] {
        let start: MonotonicInstant
        if let epoch {
            start = epoch
        } else {
            start = now
            epoch = now
        }
        let due = pacing.lastSlot(atOffset: now.duration(since: start))
        guard due >= nextSlot else { return [] }
        var count = due - nextSlot + 1
        let limit = UInt64(configuration.maximumCatchUpFrames)
        if count > limit {
            statistics.missedSlots += count - limit
            nextSlot = due - limit + 1
            count = limit
        }
        var frames: [[UInt8]] = []
        for _ in 0..<count {
            if let frame = produceFrame() { frames.append(frame) }
            nextSlot += 1
        }
        return frames
    }

    /// The frame for one slot, `nil` for an empty slot without idle fill.
    private mutating func produceFrame() -> [UInt8]? {
        let realTime = configuration.realTimeVirtualChannel
        let playback = configuration.playbackVirtualChannel
        let dataFieldLength = configuration.frame.dataFieldLength
        if let clcwReport { master.clcw = clcwReport.next() }

        var frame: [UInt8]?
        if master.pendingOctets(virtualChannel: realTime) > 0 || !queues[DownlinkPriority.event.rawValue].isEmpty || !queues[DownlinkPriority.housekeeping.rawValue].isEmpty {
            // Housekeeping's guaranteed share: one real-time frame in `housekeepingShare` takes
            // housekeeping first (a frame already started by a long event packet continues it
            // first all the same: packets are never interleaved).
            framesSinceHousekeepingFirst += 1
            var order: [DownlinkPriority] = [.event, .housekeeping]
            if framesSinceHousekeepingFirst >= configuration.housekeepingShare, !queues[DownlinkPriority.housekeeping.rawValue].isEmpty {
                order = [.housekeeping, .event]
                framesSinceHousekeepingFirst = 0
            }
            frame = nextFrame(virtualChannel: realTime, from: order, dataFieldLength: dataFieldLength)
        } else if master.pendingOctets(virtualChannel: playback) > 0 || !queues[DownlinkPriority.playback.rawValue].isEmpty {
            frame = nextFrame(virtualChannel: playback, from: [.playback], dataFieldLength: dataFieldLength)
        } else if configuration.idleFill {
            frame = master.nextFrame()
        }
        if let frame { count(frame) }
        return frame
    }

    /// Fills the VC's next frame from `priorities` and takes it. Only when the queues run dry is
    /// the partial frame padded (a packet never waits for others to fill its frame); a packet
    /// that runs past the frame stays in the builder and the next frame continues it.
    private mutating func nextFrame(virtualChannel: UInt8, from priorities: [DownlinkPriority], dataFieldLength: Int) -> [UInt8] {
        fill(virtualChannel: virtualChannel, from: priorities, upTo: dataFieldLength)
        if master.pendingOctets(virtualChannel: virtualChannel) < dataFieldLength {
            master.flush(virtualChannel: virtualChannel)
        }
        return master.nextFrame()
    }

    /// Moves packets from `priorities` (in order) into the VC's frame builder until a frame's
    /// worth of data is there or the queues are empty.
    private mutating func fill(virtualChannel: UInt8, from priorities: [DownlinkPriority], upTo octets: Int) {
        for priority in priorities {
            while master.pendingOctets(virtualChannel: virtualChannel) < octets, var packet = queues[priority.rawValue].removeFirst() {
                statistics[priority].depth = queues[priority.rawValue].count
                if configuration.assignsSequenceCounts, priority != .playback { packet = sequencer.stamp(packet) }
                do {
                    try master.enqueue(packet, virtualChannel: virtualChannel)
                    statistics[priority].sent += 1
                } catch {
                    // Unreachable: packets are validated on enqueue. Counted, never lost silently.
                    statistics[priority].droppedInvalid += 1
                }
            }
        }
    }

    private mutating func count(_ frame: [UInt8]) {
        let virtualChannel = Int((frame[1] >> 1) & 0x07)
        statistics.framesPerVirtualChannel[virtualChannel] += 1
        if virtualChannel == Int(configuration.idleVirtualChannel) { statistics.idleFrames += 1 }
        statistics.octets += UInt64(frame.count)
    }

    mutating func recordSend(_ destinations: [DownlinkDestinationStatistics]) {
        framesInFlight = 0
        if statistics.destinations.count < destinations.count {
            statistics.destinations += Array(repeating: DownlinkDestinationStatistics(), count: destinations.count - statistics.destinations.count)
        }
        for (index, delta) in destinations.enumerated() {
            statistics.destinations[index].datagramsSent += delta.datagramsSent
            statistics.destinations[index].refused += delta.refused
            statistics.destinations[index].errors += delta.errors
            if let error = delta.lastError {
                statistics.destinations[index].lastError = error
                statistics.lastSendError = error
            }
            statistics.datagramsSent += delta.datagramsSent
            statistics.sendErrors += delta.errors
        }
    }

    /// A space packet whose length field matches its size (what ``TMFrameBuilder`` accepts).
    static func isWellFormed(_ packet: [UInt8]) -> Bool {
        guard let header = try? SpacePacketHeader.decode(packet) else { return false }
        return header.packetLength == packet.count
    }
}
