import Systems

/// One stored TM packet and what the store indexes it by.
public struct StoredPacket: Sendable, Equatable {
    /// The generation time from the packet's PUS-C secondary header as a 48-bit CUC value:
    /// `coarse << 16 | fine` (seconds of the mission epoch and 2^-16 s).
    public var time: UInt64
    /// The packet's APID (11 bits).
    public var apid: UInt16
    /// The packet's sequence count (14 bits), as it was stamped before it was stored.
    public var sequenceCount: UInt16
    /// The whole space packet, primary header first.
    public var packet: [UInt8]

    public init(time: UInt64, apid: UInt16, sequenceCount: UInt16, packet: [UInt8]) {
        self.time = time
        self.apid = apid
        self.sequenceCount = sequenceCount
        self.packet = packet
    }
}

/// What a store does when it is full.
public enum StorePolicy: String, Sendable, CaseIterable {
    /// The oldest segment is dropped to make room (its records are counted as overwritten).
    case circular
    /// New packets are refused (counted) until a delete makes room.
    case bounded
}

/// The shape of one store.
public struct PacketStoreConfiguration: Sendable, Equatable {
    /// The segment sizes a configuration file may ask for (4–16 MiB).
    public static let configurableSegmentBytes = (4 << 20)...(16 << 20)
    /// The smallest segment the engine accepts (tests use small segments to exercise rollover).
    public static let minimumSegmentBytes = 4096

    /// The store's name: its directory under `<state>/store/`, and its name in telemetry.
    public var name: String
    /// The size at which a segment is closed and the next one started (default 8 MiB).
    public var segmentBytes: Int
    /// The most octets the store holds on disk, headers included (default 64 MiB, at least two
    /// segments).
    public var capacityBytes: Int
    /// Full: overwrite the oldest, or refuse the newest.
    public var policy: StorePolicy
    /// How long appended records may wait for `fdatasync` (default 1 s): what a power cut may lose.
    public var flushInterval: Duration

    public init(
        name: String, segmentBytes: Int = 8 << 20, capacityBytes: Int = 64 << 20, policy: StorePolicy = .circular,
        flushInterval: Duration = .seconds(1)
    ) {
        self.name = name
        self.segmentBytes = segmentBytes
        self.capacityBytes = capacityBytes
        self.policy = policy
        self.flushInterval = flushInterval
    }

    /// Why the engine cannot run this configuration, or `nil`.
    public var problem: String? {
        if name.isEmpty || name.contains("/") || name.hasPrefix(".") { return "store name \"\(name)\" is not a directory name" }
        if segmentBytes < Self.minimumSegmentBytes { return "segment of \(segmentBytes) octets is below \(Self.minimumSegmentBytes)" }
        if capacityBytes < 2 * segmentBytes { return "capacity of \(capacityBytes) octets is less than two segments" }
        if flushInterval <= .zero { return "flush interval must be positive" }
        return nil
    }
}

/// A store that cannot be opened, written or read.
public enum PacketStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed (`open`, `pwrite`, `fdatasync`, `unlink`, …).
    case system(SystemCallError)
    /// The configuration cannot be run (see ``PacketStoreConfiguration/problem``).
    case invalidConfiguration(String)
    /// A packet longer than a space packet can be (65542 octets).
    case packetTooLong(Int)

    public var description: String {
        switch self {
        case .system(let error): "\(error)"
        case .invalidConfiguration(let problem): "invalid store configuration: \(problem)"
        case .packetTooLong(let length): "a \(length)-octet packet is longer than a space packet can be"
        }
    }
}

/// What opening a store found on disk.
public struct StoreRecovery: Sendable, Equatable {
    /// Segments kept.
    public var segments = 0
    /// Records found intact.
    public var records = 0
    /// Octets cut off the ends of segments at the first record that was torn or failed its CRC.
    public var bytesTruncated = 0
    /// Segments that were cut.
    public var truncatedSegments = 0
    /// Segments set aside (renamed `*.damaged`) because their header is not a store's.
    public var damagedSegments = 0
    /// How long the scan took, in nanoseconds.
    public var durationNanoseconds: UInt64 = 0
    /// The last sequence count stored for each APID (in store order): where counts continue
    /// when nothing better is known.
    public var lastSequenceCounts: [UInt16: UInt16] = [:]

    public init() {}

    /// Whether anything had to be repaired.
    public var repaired: Bool { bytesTruncated > 0 || damagedSegments > 0 }
}

/// The outcome of one ``PacketStore/append(_:now:)``.
public enum StoreAppendResult: Sendable, Equatable {
    /// Buffered; durable at the next flush.
    case stored
    /// A bounded store is full; the packet is not kept.
    case refusedFull
    /// Storage is disabled (PUS 15); the packet is not kept.
    case disabled
    /// The packet could not be kept.
    case failed(PacketStoreError)
}

/// A fill level crossed upward, for the events `store_fill_high` and `store_full`.
public enum StoreFillLevel: Sendable, Equatable {
    case eightyPercent
    case full
}

/// A store's counters and extent.
public struct StoreStatus: Sendable, Equatable {
    public var bytesUsed = 0
    public var capacityBytes = 0
    /// `bytesUsed` as a whole percentage of the capacity (0–100).
    public var fillPercent = 0
    public var records = 0
    public var segments = 0
    /// The oldest and newest generation times held (`nil` when empty).
    public var oldestTime: UInt64?
    public var newestTime: UInt64?
    /// Packets appended since the store was opened.
    public var appended = 0
    /// Packets refused because a bounded store was full.
    public var refused = 0
    /// Packets lost to write errors.
    public var failed = 0
    /// Records dropped with the oldest segment of a full circular store.
    public var overwritten = 0
    /// Records removed by ``PacketStore/delete(upTo:)``.
    public var deleted = 0
    /// The monotonic time of the last `fdatasync` (nanoseconds), `nil` before the first.
    public var lastSyncNanoseconds: UInt64?
    /// Whether storing is enabled (PUS 15 enable/disable; a disabled store ignores appends).
    public var enabled = true

    public init() {}
}
