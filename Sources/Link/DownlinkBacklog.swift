import SpaceLink

/// One packet for the downlink with its priority.
public struct OutgoingPacket: Sendable, Hashable {
    public var bytes: [UInt8]
    public var priority: DownlinkPriority

    public init(bytes: [UInt8], priority: DownlinkPriority) {
        self.bytes = bytes
        self.priority = priority
    }
}

/// The packets a producer made that the downlink could not take yet, so that nothing made on
/// board is dropped between the producer and the downlink's queues.
///
/// The producer (the daemon's telemetry thread) calls ``forward(to:produce:)``: the backlog is
/// offered first, in order; only once it is empty is the producer asked for more, and never for
/// more than the fullest real-time queue can take. While the downlink is full, packets stay
/// where they were made (the services' rings, which reserve room for every accepted command's
/// reports) and flow control reaches the uplink from there (FARM-1 Wait), instead of packets
/// being dropped at the downlink.
///
/// - Warning: not thread-safe; one per producer thread.
public struct DownlinkBacklog: Sendable {
    private var waiting: [OutgoingPacket] = []
    /// Most records taken from each producer ring in one ``forward(to:produce:)``.
    public let batchLimit: Int

    /// - Precondition: `batchLimit` is positive.
    public init(batchLimit: Int = 64) {
        precondition(batchLimit > 0, "batch limit must be positive")
        self.batchLimit = batchLimit
    }

    /// Packets waiting for room in the downlink.
    public var count: Int { waiting.count }

    /// Offers the backlog, then (if it emptied) what `produce` makes, to `downlink`.
    ///
    /// - Parameter produce: makes at most `limit` packets from each of its sources.
    /// - Returns: packets the downlink accepted in this call.
    @discardableResult
    public mutating func forward(to downlink: Downlink, produce: (_ limit: Int) -> [OutgoingPacket]) -> Int {
        forward(
            enqueue: { downlink.enqueue($0.bytes, priority: $0.priority) },
            room: { downlink.room($0) }, isFull: { downlink.room($0) == 0 }, produce: produce)
    }

    /// The same against a ``DownlinkScheduler`` (synchronous use: tests and simulation).
    @discardableResult
    public mutating func forward(to scheduler: inout DownlinkScheduler, produce: (_ limit: Int) -> [OutgoingPacket]) -> Int {
        var accepted = 0
        offerWaiting(enqueue: { scheduler.enqueue($0.bytes, priority: $0.priority) }, isFull: { scheduler.room($0) == 0 }, accepted: &accepted)
        guard waiting.isEmpty else { return accepted }
        let limit = min(batchLimit, max(0, min(scheduler.room(.event), scheduler.room(.housekeeping)) / 3))
        guard limit > 0 else { return accepted }
        for packet in produce(limit) { offer(packet, enqueue: { scheduler.enqueue($0.bytes, priority: $0.priority) }, isFull: { scheduler.room($0) == 0 }, accepted: &accepted) }
        return accepted
    }

    private mutating func forward(
        enqueue: (OutgoingPacket) -> Bool, room: (DownlinkPriority) -> Int, isFull: (DownlinkPriority) -> Bool,
        produce: (_ limit: Int) -> [OutgoingPacket]
    ) -> Int {
        var accepted = 0
        offerWaiting(enqueue: enqueue, isFull: isFull, accepted: &accepted)
        guard waiting.isEmpty else { return accepted }
        // A producer emits from three sources (acceptance, reports, events): a third each.
        let limit = min(batchLimit, max(0, min(room(.event), room(.housekeeping)) / 3))
        guard limit > 0 else { return accepted }
        for packet in produce(limit) { offer(packet, enqueue: enqueue, isFull: isFull, accepted: &accepted) }
        return accepted
    }

    private mutating func offerWaiting(enqueue: (OutgoingPacket) -> Bool, isFull: (DownlinkPriority) -> Bool, accepted: inout Int) {
        guard !waiting.isEmpty else { return }
        let pending = waiting
        waiting.removeAll(keepingCapacity: true)
        for packet in pending { offer(packet, enqueue: enqueue, isFull: isFull, accepted: &accepted) }
    }

    /// Offers one packet, keeping the order per priority: once a priority's packet waits, the
    /// later ones of that priority wait behind it.
    private mutating func offer(_ packet: OutgoingPacket, enqueue: (OutgoingPacket) -> Bool, isFull: (DownlinkPriority) -> Bool, accepted: inout Int) {
        if waiting.contains(where: { $0.priority == packet.priority }) || isFull(packet.priority) {
            waiting.append(packet)
            return
        }
        if enqueue(packet) {
            accepted += 1
        } else if isFull(packet.priority) {
            waiting.append(packet)
        }
        // Otherwise refused as malformed: counted by the downlink (`droppedInvalid`), not kept.
    }
}
