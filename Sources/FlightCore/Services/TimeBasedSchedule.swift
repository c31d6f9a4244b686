import HAL
import SpaceLink
import Synchronization

/// The `[schedule]` section: the time-based schedule (PUS service 11).
///
/// ```toml
/// [schedule]
/// horizon_s = 604800     # latest release time accepted, seconds after now (default 7 days)
/// capacity = 1024        # activities the schedule holds (preallocated; 1…65535)
/// staging = 64           # activities of accepted TC[11,4] not yet applied (1…4096)
/// ```
public struct ScheduleConfiguration: Sendable, Equatable {
    /// Embedded telecommands longer than this are refused (`schedule_activity_too_large`).
    public static let maximumActivityOctets = 256

    /// How far ahead an activity may be scheduled (key `horizon_s`, default 7 days).
    public var horizon: Duration = .seconds(7 * 86_400)
    /// Activities held at most (key `capacity`, default 1024).
    public var capacity = 1024
    /// Activities of accepted TC[11,4] waiting for the executive (key `staging`, default 64).
    public var stagingCapacity = 64

    public init() {}

    /// Reads `[schedule]`, rejecting unknown keys.
    /// - Throws: ``ConfigurationError`` naming the key and what was expected.
    public init(table: ConfigTable) throws(ConfigurationError) {
        self.init()
        horizon = .seconds(try table.int("horizon_s", default: 7 * 86_400, in: 1...(366 * 86_400)))
        capacity = try table.int("capacity", default: capacity, in: 1...65_535)
        stagingCapacity = try table.int("staging", default: stagingCapacity, in: 1...4096)
        try table.rejectUnknownKeys()
    }
}

/// The activities of the time-based schedule, in release order, in storage reserved at
/// construction: metadata arrays and one block of `capacity` × 256 octets for the embedded
/// telecommands. No operation allocates.
///
/// Activities with equal release instants keep their insertion order.
///
/// - Warning: Executive thread only once the executive runs (before that, the thread that
///   builds the vehicle restores it).
final class TimeBasedSchedule {
    let capacity: Int
    /// Whether the release function is enabled (TC[11,1] / TC[11,2]; disabled at start, ECSS).
    var isEnabled = false

    private(set) var count = 0
    private var releases: [MonotonicInstant]
    private var times: [ScheduleTime]
    private var requests: [ScheduleRequestID]
    private var subschedules: [UInt8]
    private var lengths: [Int]
    private let packets: UnsafeMutablePointer<UInt8>
    /// Slot indices in release order; the first ``count`` are in use.
    private var order: [Int]
    /// Free slot indices (a stack); the first `freeCount` are free.
    private var free: [Int]
    private var freeCount: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        releases = Array(repeating: .zero, count: self.capacity)
        times = Array(repeating: ScheduleTime(unixSeconds: 0), count: self.capacity)
        requests = Array(repeating: ScheduleRequestID(sourceID: 0, packetID: 0, sequenceControl: 0), count: self.capacity)
        subschedules = Array(repeating: 0, count: self.capacity)
        lengths = Array(repeating: 0, count: self.capacity)
        packets = .allocate(capacity: self.capacity * ScheduleConfiguration.maximumActivityOctets)
        packets.initialize(repeating: 0, count: self.capacity * ScheduleConfiguration.maximumActivityOctets)
        order = Array(repeating: 0, count: self.capacity)
        free = Array((0..<self.capacity).reversed())
        freeCount = self.capacity
    }

    deinit { packets.deallocate() }

    var isFull: Bool { freeCount == 0 }
    var freeSlots: Int { freeCount }

    /// The release instant of the activity at `position` (0: the earliest).
    func release(at position: Int) -> MonotonicInstant { releases[order[position]] }
    func time(at position: Int) -> ScheduleTime { times[order[position]] }
    func request(at position: Int) -> ScheduleRequestID { requests[order[position]] }
    func subschedule(at position: Int) -> UInt8 { subschedules[order[position]] }
    /// The embedded telecommand of the activity at `position` (valid until the next change).
    func packet(at position: Int) -> UnsafeBufferPointer<UInt8> {
        let slot = order[position]
        return UnsafeBufferPointer(start: packets + slot * ScheduleConfiguration.maximumActivityOctets, count: lengths[slot])
    }

    /// Adds an activity after every activity released at or before `release`.
    /// - Returns: `false` when the schedule is full or the packet is longer than 256 octets.
    @discardableResult
    func insert(
        release: MonotonicInstant, time: ScheduleTime, request: ScheduleRequestID, subschedule: UInt8, packet: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard freeCount > 0, packet.count <= ScheduleConfiguration.maximumActivityOctets, let base = packet.baseAddress else { return false }
        freeCount -= 1
        let slot = free[freeCount]
        releases[slot] = release
        times[slot] = time
        requests[slot] = request
        subschedules[slot] = subschedule
        lengths[slot] = packet.count
        (packets + slot * ScheduleConfiguration.maximumActivityOctets).update(from: base, count: packet.count)
        // Upper bound: the first position released later than `release`.
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if releases[order[middle]] <= release { low = middle + 1 } else { high = middle }
        }
        var index = count
        while index > low {
            order[index] = order[index - 1]
            index -= 1
        }
        order[low] = slot
        count += 1
        return true
    }

    /// Removes the activity at `position`.
    func remove(at position: Int) {
        precondition(position >= 0 && position < count, "position within the schedule")
        free[freeCount] = order[position]
        freeCount += 1
        var index = position
        while index < count - 1 {
            order[index] = order[index + 1]
            index += 1
        }
        count -= 1
    }

    /// Removes every activity (TC[11,3]).
    func removeAll() {
        while count > 0 { remove(at: count - 1) }
    }

    /// Moves the activity at `position` to `release` / `time`; call ``restoreOrder()`` after a batch.
    func move(at position: Int, release: MonotonicInstant, time: ScheduleTime) {
        let slot = order[position]
        releases[slot] = release
        times[slot] = time
    }

    /// Sorts the activities by release instant again (stable insertion sort: few moves when
    /// nearly sorted, no allocation).
    func restoreOrder() {
        guard count > 1 else { return }
        for index in 1..<count {
            let slot = order[index]
            var position = index
            while position > 0, releases[order[position - 1]] > releases[slot] {
                order[position] = order[position - 1]
                position -= 1
            }
            order[position] = slot
        }
    }

    /// Writes every activity, in release order, as TM[11,10] entries (sub-schedule ID, release
    /// time, TC packet) into `buffer`. Returns the octets written.
    /// - Precondition: `buffer` holds ``maximumSerializedLength(capacity:)`` octets.
    func serialize(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var offset = 0
        func put(_ octet: UInt8) {
            buffer[offset] = octet
            offset += 1
        }
        for position in 0..<count {
            let slot = order[position]
            put(subschedules[slot])
            let time = times[slot]
            let shape = ScheduleTime.octets(time.pField)
            put(time.pField)
            for index in (0..<shape.coarse).reversed() { put(UInt8(truncatingIfNeeded: time.coarse >> (8 * UInt32(index)))) }
            for index in (0..<shape.fine).reversed() { put(UInt8(truncatingIfNeeded: time.fine >> (8 * UInt32(index)))) }
            let source = packets + slot * ScheduleConfiguration.maximumActivityOctets
            for index in 0..<lengths[slot] { put(source[index]) }
        }
        return offset
    }

    /// Octets ``serialize(into:)`` may write for a schedule of `capacity` activities.
    static func maximumSerializedLength(capacity: Int) -> Int {
        capacity * (1 + 8 + ScheduleConfiguration.maximumActivityOctets)
    }
}

extension ScheduleTime {
    /// Coarse and fine octets of a P-field this codec accepted (4 + 3 otherwise).
    static func octets(_ pField: UInt8) -> (coarse: Int, fine: Int) {
        (Int((pField >> 2) & 0x03) + 1, Int(pField & 0x03))
    }
}

/// The activities of accepted TC[11,4], from the link thread to the executive: a preallocated
/// single-producer single-consumer ring of fixed-size records (release time, request ID,
/// sub-schedule, up to 256 octets of TC).
///
/// A ``ServiceCommand`` is fixed size and cannot carry packets. The producers of acceptance
/// (serialized by the services' acceptance lock) push an insert's activities here in the same
/// critical section as the command itself, after checking there is room for all of them; the
/// executive pops exactly the command's count when it applies it. Both are FIFO and pushed
/// together, so the records the executive pops are the command's own.
///
/// - Warning: ``push(_:)``: under the acceptance lock. ``pop(_:)``: executive thread only.
final class ScheduleStaging: @unchecked Sendable {
    struct Record {
        var time: ScheduleTime
        var request: ScheduleRequestID
        var subschedule: UInt8
        var length: Int
    }

    let capacity: Int
    private let records: UnsafeMutablePointer<Record>
    private let packets: UnsafeMutablePointer<UInt8>
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        records = .allocate(capacity: self.capacity)
        records.initialize(
            repeating: Record(time: ScheduleTime(unixSeconds: 0), request: ScheduleRequestID(sourceID: 0, packetID: 0, sequenceControl: 0), subschedule: 0, length: 0),
            count: self.capacity)
        packets = .allocate(capacity: self.capacity * ScheduleConfiguration.maximumActivityOctets)
        packets.initialize(repeating: 0, count: self.capacity * ScheduleConfiguration.maximumActivityOctets)
    }

    deinit {
        records.deinitialize(count: capacity)
        records.deallocate()
        packets.deallocate()
    }

    /// Records free now (exact for the producer).
    var room: Int { capacity - (tail.load(ordering: .acquiring) - head.load(ordering: .acquiring)) }

    /// Appends one activity. Producer side (under the acceptance lock), after checking ``room``.
    func push(_ activity: ScheduleActivity, subschedule: UInt8, request: ScheduleRequestID) {
        let index = tail.load(ordering: .relaxed)
        precondition(index - head.load(ordering: .acquiring) < capacity, "room checked under the acceptance lock")
        let slot = index % capacity
        let length = min(activity.packet.count, ScheduleConfiguration.maximumActivityOctets)
        records[slot] = Record(time: activity.releaseTime, request: request, subschedule: subschedule, length: length)
        activity.packet.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { (packets + slot * ScheduleConfiguration.maximumActivityOctets).update(from: base, count: length) }
        }
        tail.store(index + 1, ordering: .releasing)
    }

    /// Hands the record `offset` places after the oldest to `body` without freeing it (it must
    /// be there). Executive thread.
    func peek(_ offset: Int, _ body: (Record, UnsafeBufferPointer<UInt8>) -> Void) {
        let index = head.load(ordering: .relaxed) + offset
        guard index < tail.load(ordering: .acquiring) else { return }
        let slot = index % capacity
        let record = records[slot]
        body(record, UnsafeBufferPointer(start: packets + slot * ScheduleConfiguration.maximumActivityOctets, count: record.length))
    }

    /// Hands the oldest record and its packet to `body`, then frees it. Executive thread.
    /// - Returns: `false` when empty.
    @discardableResult
    func pop(_ body: (Record, UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        let index = head.load(ordering: .relaxed)
        guard index < tail.load(ordering: .acquiring) else { return false }
        let slot = index % capacity
        let record = records[slot]
        body(record, UnsafeBufferPointer(start: packets + slot * ScheduleConfiguration.maximumActivityOctets, count: record.length))
        head.store(index + 1, ordering: .releasing)
        return true
    }
}

/// The schedule as the executive last published it, for the telemetry thread (reports and the
/// journal): a triple buffer of preallocated octet blocks, handed over lock-free.
///
/// The writer fills its back buffer and exchanges it with the middle one (marking it new); the
/// reader, when the middle one is new, exchanges it with its front buffer. Neither waits, and a
/// reader always sees a whole snapshot.
///
/// - Warning: ``publish(_:)``: one writer thread (the executive; before it runs, the
///   constructing thread). ``latest()``: one reader thread (the telemetry thread).
final class ScheduleSnapshots: @unchecked Sendable {
    struct Header {
        var generation: UInt64 = 0
        /// When the executive published it.
        var time = MonotonicInstant.zero
        var enabled = false
        var count = 0
        var length = 0
    }

    private let buffers: [UnsafeMutableRawBufferPointer]
    private let headers: UnsafeMutablePointer<Header>
    /// Index of the middle buffer (bits 0–1) and "new" (bit 2).
    private let middle = Atomic<Int>(1)
    private var back = 0
    private var front = 2
    /// The last generation published (writer side).
    private(set) var generation: UInt64 = 0

    init(capacity: Int) {
        buffers = (0..<3).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, TimeBasedSchedule.maximumSerializedLength(capacity: capacity)), alignment: 8) }
        headers = .allocate(capacity: 3)
        headers.initialize(repeating: Header(), count: 3)
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        headers.deinitialize(count: 3)
        headers.deallocate()
    }

    /// Copies `schedule` into the back buffer and publishes it. Writer thread; no allocation.
    func publish(_ schedule: TimeBasedSchedule, at time: MonotonicInstant) {
        generation &+= 1
        let length = schedule.serialize(into: buffers[back])
        headers[back] = Header(generation: generation, time: time, enabled: schedule.isEnabled, count: schedule.count, length: length)
        back = middle.exchange(back | 4, ordering: .acquiringAndReleasing) & 3
    }

    /// The newest published snapshot: its header and its TM[11,10]-entry octets. Reader thread.
    func latest() -> (header: Header, entries: [UInt8]) {
        if middle.load(ordering: .acquiring) & 4 != 0 {
            front = middle.exchange(front, ordering: .acquiringAndReleasing) & 3
        }
        let header = headers[front]
        return (header, Array(UnsafeRawBufferPointer(rebasing: buffers[front][0..<header.length])))
    }
}
